//! Work over several orgs' schemas at once, for hot paths that batch what arrives together
//! from many orgs. [`OrgsTx`] is one transaction over them (the outbox relay): a statement
//! serves the whole batch, so a busy MSP with many client orgs costs no more round trips
//! than one org. [`OrgsStatements`] sends one prepared statement per org, together, on
//! connections that org always gets (reveals, audit storage): a statement naming many orgs
//! would be planned anew for every batch. Tenant tables are named through `table`, which knows only
//! the orgs the work was opened for. In a transaction over several orgs the search path is
//! empty, so an unqualified name fails instead of reaching `public`, and names are
//! schema-qualified; over one org the search path is that org's schema and names stay
//! bare, so the statement text is the same for every org and its prepared form is reused.

use std::ops::{Deref, DerefMut};

use sqlx::{PgConnection, Postgres, Transaction};
use strongroom_core::OrgId;
use tokio_postgres::Row;

use crate::hot::{HotPool, Statements};
use crate::{TenancyError, TenantDb, schema_name};

pub struct OrgsTx {
    tx: Transaction<'static, Postgres>,
    orgs: Vec<OrgId>,
}

impl TenantDb {
    /// Starts a transaction over the schemas of `orgs`; an org without a schema here is
    /// refused as unknown.
    pub async fn begin_orgs(&self, orgs: &[OrgId]) -> Result<OrgsTx, TenancyError> {
        for org in orgs {
            self.check_known(*org).await?;
        }
        let path = match orgs {
            [org] => schema_name(*org),
            _ => String::new(),
        };
        // The schema name is made of the org id's hex digits only.
        let tx = self
            .pool
            .begin_with(sqlx::AssertSqlSafe(format!(
                "BEGIN; SELECT set_config('search_path', '{path}', true)"
            )))
            .await?;
        Ok(OrgsTx {
            tx,
            orgs: orgs.to_vec(),
        })
    }
}

impl OrgsTx {
    pub fn orgs(&self) -> &[OrgId] {
        &self.orgs
    }

    /// The name of an org's table (`org_<id>.<table>`, or the bare name when the transaction
    /// is over that org alone), for an org this transaction was opened for. Table names are
    /// constants of the calling service, never input.
    pub fn table(&self, org: OrgId, table: &'static str) -> Result<String, TenancyError> {
        match self.orgs.as_slice() {
            [only] if *only == org => Ok(table.to_owned()),
            orgs if orgs.len() > 1 && orgs.contains(&org) => {
                Ok(format!("{}.{table}", schema_name(org)))
            }
            _ => Err(TenancyError::UnknownOrg(org)),
        }
    }

    /// Whether statements of this transaction read the same for every org (one org), so
    /// preparing them once pays off.
    pub fn statements_repeat(&self) -> bool {
        self.orgs.len() == 1
    }

    pub async fn commit(self) -> Result<(), TenancyError> {
        self.tx.commit().await?;
        Ok(())
    }
}

impl Deref for OrgsTx {
    type Target = PgConnection;
    fn deref(&self) -> &PgConnection {
        &self.tx
    }
}

impl DerefMut for OrgsTx {
    fn deref_mut(&mut self) -> &mut PgConnection {
        &mut self.tx
    }
}

/// Statements over some orgs' schemas, outside any transaction, all run on connections the
/// orgs always get (see [`TenantDb::statements_over`]) and sent together, so a group costs
/// about one round trip however many orgs it has. Tenant tables are always named in full
/// (`org_<id>.<table>`), so the session's search path never decides which org a name
/// reaches, and each org's statement reads the same every time, so it is prepared once per
/// connection and then reused.
pub struct OrgsStatements<'a> {
    pool: &'a HotPool,
    orgs: Vec<OrgId>,
}

impl TenantDb {
    /// Statements over the schemas of `orgs`, grouped by the connections that serve them:
    /// each group's run together on one connection, and the groups side by side. An org
    /// without a schema here is refused as unknown.
    pub async fn statements_over(
        &self,
        orgs: &[OrgId],
    ) -> Result<Vec<OrgsStatements<'_>>, TenancyError> {
        let mut groups: Vec<OrgsStatements<'_>> = Vec::new();
        for org in orgs {
            self.check_known(*org).await?;
            let pool = self.affine_pool(*org);
            match groups.iter_mut().find(|g| std::ptr::eq(g.pool, pool)) {
                Some(group) if !group.orgs.contains(org) => group.orgs.push(*org),
                Some(_) => {}
                None => groups.push(OrgsStatements {
                    pool,
                    orgs: vec![*org],
                }),
            }
        }
        Ok(groups)
    }

    /// The connections an org's hot statements always run on: chosen from the org id's
    /// random bits, the same in every replica.
    fn affine_pool(&self, org: OrgId) -> &HotPool {
        let i = (org.0.as_u128() % self.affine.len() as u128) as usize;
        &self.affine[i]
    }
}

impl OrgsStatements<'_> {
    /// The orgs of this group, in the order they were asked for.
    pub fn orgs(&self) -> &[OrgId] {
        &self.orgs
    }

    /// `org_<id>.<table>`, for an org of this group. Table names are constants of the
    /// calling service, never input.
    pub fn table(&self, org: OrgId, table: &'static str) -> Result<String, TenancyError> {
        if self.orgs.contains(&org) {
            Ok(format!("{}.{table}", schema_name(org)))
        } else {
            Err(TenancyError::UnknownOrg(org))
        }
    }

    /// Runs each statement by itself (each commits alone and reads its own snapshot);
    /// the rows of each, in order.
    pub async fn query_each(
        &self,
        statements: &Statements<'_>,
    ) -> Result<Vec<Vec<Row>>, TenancyError> {
        self.pool.query_each(statements).await
    }

    /// Runs the statements as one transaction: all of them take effect, or none.
    pub async fn execute_atomically(
        &self,
        statements: &Statements<'_>,
    ) -> Result<(), TenancyError> {
        self.pool.execute_atomically(statements).await
    }
}
