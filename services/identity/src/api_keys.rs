//! API keys: `srk_<id>_<secret>`, shown once, kept as SHA-256; per user, named, with an
//! optional expiry and source-address allow-list. A key acts with its user's permissions.

use chrono::{DateTime, Utc};
use ipnet::IpNet;
use sha2::{Digest, Sha256};
use strongroom_auth::{Claims, RequestContext};
use strongroom_core::{MspStaffRight, OrgId, Permission, UserId};
use strongroom_events::{Actor, Event, Target};
use uuid::Uuid;

use crate::app::{
    Identity, SERVICE, constant_time_eq, event, own_unless_manager, parse_id, random_token,
    required,
};
use crate::error::{IdentityError, exists_or};
use crate::sessions::IssuedToken;

const API_KEY_PREFIX: &str = "srk_";
const API_KEY_TOKEN_TTL_SECS: i64 = 5 * 60;

#[derive(Debug, sqlx::FromRow)]
pub struct ApiKeyRow {
    pub id: Uuid,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub allowed_cidrs: Vec<String>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// What authenticating with a key needs of its row.
#[derive(sqlx::FromRow)]
struct LiveKey {
    secret_hash: Vec<u8>,
    allowed_cidrs: Vec<String>,
    user_id: Uuid,
    expires_at: Option<DateTime<Utc>>,
}

pub struct NewApiKey {
    pub row: ApiKeyRow,
    /// Shown once.
    pub key: String,
}

/// Revokes every live key of `user`; their ids (tokens issued for a key carry its id as
/// their session).
pub async fn revoke_all(
    tx: &mut strongroom_tenancy::TenantTx,
    user: Uuid,
) -> Result<Vec<Uuid>, sqlx::Error> {
    sqlx::query_scalar(
        "UPDATE api_keys SET revoked_at = now()
         WHERE user_id = $1 AND revoked_at IS NULL RETURNING id",
    )
    .bind(user)
    .fetch_all(&mut **tx)
    .await
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
        let row: ApiKeyRow = sqlx::query_as(
            "INSERT INTO api_keys (id, user_id, name, secret_hash, expires_at, allowed_cidrs)
             VALUES ($1, $2, $3, $4, $5, $6)
             RETURNING id, name, created_at, expires_at, allowed_cidrs, last_used_at, revoked_at",
        )
        .bind(id)
        .bind(ctx.user().0)
        .bind(&name)
        .bind(Sha256::digest(secret.as_bytes()).as_slice())
        .bind(expires_at)
        .bind(&cidrs)
        .fetch_one(&mut *tx)
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
        let rows = sqlx::query_as(
            "SELECT id, name, created_at, expires_at, allowed_cidrs, last_used_at, revoked_at
             FROM api_keys WHERE user_id = $1 ORDER BY created_at",
        )
        .bind(ctx.user().0)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(rows)
    }

    /// Revokes one of the caller's keys (or anyone's, with users.manage).
    pub async fn revoke_api_key(
        &self,
        ctx: &RequestContext,
        key: &str,
    ) -> Result<(), IdentityError> {
        ctx.require_signed_in()?;
        let id = parse_id("API key", key)?;
        let owner = own_unless_manager(ctx);
        if owner.is_none() {
            // Revoking anyone's key in the org.
            ctx.require_msp_allowed(MspStaffRight::ManageUsers)?;
        }
        let mut tx = self.db.begin(ctx.org()).await?;
        let name: Option<String> = sqlx::query_scalar(
            "UPDATE api_keys SET revoked_at = now()
             WHERE id = $1 AND ($2::uuid IS NULL OR user_id = $2) AND revoked_at IS NULL
             RETURNING name",
        )
        .bind(id)
        .bind(owner)
        .fetch_optional(&mut *tx)
        .await?;
        let name = name.ok_or(IdentityError::NotFound("API key"))?;
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
        let (id, secret) = strongroom_auth::split_credential(API_KEY_PREFIX, key)
            .ok_or(IdentityError::InvalidApiKey)?;
        let mut tx = self.begin_or(org, IdentityError::InvalidApiKey).await?;
        let found: Option<LiveKey> = sqlx::query_as(
            "SELECT k.secret_hash, k.allowed_cidrs, k.user_id, k.expires_at
             FROM api_keys k JOIN users u ON u.id = k.user_id
             WHERE k.id = $1 AND k.revoked_at IS NULL
               AND (k.expires_at IS NULL OR k.expires_at > now())
               AND u.status = 'active'",
        )
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        let LiveKey {
            secret_hash: hash,
            allowed_cidrs: cidrs,
            user_id,
            expires_at: key_expires_at,
        } = found.ok_or(IdentityError::InvalidApiKey)?;
        if !constant_time_eq(&hash, &Sha256::digest(secret.as_bytes())) {
            return Err(IdentityError::InvalidApiKey);
        }
        let user = crate::store::find_user(&mut tx, user_id)
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
        sqlx::query("UPDATE api_keys SET last_used_at = now() WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
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
