//! Sessions: what a login opens. The access token names its session; a one-time refresh
//! token renews it; logout or an administrator ends it, and every service stops accepting
//! its tokens within a second (see `strongroom_auth::RevocationStore`).

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use strongroom_auth::{Claims, RequestContext};
use strongroom_core::{MspStaffRight, OrgId, Permission, UserId};
use strongroom_events::{Event, Target};
use strongroom_tenancy::TenantTx;
use uuid::Uuid;

use crate::app::{
    Identity, Origin, SERVICE, constant_time_eq, own_unless_manager, parse_id, random_token,
    system_event,
};
use crate::error::IdentityError;
use crate::store::UserRow;

const REFRESH_PREFIX: &str = "srr_";

pub struct IssuedToken {
    pub token: String,
    pub claims: Claims,
    pub session: Option<OpenedSession>,
}

pub struct OpenedSession {
    pub id: Uuid,
    /// Shown once; only its hash is kept.
    pub refresh_token: String,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, sqlx::FromRow)]
pub struct SessionRow {
    pub id: Uuid,
    pub user_id: Uuid,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub created_at: DateTime<Utc>,
    pub last_used_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// What a refresh needs of its session's row.
#[derive(sqlx::FromRow)]
struct RefreshableSession {
    refresh_hash: Vec<u8>,
    spent_refresh_hashes: Vec<Vec<u8>>,
    user_id: Uuid,
    amr: String,
}

fn new_refresh(id: Uuid) -> (String, [u8; 32]) {
    let secret = random_token(32);
    let hash = Sha256::digest(secret.as_bytes()).into();
    (
        strongroom_auth::credential(REFRESH_PREFIX, id, &secret),
        hash,
    )
}

/// Opens a session for a user who just proved who they are.
pub async fn open(
    tx: &mut TenantTx,
    user: Uuid,
    amr: &str,
    origin: &Origin,
    ttl_secs: i64,
) -> Result<OpenedSession, sqlx::Error> {
    let id = Uuid::now_v7();
    let (refresh_token, hash) = new_refresh(id);
    let expires_at = Utc::now() + chrono::Duration::seconds(ttl_secs);
    sqlx::query(
        "INSERT INTO sessions (id, user_id, refresh_hash, amr, ip, user_agent, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(id)
    .bind(user)
    .bind(hash.as_slice())
    .bind(amr)
    .bind(&origin.ip)
    .bind(&origin.user_agent)
    .bind(expires_at)
    .execute(&mut **tx)
    .await?;
    Ok(OpenedSession {
        id,
        refresh_token,
        expires_at,
    })
}

/// Ends every live session of the user; returns their ids.
pub async fn revoke_all(tx: &mut TenantTx, user: Uuid) -> Result<Vec<Uuid>, sqlx::Error> {
    sqlx::query_scalar(
        "UPDATE sessions SET revoked_at = now()
         WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > now() RETURNING id",
    )
    .bind(user)
    .fetch_all(&mut **tx)
    .await
}

impl Identity {
    /// Signs an access token for `user` in `org`, with the permissions of their role now.
    pub async fn sign_for(
        &self,
        tx: &mut TenantTx,
        org: OrgId,
        user: &UserRow,
        amr: &str,
        session: Option<OpenedSession>,
    ) -> Result<IssuedToken, IdentityError> {
        let perms = crate::roles::permissions(tx, &user.role).await?;
        // No token outlives its session.
        let ttl_secs = session.as_ref().map_or(self.token_ttl_secs, |s| {
            (s.expires_at - Utc::now())
                .num_seconds()
                .clamp(1, self.token_ttl_secs)
        });
        let mut claims = Claims::new(
            UserId(user.id),
            org,
            &user.username,
            &user.role,
            perms,
            ttl_secs,
            amr,
        )
        .with_version(user.token_version);
        if let Some(s) = &session {
            claims = claims.with_session(s.id);
        }
        let token = self.signer.sign(&claims)?;
        Ok(IssuedToken {
            token,
            claims,
            session,
        })
    }

    /// Renews a session: a new access token and a new one-time refresh token. A refresh
    /// token used twice means it was copied: the session ends.
    pub async fn refresh(
        &self,
        org: OrgId,
        refresh_token: &str,
        origin: &Origin,
    ) -> Result<IssuedToken, IdentityError> {
        let (id, secret) = strongroom_auth::split_credential(REFRESH_PREFIX, refresh_token)
            .ok_or(IdentityError::InvalidRefresh)?;
        let mut tx = self.begin_or(org, IdentityError::InvalidRefresh).await?;
        // A session left unused longer than the org allows is over, as an expired one is.
        let idle_minutes = crate::policy::load(&mut tx).await?.session_idle_minutes;
        let found: Option<RefreshableSession> = sqlx::query_as(
            "SELECT s.refresh_hash, s.spent_refresh_hashes, s.user_id, s.amr
             FROM sessions s JOIN users u ON u.id = s.user_id
             WHERE s.id = $1 AND s.revoked_at IS NULL AND s.expires_at > now()
               AND s.last_used_at > now() - make_interval(mins => $2)
               AND u.status = 'active'
             FOR UPDATE OF s",
        )
        .bind(id)
        .bind(idle_minutes)
        .fetch_optional(&mut *tx)
        .await?;
        let RefreshableSession {
            refresh_hash: stored,
            spent_refresh_hashes: spent,
            user_id,
            amr,
        } = found.ok_or(IdentityError::InvalidRefresh)?;
        let user = crate::store::find_user(&mut tx, user_id)
            .await?
            .ok_or(IdentityError::InvalidRefresh)?;
        let presented = Sha256::digest(secret.as_bytes());
        if !constant_time_eq(&stored, &presented) {
            // A wrong secret ends nothing; one already exchanged was copied: end the session.
            if !spent.iter().any(|h| constant_time_eq(h, &presented)) {
                return Err(IdentityError::InvalidRefresh);
            }
            sqlx::query("UPDATE sessions SET revoked_at = now() WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            let reuse = system_event(
                org,
                "session.refresh_reused",
                Target::new("session", id, &user.username),
            )
            .with_details(serde_json::json!({ "ip": origin.ip }));
            self.commit(tx, &[reuse]).await?;
            self.revocations.revoke(&[id]).await?;
            return Err(IdentityError::InvalidRefresh);
        }
        let (refresh_token, hash) = new_refresh(id);
        let expires_at: DateTime<Utc> = sqlx::query_scalar(
            "UPDATE sessions SET refresh_hash = $2, last_used_at = now(),
                 spent_refresh_hashes = (spent_refresh_hashes || refresh_hash)[
                     greatest(1, cardinality(spent_refresh_hashes) - 98):],
                 ip = coalesce($3, ip), user_agent = coalesce($4, user_agent)
             WHERE id = $1 RETURNING expires_at",
        )
        .bind(id)
        .bind(hash.as_slice())
        .bind(&origin.ip)
        .bind(&origin.user_agent)
        .fetch_one(&mut *tx)
        .await?;
        let session = OpenedSession {
            id,
            refresh_token,
            expires_at,
        };
        let issued = self
            .sign_for(&mut tx, org, &user, &amr, Some(session))
            .await?;
        tx.commit().await?;
        Ok(issued)
    }

    pub async fn logout(&self, ctx: &RequestContext) -> Result<(), IdentityError> {
        ctx.require_signed_in()?;
        let sid = ctx.session().ok_or_else(|| {
            IdentityError::InvalidInput("this token belongs to no session (an API key?)".into())
        })?;
        // An MSP user working in a client org: the session lives in their own org.
        let home = ctx.claims.home_org();
        self.end_sessions(ctx, home, Some(ctx.user().0), Some(sid), "session.logout")
            .await
            .map(|_| ())
    }

    /// The caller's sessions, or another user's (users.manage).
    pub async fn list_sessions(
        &self,
        ctx: &RequestContext,
        user: &str,
    ) -> Result<Vec<SessionRow>, IdentityError> {
        let (org, user) = self.session_owner(ctx, user).await?;
        let mut tx = self.db.begin(org).await?;
        let rows = sqlx::query_as(
            "SELECT id, user_id, ip, user_agent, created_at, last_used_at, expires_at
             FROM sessions WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > now()
             ORDER BY created_at DESC",
        )
        .bind(user)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(rows)
    }

    /// Ends one session: one's own, or anyone's with users.manage.
    pub async fn revoke_session(
        &self,
        ctx: &RequestContext,
        session: &str,
    ) -> Result<(), IdentityError> {
        ctx.require_signed_in()?;
        let sid = parse_id("session", session)?;
        let owner = own_unless_manager(ctx);
        let org = match owner {
            Some(_) => ctx.claims.home_org(),
            None => {
                // Ending anyone's session in the org.
                ctx.require_msp_allowed(MspStaffRight::ManageUsers)?;
                ctx.org()
            }
        };
        let ended = self
            .end_sessions(ctx, org, owner, Some(sid), "session.revoked")
            .await?;
        if ended == 0 {
            return Err(IdentityError::NotFound("session"));
        }
        Ok(())
    }

    /// Ends every session of a user: their own, or anyone's with users.manage.
    pub async fn revoke_user_sessions(
        &self,
        ctx: &RequestContext,
        user: &str,
    ) -> Result<u32, IdentityError> {
        ctx.require_signed_in()?;
        let (org, user) = self.session_owner(ctx, user).await?;
        self.end_sessions(ctx, org, Some(user), None, "session.revoked_all")
            .await
    }

    /// Whose sessions, and in which org they live: the caller's own are in their home org.
    /// Whose sessions `user` names: the caller's own (in their home org), or a user of the
    /// org the caller acts in (users.manage; 404 for anyone else).
    async fn session_owner(
        &self,
        ctx: &RequestContext,
        user: &str,
    ) -> Result<(OrgId, Uuid), IdentityError> {
        if user.is_empty() || user == ctx.user().to_string() {
            return Ok((ctx.claims.home_org(), ctx.user().0));
        }
        ctx.require(Permission::UsersManage)?;
        ctx.require_msp_allowed(MspStaffRight::ManageUsers)?;
        let mut tx = self.db.begin(ctx.org()).await?;
        let found = crate::users::existing_user(&mut tx, user).await?;
        tx.commit().await?;
        Ok((ctx.org(), found.id))
    }

    async fn end_sessions(
        &self,
        ctx: &RequestContext,
        org: OrgId,
        user: Option<Uuid>,
        session: Option<Uuid>,
        operation: &str,
    ) -> Result<u32, IdentityError> {
        let mut tx = self.db.begin(org).await?;
        let ended: Vec<(Uuid, Uuid)> = sqlx::query_as(
            "UPDATE sessions SET revoked_at = now()
             WHERE ($1::uuid IS NULL OR user_id = $1) AND ($2::uuid IS NULL OR id = $2)
               AND revoked_at IS NULL AND expires_at > now()
             RETURNING id, user_id",
        )
        .bind(user)
        .bind(session)
        .fetch_all(&mut *tx)
        .await?;
        let events: Vec<_> = ended
            .iter()
            .map(|(id, owner)| {
                Event::new(
                    org,
                    SERVICE,
                    operation,
                    strongroom_runtime::actor(ctx),
                    Target::new("session", id, owner.to_string()),
                )
            })
            .collect();
        self.commit(tx, &events).await?;
        let ids: Vec<Uuid> = ended.iter().map(|(id, _)| *id).collect();
        self.revocations.revoke(&ids).await?;
        Ok(u32::try_from(ids.len()).unwrap_or(u32::MAX))
    }
}
