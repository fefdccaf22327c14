//! MSPOrg's password policies, resource types and additional fields, replicated to client
//! orgs.
//!
//! The tenant service records which kinds MSPOrg's administrators replicate; each save of a
//! kind arrives as `settings.replication_saved` with a version (see
//! `strongroom_runtime::replication`). The vault then takes MSPOrg's current definitions of
//! the kind as that version's template (only the newest version of each kind is kept) and
//! applies it to every client org; orgs provisioned later get every enabled template before
//! provisioning answers. Each org records the version it has, in the same transaction as
//! the changes, so a redelivered event or a second replica changes nothing, and an org that
//! fails is retried without redoing the others.
//!
//! Applying never removes anything. A definition the org lacks (by name, ignoring case) is
//! added as MSPOrg's; one replication added is kept in step with MSPOrg; one the org has of
//! its own, or has saved since replication added it, is left as it is (and the org's trail
//! says it was kept).

use std::sync::Arc;

use serde_json::{Value, json};
use strongroom_core::{OrgId, to_status};
use strongroom_events::async_nats::jetstream;
use strongroom_events::{Actor, Event, EventError, Target};
use strongroom_runtime::OnProvision;
use strongroom_runtime::replication::{self, Replicate, Saved};
use strongroom_tenancy::TenantTx;
use tokio_util::sync::CancellationToken;

use crate::app::{SERVICE, Vault};
use crate::error::VaultError;
use crate::keys::ProvisionKey;
use crate::store::{self, TemplateRow};

mod definitions;

use definitions::{
    Definition, FieldDefinition, Outcome, PolicyDefinition, TypeDefinition, outcome,
};
#[cfg(test)]
use {crate::store::Source, definitions::source};

/// Replicas share this durable consumer of the tenant's replication events.
pub const CONSUMER: &str = "vault-replication";
/// What the vault consumes from the event stream, for the NATS server's permissions.
pub const NATS_CONSUMER: strongroom_events::NatsConsumer = replication::nats_consumer(CONSUMER);
/// Where replicated settings come from, as client orgs' audit trails show it.
const FROM: &str = "MSPOrg";

/// The kinds of replicated settings the vault owns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OwnedKind {
    PasswordPolicies,
    ResourceTypes,
    AdditionalFields,
}

impl OwnedKind {
    pub fn parse(kind: &str) -> Option<Self> {
        match kind {
            "password_policies" => Some(Self::PasswordPolicies),
            "resource_types" => Some(Self::ResourceTypes),
            "additional_fields" => Some(Self::AdditionalFields),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::PasswordPolicies => "password_policies",
            Self::ResourceTypes => "resource_types",
            Self::AdditionalFields => "additional_fields",
        }
    }
}

/// A kind's newest template.
struct Template {
    kind: OwnedKind,
    version: i64,
    enabled: bool,
    content: Value,
    actor: Actor,
}

impl Template {
    fn from_row(row: TemplateRow) -> Option<Self> {
        Some(Self {
            kind: OwnedKind::parse(&row.kind)?,
            version: row.version,
            enabled: row.enabled,
            content: row.content,
            actor: serde_json::from_value(row.actor).unwrap_or_default(),
        })
    }

    fn event(&self, org: OrgId, operation: &str, target: Target) -> Event {
        Event::new(org, SERVICE, operation, self.actor.clone(), target)
    }
}

/// What applying a template did in one org.
#[derive(Default)]
struct Applied {
    events: Vec<Event>,
    created: Vec<String>,
    updated: Vec<String>,
    kept: Vec<String>,
}

/// Applies a template's definitions of one kind to the org of `tx`.
async fn apply<D: Definition>(
    tx: &mut TenantTx,
    template: &Template,
) -> Result<Applied, VaultError> {
    let definitions: Vec<D> =
        serde_json::from_value(template.content.clone()).map_err(EventError::from)?;
    let org = tx.org();
    let mut applied = Applied::default();
    for definition in definitions {
        let existing = definition.find(tx).await?;
        let name = definition.name();
        let outcome = outcome(
            existing
                .as_ref()
                .map(|(theirs, source)| (*source, *theirs == definition)),
        );
        match outcome {
            Outcome::Unchanged => continue,
            Outcome::Kept => {
                applied.kept.push(name);
                continue;
            }
            Outcome::Created => applied.created.push(name.clone()),
            Outcome::Updated => applied.updated.push(name.clone()),
        }
        definition.save(tx).await?;
        let mut details = serde_json::to_value(&definition).map_err(EventError::from)?;
        if let Value::Object(map) = &mut details {
            map.insert("replicated_from".into(), FROM.into());
            map.insert("version".into(), template.version.into());
        }
        let operation = format!("{}.saved", D::TARGET);
        applied.events.push(
            template
                .event(org, &operation, Target::new(D::TARGET, &name, &name))
                .with_details(details),
        );
    }
    Ok(applied)
}

impl Vault {
    /// Applies the tenant's replication events until `shutdown`.
    pub async fn run_replication(
        self: Arc<Self>,
        js: jetstream::Context,
        prefix: String,
        shutdown: CancellationToken,
    ) {
        let msp_org = self.msp_org;
        replication::run(self, js, prefix, CONSUMER, msp_org, shutdown).await;
    }

    /// Keeps the saved version's template (if newer) and applies the newest template of
    /// the kind to every client org that lacks it.
    async fn replicate_saved(&self, saved: Saved, actor: &Actor) -> Result<(), VaultError> {
        // Kinds of other services are theirs to apply.
        let Some(kind) = OwnedKind::parse(&saved.kind) else {
            return Ok(());
        };
        self.keep_template(kind, &saved, actor).await?;
        let Some(template) = store::find_template(self.db.global(), kind.as_str())
            .await?
            .and_then(Template::from_row)
        else {
            return Ok(());
        };
        if !template.enabled {
            return Ok(());
        }
        replication::to_client_orgs(&self.db, self.msp_org, kind.as_str(), |org| {
            self.apply_template(org, &template)
        })
        .await
    }

    /// Takes MSPOrg's current definitions of `kind` as the saved version's template,
    /// unless a template of that version or a newer one is already kept.
    async fn keep_template(
        &self,
        kind: OwnedKind,
        saved: &Saved,
        actor: &Actor,
    ) -> Result<(), VaultError> {
        let kept = store::template_version(self.db.global(), kind.as_str()).await?;
        if kept.is_some_and(|v| v >= saved.version) {
            return Ok(());
        }
        let content = if saved.enabled {
            self.snapshot(kind).await?
        } else {
            json!([])
        };
        let row = TemplateRow {
            kind: kind.as_str().into(),
            version: saved.version,
            enabled: saved.enabled,
            content,
            actor: serde_json::to_value(actor).map_err(EventError::from)?,
        };
        store::save_template(self.db.global(), &row).await?;
        Ok(())
    }

    /// MSPOrg's definitions of `kind` as they are now.
    async fn snapshot(&self, kind: OwnedKind) -> Result<Value, VaultError> {
        let mut tx = self.db.begin(self.msp_org).await?;
        let content = match kind {
            OwnedKind::PasswordPolicies => serde_json::to_value(
                store::list_policies(&mut tx)
                    .await?
                    .into_iter()
                    .map(PolicyDefinition::from)
                    .collect::<Vec<_>>(),
            ),
            OwnedKind::ResourceTypes => serde_json::to_value(
                store::list_resource_types(&mut tx)
                    .await?
                    .into_iter()
                    .map(TypeDefinition::from)
                    .collect::<Vec<_>>(),
            ),
            OwnedKind::AdditionalFields => serde_json::to_value(
                store::list_additional_fields(&mut tx)
                    .await?
                    .into_iter()
                    .map(FieldDefinition::from)
                    .collect::<Vec<_>>(),
            ),
        }
        .map_err(EventError::from)?;
        tx.commit().await?;
        Ok(content)
    }

    /// Gives a newly provisioned client org every enabled template.
    pub async fn apply_templates(&self, org: OrgId) -> Result<(), VaultError> {
        if org == self.msp_org {
            return Ok(());
        }
        let rows = store::enabled_templates(self.db.global()).await?;
        for template in rows.into_iter().filter_map(Template::from_row) {
            self.apply_template(org, &template).await?;
        }
        Ok(())
    }

    /// Applies a template to one org in one transaction, unless the org has that version or
    /// a newer one; the changes are audited in the org.
    async fn apply_template(&self, org: OrgId, template: &Template) -> Result<(), VaultError> {
        let kind = template.kind.as_str();
        let mut tx = self.db.begin(org).await?;
        if store::lock_applied_version(&mut tx, kind).await? >= template.version {
            tx.commit().await?;
            return Ok(());
        }
        let mut applied = match template.kind {
            OwnedKind::PasswordPolicies => apply::<PolicyDefinition>(&mut tx, template).await?,
            OwnedKind::ResourceTypes => apply::<TypeDefinition>(&mut tx, template).await?,
            OwnedKind::AdditionalFields => apply::<FieldDefinition>(&mut tx, template).await?,
        };
        store::set_applied_version(&mut tx, kind, template.version).await?;
        let summary = template
            .event(
                org,
                "settings.replicated",
                Target::new("settings_replication", kind, kind),
            )
            .with_details(json!({
                "replicated_from": FROM, "kind": kind, "version": template.version,
                "created": applied.created, "updated": applied.updated, "kept": applied.kept,
            }));
        applied.events.push(summary);
        for event in &applied.events {
            self.outbox.record(&mut tx, event).await?;
        }
        self.outbox.commit(tx).await?;
        Ok(())
    }
}

impl Replicate for Vault {
    type Error = VaultError;

    async fn replicate(&self, saved: Saved, actor: &Actor) -> Result<(), VaultError> {
        self.replicate_saved(saved, actor).await
    }
}

/// The vault's provisioning: a new org gets its data key, then MSPOrg's replicated
/// definitions, before its URL first works; a deleted org's key is destroyed.
pub struct Provision {
    pub key: ProvisionKey,
    pub vault: Arc<Vault>,
}

impl OnProvision for Provision {
    async fn provisioned(&self, org: OrgId) -> Result<(), tonic::Status> {
        self.key.provisioned(org).await?;
        self.vault
            .apply_templates(org)
            .await
            .map_err(|e| to_status(&e))
    }

    async fn deprovisioning(&self, org: OrgId) -> Result<(), tonic::Status> {
        self.key.deprovisioning(org).await
    }
}

#[cfg(test)]
mod tests;
