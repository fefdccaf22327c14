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
    Identity, Origin, SERVICE, constant_time_eq, own_unless_manager, random_token, system_event,
};
use crate::error::IdentityError;
use crate::ids::SessionId;
use crate::people::existing_user;
use crate::store::{self, NewSession, RefreshableSession, SessionRow, UserRow};

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
    let session = NewSession {
        id,
        user,
        refresh_hash: &hash,
        amr,
        ip: origin.ip.as_deref(),
        user_agent: origin.user_agent.as_deref(),
        expires_at,
    };
    store::insert_session(tx, &session).await?;
    Ok(OpenedSession {
        id,
        refresh_token,
        expires_at,
    })
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
        let (id, secret, mut tx) = self
            .begin_with_credential(
                org,
                REFRESH_PREFIX,
                refresh_token,
                IdentityError::InvalidRefresh,
            )
            .await?;
        // A session left unused longer than the org allows is over, as an expired one is.
        let idle_minutes = store::load_login_settings(&mut tx)
            .await?
            .session_idle_minutes;
        let found = store::lock_refreshable_session(&mut tx, id, idle_minutes).await?;
        let RefreshableSession {
            refresh_hash: stored,
            spent_refresh_hashes: spent,
            user_id,
            amr,
        } = found.ok_or(IdentityError::InvalidRefresh)?;
        let user = store::find_user(&mut tx, user_id)
            .await?
            .ok_or(IdentityError::InvalidRefresh)?;
        let presented = Sha256::digest(secret.as_bytes());
        if !constant_time_eq(&stored, &presented) {
            // A wrong secret ends nothing; one already exchanged was copied: end the session.
            if !spent.iter().any(|h| constant_time_eq(h, &presented)) {
                return Err(IdentityError::InvalidRefresh);
            }
            store::revoke_session(&mut tx, id).await?;
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
        let expires_at = store::renew_session(
            &mut tx,
            id,
            &hash,
            origin.ip.as_deref(),
            origin.user_agent.as_deref(),
        )
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
        user: Option<UserId>,
    ) -> Result<Vec<SessionRow>, IdentityError> {
        let (org, user) = self.session_owner(ctx, user).await?;
        let mut tx = self.db.begin(org).await?;
        let rows = store::list_sessions(&mut tx, user).await?;
        tx.commit().await?;
        Ok(rows)
    }

    /// Ends one session: one's own, or anyone's with users.manage.
    pub async fn revoke_session(
        &self,
        ctx: &RequestContext,
        session: SessionId,
    ) -> Result<(), IdentityError> {
        ctx.require_signed_in()?;
        let sid = session.0;
        let owner = own_unless_manager(ctx)?;
        // One's own sessions live in one's home org; anyone's, in the org acted in.
        let org = match owner {
            Some(_) => ctx.claims.home_org(),
            None => ctx.org(),
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
        user: Option<UserId>,
    ) -> Result<u32, IdentityError> {
        ctx.require_signed_in()?;
        let (org, user) = self.session_owner(ctx, user).await?;
        self.end_sessions(ctx, org, Some(user), None, "session.revoked_all")
            .await
    }

    /// Whose sessions `user` names, and in which org they live: the caller's own (none
    /// named; in their home org), or a user of the org the caller acts in (users.manage;
    /// 404 for anyone else).
    async fn session_owner(
        &self,
        ctx: &RequestContext,
        user: Option<UserId>,
    ) -> Result<(OrgId, Uuid), IdentityError> {
        let user = match user {
            Some(user) if user != ctx.user() => user,
            _ => return Ok((ctx.claims.home_org(), ctx.user().0)),
        };
        ctx.require(Permission::UsersManage)?;
        ctx.require_msp_allowed(MspStaffRight::ManageUsers)?;
        let mut tx = self.db.begin(ctx.org()).await?;
        let found = existing_user(&mut tx, user).await?;
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
        let ended = store::revoke_sessions(&mut tx, user, session).await?;
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
