//! What an access token says: who, in which org, with which role and permissions, for how
//! long.

use serde::{Deserialize, Serialize};
use strongroom_core::{OrgId, Permission, Role, UserId};
use uuid::Uuid;

/// Who signs tokens (and identity's statements).
pub(crate) const ISSUER: &str = "strongroom-identity";

/// What an access token asserts. `org` is the org the token acts in; `home` is the user's own
/// org when that differs (an MSP user working in a client org they manage).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Claims {
    pub sub: UserId,
    pub org: OrgId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub home: Option<OrgId>,
    pub name: String,
    /// The user's role: a built-in role's key or one of the org's custom roles.
    pub role: String,
    /// What the role allows, fixed when the token was issued.
    pub perms: Vec<Permission>,
    /// The session or API key the token belongs to; revoking it ends the token at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<Uuid>,
    pub iss: String,
    pub iat: i64,
    /// The user's token version when issued: changing a user's role or status bumps it,
    /// which voids every token of an older version at once (see `Revocations`).
    #[serde(default)]
    pub ver: i64,
    pub exp: i64,
    /// How the caller proved who they are: `password` or `api_key`.
    pub amr: String,
    /// In a token exchanged into a client org: what the org does not let MSP staff do
    /// (`MspStaffRight` names), as the org's settings said at the exchange.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub msp_denied: Vec<String>,
}

impl Claims {
    pub fn new(
        user: UserId,
        org: OrgId,
        name: &str,
        role: &str,
        perms: Vec<Permission>,
        ttl_secs: i64,
        amr: &str,
    ) -> Self {
        let now = chrono::Utc::now().timestamp();
        Self {
            sub: user,
            org,
            home: None,
            name: name.to_owned(),
            role: role.to_owned(),
            perms,
            sid: None,
            iss: ISSUER.to_owned(),
            iat: now,
            ver: 0,
            exp: now + ttl_secs,
            amr: amr.to_owned(),
            msp_denied: Vec::new(),
        }
    }

    /// Claims of a built-in role, with that role's permissions from the table.
    pub fn for_role(
        user: UserId,
        org: OrgId,
        name: &str,
        role: Role,
        ttl_secs: i64,
        amr: &str,
    ) -> Self {
        Self::new(
            user,
            org,
            name,
            role.as_str(),
            strongroom_core::permissions_of(role),
            ttl_secs,
            amr,
        )
    }

    pub fn with_session(mut self, sid: Uuid) -> Self {
        self.sid = Some(sid);
        self
    }

    pub fn with_version(mut self, ver: i64) -> Self {
        self.ver = ver;
        self
    }

    pub fn home_org(&self) -> OrgId {
        self.home.unwrap_or(self.org)
    }
}
