//! `mailed_passwords`: one-time passwords that go to the user by mail, made only when the
//! mail is sent.

use chrono::{DateTime, Utc};
use strongroom_tenancy::TenantTx;
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MailedPasswordRow {
    pub user_id: Uuid,
    pub reason: String,
    pub requested_by: Option<Uuid>,
    pub expires_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
}

/// Opens a mailed password for `user` (`reason`: `welcome` or `reset`), closing any still
/// open; its id.
pub async fn open_mailed_password(
    tx: &mut TenantTx,
    user: Uuid,
    reason: &str,
    by: Option<Uuid>,
    expires_at: DateTime<Utc>,
) -> Result<Uuid, sqlx::Error> {
    close_mailed_passwords(tx, user).await?;
    let id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO mailed_passwords (id, user_id, reason, requested_by, expires_at)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(id)
    .bind(user)
    .bind(reason)
    .bind(by)
    .bind(expires_at)
    .execute(&mut **tx)
    .await?;
    Ok(id)
}

/// The mailed password `id`, locked until the transaction ends.
pub async fn lock_mailed_password(
    tx: &mut TenantTx,
    id: Uuid,
) -> Result<Option<MailedPasswordRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT user_id, reason, requested_by, expires_at, closed_at
         FROM mailed_passwords WHERE id = $1 FOR UPDATE",
    )
    .bind(id)
    .fetch_optional(&mut **tx)
    .await
}

/// Records that the password was made (for a mail being sent) now.
pub async fn mark_mailed_password_issued(tx: &mut TenantTx, id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE mailed_passwords SET issued_at = now() WHERE id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Closes the user's open mailed password, if any: no mail makes it again.
pub async fn close_mailed_passwords(tx: &mut TenantTx, user: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE mailed_passwords SET closed_at = now() WHERE user_id = $1 AND closed_at IS NULL",
    )
    .bind(user)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
