//! One transaction ([`OrgsTx`]) or one statement ([`OrgsStatement`]) over several orgs'
//! schemas, for hot paths that batch work arriving together from many orgs (reveals, audit
//! storage, the outbox relay): a statement serves the whole batch rather than one org, so a
//! busy MSP with many client orgs costs no more round trips than one org. Tenant tables are
//! named through `table`, which knows only the orgs the batch was opened for. In a
//! transaction over several orgs the search path is empty, so an unqualified name fails
//! instead of reaching `public`, and names are schema-qualified; over one org the search
//! path is that org's schema and names stay bare, so the statement text is the same for
//! every org and its prepared form is reused.

use std::ops::{Deref, DerefMut};

use sqlx::{PgConnection, PgPool, Postgres, Transaction};
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

/// One statement over several orgs' schemas, outside any transaction: a single statement is
/// atomic and reads one snapshot by itself, so the hottest paths (the reveal's read, storing
/// audit records) pay one round trip rather than three (begin, statement, commit). Tenant
/// tables are always named in full (`org_<id>.<table>`), so the session's search path never
/// decides which org a name reaches.
pub struct OrgsStatement<'a> {
    pool: &'a PgPool,
    orgs: Vec<OrgId>,
}

impl TenantDb {
    /// A statement over the schemas of `orgs`; an org without a schema here is refused as
    /// unknown.
    pub async fn statement_over(&self, orgs: &[OrgId]) -> Result<OrgsStatement<'_>, TenancyError> {
        for org in orgs {
            self.check_known(*org).await?;
        }
        Ok(OrgsStatement {
            pool: &self.pool,
            orgs: orgs.to_vec(),
        })
    }
}

impl<'a> OrgsStatement<'a> {
    /// `org_<id>.<table>`, for an org this statement was opened for. Table names are
    /// constants of the calling service, never input.
    pub fn table(&self, org: OrgId, table: &'static str) -> Result<String, TenancyError> {
        if self.orgs.contains(&org) {
            Ok(format!("{}.{table}", schema_name(org)))
        } else {
            Err(TenancyError::UnknownOrg(org))
        }
    }

    /// Whether the statement reads the same every time (one org), so preparing it pays off.
    pub fn repeats(&self) -> bool {
        self.orgs.len() == 1
    }

    /// Where to run the statement.
    pub fn pool(&self) -> &'a PgPool {
        self.pool
    }
}
