//! `service_credentials`: the account a service of the org signs in with, per purpose.

use strongroom_tenancy::TenantTx;
use uuid::Uuid;

/// Makes `account` the one chosen for `purpose`, by `by`.
pub async fn choose_service_credential(
    tx: &mut TenantTx,
    purpose: &str,
    account: Uuid,
    by: Uuid,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO service_credentials (purpose, account_id, chosen_by) VALUES ($1, $2, $3)
         ON CONFLICT (purpose) DO UPDATE
         SET account_id = EXCLUDED.account_id, chosen_by = EXCLUDED.chosen_by,
             chosen_at = now()",
    )
    .bind(purpose)
    .bind(account)
    .bind(by)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// No account for `purpose` any more; whether there was one.
pub async fn clear_service_credential(
    tx: &mut TenantTx,
    purpose: &str,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM service_credentials WHERE purpose = $1")
        .bind(purpose)
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// The account chosen for `purpose`, if any.
pub async fn service_credential(
    tx: &mut TenantTx,
    purpose: &str,
) -> Result<Option<Uuid>, sqlx::Error> {
    sqlx::query_scalar("SELECT account_id FROM service_credentials WHERE purpose = $1")
        .bind(purpose)
        .fetch_optional(&mut **tx)
        .await
}
