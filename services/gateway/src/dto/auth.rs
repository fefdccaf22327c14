//! Signing in, refreshing, changing one's own password, and sessions.

use serde::{Deserialize, Serialize};
use strongroom_proto::identity as pb;
use utoipa::ToSchema;

use super::or_null;

#[derive(Serialize, Deserialize, ToSchema)]
pub struct LoginBody {
    #[schema(example = "admin")]
    pub username: String,
    #[schema(format = Password)]
    pub password: String,
}

#[derive(Serialize, Deserialize, ToSchema)]
pub struct RefreshBody {
    /// The refresh token of the last login or refresh; each is good once.
    pub refresh_token: String,
}

#[derive(Serialize, Deserialize, ToSchema)]
pub struct ChangePasswordBody {
    pub username: String,
    #[schema(format = Password)]
    pub current_password: String,
    #[schema(format = Password)]
    pub new_password: String,
}

/// An access token (send it as `Authorization: Bearer <token>`) and the one-time refresh
/// token that gets the next one.
#[derive(Deserialize, Serialize, ToSchema)]
pub struct Token {
    pub token: String,
    /// Always `Bearer`.
    #[schema(example = "Bearer")]
    pub token_type: String,
    /// When the access token expires (Unix seconds).
    pub expires_at: i64,
    pub user_id: String,
    pub org_id: String,
    pub role: String,
    pub permissions: Vec<String>,
    pub session_id: String,
    pub refresh_token: String,
    /// When the refresh token expires (Unix seconds).
    pub refresh_expires_at: i64,
}

impl From<pb::TokenResponse> for Token {
    fn from(t: pb::TokenResponse) -> Self {
        Self {
            token: t.token,
            token_type: "Bearer".to_owned(),
            expires_at: t.expires_at,
            user_id: t.user_id,
            org_id: t.org_id,
            role: t.role,
            permissions: t.permissions,
            session_id: t.session_id,
            refresh_token: t.refresh_token,
            refresh_expires_at: t.refresh_expires_at,
        }
    }
}

#[derive(Deserialize, Debug, Serialize, ToSchema)]
pub struct SessionList {
    pub sessions: Vec<Session>,
}

/// A signed-in session.
#[derive(Deserialize, Debug, Serialize, ToSchema)]
pub struct Session {
    pub id: String,
    pub user_id: String,
    pub created_at: String,
    #[schema(required = true)]
    pub last_used_at: Option<String>,
    pub expires_at: String,
    #[schema(required = true)]
    pub ip: Option<String>,
    #[schema(required = true)]
    pub user_agent: Option<String>,
    /// The session of the request that asked.
    pub current: bool,
}

impl From<pb::Session> for Session {
    fn from(s: pb::Session) -> Self {
        Self {
            id: s.id,
            user_id: s.user_id,
            created_at: s.created_at,
            last_used_at: or_null(s.last_used_at),
            expires_at: s.expires_at,
            ip: or_null(s.ip),
            user_agent: or_null(s.user_agent),
            current: s.current,
        }
    }
}

impl From<pb::SessionList> for SessionList {
    fn from(l: pb::SessionList) -> Self {
        Self {
            sessions: l.sessions.into_iter().map(Session::from).collect(),
        }
    }
}
