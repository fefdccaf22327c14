use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use strongroom_core::{OrgId, Permission, UserId};
use tonic::metadata::MetadataValue;

use crate::{AuthError, Claims, METADATA_IP, METADATA_USER_AGENT, Verifier};

/// Who is calling, in which org, from where. Built only from a verified token.
#[derive(Clone)]
pub struct RequestContext {
    pub claims: Claims,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    // Kept to forward to the services this request calls.
    token: Arc<str>,
}

impl std::fmt::Debug for RequestContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestContext")
            .field("claims", &self.claims)
            .field("ip", &self.ip)
            .finish_non_exhaustive()
    }
}

impl RequestContext {
    pub fn verify(
        verifier: &Verifier,
        token: &str,
        ip: Option<String>,
        user_agent: Option<String>,
    ) -> Result<Self, AuthError> {
        let claims = verifier.verify(token)?;
        Ok(Self {
            claims,
            ip,
            user_agent,
            token: token.into(),
        })
    }

    pub fn org(&self) -> OrgId {
        self.claims.org
    }

    pub fn user(&self) -> UserId {
        self.claims.sub
    }

    pub fn username(&self) -> &str {
        &self.claims.name
    }

    pub fn can(&self, permission: Permission) -> bool {
        self.claims.perms.contains(&permission)
    }

    /// The first line of every guarded operation.
    pub fn require(&self, permission: Permission) -> Result<(), AuthError> {
        if self.can(permission) {
            Ok(())
        } else {
            Err(AuthError::Forbidden(permission))
        }
    }

    /// Refuses a caller who authenticated with an API key: a key fetches passwords, it does
    /// not make or end credentials (keys, passwords, sessions) or change settings.
    pub fn require_signed_in(&self) -> Result<(), AuthError> {
        if self.claims.amr == crate::AMR_API_KEY {
            Err(AuthError::NotWithApiKey)
        } else {
            Ok(())
        }
    }

    /// Refuses giving anyone `granted` unless the caller holds every one of those
    /// permissions in this org: nobody grants what they do not hold.
    pub fn require_grantable(&self, granted: &[Permission]) -> Result<(), AuthError> {
        match strongroom_core::first_not_held(&self.claims.perms, granted) {
            Some(missing) => Err(AuthError::CannotGrant(missing)),
            None => Ok(()),
        }
    }

    /// Refuses MSP staff (a token exchanged into this org) what the org turned off for them.
    pub fn require_msp_allowed(
        &self,
        right: strongroom_core::MspStaffRight,
    ) -> Result<(), AuthError> {
        if self.claims.home.is_some() && self.claims.msp_denied.iter().any(|d| d == right.as_str())
        {
            Err(AuthError::MspStaffDenied(right))
        } else {
            Ok(())
        }
    }

    /// Whether the caller is an administrator whose home is `org` (MSPOrg's, for the
    /// switches only an MSPOrg administrator may turn on), in `org` or working in another.
    pub fn is_home_administrator_of(&self, org: OrgId) -> bool {
        self.claims.home_org() == org
            && self.claims.role == strongroom_core::Role::Administrator.as_str()
    }

    /// The session (or API key) the caller's token belongs to.
    pub fn session(&self) -> Option<uuid::Uuid> {
        self.claims.sid
    }

    pub fn token(&self) -> &str {
        &self.token
    }
}

/// Wraps a message for a call to another service on behalf of this caller.
pub fn outgoing<T>(ctx: &RequestContext, message: T) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    let meta = request.metadata_mut();
    if let Ok(v) = MetadataValue::try_from(format!("Bearer {}", ctx.token)) {
        meta.insert("authorization", v);
    }
    if let Some(Ok(v)) = ctx.ip.as_deref().map(MetadataValue::try_from) {
        meta.insert(METADATA_IP, v);
    }
    if let Some(Ok(v)) = ctx.user_agent.as_deref().map(MetadataValue::try_from) {
        meta.insert(METADATA_USER_AGENT, v);
    }
    request
}

/// Verifies the bearer token of an incoming gRPC request.
pub fn grpc_context<T>(
    verifier: &Verifier,
    request: &tonic::Request<T>,
) -> Result<RequestContext, tonic::Status> {
    let meta = request.metadata();
    let text = |k: &str| meta.get(k).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let token = text("authorization")
        .and_then(|v| v.strip_prefix("Bearer ").map(str::to_owned))
        .ok_or_else(|| tonic::Status::unauthenticated("missing credentials"))?;
    RequestContext::verify(
        verifier,
        &token,
        text(METADATA_IP),
        text(METADATA_USER_AGENT),
    )
    .map_err(|e| strongroom_core::to_status(&e))
}

/// Axum extractor: any router whose state yields an `Arc<Verifier>` can take a
/// `RequestContext` argument.
impl<S> FromRequestParts<S> for RequestContext
where
    Arc<Verifier>: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = AuthError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let verifier = Arc::<Verifier>::from_ref(state);
        let header = |k: &str| {
            parts
                .headers
                .get(k)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let token = header("authorization")
            .and_then(|v| v.strip_prefix("Bearer ").map(str::to_owned))
            .ok_or(AuthError::MissingCredentials)?;
        RequestContext::verify(&verifier, &token, None, header("user-agent"))
    }
}

impl axum::response::IntoResponse for AuthError {
    fn into_response(self) -> axum::response::Response {
        use strongroom_core::HasErrorCode;
        let code = self.code();
        let status = axum::http::StatusCode::from_u16(code.http_status())
            .unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR);
        let body = strongroom_core::ErrorBody {
            error: code.as_str().to_owned(),
            message: self.to_string(),
        };
        (status, axum::Json(body)).into_response()
    }
}
