//! A transaction scoped to one org's schema.

use std::ops::{Deref, DerefMut};

use sqlx::{PgConnection, Postgres, Transaction};
use strongroom_core::OrgId;

use crate::TenancyError;

/// A transaction whose `search_path` is one org's schema. Store functions take this type,
/// so tenant SQL cannot run without an org.
pub struct TenantTx {
    tx: Transaction<'static, Postgres>,
    org: OrgId,
}

impl TenantTx {
    /// `tx`, whose `search_path` the caller has set to `org`'s schema.
    pub(crate) fn new(tx: Transaction<'static, Postgres>, org: OrgId) -> Self {
        Self { tx, org }
    }

    pub fn org(&self) -> OrgId {
        self.org
    }

    pub async fn commit(self) -> Result<(), TenancyError> {
        self.tx.commit().await?;
        Ok(())
    }
}

impl Deref for TenantTx {
    type Target = PgConnection;
    fn deref(&self) -> &PgConnection {
        &self.tx
    }
}

impl DerefMut for TenantTx {
    fn deref_mut(&mut self) -> &mut PgConnection {
        &mut self.tx
    }
}
