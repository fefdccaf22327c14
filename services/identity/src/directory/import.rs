//! Importing users from the directory by OU or group (each becomes a user group of the
//! same name), on demand or on the saved schedule.

use std::collections::HashMap;
use std::time::Duration;

use strongroom_auth::RequestContext;
use strongroom_core::{MspStaffRight, OrgId, Permission, Role};
use strongroom_directory::ImportScope;
use strongroom_events::{Event, Target};
use tokio_util::sync::CancellationToken;

use super::parse_scope;
use crate::app::{Identity, event, system_event};
use crate::error::IdentityError;
use crate::import::{ImportReport, ImportRow, Outcome};
use crate::store;
use crate::users::UserFields;

/// The user group an imported OU or group becomes: the OU's or group's own name.
fn group_name(scope: &ImportScope) -> Option<String> {
    match scope {
        ImportScope::Everything => None,
        ImportScope::Group(name) => Some(name.clone()),
        ImportScope::OrganizationalUnit(ou) => {
            let first = ou.split(',').next().unwrap_or(ou);
            Some(
                first
                    .split_once('=')
                    .map_or(first, |(_, v)| v)
                    .trim()
                    .to_owned(),
            )
        }
    }
}

impl Identity {
    pub async fn import_directory(
        &self,
        ctx: &RequestContext,
        scopes: &[String],
    ) -> Result<ImportReport, IdentityError> {
        ctx.require(Permission::DirectoryManage)?;
        ctx.require_msp_allowed(MspStaffRight::ManageDirectoryAndLogin)?;
        ctx.require_signed_in()?;
        let scopes = scopes
            .iter()
            .map(|s| parse_scope(s))
            .collect::<Result<Vec<_>, _>>()?;
        self.run_directory_import(ctx.org(), Some(ctx), scopes)
            .await
    }

    /// Imports users of `scopes` (everything when empty). Users already in the org are
    /// skipped (later imports add only new ones) but still join their scope's group.
    async fn run_directory_import(
        &self,
        org: OrgId,
        ctx: Option<&RequestContext>,
        mut scopes: Vec<ImportScope>,
    ) -> Result<ImportReport, IdentityError> {
        let directory = self.saved_directory(org).await?;
        if scopes.is_empty() {
            scopes.push(ImportScope::Everything);
        }
        let mut found = Vec::new();
        for scope in &scopes {
            found.push((group_name(scope), directory.users(scope).await?));
        }
        let mut tx = self.db.begin(org).await?;
        let kind = store::directory_kind(&mut tx).await?;
        let default_role = store::load_login_settings(&mut tx).await?.default_role;
        // Whoever imports gives the default role to everyone imported.
        if let Some(ctx) = ctx {
            crate::roles::require_grantable(ctx, &mut tx, &default_role).await?;
        }
        let names: Vec<String> = found
            .iter()
            .flat_map(|(_, users)| users.iter().map(|u| u.username.clone()))
            .collect();
        let existing = store::existing_usernames(&mut tx, &names).await?;
        let mut report = ImportReport::default();
        let mut events: Vec<Event> = Vec::new();
        let mut done: HashMap<String, uuid::Uuid> = HashMap::new();
        let mut admin_imported = false;
        let record = |ctx: Option<&RequestContext>, op: &str, target: Target| match ctx {
            Some(ctx) => event(ctx, op, target),
            None => system_event(org, op, target),
        };
        for (group, users) in found {
            let group_id = match &group {
                Some(name) => {
                    let (id, created) = store::ensure_group(&mut tx, name, &kind).await?;
                    if created {
                        report.groups_created.push(name.clone());
                        events.push(record(ctx, "group.created", Target::new("group", id, name)));
                    }
                    Some(id)
                }
                None => None,
            };
            for u in users {
                let key = u.username.to_lowercase();
                let user_id = if let Some(id) = done.get(&key) {
                    Some(*id)
                } else if existing.contains(&key) {
                    report.rows.push(ImportRow {
                        line: 0,
                        username: u.username.clone(),
                        outcome: Outcome::Skipped("already in the org".into()),
                    });
                    store::user_id_by_lowered_username(&mut tx, &key).await?
                } else {
                    let fields = UserFields {
                        username: u.username.clone(),
                        full_name: u.full_name.clone().unwrap_or_default(),
                        email: u.email.clone().unwrap_or_default(),
                        department: u.department.clone().unwrap_or_default(),
                        location: u.location.clone().unwrap_or_default(),
                        role: default_role.clone(),
                    };
                    match self
                        .create_imported(&mut tx, &fields, &kind, Some(&u.dn))
                        .await
                    {
                        Ok(user) => {
                            admin_imported |= user.role == Role::Administrator.as_str();
                            events.push(record(ctx, "user.imported", Target::new("user", user.id, &user.username))
                                .with_details(serde_json::json!({ "source": kind, "dn": u.dn, "role": user.role })));
                            report.rows.push(ImportRow {
                                line: 0,
                                username: user.username.clone(),
                                outcome: Outcome::Created,
                            });
                            Some(user.id)
                        }
                        Err(IdentityError::InvalidInput(reason)) => {
                            report.rows.push(ImportRow {
                                line: 0,
                                username: u.username.clone(),
                                outcome: Outcome::Rejected(reason),
                            });
                            None
                        }
                        Err(e) => return Err(e),
                    }
                };
                if let Some(id) = user_id {
                    done.insert(key, id);
                    if let Some(g) = group_id {
                        store::add_member(&mut tx, g, id, None).await?;
                    }
                }
            }
        }
        if report.created() > 0 && !admin_imported {
            report.warnings.push(
                "none of the imported users is an Administrator: make sure the org keeps at \
                 least one (change roles with PATCH /users/{id})"
                    .into(),
            );
        }
        let summary = format!(
            "{} created, {} skipped, {} rejected",
            report.created(),
            report.count(|o| matches!(o, Outcome::Skipped(_))),
            report.count(|o| matches!(o, Outcome::Rejected(_)))
        );
        store::record_sync(&mut tx, &summary).await?;
        events.push(record(
            ctx,
            "directory.imported",
            Target::new("directory", &kind, &summary),
        ));
        self.commit(tx, &events).await?;
        Ok(report)
    }

    /// Runs due scheduled imports of every org until `shutdown`. Replicas claim each due
    /// org by moving its next run forward in the same statement, so only one runs it.
    pub async fn run_directory_sync(
        self: std::sync::Arc<Self>,
        every: Duration,
        shutdown: CancellationToken,
    ) {
        let db = self.db.clone();
        let what = "a scheduled directory import";
        strongroom_runtime::every_org(db, every, what, shutdown, |org| self.sync_if_due(org)).await;
    }

    async fn sync_if_due(&self, org: OrgId) -> Result<(), IdentityError> {
        let mut tx = self.db.begin(org).await?;
        let scopes = store::claim_due_sync(&mut tx).await?;
        tx.commit().await?;
        let Some(scopes) = scopes else { return Ok(()) };
        let scopes = scopes
            .iter()
            .map(|s| parse_scope(s))
            .collect::<Result<Vec<_>, _>>()?;
        let result = self.run_directory_import(org, None, scopes).await;
        if let Err(e) = &result {
            let mut tx = self.db.begin(org).await?;
            store::record_sync(&mut tx, &format!("failed: {e}")).await?;
            tx.commit().await?;
        }
        result.map(|_| ())
    }
}
