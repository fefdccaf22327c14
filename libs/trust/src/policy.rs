//! Per-RPC caller allow-lists, enforced from the peer certificate before any handler runs.

use std::collections::HashMap;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures::future::{Either, Ready, ready};

use crate::{Peer, Service};

/// One service's table: each RPC path (`/<package>.<Service>/<Method>`) and the services that
/// may call it. An RPC missing from the table answers nobody.
pub type Callers = &'static [(&'static str, &'static [Service])];

/// A table of [`Callers`] for the RPCs of one gRPC service:
/// `callers!("/strongroom.audit.v1.Audit/" { "Record" => [Vault], "ListEvents" => [Gateway] })`.
#[macro_export]
macro_rules! callers {
    ($prefix:literal { $($method:literal => [$($caller:ident),* $(,)?]),* $(,)? }) => {
        &[$((concat!($prefix, $method), &[$($crate::Service::$caller),*])),*]
    };
}

/// The calling service, proven by its certificate; in the extensions of every request a
/// [`CallerPolicy`] let through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caller(pub Service);

/// The calling service of a request the policy let through.
pub fn caller_of<T>(request: &tonic::Request<T>) -> Result<Service, tonic::Status> {
    request
        .extensions()
        .get::<Caller>()
        .map(|c| c.0)
        .ok_or_else(|| tonic::Status::permission_denied("the calling service is not known"))
}

/// A tower layer for a service's gRPC server: refuses (`PERMISSION_DENIED`, logged) every
/// call whose peer certificate does not name a service the RPC's entry allows.
#[derive(Clone)]
pub struct CallerPolicy {
    serving: Service,
    table: Arc<HashMap<&'static str, &'static [Service]>>,
}

impl CallerPolicy {
    /// `serving`'s policy from its tables (its own RPCs, and shared ones such as health and
    /// provisioning).
    pub fn new(serving: Service, tables: &[Callers]) -> Self {
        let table = tables.iter().flat_map(|t| t.iter().copied()).collect();
        Self {
            serving,
            table: Arc::new(table),
        }
    }

    pub fn allows(&self, path: &str, caller: Service) -> bool {
        self.table
            .get(path)
            .is_some_and(|allowed| allowed.contains(&caller))
    }
}

impl<S> tower::Layer<S> for CallerPolicy {
    type Service = Checked<S>;

    fn layer(&self, inner: S) -> Checked<S> {
        Checked {
            inner,
            policy: self.clone(),
        }
    }
}

/// A gRPC service behind its [`CallerPolicy`].
#[derive(Clone)]
pub struct Checked<S> {
    inner: S,
    policy: CallerPolicy,
}

impl<S, B> tower::Service<http::Request<B>> for Checked<S>
where
    S: tower::Service<http::Request<B>, Response = http::Response<tonic::body::Body>>,
{
    type Response = http::Response<tonic::body::Body>;
    type Error = S::Error;
    type Future = Either<Ready<Result<Self::Response, S::Error>>, S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: http::Request<B>) -> Self::Future {
        let peer = request.extensions().get::<Peer>().cloned();
        let path = request.uri().path();
        let refusal = match peer.as_ref().and_then(|p| p.service) {
            Some(caller) if self.policy.allows(path, caller) => {
                request.extensions_mut().insert(Caller(caller));
                return Either::Right(self.inner.call(request));
            }
            Some(caller) => format!("the {caller} service may not call {path}"),
            None => format!("the caller's certificate names no Strongroom service; {path} refused"),
        };
        tracing::warn!(
            service = %self.policy.serving,
            peer = ?peer.map(|p| p.addr),
            why = %refusal,
            "refused a gRPC call"
        );
        Either::Left(ready(Ok(
            tonic::Status::permission_denied(refusal).into_http()
        )))
    }
}
