//! The reveal path's SQL: the current secrets of many orgs at once, and the global reveal
//! records.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use strongroom_core::OrgId;
use strongroom_tenancy::{OrgsStatements, Row, TenancyError, TenantDb, ToSql};
use uuid::Uuid;

/// A read of one org's secrets that a batch needs.
pub struct OrgRead {
    pub org: OrgId,
    /// The accounts the batch wants that are not kept.
    pub wanted: Vec<Uuid>,
    /// Read every account of the org (up to one more than `limit`), not only the wanted ones.
    pub whole: bool,
    /// A whole read keeps the org whole if it has at most this many accounts.
    pub limit: usize,
}

/// `Debug` shows the ciphertext's length, never its bytes.
pub struct CurrentSecret {
    pub account_id: Uuid,
    pub username: String,
    pub resource_id: Uuid,
    pub resource_name: String,
    pub owner_id: Uuid,
    pub version: i32,
    pub key_version: i32,
    pub ciphertext: Vec<u8>,
    /// Under access control: revealed only during the caller's checkout.
    pub access_controlled: bool,
}

impl std::fmt::Debug for CurrentSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CurrentSecret")
            .field("account_id", &self.account_id)
            .field("username", &self.username)
            .field("resource_id", &self.resource_id)
            .field("resource_name", &self.resource_name)
            .field("owner_id", &self.owner_id)
            .field("version", &self.version)
            .field("key_version", &self.key_version)
            .field("access_controlled", &self.access_controlled)
            .field(
                "ciphertext",
                &format_args!("<{} bytes sealed>", self.ciphertext.len()),
            )
            .finish()
    }
}

/// A current secret found by [`find_current_secrets`], with its org.
#[derive(Debug)]
pub struct OrgSecret {
    pub org_id: Uuid,
    pub secret: Arc<CurrentSecret>,
}

impl TryFrom<Row> for OrgSecret {
    type Error = TenancyError;
    fn try_from(row: Row) -> Result<Self, TenancyError> {
        Ok(OrgSecret {
            org_id: row.try_get("org_id")?,
            secret: Arc::new(CurrentSecret {
                account_id: row.try_get("account_id")?,
                username: row.try_get("username")?,
                resource_id: row.try_get("resource_id")?,
                resource_name: row.try_get("resource_name")?,
                owner_id: row.try_get("owner_id")?,
                version: row.try_get("version")?,
                key_version: row.try_get("key_version")?,
                ciphertext: row.try_get("ciphertext")?,
                access_controlled: row.try_get("access_controlled")?,
            }),
        })
    }
}

/// The current secrets of a group of orgs' reads: one prepared statement per org, all sent
/// together on one connection. A whole read returns at most one row more than its limit, so
/// the caller can tell the org is larger.
pub async fn find_current_secrets(
    group: &OrgsStatements<'_>,
    reads: &[OrgRead],
) -> Result<Vec<OrgSecret>, TenancyError> {
    let reads: Vec<(&OrgRead, i64)> = reads
        .iter()
        .filter(|r| group.orgs().contains(&r.org))
        .map(|r| (r, i64::try_from(r.limit).unwrap_or(i64::MAX - 1) + 1))
        .collect();
    let mut statements = Vec::new();
    for (read, whole_limit) in &reads {
        // Accounts in the trash, or on a resource in the trash, reveal nothing.
        let filter = if read.whole {
            "WHERE a.deleted_at IS NULL AND r.deleted_at IS NULL LIMIT $2"
        } else {
            "WHERE a.id = ANY($2) AND a.deleted_at IS NULL AND r.deleted_at IS NULL"
        };
        let sql = format!(
            "SELECT $1::uuid AS org_id, a.id AS account_id, a.username, r.id AS resource_id,
                    r.name AS resource_name, r.owner_id, s.version, s.key_version, s.ciphertext,
                    (a.access_controlled OR r.access_controlled) AS access_controlled
             FROM {} a
             JOIN {} r ON r.id = a.resource_id
             JOIN {} s ON s.account_id = a.id AND s.version = a.current_version
             {filter}",
            group.table(read.org, "accounts")?,
            group.table(read.org, "resources")?,
            group.table(read.org, "secrets")?,
        );
        let second: &(dyn ToSql + Sync) = if read.whole {
            whole_limit
        } else {
            &read.wanted
        };
        statements.push((sql, vec![&read.org.0 as &(dyn ToSql + Sync), second]));
    }
    group
        .query_each(&statements)
        .await?
        .into_iter()
        .flatten()
        .map(OrgSecret::try_from)
        .collect()
}

/// The audit record of a reveal (or of a refused one), as the vault commits it before the
/// password leaves. It names who revealed what, never the password.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RevealRecord {
    pub id: Uuid,
    pub org_id: Uuid,
    pub operation: String,
    pub actor_user_id: Option<Uuid>,
    pub actor_username: String,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub account_id: Uuid,
    pub target_name: String,
    pub occurred_at: DateTime<Utc>,
    pub details: serde_json::Value,
}

const GENERATIONS: &str =
    "SELECT org_id, generation FROM public.org_generations WHERE org_id = ANY($1)";

/// Forgets a deleted org's generation, so no replica uses what it kept of the org.
pub async fn delete_generation(db: &TenantDb, org: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM public.org_generations WHERE org_id = $1")
        .bind(org)
        .execute(db.global())
        .await?;
    Ok(())
}

/// The orgs' generations now, by org. An org without one has never had a change here (or
/// was deleted), so nothing of it is kept.
pub async fn org_generations(
    db: &TenantDb,
    orgs: &[OrgId],
) -> Result<std::collections::HashMap<OrgId, i64>, sqlx::Error> {
    let ids: Vec<Uuid> = orgs.iter().map(|o| o.0).collect();
    let rows = generations(db.global(), &ids).await?;
    Ok(rows.into_iter().map(|(org, g)| (OrgId(org), g)).collect())
}

/// The generations of these orgs (an org never changed has none).
pub async fn generations<'e>(
    db: impl sqlx::PgExecutor<'e>,
    orgs: &[Uuid],
) -> Result<Vec<(Uuid, i64)>, sqlx::Error> {
    sqlx::query_as(GENERATIONS).bind(orgs).fetch_all(db).await
}

/// The generations of these orgs, read in the same statement that commits `records`: one
/// round trip, durable (synchronous commit) when it returns.
pub async fn record_reveals(
    connection: &mut PgConnection,
    records: &[RevealRecord],
    generations_of: &[Uuid],
) -> Result<Vec<(Uuid, i64)>, sqlx::Error> {
    if records.is_empty() {
        return generations(connection, generations_of).await;
    }
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "WITH recorded AS (
            INSERT INTO public.reveal_records (id, org_id, operation, actor_user_id,
                actor_username, ip, user_agent, account_id, target_name, occurred_at, details)
            SELECT * FROM UNNEST($2::uuid[], $3::uuid[], $4::text[], $5::uuid[], $6::text[],
                $7::text[], $8::text[], $9::uuid[], $10::text[], $11::timestamptz[],
                $12::jsonb[]))
         {GENERATIONS}"
    )))
    .bind(generations_of)
    .bind(column(records, |r| r.id))
    .bind(column(records, |r| r.org_id))
    .bind(column(records, |r| r.operation.as_str()))
    .bind(column(records, |r| r.actor_user_id))
    .bind(column(records, |r| r.actor_username.as_str()))
    .bind(column(records, |r| r.ip.as_deref()))
    .bind(column(records, |r| r.user_agent.as_deref()))
    .bind(column(records, |r| r.account_id))
    .bind(column(records, |r| r.target_name.as_str()))
    .bind(column(records, |r| r.occurred_at))
    .bind(column(records, |r| &r.details))
    .fetch_all(connection)
    .await
}

/// One field of every record, as one array parameter of an `UNNEST`.
fn column<'a, T>(records: &'a [RevealRecord], field: impl Fn(&'a RevealRecord) -> T) -> Vec<T> {
    records.iter().map(field).collect()
}

/// Claims up to `limit` committed reveal records, oldest first, for forwarding; other
/// forwarders (replicas) skip them until `tx` ends.
pub async fn claim_reveal_records(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    limit: i64,
) -> Result<Vec<RevealRecord>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, org_id, operation, actor_user_id, actor_username, ip, user_agent,
                account_id, target_name, occurred_at, details
         FROM public.reveal_records ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED",
    )
    .bind(limit)
    .fetch_all(&mut **tx)
    .await
}

/// Deletes forwarded records. The commit need not wait for the disk: if it is lost, the
/// records are forwarded again, and the audit service stores each id once.
pub async fn delete_reveal_records(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    ids: &[Uuid],
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "WITH gone AS (DELETE FROM public.reveal_records WHERE id = ANY($1))
         SELECT set_config('synchronous_commit', 'off', true)",
    )
    .bind(ids)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

const RECORD_COLUMNS: &str = "id, org_id, operation, actor_user_id, actor_username, ip,
    user_agent, account_id, target_name, occurred_at, details";

/// Moves records the audit service refused aside, where nothing deletes them.
pub async fn set_aside_reveal_records(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    ids: &[Uuid],
) -> Result<(), sqlx::Error> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "WITH refused AS (DELETE FROM public.reveal_records WHERE id = ANY($1)
                          RETURNING {RECORD_COLUMNS})
         INSERT INTO public.refused_reveal_records ({RECORD_COLUMNS})
         SELECT {RECORD_COLUMNS} FROM refused ON CONFLICT (id) DO NOTHING"
    )))
    .bind(ids)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// How many refused records are set aside.
pub async fn count_refused_reveal_records(db: &sqlx::PgPool) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT count(*) FROM public.refused_reveal_records")
        .fetch_one(db)
        .await
}

/// Queues every refused record to be forwarded again; how many.
pub async fn requeue_refused_reveal_records(db: &sqlx::PgPool) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(sqlx::AssertSqlSafe(format!(
        "WITH again AS (DELETE FROM public.refused_reveal_records RETURNING {RECORD_COLUMNS})
         INSERT INTO public.reveal_records ({RECORD_COLUMNS})
         SELECT {RECORD_COLUMNS} FROM again ON CONFLICT (id) DO NOTHING"
    )))
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}

/// The vault's role may claim and delete reveal records (a queue, not a record of its own),
/// and move and reset org generations (the triggers and an org's deletion do).
pub async fn grant_queue_rights(db: &TenantDb) -> Result<(), TenancyError> {
    if let Some(role) = db.runtime_role() {
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "GRANT UPDATE, DELETE ON public.reveal_records TO {role};
             GRANT SELECT, INSERT, DELETE ON public.refused_reveal_records TO {role};
             GRANT UPDATE, DELETE ON public.org_generations TO {role};"
        )))
        .execute(db.owner())
        .await?;
    }
    Ok(())
}

/// Vacuums the reveal records, whose whole content turns over all the time (so the claims
/// do not walk dead rows whatever the server's autovacuum settings). Only the owner may.
pub async fn vacuum_reveal_records(db: &TenantDb) -> Result<(), sqlx::Error> {
    sqlx::raw_sql("VACUUM public.reveal_records")
        .execute(db.owner())
        .await?;
    Ok(())
}
