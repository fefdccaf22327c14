//! Settings replication across client orgs: MSPOrg's administrators choose which kinds of
//! MSPOrg's settings every client org receives, now and when created later.
//!
//! The tenant service owns the choice only. Each save that replicates a kind raises the
//! kind's version and records `settings.replication_saved` in MSPOrg's outbox in the same
//! transaction; the service that owns the kind (identity for user groups and roles, the
//! vault for additional fields, resource types and password policies) snapshots MSPOrg's
//! settings under that version and applies them to every client org, once per version. The same event is the audit record of the save.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};
use strongroom_auth::{RequestContext, Verifier, grpc_context};
use strongroom_core::to_status;
use strongroom_events::{Event, Target};
use strongroom_proto::tenant::replication_server::Replication;
use strongroom_proto::tenant::{
    GetReplicationRequest, ReplicationChoice, ReplicationKind, ReplicationSettings,
    SaveReplicationRequest,
};
use strongroom_tenancy::TenantTx;
use tonic::{Request, Response, Status};
use uuid::Uuid;

use crate::app::Tenant;
use crate::error::TenantError;

/// The operation of the event that carries a saved choice to the owning service.
pub const SAVED: &str = "settings.replication_saved";

/// A kind of setting that can be replicated.
#[derive(Debug, PartialEq, Eq)]
pub struct Kind {
    pub kind: &'static str,
    pub label: &'static str,
    /// Why it cannot be replicated yet: the feature that owns it is not built.
    pub missing: Option<&'static str>,
}

/// Every kind, in the order MSP administrators see them.
pub const KINDS: &[Kind] = &[
    Kind {
        kind: "user_groups",
        label: "User groups",
        missing: None,
    },
    Kind {
        kind: "user_group_settings",
        label: "User group settings",
        missing: Some("user group settings are not built yet"),
    },
    Kind {
        kind: "resource_groups",
        label: "Resource groups",
        missing: Some("replicating resource groups is not built yet"),
    },
    Kind {
        kind: "resource_group_shares",
        label: "Resource group to user group shares",
        missing: Some("sharing resource groups with user groups is not built yet"),
    },
    Kind {
        kind: "additional_fields",
        label: "Resource and account additional fields",
        missing: None,
    },
    Kind {
        kind: "user_roles",
        label: "User roles",
        missing: None,
    },
    Kind {
        kind: "resource_types",
        label: "Resource types",
        missing: None,
    },
    Kind {
        kind: "password_policies",
        label: "Password policies",
        missing: None,
    },
    Kind {
        kind: "audit_operations",
        label: "Audit operation type settings",
        missing: Some("choosing which operations are audited is not built yet"),
    },
    Kind {
        kind: "audit_purge",
        label: "Audit purge settings",
        missing: Some("purging the audit trail is not built yet"),
    },
];

const ON_CONFLICT: &str = "on_conflict";
const ON_CONFLICT_CHOICES: &str = "\"overwrite\" (a client org's role of the same name takes \
     MSPOrg's permissions) or \"rename\" (MSPOrg's role is added as \"<name> - MSP\")";

/// One kind's choice as a request states it.
#[derive(Debug, Clone, PartialEq)]
pub struct Choice {
    pub kind: String,
    pub enabled: bool,
    /// A JSON object; empty text means no options.
    pub options: String,
}

/// A choice that passed [`checked`].
#[derive(Debug, Clone, PartialEq)]
pub struct Checked {
    pub kind: &'static Kind,
    pub enabled: bool,
    pub options: Map<String, Value>,
}

/// Checks a save request: every kind known and named once, enabled only when available,
/// and each kind's options valid. Errors name every offending kind or option.
pub fn checked(choices: &[Choice]) -> Result<Vec<Checked>, TenantError> {
    let unknown: Vec<&str> = choices
        .iter()
        .map(|c| c.kind.as_str())
        .filter(|k| !KINDS.iter().any(|known| known.kind == *k))
        .collect();
    if !unknown.is_empty() {
        let known: Vec<&str> = KINDS.iter().map(|k| k.kind).collect();
        return Err(TenantError::InvalidInput(format!(
            "unknown setting kind(s): {}; the kinds are {}",
            unknown.join(", "),
            known.join(", ")
        )));
    }
    let mut seen = BTreeSet::new();
    for c in choices {
        if !seen.insert(c.kind.as_str()) {
            return Err(TenantError::InvalidInput(format!(
                "{} is named more than once",
                c.kind
            )));
        }
    }
    let unavailable: Vec<String> = choices
        .iter()
        .filter(|c| c.enabled)
        .filter_map(|c| {
            let kind = KINDS.iter().find(|k| k.kind == c.kind)?;
            kind.missing
                .map(|why| format!("{} is not yet available for replication: {why}", kind.kind))
        })
        .collect();
    if !unavailable.is_empty() {
        return Err(TenantError::InvalidInput(unavailable.join("; ")));
    }
    choices
        .iter()
        .filter_map(|c| Some((KINDS.iter().find(|k| k.kind == c.kind)?, c)))
        .map(|(kind, c)| {
            Ok(Checked {
                kind,
                enabled: c.enabled,
                options: options(kind, c.enabled, &c.options)?,
            })
        })
        .collect()
}

/// A kind's options: `user_roles` needs `on_conflict` when enabled; no other kind has any.
fn options(kind: &Kind, enabled: bool, text: &str) -> Result<Map<String, Value>, TenantError> {
    let invalid = |m: String| TenantError::InvalidInput(m);
    let options = if text.trim().is_empty() {
        Map::new()
    } else {
        match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(map)) => map,
            _ => {
                return Err(invalid(format!(
                    "the options of {} must be a JSON object",
                    kind.kind
                )));
            }
        }
    };
    let allowed: &[&str] = if kind.kind == "user_roles" {
        &[ON_CONFLICT]
    } else {
        &[]
    };
    let extra: Vec<&str> = options
        .keys()
        .map(String::as_str)
        .filter(|k| !allowed.contains(k))
        .collect();
    if !extra.is_empty() {
        return Err(invalid(if allowed.is_empty() {
            format!(
                "{} takes no options; remove {}",
                kind.kind,
                extra.join(", ")
            )
        } else {
            format!(
                "unknown option(s) of {}: {}; its options are {}",
                kind.kind,
                extra.join(", "),
                allowed.join(", ")
            )
        }));
    }
    if kind.kind == "user_roles" {
        match options.get(ON_CONFLICT) {
            Some(Value::String(s)) if s == "overwrite" || s == "rename" => {}
            None if !enabled => {}
            None => {
                return Err(invalid(format!(
                    "user_roles needs {ON_CONFLICT}: {ON_CONFLICT_CHOICES}"
                )));
            }
            Some(other) => {
                return Err(invalid(format!(
                    "{ON_CONFLICT} of user_roles cannot be {other}; use {ON_CONFLICT_CHOICES}"
                )));
            }
        }
    }
    Ok(options)
}

/// A kind as stored, with its catalogue entry.
#[derive(Debug, Clone)]
pub struct KindState {
    pub kind: &'static Kind,
    pub enabled: bool,
    pub options: Value,
    pub version: i64,
    pub updated_by: Option<Uuid>,
    pub updated_at: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct Row {
    kind: String,
    enabled: bool,
    options: Value,
    version: i64,
    updated_by: Option<Uuid>,
    updated_at: DateTime<Utc>,
}

const SELECT_ROWS: &str = "SELECT kind, enabled, options, version, updated_by, updated_at
     FROM public.settings_replication";

/// Every kind of the catalogue, with what is stored for it (never saved: disabled, 0).
fn states(rows: Vec<Row>) -> Vec<KindState> {
    let mut rows: HashMap<String, Row> = rows.into_iter().map(|r| (r.kind.clone(), r)).collect();
    KINDS
        .iter()
        .map(|kind| match rows.remove(kind.kind) {
            Some(r) => KindState {
                kind,
                enabled: r.enabled,
                options: r.options,
                version: r.version,
                updated_by: r.updated_by,
                updated_at: Some(r.updated_at),
            },
            None => KindState {
                kind,
                enabled: false,
                options: json!({}),
                version: 0,
                updated_by: None,
                updated_at: None,
            },
        })
        .collect()
}

impl Tenant {
    /// MSPOrg administrators only; anyone in a client org must not learn other orgs exist.
    fn require_replication_admin(&self, ctx: &RequestContext) -> Result<(), TenantError> {
        if ctx.org() != self.msp_org || ctx.claims.home.is_some() {
            return Err(TenantError::NotFound);
        }
        self.require_msp_admin(ctx)
    }

    pub async fn replication(&self, ctx: &RequestContext) -> Result<Vec<KindState>, TenantError> {
        self.require_replication_admin(ctx)?;
        let rows = sqlx::query_as(SELECT_ROWS)
            .fetch_all(self.db.global())
            .await?;
        Ok(states(rows))
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
        sqlx::query("SELECT pg_advisory_xact_lock(hashtext('settings_replication'))")
            .execute(&mut *tx)
            .await?;
        let stored = states(sqlx::query_as(SELECT_ROWS).fetch_all(&mut *tx).await?);
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
        let rows = sqlx::query_as(SELECT_ROWS)
            .fetch_all(self.db.global())
            .await?;
        Ok(states(rows))
    }

    async fn record_choice(
        &self,
        tx: &mut TenantTx,
        ctx: &RequestContext,
        kind: &Kind,
        enabled: bool,
        options: &Value,
    ) -> Result<(), TenantError> {
        let version: i64 = sqlx::query_scalar(
            "INSERT INTO public.settings_replication (kind, enabled, options, version, updated_by)
             VALUES ($1, $2, $3, 1, $4)
             ON CONFLICT (kind) DO UPDATE SET enabled = EXCLUDED.enabled,
                 options = EXCLUDED.options, version = settings_replication.version + 1,
                 updated_by = EXCLUDED.updated_by, updated_at = now()
             RETURNING version",
        )
        .bind(kind.kind)
        .bind(enabled)
        .bind(options)
        .bind(ctx.user().0)
        .fetch_one(&mut **tx)
        .await?;
        let event = Event::new(
            self.msp_org,
            crate::app::SERVICE,
            SAVED,
            strongroom_runtime::actor(ctx),
            Target::new("settings_replication", kind.kind, kind.label),
        )
        .with_details(json!({
            "kind": kind.kind, "version": version, "enabled": enabled, "options": options,
        }));
        self.outbox.record(tx, &event).await?;
        Ok(())
    }
}

/// The `Replication` gRPC service.
pub struct ReplicationGrpc {
    pub app: Arc<Tenant>,
    pub verifier: Arc<Verifier>,
}

fn to_proto(states: Vec<KindState>) -> ReplicationSettings {
    ReplicationSettings {
        kinds: states
            .into_iter()
            .map(|s| ReplicationKind {
                kind: s.kind.kind.into(),
                label: s.kind.label.into(),
                available: s.kind.missing.is_none(),
                reason: s.kind.missing.unwrap_or_default().into(),
                enabled: s.enabled,
                version: s.version,
                options_json: s.options.to_string(),
                updated_by: s.updated_by.map(|u| u.to_string()).unwrap_or_default(),
                updated_at: s.updated_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
            })
            .collect(),
    }
}

#[tonic::async_trait]
impl Replication for ReplicationGrpc {
    async fn get(
        &self,
        request: Request<GetReplicationRequest>,
    ) -> Result<Response<ReplicationSettings>, Status> {
        let ctx = grpc_context(&self.verifier, &request)?;
        self.app
            .replication(&ctx)
            .await
            .map(|s| Response::new(to_proto(s)))
            .map_err(|e| to_status(&e))
    }

    async fn save(
        &self,
        request: Request<SaveReplicationRequest>,
    ) -> Result<Response<ReplicationSettings>, Status> {
        let ctx = grpc_context(&self.verifier, &request)?;
        let choices: Vec<Choice> = request
            .into_inner()
            .choices
            .into_iter()
            .map(
                |ReplicationChoice {
                     kind,
                     enabled,
                     options_json,
                 }| Choice {
                    kind,
                    enabled,
                    options: options_json,
                },
            )
            .collect();
        self.app
            .save_replication(&ctx, &choices)
            .await
            .map(|s| Response::new(to_proto(s)))
            .map_err(|e| to_status(&e))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn choice(kind: &str, enabled: bool, options: &str) -> Choice {
        Choice {
            kind: kind.into(),
            enabled,
            options: options.into(),
        }
    }

    fn refusal(choices: &[Choice]) -> String {
        match checked(choices) {
            Err(TenantError::InvalidInput(m)) => m,
            other => format!("not refused: {other:?}"),
        }
    }

    #[test]
    fn user_roles_need_a_valid_conflict_choice_when_enabled() {
        for mode in ["overwrite", "rename"] {
            let ok = checked(&[choice(
                "user_roles",
                true,
                &format!(r#"{{"on_conflict":"{mode}"}}"#),
            )])
            .unwrap();
            assert_eq!(ok[0].options[ON_CONFLICT], mode);
        }
        let missing = refusal(&[choice("user_roles", true, "")]);
        assert!(missing.contains("needs on_conflict"), "{missing}");
        let wrong = refusal(&[choice("user_roles", true, r#"{"on_conflict":"merge"}"#)]);
        assert!(
            wrong.contains("on_conflict") && wrong.contains("merge"),
            "{wrong}"
        );
        let extra = refusal(&[choice(
            "user_roles",
            true,
            r#"{"on_conflict":"rename","suffix":"x"}"#,
        )]);
        assert!(extra.contains("suffix"), "{extra}");
        let not_object = refusal(&[choice("user_roles", true, "[1]")]);
        assert!(not_object.contains("JSON object"), "{not_object}");
        // Disabling needs no choice.
        assert!(checked(&[choice("user_roles", false, "")]).is_ok());
    }

    #[test]
    fn unknown_unavailable_and_repeated_kinds_are_refused_by_name() {
        let unknown = refusal(&[choice("colours", true, ""), choice("sounds", false, "")]);
        assert!(unknown.contains("colours, sounds"), "{unknown}");
        let unavailable = refusal(&[
            choice("user_groups", true, ""),
            choice("resource_groups", true, ""),
            choice("audit_purge", true, ""),
        ]);
        assert!(
            unavailable.contains("resource_groups is not yet available")
                && unavailable.contains("audit_purge is not yet available"),
            "{unavailable}"
        );
        // Leaving an unavailable kind off is fine.
        assert!(checked(&[choice("resource_groups", false, "")]).is_ok());
        let twice = refusal(&[
            choice("user_groups", true, ""),
            choice("user_groups", false, ""),
        ]);
        assert!(twice.contains("more than once"), "{twice}");
        let options = refusal(&[choice("user_groups", true, r#"{"on_conflict":"rename"}"#)]);
        assert!(
            options.contains("user_groups takes no options"),
            "{options}"
        );
    }

    #[test]
    fn every_kind_is_listed_once_and_unavailable_ones_say_why() {
        let mut names: Vec<&str> = KINDS.iter().map(|k| k.kind).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), KINDS.len());
        let available: Vec<&str> = KINDS
            .iter()
            .filter(|k| k.missing.is_none())
            .map(|k| k.kind)
            .collect();
        assert_eq!(
            available,
            [
                "user_groups",
                "additional_fields",
                "user_roles",
                "resource_types",
                "password_policies"
            ]
        );
    }
}
