//! Settings replication across client orgs: MSPOrg's administrators choose which kinds of
//! MSPOrg's settings every client org receives, now and when created later.
//!
//! The tenant service owns the choice only. Each save that replicates a kind raises the
//! kind's version and records `settings.replication_saved` in MSPOrg's outbox in the same
//! transaction; the service that owns the kind (identity for user groups and roles, the
//! vault for additional fields, resource types and password policies) snapshots MSPOrg's
//! settings under that version and applies them to every client org, once per version.
//! The same event is the audit record of the save. The catalogue and the checks of a
//! save are in `kinds`, the gRPC edge in `grpc`.

mod grpc;
mod kinds;

use serde_json::{Value, json};
use strongroom_auth::RequestContext;
use strongroom_events::Target;
use strongroom_tenancy::TenantTx;

pub use grpc::ReplicationGrpc;
pub use kinds::{Choice, Kind, KindState};

use crate::app::Tenant;
use crate::error::TenantError;
use crate::store;
use kinds::{checked, states};

/// The operation of the event that carries a saved choice to the owning service.
pub const SAVED: &str = "settings.replication_saved";

impl Tenant {
    /// MSPOrg administrators only; anyone in a client org must not learn other orgs exist.
    fn require_replication_admin(&self, ctx: &RequestContext) -> Result<(), TenantError> {
        if !self.is_msp_user(ctx) {
            return Err(TenantError::NotFound);
        }
        self.require_msp_admin(ctx)
    }

    pub async fn replication(&self, ctx: &RequestContext) -> Result<Vec<KindState>, TenantError> {
        self.require_replication_admin(ctx)?;
        Ok(states(store::list_replication(self.db.global()).await?))
    }

    /// Saves the kinds named (the others keep their setting). A kind whose choice changed,
    /// or that is enabled and saved again, gets a new version and an event that has its
    /// owner apply MSPOrg's current settings of that kind to every client org.
    pub async fn save_replication(
        &self,
        ctx: &RequestContext,
        choices: &[Choice],
    ) -> Result<Vec<KindState>, TenantError> {
        self.require_replication_admin(ctx)?;
        let choices = checked(choices)?;
        let mut tx = self.db.begin(self.msp_org).await?;
        // Concurrent saves take turns, so versions rise one by one with their events.
        let stored = states(store::lock_replication(&mut tx).await?);
        for choice in choices {
            let Some(before) = stored.iter().find(|s| s.kind == choice.kind) else {
                continue;
            };
            // Disabling without options keeps the options last chosen.
            let options = if choice.options.is_empty() && !choice.enabled {
                before.options.clone()
            } else {
                Value::Object(choice.options)
            };
            let changed = before.enabled != choice.enabled || before.options != options;
            if !changed && !choice.enabled {
                continue;
            }
            self.record_choice(&mut tx, ctx, choice.kind, choice.enabled, &options)
                .await?;
        }
        self.outbox.commit(tx).await?;
        Ok(states(store::list_replication(self.db.global()).await?))
    }

    async fn record_choice(
        &self,
        tx: &mut TenantTx,
        ctx: &RequestContext,
        kind: &Kind,
        enabled: bool,
        options: &Value,
    ) -> Result<(), TenantError> {
        let version =
            store::save_replication_choice(tx, kind.kind, enabled, options, ctx.user()).await?;
        let target = Target::new("settings_replication", kind.kind, kind.label);
        let event = self.msp_event(ctx, SAVED, target).with_details(json!({
            "kind": kind.kind, "version": version, "enabled": enabled, "options": options,
        }));
        self.outbox.record(tx, &event).await?;
        Ok(())
    }
}
