//! The `users` table: lookups, creation, edits, removal, passwords and token versions.

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
pub async fn has_users(tx: &mut TenantTx) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM users)")
        .fetch_one(&mut **tx)
        .await
}

/// An administrator (`by`; `None` at the first start) chose the user's password: the user
/// must choose their own at their next login, and four-eyes rules remember who set it.
pub async fn require_password_change(
    tx: &mut TenantTx,
    user: Uuid,
    by: Option<Uuid>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE users SET must_change_password = true, password_set_by = $2,
             password_set_at = now()
         WHERE id = $1",
    )
    .bind(user)
    .bind(by)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Records who made the user (and, for an administrator, since when they are one).
pub async fn record_creation(
    tx: &mut TenantTx,
    user: Uuid,
    by: Option<Uuid>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE users SET created_by = $2,
             administrator_since = CASE WHEN role = 'administrator' THEN now() END
         WHERE id = $1",
    )
    .bind(user)
    .bind(by)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The user signed in now.
pub async fn record_login(tx: &mut TenantTx, user: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET last_login_at = now() WHERE id = $1")
        .bind(user)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub async fn delete_user(tx: &mut TenantTx, id: Uuid) -> Result<bool, sqlx::Error> {
    let deleted = sqlx::query("DELETE FROM users WHERE id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(deleted.rows_affected() > 0)
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

/// Users whose username, full name or email contains `query` (its wildcards taken
/// literally), by username.
pub async fn search_users(tx: &mut TenantTx, query: &str) -> Result<Vec<UserRow>, sqlx::Error> {
    let pattern = format!(
        "%{}%",
        query
            .trim()
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    );
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {USER_COLUMNS} FROM users
         WHERE username ILIKE $1 OR full_name ILIKE $1 OR email ILIKE $1
         ORDER BY lower(username) LIMIT 10000"
    )))
    .bind(pattern)
    .fetch_all(&mut **tx)
    .await
}

/// A user as an edit leaves them: the fields, role and status.
pub struct UserUpdate<'a> {
    pub fields: &'a UserFields,
    pub status: &'a str,
    /// Voids every token issued so far (sessions and API keys).
    pub void_tokens: bool,
}

/// Writes an edit; `administrator_since` follows the role.
pub async fn update_user(
    tx: &mut TenantTx,
    id: Uuid,
    update: &UserUpdate<'_>,
) -> Result<UserRow, sqlx::Error> {
    let f = update.fields;
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "UPDATE users SET full_name = $2, email = $3, department = $4, location = $5,
             role = $6, status = $7, token_version = token_version + $8::int,
             updated_at = now(),
             administrator_since = CASE
                 WHEN $6 <> 'administrator' THEN NULL
                 WHEN role = 'administrator' THEN administrator_since
                 ELSE now() END
         WHERE id = $1 RETURNING {USER_COLUMNS}"
    )))
    .bind(id)
    .bind(&f.full_name)
    .bind(&f.email)
    .bind(&f.department)
    .bind(&f.location)
    .bind(&f.role)
    .bind(update.status)
    .bind(i32::from(update.void_tokens))
    .fetch_one(&mut **tx)
    .await
}

/// The active holders of `role`, each row locked until the transaction ends.
pub async fn lock_active_holders(tx: &mut TenantTx, role: &str) -> Result<Vec<Uuid>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT id FROM users WHERE role = $1 AND status = 'active' ORDER BY id FOR UPDATE",
    )
    .bind(role)
    .fetch_all(&mut **tx)
    .await
}

/// Usernames (lowercased) of `names` that already exist in the org.
pub async fn existing_usernames(
    tx: &mut TenantTx,
    names: &[String],
) -> Result<std::collections::HashSet<String>, sqlx::Error> {
    let lowered: Vec<String> = names.iter().map(|n| n.to_lowercase()).collect();
    let found: Vec<String> =
        sqlx::query_scalar("SELECT lower(username) FROM users WHERE lower(username) = ANY($1)")
            .bind(&lowered)
            .fetch_all(&mut **tx)
            .await?;
    Ok(found.into_iter().collect())
}

/// The id of the user whose lowercased username is `lowered`.
pub async fn user_id_by_lowered_username(
    tx: &mut TenantTx,
    lowered: &str,
) -> Result<Option<Uuid>, sqlx::Error> {
    sqlx::query_scalar("SELECT id FROM users WHERE lower(username) = $1")
        .bind(lowered)
        .fetch_optional(&mut **tx)
        .await
}

/// The user's current and last `count` password hashes, newest first.
pub async fn recent_password_hashes(
    tx: &mut TenantTx,
    user: Uuid,
    count: i64,
) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT password_hash FROM (
             SELECT password_hash, now() AS at FROM users
              WHERE id = $1 AND password_hash IS NOT NULL
             UNION ALL
             SELECT password_hash, created_at FROM password_history WHERE user_id = $1
         ) p ORDER BY at DESC LIMIT $2",
    )
    .bind(user)
    .bind(count)
    .fetch_all(&mut **tx)
    .await
}

/// Stores the user's new password, keeping the old one in the history. `one_time`: an
/// administrator chose it, so the user must replace it at their next login.
pub async fn set_password(
    tx: &mut TenantTx,
    user: Uuid,
    hash: &str,
    one_time: bool,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "WITH old AS (
             INSERT INTO password_history (user_id, password_hash)
             SELECT id, password_hash FROM users WHERE id = $1 AND password_hash IS NOT NULL
         )
         UPDATE users SET password_hash = $2, password_changed_at = now(), updated_at = now(),
             must_change_password = $3
         WHERE id = $1",
    )
    .bind(user)
    .bind(hash)
    .bind(one_time)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Voids the user's password (kept in the history): nobody signs in with it any more.
pub async fn void_password(tx: &mut TenantTx, user: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query(
        "WITH old AS (
             INSERT INTO password_history (user_id, password_hash)
             SELECT id, password_hash FROM users WHERE id = $1 AND password_hash IS NOT NULL
         )
         UPDATE users SET password_hash = NULL, updated_at = now() WHERE id = $1",
    )
    .bind(user)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Gives the holders of role `from` role `to` (the same name when only its permissions
/// changed) and voids their tokens; their ids and new token versions.
pub async fn move_role_holders(
    tx: &mut TenantTx,
    from: &str,
    to: &str,
) -> Result<Vec<(Uuid, i64)>, sqlx::Error> {
    sqlx::query_as(
        "UPDATE users SET role = $2, token_version = token_version + 1, updated_at = now()
         WHERE role = $1 RETURNING id, token_version",
    )
    .bind(from)
    .bind(to)
    .fetch_all(&mut **tx)
    .await
}

/// How many users hold `role`.
pub async fn count_role_holders(tx: &mut TenantTx, role: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT count(*) FROM users WHERE role = $1")
        .bind(role)
        .fetch_one(&mut **tx)
        .await
}

#[cfg(test)]
mod tests;
