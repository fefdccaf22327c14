//! `sessions`: what a login opens, renewed by one-time refresh tokens (kept as hashes).

use chrono::{DateTime, Utc};
use strongroom_tenancy::TenantTx;
use uuid::Uuid;

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
pub struct RefreshableSession {
    pub refresh_hash: Vec<u8>,
    pub spent_refresh_hashes: Vec<Vec<u8>>,
    pub user_id: Uuid,
    pub amr: String,
}

/// A session as a login opens it.
pub struct NewSession<'a> {
    pub id: Uuid,
    pub user: Uuid,
    pub refresh_hash: &'a [u8],
    pub amr: &'a str,
    pub ip: Option<&'a str>,
    pub user_agent: Option<&'a str>,
    pub expires_at: DateTime<Utc>,
}

pub async fn insert_session(tx: &mut TenantTx, s: &NewSession<'_>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO sessions (id, user_id, refresh_hash, amr, ip, user_agent, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(s.id)
    .bind(s.user)
    .bind(s.refresh_hash)
    .bind(s.amr)
    .bind(s.ip)
    .bind(s.user_agent)
    .bind(s.expires_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Ends every live session of the user; returns their ids.
pub async fn revoke_user_sessions(tx: &mut TenantTx, user: Uuid) -> Result<Vec<Uuid>, sqlx::Error> {
    sqlx::query_scalar(
        "UPDATE sessions SET revoked_at = now()
         WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > now() RETURNING id",
    )
    .bind(user)
    .fetch_all(&mut **tx)
    .await
}

/// Ends the live sessions matching `user` and `session` (either may be left out); their
/// ids and owners.
pub async fn revoke_sessions(
    tx: &mut TenantTx,
    user: Option<Uuid>,
    session: Option<Uuid>,
) -> Result<Vec<(Uuid, Uuid)>, sqlx::Error> {
    sqlx::query_as(
        "UPDATE sessions SET revoked_at = now()
         WHERE ($1::uuid IS NULL OR user_id = $1) AND ($2::uuid IS NULL OR id = $2)
           AND revoked_at IS NULL AND expires_at > now()
         RETURNING id, user_id",
    )
    .bind(user)
    .bind(session)
    .fetch_all(&mut **tx)
    .await
}

/// A live session of an active user, used within `idle_minutes`, locked until the
/// transaction ends.
pub async fn lock_refreshable_session(
    tx: &mut TenantTx,
    id: Uuid,
    idle_minutes: i32,
) -> Result<Option<RefreshableSession>, sqlx::Error> {
    sqlx::query_as(
        "SELECT s.refresh_hash, s.spent_refresh_hashes, s.user_id, s.amr
         FROM sessions s JOIN users u ON u.id = s.user_id
         WHERE s.id = $1 AND s.revoked_at IS NULL AND s.expires_at > now()
           AND s.last_used_at > now() - make_interval(mins => $2)
           AND u.status = 'active'
         FOR UPDATE OF s",
    )
    .bind(id)
    .bind(idle_minutes)
    .fetch_optional(&mut **tx)
    .await
}

/// Ends one session (its refresh token was used twice).
pub async fn revoke_session(tx: &mut TenantTx, id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE sessions SET revoked_at = now() WHERE id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Takes a new refresh token's hash (the old one joins the spent ones, the last 99 kept)
/// and notes where it was used from; the session's expiry.
pub async fn renew_session(
    tx: &mut TenantTx,
    id: Uuid,
    refresh_hash: &[u8],
    ip: Option<&str>,
    user_agent: Option<&str>,
) -> Result<DateTime<Utc>, sqlx::Error> {
    sqlx::query_scalar(
        "UPDATE sessions SET refresh_hash = $2, last_used_at = now(),
             spent_refresh_hashes = (spent_refresh_hashes || refresh_hash)[
                 greatest(1, cardinality(spent_refresh_hashes) - 98):],
             ip = coalesce($3, ip), user_agent = coalesce($4, user_agent)
         WHERE id = $1 RETURNING expires_at",
    )
    .bind(id)
    .bind(refresh_hash)
    .bind(ip)
    .bind(user_agent)
    .fetch_one(&mut **tx)
    .await
}

/// The user's live sessions, newest first.
pub async fn list_sessions(tx: &mut TenantTx, user: Uuid) -> Result<Vec<SessionRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, user_id, ip, user_agent, created_at, last_used_at, expires_at
         FROM sessions WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > now()
         ORDER BY created_at DESC",
    )
    .bind(user)
    .fetch_all(&mut **tx)
    .await
}
