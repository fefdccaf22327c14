//! One transaction over several orgs' schemas, for hot paths that batch work arriving
//! together from many orgs (reveals, audit storage): a statement serves the whole batch
//! rather than one org, so a busy MSP with many client orgs costs no more round trips than
//! one org. The search path is empty, so an unqualified table name fails instead of
//! reaching `public`; tenant tables are named through [`OrgsTx::table`], which knows only
//! the orgs the transaction was opened for.

use std::ops::{Deref, DerefMut};

use sqlx::{PgConnection, Postgres, Transaction};
use strongroom_core::OrgId;

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
        let tx = self
            .pool
            .begin_with("BEGIN; SELECT set_config('search_path', '', true)")
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

    /// `org_<id>.<table>`, for an org this transaction was opened for. Table names are
    /// constants of the calling service, never input.
    pub fn table(&self, org: OrgId, table: &'static str) -> Result<String, TenancyError> {
        if !self.orgs.contains(&org) {
            return Err(TenancyError::UnknownOrg(org));
        }
        Ok(format!("{}.{table}", schema_name(org)))
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
