//! MSPOrg's user groups and custom roles, replicated to client orgs.
//!
//! The tenant service records which kinds MSPOrg's administrators replicate; each save of a
//! kind arrives here as `settings.replication_saved` with a version. Identity then takes
//! MSPOrg's current groups or roles as that version's template (only the newest version of
//! each kind is kept) and applies it to every client org; orgs provisioned later get every
//! enabled template before provisioning answers. Each org records the version it has, in
//! the same transaction as the changes, so a redelivered event or a second replica changes
//! nothing, and an org that fails is retried without redoing the others.
//!
//! Applying never removes anything: missing groups are added (by name, ignoring case;
//! members are never touched), and each custom role is added, or a client org's role of the
//! same name is either overwritten or left alone with MSPOrg's added as "<name> - MSP".
//! Built-in roles cannot be custom role names, so they are never touched.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use strongroom_core::{OrgId, to_status};
use strongroom_events::async_nats::jetstream;
use strongroom_events::{Actor, Event, EventError, Target};
use strongroom_runtime::OnProvision;
use strongroom_runtime::replication::{self, Replicate, Saved};
use strongroom_tenancy::TenantTx;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::app::{Identity, SERVICE};
use crate::error::IdentityError;
use crate::store::{self, TemplateRow};

mod kinds;

use kinds::{OnConflict, OwnedKind, SOURCE, role_destination};

/// Replicas share this durable consumer of the tenant's replication events.
pub const CONSUMER: &str = "identity-replication";
/// What identity consumes from the event stream, for the NATS server's permissions.
pub const NATS_CONSUMER: strongroom_events::NatsConsumer =
    strongroom_runtime::replication::nats_consumer(CONSUMER);
/// Where replicated settings come from, as client orgs' audit trails show it.
const FROM: &str = "MSPOrg";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
struct GroupTemplate {
    name: String,
    description: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
struct RoleTemplate {
    name: String,
    description: String,
    permissions: Vec<String>,
}

/// A kind's newest template.
#[derive(Debug, Clone)]
struct Template {
    kind: OwnedKind,
    version: i64,
    enabled: bool,
    options: Value,
    content: Value,
    actor: Actor,
}

/// A kept template of a kind identity owns.
fn template_of(row: TemplateRow) -> Option<Template> {
    Some(Template {
        kind: OwnedKind::parse(&row.kind)?,
        version: row.version,
        enabled: row.enabled,
        options: row.options,
        content: row.content,
        actor: serde_json::from_value(row.actor).unwrap_or_default(),
    })
}

/// What applying a template changed in one org.
#[derive(Default)]
struct Applied {
    events: Vec<Event>,
    created: Vec<String>,
    updated: Vec<String>,
    /// Holders of changed roles and their new token versions.
    holders: Vec<(Uuid, i64)>,
}

impl Identity {
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
    async fn replicate_saved(&self, saved: Saved, actor: &Actor) -> Result<(), IdentityError> {
        // Kinds of other services are theirs to apply.
        let Some(kind) = OwnedKind::parse(&saved.kind) else {
            return Ok(());
        };
        self.store_template(kind, &saved, actor).await?;
        let Some(template) = self.template(kind).await? else {
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

    /// Takes MSPOrg's current settings of `kind` as the saved version's template, unless a
    /// template of that version or a newer one is already kept.
    async fn store_template(
        &self,
        kind: OwnedKind,
        saved: &Saved,
        actor: &Actor,
    ) -> Result<(), IdentityError> {
        let kept = store::template_version(self.db.global(), kind.as_str()).await?;
        if kept.is_some_and(|v| v >= saved.version) {
            return Ok(());
        }
        let content = if saved.enabled {
            self.snapshot(kind).await?
        } else {
            json!([])
        };
        let template = TemplateRow {
            kind: kind.as_str().to_owned(),
            version: saved.version,
            enabled: saved.enabled,
            options: saved.options.clone(),
            content,
            actor: serde_json::to_value(actor).map_err(EventError::from)?,
        };
        store::store_template(self.db.global(), &template).await?;
        Ok(())
    }

    /// MSPOrg's groups or custom roles as they are now.
    async fn snapshot(&self, kind: OwnedKind) -> Result<Value, IdentityError> {
        let mut tx = self.db.begin(self.msp_org).await?;
        let content = match kind {
            OwnedKind::UserGroups => {
                let groups: Vec<GroupTemplate> = store::list_groups(&mut tx)
                    .await?
                    .into_iter()
                    .map(|g| GroupTemplate {
                        name: g.name,
                        description: g.description,
                    })
                    .collect();
                serde_json::to_value(groups)
            }
            OwnedKind::UserRoles => {
                let roles: Vec<RoleTemplate> = store::list_custom_roles(&mut tx)
                    .await?
                    .into_iter()
                    .map(|r| RoleTemplate {
                        name: r.name,
                        description: r.description,
                        permissions: r.permissions,
                    })
                    .collect();
                serde_json::to_value(roles)
            }
        }
        .map_err(EventError::from)?;
        tx.commit().await?;
        Ok(content)
    }

    async fn template(&self, kind: OwnedKind) -> Result<Option<Template>, IdentityError> {
        let row = store::template(self.db.global(), kind.as_str()).await?;
        Ok(row.and_then(template_of))
    }

    /// Gives a newly provisioned client org every enabled template.
    pub async fn apply_templates(&self, org: OrgId) -> Result<(), IdentityError> {
        if org == self.msp_org {
            return Ok(());
        }
        let rows = store::enabled_templates(self.db.global()).await?;
        for template in rows.into_iter().filter_map(template_of) {
            self.apply_template(org, &template).await?;
        }
        Ok(())
    }

    /// Applies a template to one org in one transaction, unless the org has that version or
    /// a newer one; the changes are audited in the org.
    async fn apply_template(&self, org: OrgId, template: &Template) -> Result<(), IdentityError> {
        let kind = template.kind.as_str();
        let mut tx = self.db.begin(org).await?;
        let has = store::lock_applied_version(&mut tx, kind).await?;
        if has >= template.version {
            tx.commit().await?;
            return Ok(());
        }
        let mut applied = match template.kind {
            OwnedKind::UserGroups => apply_groups(&mut tx, template).await?,
            OwnedKind::UserRoles => apply_roles(&mut tx, template).await?,
        };
        store::set_applied_version(&mut tx, kind, template.version).await?;
        let summary = replicated_event(
            org,
            template,
            "settings.replicated",
            Target::new("settings_replication", kind, kind),
        )
        .with_details(json!({
            "replicated_from": FROM, "kind": kind, "version": template.version,
            "created": applied.created, "updated": applied.updated,
        }));
        applied.events.push(summary);
        self.commit(tx, &applied.events).await?;
        // Tokens carry permissions: holders of a changed role must fetch fresh ones.
        for (user, version) in applied.holders {
            if let Err(e) = self.revocations.require_version(user, version).await {
                tracing::warn!(%org, %user, error = %e, "could not void the tokens of a role holder");
            }
        }
        Ok(())
    }
}

fn replicated_event(org: OrgId, template: &Template, operation: &str, target: Target) -> Event {
    Event::new(org, SERVICE, operation, template.actor.clone(), target)
}

fn content<T: serde::de::DeserializeOwned>(template: &Template) -> Result<Vec<T>, IdentityError> {
    serde_json::from_value(template.content.clone())
        .map_err(|e| IdentityError::from(EventError::from(e)))
}

/// Adds MSPOrg's groups the org lacks (by name, ignoring case).
async fn apply_groups(tx: &mut TenantTx, template: &Template) -> Result<Applied, IdentityError> {
    let org = tx.org();
    let mut applied = Applied::default();
    for group in content::<GroupTemplate>(template)? {
        let created =
            store::insert_group_if_new(tx, &group.name, &group.description, SOURCE).await?;
        if let Some(id) = created {
            applied.events.push(
                replicated_event(
                    org,
                    template,
                    "group.created",
                    Target::new("group", id, &group.name),
                )
                .with_details(json!({ "replicated_from": FROM, "version": template.version })),
            );
            applied.created.push(group.name);
        }
    }
    Ok(applied)
}

/// Adds or updates MSPOrg's custom roles, by the template's conflict choice.
async fn apply_roles(tx: &mut TenantTx, template: &Template) -> Result<Applied, IdentityError> {
    let org = tx.org();
    let mode = OnConflict::from_options(&template.options);
    let mut applied = Applied::default();
    for role in content::<RoleTemplate>(template)? {
        let mut permissions = role.permissions.clone();
        permissions.sort();
        permissions.dedup();
        let same = store::find_custom_role(tx, &role.name).await?;
        let name = role_destination(
            &role.name,
            same.as_ref().map(|r| (r.name.as_str(), r.source.as_str())),
            mode,
        );
        let existing = store::find_custom_role(tx, &name).await?;
        let role_event = |operation: &str, target: &str| {
            replicated_event(
                org,
                template,
                operation,
                Target::new("role", target, target),
            )
            .with_details(json!({
                "replicated_from": FROM, "version": template.version,
                "permissions": permissions, "msp_role": role.name,
            }))
        };
        match existing {
            None => {
                store::insert_custom_role(tx, &name, &role.description, &permissions, SOURCE)
                    .await?;
                applied.events.push(role_event("role.created", &name));
                applied.created.push(name);
            }
            Some(store::CustomRoleRow {
                name: stored,
                description,
                permissions: mut had,
                source,
            }) => {
                had.sort();
                had.dedup();
                if had == permissions && description == role.description && source == SOURCE {
                    continue;
                }
                store::replace_custom_role(tx, &stored, &role.description, &permissions, SOURCE)
                    .await?;
                if had != permissions {
                    let holders = store::move_role_holders(tx, &stored, &stored).await?;
                    applied.holders.extend(holders);
                }
                applied.events.push(role_event("role.updated", &stored));
                applied.updated.push(stored);
            }
        }
    }
    Ok(applied)
}

/// Applies the enabled templates to each org as it is provisioned, so a new client org
/// has MSPOrg's replicated settings when its URL first works.
pub struct ReplicationHook(pub Arc<Identity>);

impl Replicate for Identity {
    type Error = IdentityError;

    async fn replicate(&self, saved: Saved, actor: &Actor) -> Result<(), IdentityError> {
        self.replicate_saved(saved, actor).await
    }
}

impl OnProvision for ReplicationHook {
    async fn provisioned(&self, org: OrgId) -> Result<(), tonic::Status> {
        self.0.apply_templates(org).await.map_err(|e| to_status(&e))
    }
}
