//! The caller's own API keys.

use serde::{Deserialize, Serialize};
use strongroom_proto::identity as pb;
use utoipa::ToSchema;

use super::or_null;

#[derive(Serialize, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewApiKey {
    #[schema(example = "backup job")]
    pub name: String,
    /// RFC 3339; none = never expires.
    #[serde(default)]
    pub expires_at: Option<String>,
    /// Addresses or networks the key may be used from; none: any.
    #[serde(default)]
    #[schema(example = json!(["10.0.0.0/8"]))]
    pub allowed_cidrs: Vec<String>,
}

/// A new API key, with its secret: shown this once, send it as `Authorization: Bearer <key>`.
#[derive(Deserialize, Serialize, ToSchema)]
pub struct CreatedApiKey {
    pub id: String,
    pub name: String,
    pub key: String,
    pub created_at: String,
    #[schema(required = true)]
    pub expires_at: Option<String>,
    pub allowed_cidrs: Vec<String>,
}

impl From<pb::CreateApiKeyResponse> for CreatedApiKey {
    fn from(k: pb::CreateApiKeyResponse) -> Self {
        Self {
            id: k.id,
            name: k.name,
            key: k.key,
            created_at: k.created_at,
            expires_at: or_null(k.expires_at),
            allowed_cidrs: k.allowed_cidrs,
        }
    }
}

#[derive(Deserialize, Debug, Serialize, ToSchema)]
pub struct ApiKeyList {
    pub keys: Vec<ApiKey>,
}

/// An API key of the caller's (never its secret).
#[derive(Deserialize, Debug, Serialize, ToSchema)]
pub struct ApiKey {
    pub id: String,
    pub name: String,
    pub created_at: String,
    #[schema(required = true)]
    pub expires_at: Option<String>,
    pub allowed_cidrs: Vec<String>,
    #[schema(required = true)]
    pub last_used_at: Option<String>,
    #[schema(required = true)]
    pub revoked_at: Option<String>,
}

impl From<pb::ApiKeyInfo> for ApiKey {
    fn from(k: pb::ApiKeyInfo) -> Self {
        Self {
            id: k.id,
            name: k.name,
            created_at: k.created_at,
            expires_at: or_null(k.expires_at),
            allowed_cidrs: k.allowed_cidrs,
            last_used_at: or_null(k.last_used_at),
            revoked_at: or_null(k.revoked_at),
        }
    }
}

impl From<pb::ApiKeyList> for ApiKeyList {
    fn from(l: pb::ApiKeyList) -> Self {
        Self {
            keys: l.keys.into_iter().map(ApiKey::from).collect(),
        }
    }
}
