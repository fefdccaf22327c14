# syntax=docker/dockerfile:1
#
# One Dockerfile for every Strongroom image.
#
#   docker build --build-arg SERVICE=gateway  -t strongroom-gateway  .
#   docker build --build-arg SERVICE=launcher -t strongroom-launcher .
#
# SERVICE is one of: gateway identity tenant vault access rotation audit launcher.
# Whatever the service, the binary ends up at /usr/local/bin/strongroom-service,
# so the ENTRYPOINT and the healthcheck command are the same for every image.

############################
# Builder
############################
FROM rust:1-bookworm AS builder
ARG SERVICE
WORKDIR /app

# sqlx compile-time macros must never try to reach a database during an image build.
ENV SQLX_OFFLINE=true \
    CARGO_TERM_COLOR=never

COPY Cargo.toml Cargo.lock ./
COPY libs ./libs
COPY services ./services
COPY proto ./proto
COPY migrations ./migrations
COPY e2e ./e2e

# /app/target is a cache mount, so the binary is copied out to /out inside the
# same RUN: nothing under a cache mount survives into the image layer.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/app/target \
    set -eu; \
    case "${SERVICE:-}" in \
      gateway|identity|tenant|vault|access|rotation|audit|launcher) ;; \
      *) echo "SERVICE must be one of: gateway identity tenant vault access rotation audit launcher (got '${SERVICE:-}')" >&2; exit 1 ;; \
    esac; \
    if [ "${SERVICE}" = "launcher" ]; then \
      cargo build --release --locked -p strongroom --bin strongroom; \
      bin=strongroom; \
    else \
      cargo build --release --locked -p strongroom-${SERVICE} --bin strongroom-${SERVICE}; \
      bin="strongroom-${SERVICE}"; \
    fi; \
    install -D -m 0755 "target/release/${bin}" /out/strongroom-service

############################
# Runtime
############################
FROM debian:bookworm-slim AS runtime
ARG SERVICE

RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/*

# Fixed, non-root UID/GID (10001) so Kubernetes runAsUser/fsGroup and compose
# named volumes agree. /keys is created owned by that user so a fresh named
# volume mounted there (compose `keys`) inherits the ownership and `strongroom
# keygen --dir /keys` can write into it.
RUN groupadd --system --gid 10001 strongroom \
 && useradd --system --uid 10001 --gid strongroom --no-create-home \
      --home-dir /nonexistent --shell /usr/sbin/nologin strongroom \
 && install -d -o strongroom -g strongroom -m 0750 /keys

COPY --from=builder /out/strongroom-service /usr/local/bin/strongroom-service

LABEL org.opencontainers.image.title="strongroom-${SERVICE}" \
      org.opencontainers.image.licenses="Apache-2.0"

ENV RUST_LOG=info
USER 10001:10001
ENTRYPOINT ["/usr/local/bin/strongroom-service"]
