//! SQL for users, shared by the use cases that read or write them.

use chrono::{DateTime, Utc};
use strongroom_tenancy::TenantTx;
use uuid::Uuid;

pub const USER_COLUMNS: &str = "id, username, full_name, email, department, location, role, \
     status, source, password_hash, password_changed_at, directory_dn, token_version, created_at, \
     must_change_password, created_by, password_set_by, password_set_at, last_login_at, \
     administrator_since";

/// `Debug` shows whether a password hash is set, never the hash.
#[derive(Clone, sqlx::FromRow)]
pub struct UserRow {
    pub id: Uuid,
    pub username: String,
    pub full_name: String,
    pub email: String,
    pub department: String,
    pub location: String,
    pub role: String,
    pub status: String,
    pub source: String,
    pub password_hash: Option<String>,
    pub password_changed_at: Option<DateTime<Utc>>,
    /// Where a directory user lives in the directory (shown to administrators).
    pub directory_dn: Option<String>,
    pub token_version: i64,
    pub created_at: DateTime<Utc>,
    /// An administrator set the password: the user chooses their own before signing in.
    pub must_change_password: bool,
    /// Who made the user (`None`: the first start, an import, or before it was recorded).
    pub created_by: Option<Uuid>,
    /// The administrator who last set the user's password, and when.
    pub password_set_by: Option<Uuid>,
    pub password_set_at: Option<DateTime<Utc>>,
    /// The last sign-in with a password (or a directory password).
    pub last_login_at: Option<DateTime<Utc>>,
    /// Since when the user has held the administrator role.
    pub administrator_since: Option<DateTime<Utc>>,
}

impl std::fmt::Debug for UserRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserRow")
            .field("id", &self.id)
            .field("username", &self.username)
            .field("role", &self.role)
            .field("status", &self.status)
            .field("source", &self.source)
            .field(
                "password_hash",
                &self.password_hash.as_ref().map(|_| "<redacted>"),
            )
            .field("token_version", &self.token_version)
            .finish_non_exhaustive()
    }
}

impl UserRow {
    pub fn is_active(&self) -> bool {
        self.status == "active"
    }

    /// Users imported from a directory sign in with their directory password.
    pub fn is_directory_user(&self) -> bool {
        matches!(self.source.as_str(), "ldap" | "active_directory")
    }
}

pub async fn find_user_by_username(
    tx: &mut TenantTx,
    username: &str,
) -> Result<Option<UserRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {USER_COLUMNS} FROM users WHERE lower(username) = lower($1)"
    )))
    .bind(username)
    .fetch_optional(&mut **tx)
    .await
}

pub async fn find_user(tx: &mut TenantTx, id: Uuid) -> Result<Option<UserRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {USER_COLUMNS} FROM users WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut **tx)
    .await
}

/// What an administrator types for a user; also one row of an import.
#[derive(Debug, Clone, Default)]
pub struct UserFields {
    pub username: String,
    pub full_name: String,
    pub email: String,
    pub department: String,
    pub location: String,
    pub role: String,
}

/// Takes a plain connection so imports can insert inside a savepoint.
pub async fn create_user(
    conn: &mut sqlx::PgConnection,
    user: &UserFields,
    source: &str,
    password_hash: Option<&str>,
    directory_dn: Option<&str>,
) -> Result<UserRow, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "INSERT INTO users (id, username, full_name, email, department, location, role, source,
                            password_hash, password_changed_at, directory_dn)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9,
                 CASE WHEN $9::text IS NULL THEN NULL ELSE now() END, $10)
         RETURNING {USER_COLUMNS}"
    )))
    .bind(strongroom_core::UserId::new().0)
    .bind(&user.username)
    .bind(&user.full_name)
    .bind(&user.email)
    .bind(&user.department)
    .bind(&user.location)
    .bind(&user.role)
    .bind(source)
    .bind(password_hash)
    .bind(directory_dn)
    .fetch_one(&mut *conn)
    .await
}

/// Whether the org has any user at all.
pub async fn has_users(conn: &mut sqlx::PgConnection) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM users)")
        .fetch_one(conn)
        .await
}

/// An administrator (`by`; `None` at the first start) chose the user's password: the user
/// must choose their own at their next login, and four-eyes rules remember who set it.
pub async fn require_password_change(
    conn: &mut sqlx::PgConnection,
    user: uuid::Uuid,
    by: Option<uuid::Uuid>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE users SET must_change_password = true, password_set_by = $2,
             password_set_at = now()
         WHERE id = $1",
    )
    .bind(user)
    .bind(by)
    .execute(conn)
    .await?;
    Ok(())
}

/// Records who made the user (and, for an administrator, since when they are one).
pub async fn record_creation(
    conn: &mut sqlx::PgConnection,
    user: uuid::Uuid,
    by: Option<uuid::Uuid>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE users SET created_by = $2,
             administrator_since = CASE WHEN role = 'administrator' THEN now() END
         WHERE id = $1",
    )
    .bind(user)
    .bind(by)
    .execute(conn)
    .await?;
    Ok(())
}

/// The user signed in now.
pub async fn record_login(
    conn: &mut sqlx::PgConnection,
    user: uuid::Uuid,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET last_login_at = now() WHERE id = $1")
        .bind(user)
        .execute(conn)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_never_shows_a_password_hash() {
        let row = UserRow {
            id: Uuid::now_v7(),
            username: "alice".into(),
            full_name: String::new(),
            email: String::new(),
            department: String::new(),
            location: String::new(),
            role: "administrator".into(),
            status: "active".into(),
            source: "local".into(),
            password_hash: Some("$argon2id$v=19$secret-hash".into()),
            password_changed_at: None,
            directory_dn: None,
            token_version: 0,
            created_at: Utc::now(),
            must_change_password: false,
            created_by: None,
            password_set_by: None,
            password_set_at: None,
            last_login_at: None,
            administrator_since: None,
        };
        let text = format!("{row:?}");
        assert!(!text.contains("secret-hash"), "{text}");
        assert!(
            text.contains("alice") && text.contains("<redacted>"),
            "{text}"
        );
    }
}

pub const TRANSFER_COLUMNS: &str = "id, from_user_id, from_username, to_user_id, to_username, \
     requested_by_name, delete_user, status, resources, requested_at, decided_by, decided_at, \
     requested_by";

/// A request to hand a user's resources to another user.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TransferRow {
    pub id: Uuid,
    pub from_user_id: Uuid,
    pub from_username: String,
    pub to_user_id: Uuid,
    pub to_username: String,
    pub requested_by_name: String,
    pub delete_user: bool,
    pub status: String,
    pub resources: i32,
    pub requested_at: DateTime<Utc>,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub requested_by: Uuid,
}

/// Records a transfer: `pending` for a second administrator, or `done` with what moved.
pub async fn insert_transfer(
    tx: &mut TenantTx,
    t: &TransferRow,
) -> Result<TransferRow, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "INSERT INTO ownership_transfers (id, from_user_id, from_username, to_user_id,
             to_username, requested_by, requested_by_name, delete_user, status, resources,
             decided_by, decided_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
         RETURNING {TRANSFER_COLUMNS}"
    )))
    .bind(t.id)
    .bind(t.from_user_id)
    .bind(&t.from_username)
    .bind(t.to_user_id)
    .bind(&t.to_username)
    .bind(t.requested_by)
    .bind(&t.requested_by_name)
    .bind(t.delete_user)
    .bind(&t.status)
    .bind(t.resources)
    .bind(&t.decided_by)
    .bind(t.decided_at)
    .fetch_one(&mut **tx)
    .await
}

pub async fn list_transfers(tx: &mut TenantTx) -> Result<Vec<TransferRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {TRANSFER_COLUMNS} FROM ownership_transfers
         ORDER BY status <> 'pending', requested_at DESC LIMIT 1000"
    )))
    .fetch_all(&mut **tx)
    .await
}

/// The transfer, locked until the transaction ends.
pub async fn lock_transfer(
    tx: &mut TenantTx,
    id: Uuid,
) -> Result<Option<TransferRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {TRANSFER_COLUMNS} FROM ownership_transfers WHERE id = $1 FOR UPDATE"
    )))
    .bind(id)
    .fetch_optional(&mut **tx)
    .await
}

pub async fn decide_transfer(
    tx: &mut TenantTx,
    id: Uuid,
    status: &str,
    resources: i32,
    decided_by: &str,
) -> Result<TransferRow, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "UPDATE ownership_transfers
         SET status = $2, resources = $3, decided_by = $4, decided_at = now()
         WHERE id = $1 RETURNING {TRANSFER_COLUMNS}"
    )))
    .bind(id)
    .bind(status)
    .bind(resources)
    .bind(decided_by)
    .fetch_one(&mut **tx)
    .await
}

pub async fn delete_user(tx: &mut TenantTx, id: Uuid) -> Result<bool, sqlx::Error> {
    let deleted = sqlx::query("DELETE FROM users WHERE id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(deleted.rows_affected() > 0)
}

/// An administrator's reset of a user's login password, waiting for (or decided by) a
/// second administrator. `Debug` never shows the hash it waits with.
#[derive(Clone, sqlx::FromRow)]
pub struct ResetRow {
    pub id: Uuid,
    pub user_id: Uuid,
    pub username: String,
    pub requested_by: Uuid,
    pub requested_by_name: String,
    pub password_hash: Option<String>,
    pub status: String,
    pub requested_at: DateTime<Utc>,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
}

impl std::fmt::Debug for ResetRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResetRow")
            .field("id", &self.id)
            .field("username", &self.username)
            .field("status", &self.status)
            .finish_non_exhaustive()
    }
}

const RESET_COLUMNS: &str = "id, user_id, username, requested_by, requested_by_name, \
    password_hash, status, requested_at, decided_by, decided_at";

/// A pending reset of `user`'s password to `hash`, asked by `by`; `None` when one waits.
pub async fn insert_reset(
    tx: &mut TenantTx,
    user: &UserRow,
    by: (Uuid, &str),
    hash: &str,
) -> Result<Option<ResetRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "INSERT INTO password_resets (id, user_id, username, requested_by, requested_by_name,
             password_hash)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (user_id) WHERE status = 'pending' DO NOTHING
         RETURNING {RESET_COLUMNS}"
    )))
    .bind(Uuid::new_v4())
    .bind(user.id)
    .bind(&user.username)
    .bind(by.0)
    .bind(by.1)
    .bind(hash)
    .fetch_optional(&mut **tx)
    .await
}

pub async fn list_resets(tx: &mut TenantTx) -> Result<Vec<ResetRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {RESET_COLUMNS} FROM password_resets
         ORDER BY status <> 'pending', requested_at DESC LIMIT 1000"
    )))
    .fetch_all(&mut **tx)
    .await
}

/// The reset, locked until the transaction ends.
pub async fn lock_reset(tx: &mut TenantTx, id: Uuid) -> Result<Option<ResetRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {RESET_COLUMNS} FROM password_resets WHERE id = $1 FOR UPDATE"
    )))
    .bind(id)
    .fetch_optional(&mut **tx)
    .await
}

/// Decides a pending reset; the hash it waited with is dropped.
pub async fn decide_reset(
    tx: &mut TenantTx,
    id: Uuid,
    status: &str,
    decided_by: &str,
) -> Result<ResetRow, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "UPDATE password_resets
         SET status = $2, decided_by = $3, decided_at = now(), password_hash = NULL
         WHERE id = $1 RETURNING {RESET_COLUMNS}"
    )))
    .bind(id)
    .bind(status)
    .bind(decided_by)
    .fetch_one(&mut **tx)
    .await
}

/// Voids every token the user holds: their token version moves on; returns the new one.
pub async fn next_token_version(tx: &mut TenantTx, user: Uuid) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "UPDATE users SET token_version = token_version + 1 WHERE id = $1
         RETURNING token_version",
    )
    .bind(user)
    .fetch_one(&mut **tx)
    .await
}
