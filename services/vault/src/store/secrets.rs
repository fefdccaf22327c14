//! Password versions: every password an account has had, sealed with AES-256-GCM under the
//! org's data key, with who set it, when and why.

use chrono::{DateTime, Utc};
use strongroom_tenancy::TenantTx;
use uuid::Uuid;

/// Why a version exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VersionKind {
    /// The account's first password.
    Created,
    /// Set by someone.
    Changed,
    /// An earlier version made current again.
    Reverted,
}

impl VersionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Changed => "changed",
            Self::Reverted => "reverted",
        }
    }
}

/// A sealed password version about to be stored.
pub struct NewSecret<'a> {
    pub account: Uuid,
    pub version: i32,
    pub key_version: i32,
    pub ciphertext: &'a [u8],
    pub created_by: Uuid,
    pub kind: VersionKind,
    pub reason: &'a str,
}

pub async fn create_secret(tx: &mut TenantTx, secret: &NewSecret<'_>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO secrets (account_id, version, key_version, ciphertext, created_by, kind,
                              reason)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(secret.account)
    .bind(secret.version)
    .bind(secret.key_version)
    .bind(secret.ciphertext)
    .bind(secret.created_by)
    .bind(secret.kind.as_str())
    .bind(secret.reason)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Makes room for the account's next version and returns its number; the account's row
/// stays locked until the transaction ends, so two changes never take the same number.
pub async fn next_version(tx: &mut TenantTx, account: Uuid) -> Result<Option<i32>, sqlx::Error> {
    sqlx::query_scalar(
        "UPDATE accounts SET current_version = current_version + 1, updated_at = now()
         WHERE id = $1 AND deleted_at IS NULL RETURNING current_version",
    )
    .bind(account)
    .fetch_optional(&mut **tx)
    .await
}

/// One version, without its ciphertext.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct VersionRow {
    pub version: i32,
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
    pub kind: String,
    pub reason: String,
}

/// The account's versions, newest first.
pub async fn list_versions(
    tx: &mut TenantTx,
    account: Uuid,
) -> Result<Vec<VersionRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT version, created_by, created_at, kind, reason FROM secrets
         WHERE account_id = $1 ORDER BY version DESC",
    )
    .bind(account)
    .fetch_all(&mut **tx)
    .await
}

/// A sealed version. `Debug` shows the ciphertext's length, never its bytes.
#[derive(sqlx::FromRow)]
pub struct SealedVersion {
    pub key_version: i32,
    pub ciphertext: Vec<u8>,
}

impl std::fmt::Debug for SealedVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SealedVersion")
            .field("key_version", &self.key_version)
            .field(
                "ciphertext",
                &format_args!("<{} bytes sealed>", self.ciphertext.len()),
            )
            .finish()
    }
}

pub async fn find_version(
    tx: &mut TenantTx,
    account: Uuid,
    version: i32,
) -> Result<Option<SealedVersion>, sqlx::Error> {
    sqlx::query_as(
        "SELECT key_version, ciphertext FROM secrets WHERE account_id = $1 AND version = $2",
    )
    .bind(account)
    .bind(version)
    .fetch_optional(&mut **tx)
    .await
}

/// The account's newest `limit` versions, sealed, newest first: what a policy's "no reuse
/// of the last N" compares a new password with.
pub async fn list_sealed_versions(
    tx: &mut TenantTx,
    account: Uuid,
    limit: i64,
) -> Result<Vec<(i32, SealedVersion)>, sqlx::Error> {
    let rows: Vec<(i32, i32, Vec<u8>)> = sqlx::query_as(
        "SELECT version, key_version, ciphertext FROM secrets WHERE account_id = $1
         ORDER BY version DESC LIMIT $2",
    )
    .bind(account)
    .bind(limit)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(version, key_version, ciphertext)| {
            (
                version,
                SealedVersion {
                    key_version,
                    ciphertext,
                },
            )
        })
        .collect())
}
