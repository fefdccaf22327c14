//! Export: the live resources and accounts the caller may see, with their passwords and
//! fields, as CSV, a KeePass database or an encrypted HTML page for offline use (written by
//! `strongroom_formats::export`). Only for callers allowed to export (see `export_rules`);
//! the audit event, naming every account the file holds, commits before the file is written.

use std::collections::HashMap;

use secrecy::{ExposeSecret, SecretString};
use strongroom_auth::RequestContext;
use strongroom_core::AccountId;
use strongroom_crypto::{SecretAad, open};
use strongroom_events::Target;
use strongroom_formats::{Entry, Field, FieldValue, export};
use uuid::Uuid;
use zeroize::Zeroizing;

use crate::app::{Vault, event};
use crate::error::VaultError;
use crate::fields::open_value;
use crate::groups::GroupRef;
use crate::store::{self, FieldOwner};

/// The file formats of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// Plain CSV, formulas neutralised.
    Csv,
    /// KeePass KDBX 4, locked with the passphrase.
    Keepass,
    /// A single HTML page that decrypts in a browser with the passphrase.
    Html,
}

impl ExportFormat {
    pub fn parse(format: &str) -> Option<Self> {
        match format {
            "csv" => Some(Self::Csv),
            "keepass" => Some(Self::Keepass),
            "html" => Some(Self::Html),
            _ => None,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Keepass => "keepass",
            Self::Html => "html",
        }
    }
}

/// An exported file. `Debug` shows its size only.
pub struct ExportFile {
    pub content: Zeroizing<Vec<u8>>,
    pub content_type: &'static str,
    pub file_name: String,
}

impl std::fmt::Debug for ExportFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExportFile")
            .field("content", &format_args!("<{} bytes>", self.content.len()))
            .field("content_type", &self.content_type)
            .field("file_name", &self.file_name)
            .finish()
    }
}

impl Vault {
    /// Exports what the caller may see (the listed resources only, when `only` names some).
    /// KeePass and HTML need a passphrase of at least 12 characters; CSV takes none.
    pub async fn export(
        &self,
        ctx: &RequestContext,
        format: ExportFormat,
        passphrase: SecretString,
        mut only: Vec<Uuid>,
        group: Option<GroupRef>,
        ticket_id: &str,
    ) -> Result<ExportFile, VaultError> {
        self.require_export(ctx).await?;
        let ticket_id = crate::app::optional("ticket_id", ticket_id, 100)?;
        let passphrase = passphrase.expose_secret();
        match format {
            ExportFormat::Csv if !passphrase.is_empty() => {
                return Err(VaultError::InvalidInput(
                    "a CSV export is not encrypted: leave out the passphrase".into(),
                ));
            }
            ExportFormat::Keepass | ExportFormat::Html
                if passphrase.chars().count() < export::MIN_PASSPHRASE_CHARS =>
            {
                return Err(VaultError::InvalidInput(format!(
                    "passphrase must have at least {} characters",
                    export::MIN_PASSPHRASE_CHARS
                )));
            }
            _ => {}
        }
        if let Some(group) = group {
            let members = self.group_resource_ids(ctx, group).await?;
            if members.is_empty() {
                return Err(VaultError::InvalidInput(
                    "the group holds nothing to export".into(),
                ));
            }
            if only.is_empty() {
                only = members;
            } else {
                only.retain(|id| members.contains(id));
            }
        }
        // Rows the caller may see, with the passwords of those they may reveal (a share for
        // use without seeing shows the row, not its password).
        let (visible, revealable) =
            tokio::try_join!(self.visible(ctx), self.scope_showing(ctx, &ticket_id))?;
        let mut tx = self.db.begin(ctx.org()).await?;
        let rows = store::export_rows(&mut tx, &visible, &revealable, &only).await?;
        let resource_ids: Vec<Uuid> = dedup(rows.iter().map(|r| r.resource_id));
        let account_ids: Vec<Uuid> = dedup(rows.iter().filter_map(|r| r.account_id));
        let mut fields = FieldsOf::default();
        for (kind, ids) in [
            (FieldOwner::Resource, &resource_ids),
            (FieldOwner::Account, &account_ids),
        ] {
            for v in store::list_field_values(&mut tx, kind, ids).await? {
                if !v.sealed {
                    fields.push(v.owner_id, v.name, FieldValue::Text(v.value));
                }
            }
        }
        // Sealed values of accounts under access control stay out, as their passwords do.
        let open_accounts: Vec<Uuid> = dedup(
            rows.iter()
                .filter(|r| r.ciphertext.is_some())
                .filter_map(|r| r.account_id),
        );
        for (kind, ids) in [
            (FieldOwner::Resource, &resource_ids),
            (FieldOwner::Account, &open_accounts),
        ] {
            for (owner, name, sealed) in store::list_sealed_fields(&mut tx, kind, ids).await? {
                let key = self.keys.version_in_tx(&mut tx, sealed.key_version).await?;
                let value = open_value(&key, ctx.org(), kind, owner, &name, &sealed)?;
                fields.push(owner, name, FieldValue::Secret(value));
            }
        }
        let mut entries = Vec::with_capacity(rows.len());
        for row in rows {
            let password = match (
                row.account_id,
                row.version,
                row.key_version,
                &row.ciphertext,
            ) {
                (Some(account), Some(version), Some(key_version), Some(ciphertext)) => {
                    let key = self.keys.version_in_tx(&mut tx, key_version).await?;
                    let aad = SecretAad {
                        org: ctx.org(),
                        account: AccountId(account),
                        version,
                    };
                    let plain = open(&key, &aad, ciphertext)?;
                    Zeroizing::new(String::from_utf8_lossy(&plain).into_owned())
                }
                _ => Zeroizing::new(String::new()),
            };
            let mut entry_fields = fields.of(row.resource_id);
            if let Some(account) = row.account_id {
                entry_fields.extend(fields.of(account));
            }
            entries.push(Entry {
                resource_name: row.resource_name,
                resource_type: row.resource_type,
                host: row.host,
                url: row.url,
                department: row.department,
                location: row.location,
                description: row.description,
                resource_notes: row.resource_notes,
                username: row.username.unwrap_or_default(),
                password,
                account_notes: row.account_notes.unwrap_or_default(),
                fields: entry_fields,
                group_path: Vec::new(),
            });
        }
        let event = event(ctx, "vault.exported", Target::new("org", ctx.org(), "")).with_details(
            serde_json::json!({
                "format": format.as_str(),
                "resources": resource_ids,
                "accounts": account_ids,
                "ticket_id": ticket_id,
            }),
        );
        self.outbox.record(&mut tx, &event).await?;
        self.outbox.commit(tx).await?;
        // The key derivations cost seconds of CPU: off the async workers.
        let passphrase = Zeroizing::new(passphrase.to_owned());
        let content = tokio::task::spawn_blocking(move || write(format, &entries, &passphrase))
            .await
            .map_err(|_| VaultError::InvalidInput("the export could not be written".into()))??;
        let stamp = chrono::Utc::now().format("%Y%m%d-%H%M%S");
        let (content_type, extension) = match format {
            ExportFormat::Csv => ("text/csv; charset=utf-8", "csv"),
            ExportFormat::Keepass => ("application/octet-stream", "kdbx"),
            ExportFormat::Html => ("text/html; charset=utf-8", "html"),
        };
        Ok(ExportFile {
            content,
            content_type,
            file_name: format!("strongroom-export-{stamp}.{extension}"),
        })
    }
}

fn write(
    format: ExportFormat,
    entries: &[Entry],
    passphrase: &str,
) -> Result<Zeroizing<Vec<u8>>, VaultError> {
    let bad = |e: export::ExportError| VaultError::InvalidInput(e.to_string());
    Ok(match format {
        ExportFormat::Csv => {
            let text = export::csv(entries).map_err(bad)?;
            Zeroizing::new(text.as_bytes().to_vec())
        }
        ExportFormat::Keepass => Zeroizing::new(export::keepass(entries, passphrase).map_err(bad)?),
        ExportFormat::Html => Zeroizing::new(
            export::offline_html(entries, passphrase, "Strongroom offline export")
                .map_err(bad)?
                .into_bytes(),
        ),
    })
}

fn dedup(ids: impl Iterator<Item = Uuid>) -> Vec<Uuid> {
    let mut seen = std::collections::HashSet::new();
    ids.filter(|id| seen.insert(*id)).collect()
}

/// Field values by owner, in the order read.
#[derive(Default)]
struct FieldsOf(HashMap<Uuid, Vec<Field>>);

impl FieldsOf {
    fn push(&mut self, owner: Uuid, name: String, value: FieldValue) {
        self.0.entry(owner).or_default().push(Field { name, value });
    }

    fn of(&self, owner: Uuid) -> Vec<Field> {
        self.0.get(&owner).cloned().unwrap_or_default()
    }
}
