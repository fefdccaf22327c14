//! The bench org's audit trail, read straight from the audit service's database.

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use strongroom_e2e::stack::Stack;

/// The bench org's audit trail, read straight from the audit service's database, to show
/// every reveal reached it and how far the trail runs behind the load.
pub struct AuditTrail {
    db: sqlx::PgPool,
    count: String,
}

impl AuditTrail {
    pub async fn connect(stack: &Stack, org: &str) -> anyhow::Result<Self> {
        let org = uuid::Uuid::try_parse(org).context("org id")?;
        let url = format!(
            "{}/{}",
            stack.config.postgres_url,
            stack.config.database_name("audit")
        );
        let db = sqlx::postgres::PgPoolOptions::new()
            .max_connections(1)
            .connect(&url)
            .await
            .context("the audit database")?;
        // Records still in the intake are part of the trail (one statement, one snapshot; a
        // record being moved is in both for a moment).
        let count = format!(
            "SELECT (SELECT count(*) FROM org_{0}.audit_events
                     WHERE operation = 'password.revealed')
                  + (SELECT count(*) FROM public.audit_intake i
                     WHERE i.org_id = '{1}' AND i.operation = 'password.revealed'
                       AND NOT EXISTS (SELECT 1 FROM org_{0}.audit_events t WHERE t.id = i.id))",
            org.simple(),
            org
        );
        Ok(Self { db, count })
    }

    pub async fn revealed(&self) -> anyhow::Result<u64> {
        let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(self.count.clone()))
            .fetch_one(&self.db)
            .await
            .context("counting audited reveals")?;
        Ok(u64::try_from(n).unwrap_or_default())
    }

    /// Waits until the trail holds `n` reveals; returns how long that took.
    pub async fn wait_for(&self, n: u64) -> anyhow::Result<f64> {
        let started = Instant::now();
        loop {
            let stored = self.revealed().await?;
            if stored >= n {
                return Ok(started.elapsed().as_secs_f64());
            }
            if started.elapsed() > Duration::from_secs(600) {
                bail!("the audit trail holds {stored} of {n} reveals after 10 minutes");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}
