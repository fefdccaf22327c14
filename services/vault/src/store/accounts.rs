//! Accounts: the privileged logins on a resource, each with its sealed password versions.

use chrono::{DateTime, Utc};
use strongroom_tenancy::TenantTx;
use uuid::Uuid;

/// An account as its viewer sees it, with what deciding on it needs of its resource.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AccountRow {
    pub id: Uuid,
    pub resource_id: Uuid,
    pub resource_name: String,
    pub owner_id: Uuid,
    pub username: String,
    pub notes: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub password_version: i32,
    pub password_changed_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
    /// When the account's resource is in the trash (so the account is too).
    pub resource_deleted_at: Option<DateTime<Utc>>,
    pub favourite: bool,
    /// Under access control, by itself or with its resource.
    pub access_controlled: bool,
    /// Its field values (read separately; a sealed one shows no value).
    #[sqlx(skip)]
    pub fields: Vec<super::FieldValueRow>,
}

impl AccountRow {
    /// In the trash, by itself or with its resource.
    pub fn is_trashed(&self) -> bool {
        self.deleted_at.is_some() || self.resource_deleted_at.is_some()
    }
}

/// Selects [`AccountRow`]s of `accounts a JOIN resources r` for the viewer `$1`.
const ACCOUNT_SELECT: &str = "SELECT a.id, a.resource_id, r.name AS resource_name, r.owner_id,
    a.username, a.notes, a.created_at, a.updated_at, a.current_version AS password_version,
    s.created_at AS password_changed_at, a.deleted_at, r.deleted_at AS resource_deleted_at,
    EXISTS (SELECT 1 FROM favourite_accounts f WHERE f.account_id = a.id AND f.user_id = $1)
        AS favourite,
    (a.access_controlled OR r.access_controlled) AS access_controlled
    FROM accounts a
    JOIN resources r ON r.id = a.resource_id
    JOIN secrets s ON s.account_id = a.id AND s.version = a.current_version";

pub async fn create_account(
    tx: &mut TenantTx,
    id: Uuid,
    resource: Uuid,
    username: &str,
    notes: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO accounts (id, resource_id, username, notes) VALUES ($1, $2, $3, $4)")
        .bind(id)
        .bind(resource)
        .bind(username)
        .bind(notes)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The account, live or in the trash, as `viewer` sees it.
pub async fn find_account(
    tx: &mut TenantTx,
    id: Uuid,
    viewer: Uuid,
) -> Result<Option<AccountRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{ACCOUNT_SELECT} WHERE a.id = $2"
    )))
    .bind(viewer)
    .bind(id)
    .fetch_optional(&mut **tx)
    .await
}

/// The resource's accounts: the live ones by username, then those in the trash.
pub async fn list_accounts(
    tx: &mut TenantTx,
    resource: Uuid,
    viewer: Uuid,
) -> Result<Vec<AccountRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{ACCOUNT_SELECT} WHERE a.resource_id = $2
         ORDER BY a.deleted_at IS NOT NULL, lower(a.username), a.id"
    )))
    .bind(viewer)
    .bind(resource)
    .fetch_all(&mut **tx)
    .await
}

/// Sets a live account's username and notes; false when it is not there.
pub async fn update_account(
    tx: &mut TenantTx,
    id: Uuid,
    username: &str,
    notes: &str,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE accounts SET username = $2, notes = $3, updated_at = now()
         WHERE id = $1 AND deleted_at IS NULL",
    )
    .bind(id)
    .bind(username)
    .bind(notes)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Moves a live account to another resource.
pub async fn move_account(
    tx: &mut TenantTx,
    id: Uuid,
    to_resource: Uuid,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE accounts SET resource_id = $2, updated_at = now()
         WHERE id = $1 AND deleted_at IS NULL",
    )
    .bind(id)
    .bind(to_resource)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Moves a live account to the trash, or back (`by` = `None`).
pub async fn set_account_trashed(
    tx: &mut TenantTx,
    id: Uuid,
    by: Option<Uuid>,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE accounts SET deleted_at = CASE WHEN $2::uuid IS NULL THEN NULL ELSE now() END,
                deleted_by = $2, updated_at = now()
         WHERE id = $1 AND (deleted_at IS NULL) = ($2::uuid IS NOT NULL)",
    )
    .bind(id)
    .bind(by)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Deletes an account from the trash for good, with every version of its password.
pub async fn purge_account(tx: &mut TenantTx, id: Uuid) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM accounts WHERE id = $1 AND deleted_at IS NOT NULL")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Marks (or unmarks) resources and accounts as under access control; returns the rows
/// changed.
pub async fn set_access_controlled(
    tx: &mut TenantTx,
    resources: &[Uuid],
    accounts: &[Uuid],
    on: bool,
) -> Result<u64, sqlx::Error> {
    let resources = sqlx::query(
        "UPDATE resources SET access_controlled = $2
         WHERE id = ANY($1) AND access_controlled <> $2",
    )
    .bind(resources)
    .bind(on)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    let accounts = sqlx::query(
        "UPDATE accounts SET access_controlled = $2
         WHERE id = ANY($1) AND access_controlled <> $2",
    )
    .bind(accounts)
    .bind(on)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(resources + accounts)
}
