//! Who is calling and in which org: the org comes from the URL, the identity from the
//! bearer credential, and the two are reconciled by the identity service.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use axum::extract::{FromRequestParts, Request};
use axum::http::request::Parts;
use strongroom_auth::RequestContext;
use strongroom_core::{ErrorCode, OrgId};
use strongroom_proto::identity::{AuthenticateApiKeyRequest, ExchangeTokenRequest};
use strongroom_proto::tenant::tenant_client::TenantClient;
use strongroom_proto::tenant::{GetMspOrgRequest, ResolveSlugRequest};
use tonic::transport::Channel;

use crate::Gateway;
use crate::error::ApiError;
use crate::key_cache::TokenCache;
use crate::key_retry::{FreshKeyToken, RememberedKeyToken};

/// The org slug taken from a `/<org>/api/...` URL.
#[derive(Debug, Clone)]
pub struct OrgSlug(pub String);

/// Rewrites `/<org>/...` to `/...`, keeping the slug as an extension, so one router serves
/// MSPOrg at `/` (its API at `/api/v1`) and every client org at its own URL. A first
/// segment that is one of the gateway's own words (`api`, `static`, MSPOrg's console
/// pages) is never an org.
pub fn split_org_prefix(mut request: Request) -> Request {
    let path = request.uri().path();
    let Some((slug, rest)) = path.strip_prefix('/').and_then(|p| p.split_once('/')) else {
        return request;
    };
    if slug.is_empty() || strongroom_core::paths::is_reserved(slug) {
        return request;
    }
    let slug = slug.to_owned();
    let new_path = format!("/{rest}");
    let new_uri = match request.uri().query() {
        Some(q) => format!("{new_path}?{q}"),
        None => new_path,
    };
    if let Ok(uri) = new_uri.parse() {
        *request.uri_mut() = uri;
        request.extensions_mut().insert(OrgSlug(slug));
    }
    request
}

const SLUG_TTL: Duration = Duration::from_secs(30);

/// Slug → org id, cached briefly (ids never change; a new org shows up within the TTL of a
/// miss, and misses are not cached).
#[derive(Clone)]
pub struct OrgDirectory {
    tenant: TenantClient<Channel>,
    cache: Arc<RwLock<HashMap<String, (OrgId, Instant)>>>,
    msp: Arc<RwLock<Option<OrgId>>>,
}

impl OrgDirectory {
    pub fn new(tenant: TenantClient<Channel>) -> Self {
        Self {
            tenant,
            cache: Arc::default(),
            msp: Arc::default(),
        }
    }

    pub async fn resolve(&self, slug: Option<&OrgSlug>) -> Result<OrgId, ApiError> {
        let Some(OrgSlug(slug)) = slug else {
            return self.msp_org().await;
        };
        let key = slug.to_ascii_lowercase();
        let cached = self.cache.read().ok().and_then(|c| c.get(&key).copied());
        if let Some((id, at)) = cached
            && at.elapsed() < SLUG_TTL
        {
            return Ok(id);
        }
        let org = self
            .tenant
            .clone()
            .resolve_slug(ResolveSlugRequest { slug: slug.clone() })
            .await
            .map_err(|s| {
                if s.code() == tonic::Code::NotFound {
                    ApiError::not_found()
                } else {
                    s.into()
                }
            })?
            .into_inner();
        let id = OrgId::parse(&org.id)
            .map_err(|_| ApiError::new(ErrorCode::Internal, "internal error"))?;
        if let Ok(mut c) = self.cache.write() {
            c.insert(key, (id, Instant::now()));
        }
        Ok(id)
    }

    /// Forgets the slug of an org this gateway just deleted or renamed (other replicas
    /// notice within the TTL).
    pub fn forget(&self, org: &str) {
        if let (Ok(org), Ok(mut c)) = (OrgId::parse(org), self.cache.write()) {
            c.retain(|_, (id, _)| *id != org);
        }
    }

    async fn msp_org(&self) -> Result<OrgId, ApiError> {
        if let Some(id) = self.msp.read().ok().and_then(|m| *m) {
            return Ok(id);
        }
        let org = self
            .tenant
            .clone()
            .get_msp_org(GetMspOrgRequest {})
            .await?
            .into_inner();
        let id = OrgId::parse(&org.id)
            .map_err(|_| ApiError::new(ErrorCode::Internal, "internal error"))?;
        if let Ok(mut m) = self.msp.write() {
            *m = Some(id);
        }
        Ok(id)
    }
}

/// Where the request came from, for the audit trail.
pub struct Origin {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

impl Origin {
    pub fn of(parts: &Parts) -> Self {
        Self {
            ip: parts
                .extensions
                .get::<crate::client_ip::ClientIp>()
                .map(|c| c.0.to_string()),
            user_agent: parts
                .headers
                .get(axum::http::header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
        }
    }

    /// Puts the origin on a call that carries no token (login).
    pub fn attach<T>(&self, message: T) -> tonic::Request<T> {
        let mut request = tonic::Request::new(message);
        let meta = request.metadata_mut();
        if let Some(Ok(v)) = self.ip.as_deref().map(str::parse) {
            meta.insert(strongroom_auth::METADATA_IP, v);
        }
        if let Some(Ok(v)) = self.user_agent.as_deref().map(str::parse) {
            meta.insert(strongroom_auth::METADATA_USER_AGENT, v);
        }
        request
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Origin {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self::of(parts))
    }
}

/// The org a public request (signing in, the login page's branding) addresses, from its
/// URL. A URL naming no org addresses an org that does not exist either, which every
/// service answers as it answers a failed login at a real one: public routes do not tell
/// which orgs exist.
pub struct TargetOrg(pub OrgId);

impl FromRequestParts<Gateway> for TargetOrg {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &Gateway) -> Result<Self, ApiError> {
        let slug = parts.extensions.get::<OrgSlug>().cloned();
        Ok(Self(public_org(state, slug.as_ref()).await?))
    }
}

async fn public_org(state: &Gateway, slug: Option<&OrgSlug>) -> Result<OrgId, ApiError> {
    match state.orgs.resolve(slug).await {
        Err(e) if e.code == ErrorCode::NotFound => Ok(OrgId::new()),
        resolved => resolved,
    }
}

/// A caller authenticated for the org in the URL: an access token of that org, an MSP
/// user's token exchanged for one (account managers), or an API key of that org. Whatever
/// does not fit is "not found", so no org's existence leaks to outsiders.
pub struct Caller(pub RequestContext);

impl FromRequestParts<Gateway> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &Gateway) -> Result<Self, ApiError> {
        // Credentials are checked before the org is looked up, and a URL naming no org is
        // answered as a real org answers the same credential: missing → 401, an API key →
        // "invalid API key" (asked of identity, for an org that does not exist), a token →
        // 401 if invalid, else 404 as for an org the token's holder may not reach.
        let origin = Origin::of(parts);
        let slug = parts.extensions.get::<OrgSlug>().cloned();
        let credential = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| {
                ApiError::new(ErrorCode::Unauthenticated, "missing bearer credentials")
            })?;
        let verify = |token: &str| {
            RequestContext::verify(
                &state.verifier,
                token,
                origin.ip.clone(),
                origin.user_agent.clone(),
            )
            .map_err(|e| match e {
                // Fail closed, but say so: the credential may be fine.
                strongroom_auth::AuthError::RevocationsUnknown => {
                    ApiError::new(ErrorCode::Unavailable, e.to_string())
                }
                _ => ApiError::new(ErrorCode::Unauthenticated, "invalid or expired token"),
            })
        };

        if credential.starts_with("srk_") {
            let org = public_org(state, slug.as_ref()).await?;
            // Keyed on the address too: a key limited to some addresses must be checked
            // again from any other, never served a token issued for an allowed one.
            let client_ip = origin.ip.clone().unwrap_or_default();
            let digest = TokenCache::digest(org, credential, &client_ip);
            // A remembered token the verifier now refuses (the user's role changed, say) is
            // not the key's answer: ask identity again.
            let remembered = || {
                state
                    .api_key_tokens
                    .get(&digest)
                    .and_then(|token| verify(&token).ok())
            };
            // Asked afresh when a service refused the remembered one (see `key_retry`).
            let fresh = parts.extensions.get::<FreshKeyToken>().is_some();
            let served_remembered = |ctx| {
                if let Some(flag) = parts.extensions.get::<RememberedKeyToken>() {
                    flag.mark();
                }
                Ok(Self(ctx))
            };
            if !fresh && let Some(ctx) = remembered() {
                return served_remembered(ctx);
            }
            let _turn = state.api_key_tokens.turn(digest).await;
            if !fresh && let Some(ctx) = remembered() {
                return served_remembered(ctx);
            }
            let asked = Instant::now();
            let issued = state
                .identity
                .clone()
                .authenticate_api_key(origin.attach(AuthenticateApiKeyRequest {
                    org_id: org.to_string(),
                    key: credential.to_owned(),
                    client_ip,
                }))
                .await?
                .into_inner();
            let ctx = verify(&issued.token)?;
            state
                .api_key_tokens
                .put(digest, issued.token, ctx.claims.exp, asked);
            return Ok(Self(ctx));
        }
        let ctx = verify(credential)?;
        let org = state.orgs.resolve(slug.as_ref()).await?;
        if ctx.org() == org {
            return Ok(Self(ctx));
        }
        // MSP staff in a client org: their token exchanged for one scoped to it, kept a
        // second (see `key_cache`) and verified again on every use.
        let digest = TokenCache::digest(org, credential, "");
        let remembered = || {
            state
                .exchanged_tokens
                .get(&digest)
                .and_then(|token| verify(&token).ok())
        };
        if let Some(ctx) = remembered() {
            return Ok(Self(ctx));
        }
        let _turn = state.exchanged_tokens.turn(digest).await;
        if let Some(ctx) = remembered() {
            return Ok(Self(ctx));
        }
        let asked = Instant::now();
        let exchanged = state
            .identity
            .clone()
            .exchange_token(strongroom_auth::outgoing(
                &ctx,
                ExchangeTokenRequest {
                    target_org_id: org.to_string(),
                },
            ))
            .await
            .map_err(|s| match s.code() {
                tonic::Code::NotFound | tonic::Code::PermissionDenied => ApiError::not_found(),
                _ => s.into(),
            })?
            .into_inner();
        let exchanged_ctx = verify(&exchanged.token)?;
        state
            .exchanged_tokens
            .put(digest, exchanged.token, exchanged_ctx.claims.exp, asked);
        Ok(Self(exchanged_ctx))
    }
}
