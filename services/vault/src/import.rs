//! Import: a CSV or tab-separated file (plain or in a password-protected ZIP), a KeePass
//! database, or Bitwarden's or Password Manager Pro's CSV export, read by
//! `strongroom_formats::import`, becomes resources, accounts and resource groups of the
//! caller, through the same use cases (and so the same rules and audit events) as one made
//! by hand. A dry run says what each row would do and changes nothing; a real run is a job
//! whose progress and per-row results (created, updated, skipped, rejected with the reason)
//! can be read while it runs.

use std::sync::Arc;

use secrecy::SecretString;
use strongroom_auth::RequestContext;
use strongroom_core::{AccountId, Permission, ResourceId};
use strongroom_events::Target;
use strongroom_formats::Entry;
use strongroom_formats::import::{self, Column, Format, Options, Row, ZipOptions};
use strongroom_proto::access::Operation;
use uuid::Uuid;
use zeroize::Zeroizing;

use crate::accounts::{NewAccount, check_password};
use crate::app::{Row as AccessRow, Vault, event, owner};
use crate::error::VaultError;
use crate::fields::{resolve_type, specs_for};
use crate::resources::validated;
use crate::store::{self, FieldOwner, ImportJobRow, ImportResultRow, ResourceFields};

mod entry_fields;
mod groups;

#[cfg(test)]
use entry_fields::field_key;
use entry_fields::split_fields;
use groups::Groups;

/// Rows whose results are recorded together while a job runs.
const PROGRESS_EVERY: usize = 25;

/// What to do with an account that exists already.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnConflict {
    /// Leave it (the row is skipped).
    Skip,
    /// Give it the file's password as a new version.
    Update,
}

/// A file to import and how to read it.
pub struct ImportRequest {
    pub format: Format,
    pub file: Zeroizing<Vec<u8>>,
    pub zip: Option<ZipOptions>,
    pub keepass_password: Option<Zeroizing<String>>,
    pub column_mapping: Vec<(String, Column)>,
    pub dry_run: bool,
    pub on_conflict: OnConflict,
}

/// A dry run's results, or the job a real run started.
pub enum ImportStarted {
    DryRun(Vec<ImportResultRow>),
    Job(ImportJobRow),
}

impl Vault {
    /// Reads the file (a whole-file problem is a 400 and changes nothing), then plans every
    /// row (dry run) or starts a job that imports them.
    pub async fn start_import(
        self: &Arc<Self>,
        ctx: &RequestContext,
        request: ImportRequest,
    ) -> Result<ImportStarted, VaultError> {
        ctx.require(Permission::ResourcesCreate)?;
        let options = Options {
            format: request.format,
            column_mapping: request.column_mapping,
            zip: request.zip,
            keepass_password: request.keepass_password,
        };
        let file = request.file;
        // Key derivations and decompression cost CPU: off the async workers.
        let parsed = tokio::task::spawn_blocking(move || import::parse(&file, &options))
            .await
            .map_err(|_| VaultError::InvalidInput("the file could not be read".into()))?
            .map_err(|e| VaultError::InvalidInput(e.to_string()))?;
        if request.dry_run {
            let mut results = Vec::with_capacity(parsed.rows.len());
            for row in &parsed.rows {
                results.push(
                    self.import_row(ctx, row, request.on_conflict, true, &mut Groups::default())
                        .await,
                );
            }
            return Ok(ImportStarted::DryRun(results));
        }
        let total = i32::try_from(parsed.rows.len()).unwrap_or(i32::MAX);
        let mut tx = self.db.begin(ctx.org()).await?;
        let job = store::create_import_job(
            &mut tx,
            Uuid::now_v7(),
            owner(ctx),
            format_name(request.format),
            total,
        )
        .await?;
        tx.commit().await?;
        let (vault, ctx, id) = (self.clone(), ctx.clone(), job.id);
        tokio::spawn(async move {
            let failed = vault
                .run_import(&ctx, id, parsed.rows, request.on_conflict)
                .await
                .err();
            if let Some(e) = &failed {
                tracing::warn!(job = %id, error = %e, "an import stopped");
            }
            let finished = async {
                let mut tx = vault.db.begin(ctx.org()).await?;
                store::finish_import_job(
                    &mut tx,
                    id,
                    failed.as_ref().map(|e| e.to_string()).as_deref(),
                )
                .await?;
                let job = store::find_import_job(&mut tx, id).await?;
                if let Some(job) = job {
                    let event = event(
                        &ctx,
                        "import.completed",
                        Target::new("import", id, &job.format),
                    )
                    .with_details(serde_json::json!({
                        "status": job.status, "total": job.total, "created": job.created,
                        "updated": job.updated, "skipped": job.skipped, "rejected": job.rejected,
                    }));
                    vault.outbox.record(&mut tx, &event).await?;
                }
                vault.outbox.commit(tx).await?;
                Ok::<(), VaultError>(())
            };
            if let Err(e) = finished.await {
                tracing::warn!(job = %id, error = %e, "an import's end was not recorded");
            }
        });
        Ok(ImportStarted::Job(job))
    }

    async fn run_import(
        &self,
        ctx: &RequestContext,
        job: Uuid,
        rows: Vec<Row>,
        on_conflict: OnConflict,
    ) -> Result<(), VaultError> {
        let mut groups = Groups::default();
        let mut pending = Vec::with_capacity(PROGRESS_EVERY);
        for row in &rows {
            pending.push(
                self.import_row(ctx, row, on_conflict, false, &mut groups)
                    .await,
            );
            if pending.len() == PROGRESS_EVERY {
                self.record(ctx, job, &mut pending).await?;
            }
        }
        self.record(ctx, job, &mut pending).await
    }

    async fn record(
        &self,
        ctx: &RequestContext,
        job: Uuid,
        pending: &mut Vec<ImportResultRow>,
    ) -> Result<(), VaultError> {
        if pending.is_empty() {
            return Ok(());
        }
        let mut tx = self.db.begin(ctx.org()).await?;
        store::record_import_results(&mut tx, job, pending).await?;
        tx.commit().await?;
        pending.clear();
        Ok(())
    }

    /// A job of the caller's with a page of its results.
    pub async fn get_import(
        &self,
        ctx: &RequestContext,
        id: Uuid,
        offset: i64,
        limit: i64,
    ) -> Result<(ImportJobRow, Vec<ImportResultRow>), VaultError> {
        let mut tx = self.db.begin(ctx.org()).await?;
        let job = store::find_import_job(&mut tx, id)
            .await?
            .filter(|j| j.owner_id == owner(ctx))
            .ok_or(VaultError::NotFound("import"))?;
        let results = store::list_import_results(&mut tx, id, offset, limit.clamp(1, 1000)).await?;
        tx.commit().await?;
        Ok((job, results))
    }

    pub async fn list_imports(
        &self,
        ctx: &RequestContext,
    ) -> Result<Vec<ImportJobRow>, VaultError> {
        let mut tx = self.db.begin(ctx.org()).await?;
        let jobs = store::list_import_jobs(&mut tx, owner(ctx)).await?;
        tx.commit().await?;
        Ok(jobs)
    }

    /// One row: what it does (or, in a dry run, would do), or why it is rejected.
    async fn import_row(
        &self,
        ctx: &RequestContext,
        row: &Row,
        on_conflict: OnConflict,
        dry_run: bool,
        groups: &mut Groups,
    ) -> ImportResultRow {
        let number = i32::try_from(row.row()).unwrap_or(i32::MAX);
        let (entry, result) = match row {
            Row::Rejected(r) => {
                return ImportResultRow {
                    row_number: number,
                    outcome: "rejected".into(),
                    resource_name: String::new(),
                    username: String::new(),
                    reason: r.reason.clone(),
                };
            }
            Row::Entry { entry, .. } => (
                entry,
                self.import_entry(ctx, entry, on_conflict, dry_run, groups)
                    .await,
            ),
        };
        let (outcome, reason) = match result {
            Ok((outcome, reason)) => (outcome, reason),
            Err(e) => ("rejected", e.to_string()),
        };
        ImportResultRow {
            row_number: number,
            outcome: outcome.into(),
            resource_name: entry.resource_name.clone(),
            username: entry.username.clone(),
            reason,
        }
    }

    async fn import_entry(
        &self,
        ctx: &RequestContext,
        entry: &Entry,
        on_conflict: OnConflict,
        dry_run: bool,
        groups: &mut Groups,
    ) -> Result<(&'static str, String), VaultError> {
        let mut tx = self.db.begin(ctx.org()).await?;
        let existing = store::find_resource_id_by_name(&mut tx, entry.resource_name.trim()).await?;
        let resource_type = match entry.resource_type.trim() {
            "" if !entry.url.is_empty() => "Web Site Accounts",
            "" => "Generic Keys",
            named => named,
        };
        let resource_type = resolve_type(&mut tx, resource_type).await?;
        let mut split = split_fields(
            entry,
            &specs_for(&mut tx, FieldOwner::Resource, Some(&resource_type))
                .await?
                .iter()
                .map(|s| s.name.clone())
                .collect::<Vec<_>>(),
            &specs_for(&mut tx, FieldOwner::Account, None)
                .await?
                .iter()
                .map(|s| s.name.clone())
                .collect::<Vec<_>>(),
        )?;
        let resource = match existing {
            Some(id) => {
                let found = store::find_resource(&mut tx, id, owner(ctx))
                    .await?
                    .ok_or(VaultError::NotFound("resource"))?;
                if !self
                    .allowed(ctx, AccessRow::of_resource(&found), Operation::Manage)
                    .await?
                {
                    return Err(VaultError::InvalidInput(format!(
                        "a resource named {} exists that you may not change",
                        found.name
                    )));
                }
                Some(found.id)
            }
            None => None,
        };
        let account = match resource {
            Some(r) if entry.has_account() => {
                store::find_account_id_by_username(&mut tx, r, entry.username.trim()).await?
            }
            _ => None,
        };
        tx.commit().await?;
        let fields = ResourceFields {
            name: entry.resource_name.clone(),
            resource_type: resource_type.name.clone(),
            host: entry.host.clone(),
            url: entry.url.clone(),
            department: entry.department.clone(),
            location: entry.location.clone(),
            description: entry.description.clone(),
            notes: std::mem::take(&mut split.resource_notes),
            password_policy: String::new(),
        };
        if dry_run {
            if resource.is_none() {
                validated(fields)?;
            }
            if entry.has_account() {
                check_password(&SecretString::from(entry.password.to_string()))?;
            }
            return Ok(match (resource, account, on_conflict) {
                (Some(_), Some(_), OnConflict::Skip) => ("skipped", "the account exists".into()),
                (Some(_), Some(_), OnConflict::Update) => ("updated", String::new()),
                (Some(_), None, _) if !entry.has_account() => {
                    ("skipped", "the resource exists".into())
                }
                _ => ("created", String::new()),
            });
        }
        let (resource, created_resource) = match resource {
            Some(id) => (id, false),
            None => (
                self.create_resource(ctx, fields, split.resource).await?.id,
                true,
            ),
        };
        groups.add(self, ctx, &entry.group_path, resource).await?;
        if !entry.has_account() {
            return Ok(if created_resource {
                ("created", String::new())
            } else {
                ("skipped", "the resource exists".into())
            });
        }
        let password = SecretString::from(entry.password.to_string());
        match (account, on_conflict) {
            (Some(_), OnConflict::Skip) => Ok(("skipped", "the account exists".into())),
            (Some(id), OnConflict::Update) => {
                self.set_password(ctx, AccountId(id), Some(password), "imported")
                    .await?;
                Ok(("updated", String::new()))
            }
            (None, _) => {
                let new = NewAccount {
                    username: entry.username.clone(),
                    password,
                    notes: split.account_notes,
                    fields: split.account,
                };
                self.create_account(ctx, ResourceId(resource), new).await?;
                Ok(("created", String::new()))
            }
        }
    }
}

fn format_name(format: Format) -> &'static str {
    match format {
        Format::Csv => "csv",
        Format::Tsv => "tsv",
        Format::Bitwarden => "bitwarden",
        Format::Pmp => "pmp",
        Format::Keepass => "keepass",
    }
}

#[cfg(test)]
mod tests;
