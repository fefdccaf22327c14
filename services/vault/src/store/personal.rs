//! Personal stores and their sealed entries.

use chrono::{DateTime, Utc};
use strongroom_tenancy::TenantTx;
use uuid::Uuid;

/// A user's store: what opening it needs, never the passphrase. `Debug` shows no key.
#[derive(sqlx::FromRow)]
pub struct PersonalStoreRow {
    pub salt: Vec<u8>,
    pub kdf: serde_json::Value,
    pub verifier: Vec<u8>,
    pub wrapped_key: Vec<u8>,
    pub created_at: DateTime<Utc>,
}

impl std::fmt::Debug for PersonalStoreRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PersonalStoreRow")
            .field("kdf", &self.kdf)
            .field("created_at", &self.created_at)
            .finish_non_exhaustive()
    }
}

pub async fn find_personal_store(
    tx: &mut TenantTx,
    user: Uuid,
) -> Result<Option<PersonalStoreRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT salt, kdf, verifier, wrapped_key, created_at FROM personal_stores WHERE user_id = $1",
    )
    .bind(user)
    .fetch_optional(&mut **tx)
    .await
}

/// Creates the user's store, or (`replace`) rewraps its key under a new passphrase.
pub async fn save_personal_store(
    tx: &mut TenantTx,
    user: Uuid,
    store: &PersonalStoreRow,
    replace: bool,
) -> Result<bool, sqlx::Error> {
    let sql = if replace {
        "UPDATE personal_stores SET salt = $2, kdf = $3, verifier = $4, wrapped_key = $5,
                updated_at = now()
         WHERE user_id = $1"
    } else {
        "INSERT INTO personal_stores (user_id, salt, kdf, verifier, wrapped_key)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING"
    };
    let done = sqlx::query(sql)
        .bind(user)
        .bind(&store.salt)
        .bind(&store.kdf)
        .bind(&store.verifier)
        .bind(&store.wrapped_key)
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Deletes the store and every entry in it; how many entries went.
pub async fn delete_personal_store(
    tx: &mut TenantTx,
    user: Uuid,
) -> Result<Option<i64>, sqlx::Error> {
    let entries: i64 =
        sqlx::query_scalar("SELECT count(*) FROM personal_entries WHERE user_id = $1")
            .bind(user)
            .fetch_one(&mut **tx)
            .await?;
    let done = sqlx::query("DELETE FROM personal_stores WHERE user_id = $1")
        .bind(user)
        .execute(&mut **tx)
        .await?;
    Ok((done.rows_affected() == 1).then_some(entries))
}

pub async fn count_personal_entries(tx: &mut TenantTx, user: Uuid) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT count(*) FROM personal_entries WHERE user_id = $1")
        .bind(user)
        .fetch_one(&mut **tx)
        .await
}

/// A sealed entry. `Debug` shows its size only.
#[derive(sqlx::FromRow)]
pub struct PersonalEntryRow {
    pub id: Uuid,
    pub sealed: Vec<u8>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl std::fmt::Debug for PersonalEntryRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PersonalEntryRow")
            .field("id", &self.id)
            .field("sealed", &format_args!("<{} bytes>", self.sealed.len()))
            .finish()
    }
}

pub async fn list_personal_entries(
    tx: &mut TenantTx,
    user: Uuid,
) -> Result<Vec<PersonalEntryRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, sealed, created_at, updated_at FROM personal_entries WHERE user_id = $1
         ORDER BY created_at, id",
    )
    .bind(user)
    .fetch_all(&mut **tx)
    .await
}

/// Adds the entry, or replaces the sealed content of the user's entry of that id.
pub async fn save_personal_entry(
    tx: &mut TenantTx,
    user: Uuid,
    id: Uuid,
    sealed: &[u8],
    create: bool,
) -> Result<Option<PersonalEntryRow>, sqlx::Error> {
    let sql = if create {
        "INSERT INTO personal_entries (id, user_id, sealed) VALUES ($1, $2, $3)
         RETURNING id, sealed, created_at, updated_at"
    } else {
        "UPDATE personal_entries SET sealed = $3, updated_at = now() WHERE id = $1 AND user_id = $2
         RETURNING id, sealed, created_at, updated_at"
    };
    sqlx::query_as(sql)
        .bind(id)
        .bind(user)
        .bind(sealed)
        .fetch_optional(&mut **tx)
        .await
}

pub async fn delete_personal_entry(
    tx: &mut TenantTx,
    user: Uuid,
    id: Uuid,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM personal_entries WHERE id = $1 AND user_id = $2")
        .bind(id)
        .bind(user)
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected() == 1)
}
