//! Imports of resources and accounts from files.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use strongroom_proto::vault as pb;
use utoipa::{IntoParams, ToSchema};

use super::or_null;

/// A file to import, and how to read it.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportBody {
    /// `csv` (comma- or tab-separated, with a header line), `tsv`, `bitwarden` (Bitwarden's
    /// CSV export), `pmp` (Password Manager Pro's resource CSV) or `keepass` (KDBX 3.1 or 4).
    #[schema(example = "csv")]
    pub format: String,
    /// The file, base64-encoded (at most 20 MiB before encoding).
    pub file_base64: String,
    /// The file is a ZIP archive (AES-256 or ZipCrypto) holding the one to read.
    #[serde(default)]
    pub zip: Option<ZipBody>,
    #[serde(default)]
    #[schema(format = Password)]
    pub keepass_password: String,
    /// File column -> `resource_name`, `type`, `host`, `url`, `department`, `location`,
    /// `description`, `resource_notes`, `username`, `password`, `account_notes`, `group`,
    /// `field:<name>` or `ignore`; other columns are read by their header names.
    #[serde(default)]
    pub column_mapping: BTreeMap<String, String>,
    /// Say what each row would do, and change nothing.
    #[serde(default)]
    pub dry_run: bool,
    /// `skip` (default) or `update` (the file's password becomes the account's next version):
    /// what happens to an account that exists.
    #[serde(default)]
    pub on_conflict: String,
}

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ZipBody {
    #[serde(default)]
    #[schema(format = Password)]
    pub password: String,
    /// The file inside the archive; else the first CSV (or KeePass database) in it.
    #[serde(default)]
    pub file_name: String,
}

/// An import job: its progress, readable while it runs.
#[derive(Deserialize, Debug, Serialize, ToSchema)]
pub struct ImportJob {
    pub id: String,
    pub format: String,
    /// `running`, `completed` or `failed`.
    pub status: String,
    /// Rows in the file.
    pub total: u32,
    /// Rows done so far.
    pub done: u32,
    pub created: u32,
    pub updated: u32,
    pub skipped: u32,
    pub rejected: u32,
    /// Why a failed job stopped.
    pub error: Option<String>,
    pub started_at: String,
    pub finished_at: Option<String>,
}

impl From<pb::ImportJob> for ImportJob {
    fn from(j: pb::ImportJob) -> Self {
        Self {
            id: j.id,
            format: j.format,
            status: j.status,
            total: j.total,
            done: j.done,
            created: j.created,
            updated: j.updated,
            skipped: j.skipped,
            rejected: j.rejected,
            error: or_null(j.error),
            started_at: j.started_at,
            finished_at: or_null(j.finished_at),
        }
    }
}

/// One row's outcome.
#[derive(Deserialize, Debug, Serialize, ToSchema)]
pub struct ImportResult {
    /// The file line the row starts on (CSV), or the entry's position (KeePass).
    pub row: u32,
    /// `created`, `updated`, `skipped` or `rejected`.
    pub outcome: String,
    pub resource_name: String,
    pub username: String,
    /// Why a row was skipped or rejected.
    pub reason: Option<String>,
}

impl From<pb::ImportResult> for ImportResult {
    fn from(r: pb::ImportResult) -> Self {
        Self {
            row: r.row,
            outcome: r.outcome,
            resource_name: r.resource_name,
            username: r.username,
            reason: or_null(r.reason),
        }
    }
}

/// A dry run's outcome for every row.
#[derive(Debug, Serialize, ToSchema)]
pub struct DryRun {
    pub dry_run: bool,
    pub results: Vec<ImportResult>,
}

#[derive(Deserialize, Debug, Serialize, ToSchema)]
pub struct ImportJobDetail {
    pub job: ImportJob,
    /// A page of the rows done so far, by row.
    pub results: Vec<ImportResult>,
}

#[derive(Deserialize, Debug, Serialize, ToSchema)]
pub struct ImportJobList {
    pub jobs: Vec<ImportJob>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ResultsQuery {
    #[serde(default)]
    pub offset: u32,
    /// 1 to 1000 (default 1000).
    #[serde(default)]
    pub limit: u32,
}
