//! Export rules and export requests.

use serde::{Deserialize, Serialize};
use strongroom_proto::vault as pb;
use utoipa::ToSchema;

/// A rule on who may export: it turns exporting on or off for a user or a user group.
#[derive(Debug, Serialize, ToSchema, Deserialize)]
pub struct ExportRule {
    /// `user` or `group`.
    pub principal_kind: String,
    pub principal_id: String,
    pub allowed: bool,
    pub updated_by: String,
    pub updated_at: String,
}

impl From<pb::ExportRule> for ExportRule {
    fn from(r: pb::ExportRule) -> Self {
        Self {
            principal_kind: r.principal_kind,
            principal_id: r.principal_id,
            allowed: r.allowed,
            updated_by: r.updated_by,
            updated_at: r.updated_at,
        }
    }
}

/// The org's export rules. A rule for the user decides; otherwise the rules of the user's
/// groups (a denial among them wins); otherwise the role's `passwords.export`.
#[derive(Debug, Serialize, ToSchema, Deserialize)]
pub struct ExportRules {
    pub rules: Vec<ExportRule>,
}

impl From<pb::ExportRules> for ExportRules {
    fn from(r: pb::ExportRules) -> Self {
        Self {
            rules: r.rules.into_iter().map(ExportRule::from).collect(),
        }
    }
}

/// Whether the user or group may export.
#[derive(Debug, Deserialize, ToSchema, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ExportRuleBody {
    pub allowed: bool,
}

/// What to export and how to lock it.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExportRequest {
    /// `csv` (plain, formulas neutralised), `keepass` (KDBX 4) or `html` (one page that
    /// decrypts in a browser, offline: AES-256-GCM, key from the passphrase with
    /// PBKDF2-HMAC-SHA256, 600,000 iterations).
    #[schema(example = "html")]
    pub format: String,
    /// Locks a KeePass or HTML export: at least 12 characters. None for CSV.
    #[serde(default)]
    #[schema(format = Password)]
    pub passphrase: String,
    /// Only these resources; all you may see when left out.
    #[serde(default)]
    pub resource_ids: Vec<String>,
    /// Only the resources of this resource group (`default`: your Default Group).
    #[serde(default)]
    pub group_id: String,
    /// The ticket that lets you see the passwords, where the org checks tickets before
    /// reveals (403 with the ticketing system's reason otherwise).
    #[serde(default)]
    pub ticket_id: String,
}
