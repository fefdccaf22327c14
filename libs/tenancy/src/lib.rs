//! Tenant-scoped Postgres access: one database per service, one schema per org.
//!
//! [`TenantDb::begin`] is the only place that sets `search_path`, and only with the
//! transaction-local form, so a pooled connection never carries one org's schema into the
//! next borrower's query. Tenant tables exist only in org schemas; a query run outside a
//! [`TenantTx`] finds no tenant table at all (fail closed).

mod batch;
mod error;
mod grants;
mod held;
mod hot;
mod migrate;
mod tx;

use std::collections::HashSet;
use std::sync::{Arc, RwLock};

use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use strongroom_core::OrgId;

pub use batch::{OrgsStatements, OrgsTx};
pub use error::{TenancyError, refused_input};
pub use grants::quote_ident;
pub use held::{Held, HeldConnections};
pub use hot::Statements;
pub use migrate::migrate_global;
pub use sqlx::migrate::Migrator;
pub use tokio_postgres::Row;
pub use tokio_postgres::types::ToSql;
pub use tx::TenantTx;

use grants::{grant_read_and_add, outbox_rights};
use hot::HotPool;

/// The schema that holds an org's tables: derived from the org id only, never from input.
pub fn schema_name(org: OrgId) -> String {
    format!("org_{}", org.0.simple())
}

/// Connections of each pool for the hot paths (see [`TenantDb::statements_over`]): two,
/// so two batches of one busy org still run side by side.
const CONNECTIONS_PER_AFFINE_POOL: u32 = 2;
/// Prepared statements each of their connections keeps: a hot statement per org and
/// table set, for the orgs of one pool; past it they are all prepared afresh.
const STATEMENTS_PER_AFFINE_CONNECTION: usize = 1_000;
/// The session setting of connections for hot statements: each prepared statement is
/// planned once per connection. Postgres otherwise plans it afresh at every execution for
/// as long as its custom plans look cheaper than the generic one, as they do for
/// `= ANY($1)` over a one-element array (a batch of one); for the vault's reveal statement
/// that was about a quarter of the server's time per execution, on the reveal's path.
const PLANNED_ONCE: (&str, &str) = ("plan_cache_mode", "force_generic_plan");
/// Connections of a separate owner role: schema changes are rare and serialised anyway.
const OWNER_CONNECTIONS: u32 = 2;

/// A service's database: global tables in `public`, tenant tables in one schema per org.
#[derive(Clone)]
pub struct TenantDb {
    pool: PgPool,
    /// The role that owns the schemas and tables and changes their shape (migrations,
    /// provisioning, deletion, maintenance): `pool` itself unless the service runs as a
    /// role with fewer rights (audit's, which may not change its trail).
    owner: PgPool,
    /// The service's own role (quoted) when it is not the owner.
    runtime_role: Option<String>,
    // Connections an org always gets for hot paths, so its prepared statements and the
    // server's catalog and file entries for its tables are made once per connection of
    // one pool, not once per connection of the service: with a thousand orgs spread over
    // every connection, each would otherwise keep preparing and reloading. A batch's
    // statements for the orgs of one pool travel together (see `hot`).
    affine: Arc<[HotPool]>,
    tenant_migrations: &'static Migrator,
    // Orgs whose schema is known to exist, so `begin` needs no extra round trip.
    provisioned: Arc<RwLock<HashSet<OrgId>>>,
}

impl TenantDb {
    /// Connects and creates the registry of provisioned schemas.
    pub async fn connect(
        url: &str,
        max_connections: u32,
        tenant_migrations: &'static Migrator,
    ) -> Result<Self, TenancyError> {
        Self::connect_as(url, None, max_connections, tenant_migrations).await
    }

    /// Like [`Self::connect`], with schema changes made as the role of `owner_url` (a few
    /// connections of their own) and everything else as the role of `url`.
    pub async fn connect_as(
        url: &str,
        owner_url: Option<&str>,
        max_connections: u32,
        tenant_migrations: &'static Migrator,
    ) -> Result<Self, TenancyError> {
        let options: PgConnectOptions = url.parse()?;
        // Half the connections serve the hot paths, each org always on the same pool of
        // them; the rest serve everything else.
        let affine_pools = (max_connections / (2 * CONNECTIONS_PER_AFFINE_POOL)).max(1);
        let general = max_connections
            .saturating_sub(affine_pools * CONNECTIONS_PER_AFFINE_POOL)
            .max(1);
        // No ping before each acquire: it costs a round trip per transaction, and a broken
        // connection fails its first query and is then dropped by the pool anyway. No JIT:
        // compiling a plan costs tens of milliseconds, more than any request's statement
        // over an org's tables gains from it (a page deep in a 10,000-resource listing took
        // 64 ms with it, 30 ms without).
        let pool = PgPoolOptions::new()
            .max_connections(general)
            .test_before_acquire(false)
            .connect_with(options.clone().options([("jit", "off")]))
            .await?;
        let (owner, runtime_role) = match owner_url {
            Some(owner_url) => {
                let owner = PgPoolOptions::new()
                    .max_connections(OWNER_CONNECTIONS)
                    .connect_with(owner_url.parse()?)
                    .await?;
                let role = grant_read_and_add(&pool, &owner).await?;
                (owner, role)
            }
            None => (pool.clone(), None),
        };
        // Opened on first use, so services without hot paths never open them. Hot
        // statements look rows up by key and are planned once per connection (see
        // `PLANNED_ONCE`). And they probe indexes: over an org's small tables the generic
        // plan would scan and hash whole tables, which costs several times more per
        // execution.
        let mut hot: tokio_postgres::Config = url.parse()?;
        let (setting, value) = PLANNED_ONCE;
        let session = format!(
            "{} -c {setting}={value} -c enable_seqscan=off",
            hot.get_options().unwrap_or_default()
        );
        hot.options(session.trim_start());
        let affine = (0..affine_pools)
            .map(|_| {
                HotPool::new(
                    hot.clone(),
                    CONNECTIONS_PER_AFFINE_POOL as usize,
                    STATEMENTS_PER_AFFINE_CONNECTION,
                )
            })
            .collect();
        sqlx::raw_sql(
            "CREATE TABLE IF NOT EXISTS public.tenant_schemas (
                org_id uuid PRIMARY KEY,
                schema_name text NOT NULL UNIQUE,
                provisioned_at timestamptz NOT NULL DEFAULT now()
            );
            -- Only the ids of deleted orgs: late events of theirs are dropped, and a
            -- deleted org is never provisioned again.
            CREATE TABLE IF NOT EXISTS public.deleted_orgs (
                org_id uuid PRIMARY KEY,
                deleted_at timestamptz NOT NULL DEFAULT now()
            )",
        )
        .execute(&owner)
        .await?;
        Ok(Self {
            pool,
            owner,
            runtime_role,
            affine,
            tenant_migrations,
            provisioned: Arc::default(),
        })
    }

    /// The pool, for global (cross-tenant) tables in `public` only.
    pub fn global(&self) -> &PgPool {
        &self.pool
    }

    /// The service's own role (quoted), when another role owns the tables.
    pub fn runtime_role(&self) -> Option<&str> {
        self.runtime_role.as_deref()
    }

    /// The owner's pool: global migrations, grants and maintenance (`VACUUM`) only.
    pub fn owner(&self) -> &PgPool {
        &self.owner
    }

    /// Starts a transaction scoped to one org's schema.
    pub async fn begin(&self, org: OrgId) -> Result<TenantTx, TenancyError> {
        self.check_known(org).await?;
        // BEGIN and the schema switch travel in one round trip. The schema name is made of
        // the org id's hex digits only, so it is safe to place in the statement.
        let tx = self
            .pool
            .begin_with(sqlx::AssertSqlSafe(format!(
                "BEGIN; SELECT set_config('search_path', '{}', true)",
                schema_name(org)
            )))
            .await?;
        Ok(TenantTx::new(tx, org))
    }

    /// Creates the org's schema if needed and brings it to the latest tenant migration.
    /// Idempotent and safe to run from several replicas at once.
    pub async fn provision(&self, org: OrgId) -> Result<(), TenancyError> {
        if self.is_deleted(org).await? {
            return Err(TenancyError::DeletedOrg(org));
        }
        let schema = schema_name(org);
        migrate::migrate_schema(&self.owner, &schema, self.tenant_migrations).await?;
        if let Some(role) = &self.runtime_role {
            // The schema name is made of the org id's hex digits only.
            sqlx::raw_sql(sqlx::AssertSqlSafe(outbox_rights(&schema, role)))
                .execute(&self.owner)
                .await?;
        }
        // Both columns follow from the org id, so a conflict on either (replicas racing)
        // is this same row.
        sqlx::query(
            "INSERT INTO public.tenant_schemas (org_id, schema_name) VALUES ($1, $2)
             ON CONFLICT DO NOTHING",
        )
        .bind(org.0)
        .bind(&schema)
        .execute(&self.owner)
        .await?;
        self.remember(org);
        Ok(())
    }

    /// Drops the org's schema with everything in it and keeps only its id as deleted.
    /// Idempotent and safe against a concurrent provisioning of the same org.
    pub async fn deprovision(&self, org: OrgId) -> Result<(), TenancyError> {
        let schema = schema_name(org);
        let mut tx = self.owner.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock(hashtext($1))")
            .bind(&schema)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO public.deleted_orgs (org_id) VALUES ($1) ON CONFLICT DO NOTHING")
            .bind(org.0)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM public.tenant_schemas WHERE org_id = $1")
            .bind(org.0)
            .execute(&mut *tx)
            .await?;
        // The schema name is made of the org id's hex digits only.
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "DROP SCHEMA IF EXISTS {schema} CASCADE"
        )))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.forget(org);
        Ok(())
    }

    /// Whether the org was deleted (its events are dropped, not retried).
    pub async fn is_deleted(&self, org: OrgId) -> Result<bool, TenancyError> {
        Ok(sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM public.deleted_orgs WHERE org_id = $1)",
        )
        .bind(org.0)
        .fetch_one(&self.pool)
        .await?)
    }

    /// The orgs of `orgs` that still have a schema, read from the database; the others are
    /// forgotten (another replica deleted them).
    pub async fn still_provisioned(&self, orgs: &[OrgId]) -> Result<Vec<OrgId>, TenancyError> {
        let ids: Vec<uuid::Uuid> = orgs.iter().map(|o| o.0).collect();
        let found: Vec<uuid::Uuid> =
            sqlx::query_scalar("SELECT org_id FROM public.tenant_schemas WHERE org_id = ANY($1)")
                .bind(&ids)
                .fetch_all(&self.pool)
                .await?;
        let (kept, gone): (Vec<OrgId>, Vec<OrgId>) =
            orgs.iter().partition(|o| found.contains(&o.0));
        for org in gone {
            self.forget(org);
        }
        Ok(kept)
    }

    /// Migrates every provisioned schema; run at start-up.
    pub async fn migrate_all(&self) -> Result<usize, TenancyError> {
        let orgs = self.provisioned_orgs().await?;
        for org in &orgs {
            migrate::migrate_schema(&self.owner, &schema_name(*org), self.tenant_migrations)
                .await?;
            self.remember(*org);
        }
        Ok(orgs.len())
    }

    pub async fn provisioned_orgs(&self) -> Result<Vec<OrgId>, TenancyError> {
        let rows: Vec<(uuid::Uuid,)> =
            sqlx::query_as("SELECT org_id FROM public.tenant_schemas ORDER BY org_id")
                .fetch_all(&self.pool)
                .await?;
        Ok(rows.into_iter().map(|(id,)| OrgId(id)).collect())
    }

    /// Orgs whose `table` Postgres counts live rows in. The counts are statistics: they trail
    /// commits by up to a few seconds and start again from zero after a server crash, so
    /// this finds work cheaply but never proves there is none.
    pub async fn orgs_with_rows_in(&self, table: &str) -> Result<Vec<OrgId>, TenancyError> {
        let rows: Vec<(uuid::Uuid,)> = sqlx::query_as(
            "SELECT ts.org_id FROM public.tenant_schemas ts
             JOIN pg_catalog.pg_stat_user_tables t
               ON t.schemaname = ts.schema_name AND t.relname = $1
             WHERE t.n_live_tup > 0
             ORDER BY ts.org_id",
        )
        .bind(table)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(|(id,)| OrgId(id)).collect())
    }

    /// Whether the org has a schema here (cached once seen).
    pub async fn is_provisioned(&self, org: OrgId) -> Result<bool, TenancyError> {
        if self.is_known(org) {
            return Ok(true);
        }
        let found: Option<(String,)> =
            sqlx::query_as("SELECT schema_name FROM public.tenant_schemas WHERE org_id = $1")
                .bind(org.0)
                .fetch_optional(&self.pool)
                .await?;
        if found.is_some() {
            self.remember(org);
        }
        Ok(found.is_some())
    }

    async fn check_known(&self, org: OrgId) -> Result<(), TenancyError> {
        if self.is_provisioned(org).await? {
            Ok(())
        } else {
            Err(TenancyError::UnknownOrg(org))
        }
    }

    fn is_known(&self, org: OrgId) -> bool {
        self.provisioned
            .read()
            .map(|set| set.contains(&org))
            .unwrap_or(false)
    }

    fn forget(&self, org: OrgId) {
        if let Ok(mut set) = self.provisioned.write() {
            set.remove(&org);
        }
    }

    fn remember(&self, org: OrgId) {
        if let Ok(mut set) = self.provisioned.write() {
            set.insert(org);
        }
    }
}
