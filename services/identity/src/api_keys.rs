//! API keys: `srk_<id>_<secret>`, shown once, kept as SHA-256; per user, named, with an
//! optional expiry and source-address allow-list. A key acts with its user's permissions.

use chrono::{DateTime, Utc};
use ipnet::IpNet;
use sha2::{Digest, Sha256};
use strongroom_auth::{Claims, RequestContext};
use strongroom_core::{OrgId, Permission, UserId};
use strongroom_events::{Actor, Event, Target};
use uuid::Uuid;

use crate::app::{
    Identity, SERVICE, constant_time_eq, event, own_unless_manager, random_token, required,
};
use crate::error::{IdentityError, exists_or};
use crate::ids::ApiKeyId;
use crate::sessions::IssuedToken;
pub use crate::store::ApiKeyRow;
use crate::store::{self, LiveKey, NewKey};

const API_KEY_PREFIX: &str = "srk_";
const API_KEY_TOKEN_TTL_SECS: i64 = 5 * 60;

pub struct NewApiKey {
    pub row: ApiKeyRow,
    /// Shown once.
    pub key: String,
}

/// Parses an allow-list entry: a CIDR block or a single address.
fn parse_cidr(entry: &str) -> Result<IpNet, IdentityError> {
    let entry = entry.trim();
    entry
        .parse::<IpNet>()
        .or_else(|_| entry.parse::<std::net::IpAddr>().map(IpNet::from))
        .map(|net| net.trunc())
        .map_err(|_| {
            IdentityError::InvalidInput(format!(
                "{entry:?} is not an address or CIDR block (e.g. 10.0.0.0/8)"
            ))
        })
}

fn address_allowed(cidrs: &[String], client_ip: &str) -> bool {
    if cidrs.is_empty() {
        return true;
    }
    let Ok(ip) = client_ip.parse::<std::net::IpAddr>() else {
        return false;
    };
    // An IPv4 client reached over an IPv6 socket shows as ::ffff:a.b.c.d.
    let ip = match ip {
        std::net::IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, std::net::IpAddr::V4),
        v4 => v4,
    };
    cidrs
        .iter()
        .filter_map(|c| c.parse::<IpNet>().ok())
        .any(|net| net.contains(&ip))
}

impl Identity {
    pub async fn create_api_key(
        &self,
        ctx: &RequestContext,
        name: &str,
        expires_at: &str,
        allowed: &[String],
    ) -> Result<NewApiKey, IdentityError> {
        ctx.require(Permission::ApiKeysOwn)?;
        ctx.require_signed_in()?;
        let name = required("name", name, 100)?;
        if ctx.claims.home.is_some() {
            return Err(IdentityError::InvalidInput(
                "API keys are created in your own org".into(),
            ));
        }
        let expires_at = match expires_at.trim() {
            "" => None,
            text => {
                let at = DateTime::parse_from_rfc3339(text)
                    .map_err(|_| {
                        IdentityError::InvalidInput(
                            "expires_at must be an RFC 3339 time, e.g. 2027-01-31T00:00:00Z".into(),
                        )
                    })?
                    .with_timezone(&Utc);
                if at <= Utc::now() {
                    return Err(IdentityError::InvalidInput(
                        "expires_at must be in the future".into(),
                    ));
                }
                Some(at)
            }
        };
        let cidrs: Vec<String> = allowed
            .iter()
            .map(|c| parse_cidr(c).map(|n| n.to_string()))
            .collect::<Result<_, _>>()?;
        let id = Uuid::now_v7();
        let secret = random_token(32);
        let mut tx = self.db.begin(ctx.org()).await?;
        let key = NewKey {
            id,
            user: ctx.user().0,
            name: &name,
            secret_hash: &Sha256::digest(secret.as_bytes()),
            expires_at,
            allowed_cidrs: &cidrs,
        };
        let row = store::insert_api_key(&mut tx, &key)
            .await
            .map_err(|e| exists_or(e, || format!("you already have an API key named {name}")))?;
        let created = event(ctx, "api_key.created", Target::new("api_key", id, &name))
            .with_details(serde_json::json!({ "expires_at": expires_at, "allowed_cidrs": cidrs }));
        self.commit(tx, &[created]).await?;
        Ok(NewApiKey {
            row,
            key: strongroom_auth::credential(API_KEY_PREFIX, id, &secret),
        })
    }

    /// The caller's keys, never their secrets. Listing and revoking one's own keys needs no
    /// permission: someone whose role lost `api_keys.own` must still be able to clean up.
    pub async fn list_api_keys(
        &self,
        ctx: &RequestContext,
    ) -> Result<Vec<ApiKeyRow>, IdentityError> {
        ctx.require_signed_in()?;
        let mut tx = self.db.begin(ctx.org()).await?;
        let rows = store::list_api_keys(&mut tx, ctx.user().0).await?;
        tx.commit().await?;
        Ok(rows)
    }

    /// Revokes one of the caller's keys (or anyone's, with users.manage).
    pub async fn revoke_api_key(
        &self,
        ctx: &RequestContext,
        key: ApiKeyId,
    ) -> Result<(), IdentityError> {
        ctx.require_signed_in()?;
        let id = key.0;
        let owner = own_unless_manager(ctx)?;
        let mut tx = self.db.begin(ctx.org()).await?;
        let name = store::revoke_api_key(&mut tx, id, owner)
            .await?
            .ok_or(IdentityError::NotFound("API key"))?;
        let revoked = event(ctx, "api_key.revoked", Target::new("api_key", id, &name));
        self.commit(tx, &[revoked]).await?;
        // Tokens already issued for the key carry its id as their session.
        self.revocations.revoke(&[id]).await?;
        Ok(())
    }

    /// Turns an API key into a short-lived token of its user, if the key is live and used
    /// from an allowed address.
    pub async fn authenticate_api_key(
        &self,
        org: OrgId,
        key: &str,
        client_ip: &str,
    ) -> Result<IssuedToken, IdentityError> {
        let (id, secret, mut tx) = self
            .begin_with_credential(org, API_KEY_PREFIX, key, IdentityError::InvalidApiKey)
            .await?;
        let found = store::find_live_key(&mut tx, id).await?;
        let LiveKey {
            secret_hash: hash,
            allowed_cidrs: cidrs,
            user_id,
            expires_at: key_expires_at,
        } = found.ok_or(IdentityError::InvalidApiKey)?;
        if !constant_time_eq(&hash, &Sha256::digest(secret.as_bytes())) {
            return Err(IdentityError::InvalidApiKey);
        }
        let user = store::find_user(&mut tx, user_id)
            .await?
            .ok_or(IdentityError::InvalidApiKey)?;
        if !address_allowed(&cidrs, client_ip) {
            // A valid key from the wrong place may be a stolen one: worth a trail entry.
            let actor = Actor {
                user_id: Some(UserId(user.id)),
                username: user.username.clone(),
                ip: Some(client_ip.to_owned()).filter(|ip| !ip.is_empty()),
                user_agent: None,
            };
            let refused = Event::new(
                org,
                SERVICE,
                "api_key.address_refused",
                actor,
                Target::new("api_key", id, &user.username),
            )
            .with_details(serde_json::json!({ "allowed_cidrs": cidrs }));
            self.commit(tx, &[refused]).await?;
            return Err(IdentityError::ApiKeyAddressRefused);
        }
        store::record_key_use(&mut tx, id).await?;
        let perms = crate::roles::permissions(&mut tx, &user.role).await?;
        tx.commit().await?;
        let mut claims = Claims::new(
            UserId(user.id),
            org,
            &user.username,
            &user.role,
            perms,
            API_KEY_TOKEN_TTL_SECS,
            strongroom_auth::AMR_API_KEY,
        )
        .with_session(id)
        .with_version(user.token_version);
        // The token never outlives its key.
        if let Some(at) = key_expires_at {
            claims.exp = claims.exp.min(at.timestamp());
        }
        let token = self.signer.sign(&claims)?;
        Ok(IssuedToken {
            token,
            claims,
            session: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_allow_list_admits_only_its_addresses() {
        let cidrs = vec!["10.0.0.0/8".to_owned(), "192.168.1.7/32".to_owned()];
        assert!(address_allowed(&cidrs, "10.1.2.3"));
        assert!(address_allowed(&cidrs, "::ffff:10.1.2.3"));
        assert!(address_allowed(&cidrs, "192.168.1.7"));
        assert!(!address_allowed(&cidrs, "192.168.1.8"));
        assert!(!address_allowed(&cidrs, "not an address"));
        assert!(address_allowed(&[], "anything"));
        assert_eq!(
            parse_cidr("10.1.2.3/8").map(|n| n.to_string()).ok(),
            Some("10.0.0.0/8".into())
        );
        assert_eq!(
            parse_cidr("127.0.0.1").map(|n| n.to_string()).ok(),
            Some("127.0.0.1/32".into())
        );
        assert!(parse_cidr("10.0.0.0/33").is_err());
    }
}
