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

/// Replicas share this durable consumer of the tenant's replication events.
pub const CONSUMER: &str = "identity-replication";
/// What identity consumes from the event stream, for the NATS server's permissions.
pub const NATS_CONSUMER: strongroom_events::NatsConsumer =
    strongroom_runtime::replication::nats_consumer(CONSUMER);
/// Where replicated settings come from, as client orgs' audit trails show it.
const FROM: &str = "MSPOrg";
/// Groups and roles that replication created or took over.
const SOURCE: &str = "msp";

/// The kinds of replicated settings identity owns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OwnedKind {
    UserGroups,
    UserRoles,
}

impl OwnedKind {
    pub fn parse(kind: &str) -> Option<Self> {
        match kind {
            "user_groups" => Some(Self::UserGroups),
            "user_roles" => Some(Self::UserRoles),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::UserGroups => "user_groups",
            Self::UserRoles => "user_roles",
        }
    }
}

/// What happens to MSPOrg's role when a client org has its own role of the same name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnConflict {
    /// The client org's role takes MSPOrg's permissions (and becomes MSPOrg's).
    Overwrite,
    /// The client org's role stays as it is; MSPOrg's is added as "<name> - MSP".
    Rename,
}

impl OnConflict {
    /// From a saved choice's options; anything but "overwrite" leaves client roles alone.
    pub fn from_options(options: &Value) -> Self {
        match options.get("on_conflict").and_then(Value::as_str) {
            Some("overwrite") => Self::Overwrite,
            _ => Self::Rename,
        }
    }
}

/// The name MSPOrg's role takes in a client org that has its own role of that name.
pub fn renamed(name: &str) -> String {
    format!("{name} - MSP")
}

/// Where MSPOrg's role `name` goes in a client org whose role of that name (ignoring case)
/// is `existing` (stored name and source), if any.
pub fn role_destination(name: &str, existing: Option<(&str, &str)>, mode: OnConflict) -> String {
    match existing {
        None => name.to_owned(),
        // Replication's own role (or one it took over) is simply brought up to date.
        Some((stored, source)) if source == SOURCE || mode == OnConflict::Overwrite => {
            stored.to_owned()
        }
        Some(_) => renamed(name),
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, sqlx::FromRow)]
struct GroupTemplate {
    name: String,
    description: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, sqlx::FromRow)]
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

#[derive(sqlx::FromRow)]
struct TemplateRow {
    kind: String,
    version: i64,
    enabled: bool,
    options: Value,
    content: Value,
    actor: Value,
}

impl TemplateRow {
    fn into_template(self) -> Option<Template> {
        Some(Template {
            kind: OwnedKind::parse(&self.kind)?,
            version: self.version,
            enabled: self.enabled,
            options: self.options,
            content: self.content,
            actor: serde_json::from_value(self.actor).unwrap_or_default(),
        })
    }
}

const TEMPLATE_COLUMNS: &str = "kind, version, enabled, options, content, actor";

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
        let kept: Option<i64> =
            sqlx::query_scalar("SELECT version FROM replication_templates WHERE kind = $1")
                .bind(kind.as_str())
                .fetch_optional(self.db.global())
                .await?;
        if kept.is_some_and(|v| v >= saved.version) {
            return Ok(());
        }
        let content = if saved.enabled {
            self.snapshot(kind).await?
        } else {
            json!([])
        };
        sqlx::query(
            "INSERT INTO replication_templates (kind, version, enabled, options, content, actor)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (kind) DO UPDATE SET version = EXCLUDED.version,
                 enabled = EXCLUDED.enabled, options = EXCLUDED.options,
                 content = EXCLUDED.content, actor = EXCLUDED.actor, updated_at = now()
             WHERE replication_templates.version < EXCLUDED.version",
        )
        .bind(kind.as_str())
        .bind(saved.version)
        .bind(saved.enabled)
        .bind(&saved.options)
        .bind(&content)
        .bind(serde_json::to_value(actor).map_err(EventError::from)?)
        .execute(self.db.global())
        .await?;
        Ok(())
    }

    /// MSPOrg's groups or custom roles as they are now.
    async fn snapshot(&self, kind: OwnedKind) -> Result<Value, IdentityError> {
        let mut tx = self.db.begin(self.msp_org).await?;
        let content = match kind {
            OwnedKind::UserGroups => {
                let groups: Vec<GroupTemplate> = sqlx::query_as(
                    "SELECT name, description FROM user_groups ORDER BY lower(name)",
                )
                .fetch_all(&mut *tx)
                .await?;
                serde_json::to_value(groups)
            }
            OwnedKind::UserRoles => {
                let roles: Vec<RoleTemplate> = sqlx::query_as(
                    "SELECT name, description, permissions FROM custom_roles ORDER BY lower(name)",
                )
                .fetch_all(&mut *tx)
                .await?;
                serde_json::to_value(roles)
            }
        }
        .map_err(EventError::from)?;
        tx.commit().await?;
        Ok(content)
    }

    async fn template(&self, kind: OwnedKind) -> Result<Option<Template>, IdentityError> {
        let row: Option<TemplateRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {TEMPLATE_COLUMNS} FROM replication_templates WHERE kind = $1"
        )))
        .bind(kind.as_str())
        .fetch_optional(self.db.global())
        .await?;
        Ok(row.and_then(TemplateRow::into_template))
    }

    /// Gives a newly provisioned client org every enabled template.
    pub async fn apply_templates(&self, org: OrgId) -> Result<(), IdentityError> {
        if org == self.msp_org {
            return Ok(());
        }
        let rows: Vec<TemplateRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {TEMPLATE_COLUMNS} FROM replication_templates WHERE enabled ORDER BY kind"
        )))
        .fetch_all(self.db.global())
        .await?;
        for template in rows.into_iter().filter_map(TemplateRow::into_template) {
            self.apply_template(org, &template).await?;
        }
        Ok(())
    }

    /// Applies a template to one org in one transaction, unless the org has that version or
    /// a newer one; the changes are audited in the org.
    async fn apply_template(&self, org: OrgId, template: &Template) -> Result<(), IdentityError> {
        let kind = template.kind.as_str();
        let mut tx = self.db.begin(org).await?;
        sqlx::query(
            "INSERT INTO applied_templates (kind, version) VALUES ($1, 0) ON CONFLICT DO NOTHING",
        )
        .bind(kind)
        .execute(&mut *tx)
        .await?;
        let has: i64 =
            sqlx::query_scalar("SELECT version FROM applied_templates WHERE kind = $1 FOR UPDATE")
                .bind(kind)
                .fetch_one(&mut *tx)
                .await?;
        if has >= template.version {
            tx.commit().await?;
            return Ok(());
        }
        let mut applied = match template.kind {
            OwnedKind::UserGroups => apply_groups(&mut tx, template).await?,
            OwnedKind::UserRoles => apply_roles(&mut tx, template).await?,
        };
        sqlx::query(
            "UPDATE applied_templates SET version = $2, applied_at = now() WHERE kind = $1",
        )
        .bind(kind)
        .bind(template.version)
        .execute(&mut *tx)
        .await?;
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
        let created: Option<Uuid> = sqlx::query_scalar(
            "INSERT INTO user_groups (id, name, description, source) VALUES ($1, $2, $3, $4)
             ON CONFLICT ((lower(name))) DO NOTHING RETURNING id",
        )
        .bind(Uuid::now_v7())
        .bind(&group.name)
        .bind(&group.description)
        .bind(SOURCE)
        .fetch_optional(&mut **tx)
        .await?;
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
        let same: Option<(String, String)> =
            sqlx::query_as("SELECT name, source FROM custom_roles WHERE lower(name) = lower($1)")
                .bind(&role.name)
                .fetch_optional(&mut **tx)
                .await?;
        let name = role_destination(
            &role.name,
            same.as_ref().map(|(n, s)| (n.as_str(), s.as_str())),
            mode,
        );
        let existing: Option<(String, String, Vec<String>, String)> = sqlx::query_as(
            "SELECT name, description, permissions, source FROM custom_roles
             WHERE lower(name) = lower($1)",
        )
        .bind(&name)
        .fetch_optional(&mut **tx)
        .await?;
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
                sqlx::query(
                    "INSERT INTO custom_roles (name, description, permissions, source)
                     VALUES ($1, $2, $3, $4)",
                )
                .bind(&name)
                .bind(&role.description)
                .bind(&permissions)
                .bind(SOURCE)
                .execute(&mut **tx)
                .await?;
                applied.events.push(role_event("role.created", &name));
                applied.created.push(name);
            }
            Some((stored, description, mut had, source)) => {
                had.sort();
                had.dedup();
                if had == permissions && description == role.description && source == SOURCE {
                    continue;
                }
                sqlx::query(
                    "UPDATE custom_roles SET description = $2, permissions = $3, source = $4
                     WHERE name = $1",
                )
                .bind(&stored)
                .bind(&role.description)
                .bind(&permissions)
                .bind(SOURCE)
                .execute(&mut **tx)
                .await?;
                if had != permissions {
                    let holders: Vec<(Uuid, i64)> = sqlx::query_as(
                        "UPDATE users SET token_version = token_version + 1, updated_at = now()
                         WHERE role = $1 RETURNING id, token_version",
                    )
                    .bind(&stored)
                    .fetch_all(&mut **tx)
                    .await?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_conflicting_role_is_renamed_or_overwritten_as_chosen() {
        use OnConflict::{Overwrite, Rename};
        assert_eq!(renamed("Auditors"), "Auditors - MSP");
        // No role of that name: MSPOrg's keeps its name whatever the choice.
        for mode in [Overwrite, Rename] {
            assert_eq!(role_destination("Auditors", None, mode), "Auditors");
        }
        // The client org's own role.
        let own = Some(("auditors", "local"));
        assert_eq!(role_destination("Auditors", own, Rename), "Auditors - MSP");
        assert_eq!(role_destination("Auditors", own, Overwrite), "auditors");
        // A role replication already made is updated, never added again.
        let ours = Some(("Auditors", SOURCE));
        assert_eq!(role_destination("Auditors", ours, Rename), "Auditors");
        assert_eq!(role_destination("Auditors", ours, Overwrite), "Auditors");
    }

    #[test]
    fn the_conflict_choice_comes_from_the_saved_options() {
        assert_eq!(
            OnConflict::from_options(&json!({"on_conflict": "overwrite"})),
            OnConflict::Overwrite
        );
        assert_eq!(
            OnConflict::from_options(&json!({"on_conflict": "rename"})),
            OnConflict::Rename
        );
        // Anything unclear never overwrites a client org's role.
        assert_eq!(OnConflict::from_options(&json!({})), OnConflict::Rename);
        assert_eq!(OnConflict::from_options(&Value::Null), OnConflict::Rename);
        assert_eq!(OwnedKind::parse("user_roles"), Some(OwnedKind::UserRoles));
        assert_eq!(OwnedKind::parse("resource_groups"), None);
    }
}
