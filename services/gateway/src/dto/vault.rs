//! Resources, their accounts, password versions and revealed passwords.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use strongroom_proto::vault as pb;

use utoipa::{IntoParams, ToSchema};

use super::or_null;

/// A resource to add; the caller owns it.
#[derive(Serialize, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewResource {
    #[schema(example = "db1")]
    pub name: String,
    /// The kind of system, e.g. `PostgreSQL`, `Linux`, `Windows`.
    #[serde(rename = "type")]
    #[schema(example = "PostgreSQL")]
    pub resource_type: String,
    /// A DNS name or an IP address.
    #[serde(default)]
    #[schema(example = "db1.acme.test")]
    pub host: String,
    /// An absolute URL (`https://...`, `ssh://...`).
    #[serde(default)]
    pub url: String,
    #[serde(default)]
    pub department: String,
    #[serde(default)]
    pub location: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub notes: String,
    /// The password policy its passwords must satisfy (`low`, `medium`, `strong` or a
    /// custom one's name); left out, none.
    #[serde(default)]
    pub password_policy: String,
    /// Values of its type's fields and the org's additional fields, by field name
    /// (`GET /resource-types`, `GET /additional-fields`); a password-kind value is sealed.
    #[serde(default)]
    #[schema(example = json!({"port": "5432", "database": "ledger"}))]
    pub fields: BTreeMap<String, String>,
}

/// Only the fields present change.
#[derive(Serialize, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResourceChanges {
    pub name: Option<String>,
    #[serde(rename = "type")]
    pub resource_type: Option<String>,
    pub host: Option<String>,
    pub url: Option<String>,
    pub department: Option<String>,
    pub location: Option<String>,
    pub description: Option<String>,
    pub notes: Option<String>,
    /// A policy's name, or `""` for none.
    pub password_policy: Option<String>,
    /// Fields to set, by name; an empty value clears one.
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
}

/// A resource: a system whose privileged accounts the vault keeps.
#[derive(Deserialize, Debug, Serialize, ToSchema)]
pub struct Resource {
    pub id: String,
    pub name: String,
    #[serde(rename = "type")]
    pub resource_type: String,
    pub host: String,
    pub url: String,
    pub department: String,
    pub location: String,
    pub description: String,
    pub notes: String,
    /// The policy its passwords must satisfy; `null` for none.
    pub password_policy: Option<String>,
    /// The user who owns it.
    pub owner_id: String,
    pub created_at: String,
    pub updated_at: String,
    /// Its live accounts.
    pub accounts: u32,
    /// One of the caller's favourites.
    pub favourite: bool,
    /// When it went to the trash; `null` while it is live.
    pub deleted_at: Option<String>,
    /// Its fields' values.
    pub fields: Vec<FieldValue>,
}

/// A field's value; a password-kind field shows `null` (reveal it on its own).
#[derive(Deserialize, Debug, Serialize, ToSchema)]
pub struct FieldValue {
    pub name: String,
    pub value: Option<String>,
    /// A password-kind field: sealed, revealed only on its own and audited.
    pub secret: bool,
}

fn field_values(values: Vec<pb::FieldValue>) -> Vec<FieldValue> {
    values
        .into_iter()
        .map(|v| FieldValue {
            name: v.name,
            value: (!v.secret).then_some(v.value),
            secret: v.secret,
        })
        .collect()
}

impl From<pb::Resource> for Resource {
    fn from(r: pb::Resource) -> Self {
        Self {
            id: r.id,
            name: r.name,
            resource_type: r.resource_type,
            host: r.host,
            url: r.url,
            department: r.department,
            location: r.location,
            description: r.description,
            notes: r.notes,
            password_policy: or_null(r.password_policy),
            owner_id: r.owner_id,
            created_at: r.created_at,
            updated_at: r.updated_at,
            accounts: r.accounts,
            favourite: r.favourite,
            deleted_at: or_null(r.deleted_at),
            fields: field_values(r.fields),
        }
    }
}

/// Which resources a listing shows, and in which order.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ResourceQuery {
    /// Words searched in names, types, hosts, URLs, descriptions, departments, locations,
    /// notes, and account usernames and notes (never passwords); each must match.
    #[serde(default)]
    pub q: String,
    /// Resources whose name contains this (ignoring case); likewise `host`, `department`
    /// and `location`.
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub host: String,
    /// Resources of this type (ignoring case).
    #[serde(default, rename = "type")]
    #[param(rename = "type")]
    pub resource_type: String,
    #[serde(default)]
    pub department: String,
    #[serde(default)]
    pub location: String,
    /// Resources this user owns.
    #[serde(default)]
    pub owner_id: String,
    /// Only the caller's favourites.
    #[serde(default)]
    pub favourites: bool,
    /// The trash instead of the live resources.
    #[serde(default)]
    pub trash: bool,
    /// Resources whose field of this name contains `field_value` (password-kind fields
    /// never match).
    #[serde(default)]
    pub field_name: String,
    #[serde(default)]
    pub field_value: String,
    /// Only the resources of this resource group (`default`: your Default Group).
    #[serde(default)]
    pub group_id: String,
    #[serde(default)]
    #[param(inline)]
    pub sort: ResourceSort,
    #[serde(default)]
    #[param(inline)]
    pub order: SortOrder,
    #[serde(default)]
    pub offset: u32,
    /// 1 to 500; 0 or left out: 50.
    #[serde(default)]
    pub limit: u32,
}

#[derive(Debug, Default, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ResourceSort {
    #[default]
    Name,
    Type,
    Host,
    Department,
    Location,
    CreatedAt,
    UpdatedAt,
}

impl From<ResourceSort> for pb::ResourceSort {
    fn from(s: ResourceSort) -> Self {
        match s {
            ResourceSort::Name => Self::Name,
            ResourceSort::Type => Self::Type,
            ResourceSort::Host => Self::Host,
            ResourceSort::Department => Self::Department,
            ResourceSort::Location => Self::Location,
            ResourceSort::CreatedAt => Self::CreatedAt,
            ResourceSort::UpdatedAt => Self::UpdatedAt,
        }
    }
}

#[derive(Debug, Default, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SortOrder {
    #[default]
    Asc,
    Desc,
}

/// One page of a listing.
#[derive(Deserialize, Debug, Serialize, ToSchema)]
pub struct ResourcePage {
    pub resources: Vec<Resource>,
    /// Resources matching in all pages.
    pub total: u64,
}

/// A resource and its accounts: the live ones by username, then those in the trash.
#[derive(Deserialize, Debug, Serialize, ToSchema)]
pub struct ResourceDetail {
    pub resource: Resource,
    pub accounts: Vec<Account>,
}

impl From<pb::ResourceDetail> for ResourceDetail {
    fn from(d: pb::ResourceDetail) -> Self {
        Self {
            resource: Resource::from(d.resource.unwrap_or_default()),
            accounts: d.accounts.into_iter().map(Account::from).collect(),
        }
    }
}

/// Deleting asks for the resource's name (or the account's username) again.
#[derive(Serialize, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeleteConfirmation {
    #[schema(example = "db1")]
    pub confirm: String,
    /// Delete what is in the trash for good, with every version of its passwords.
    #[serde(default)]
    pub purge: bool,
}

#[derive(Deserialize, Debug, Serialize, ToSchema)]
pub struct Deleted {
    /// Accounts that went with it.
    pub accounts: u32,
    /// Gone for good, not in the trash.
    pub purged: bool,
}

impl From<pb::Deleted> for Deleted {
    fn from(d: pb::Deleted) -> Self {
        Self {
            accounts: d.accounts,
            purged: d.purged,
        }
    }
}

/// An account to add to a resource, with its password (stored sealed).
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAccount {
    #[schema(example = "postgres")]
    pub username: String,
    #[schema(format = Password)]
    pub password: String,
    #[serde(default)]
    pub notes: String,
    /// Values of the org's additional account fields, by name.
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
}

/// Only the fields present change.
#[derive(Serialize, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountChanges {
    pub username: Option<String>,
    pub notes: Option<String>,
    /// Fields to set, by name; an empty value clears one.
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountMove {
    /// The resource the account goes to.
    pub resource_id: String,
}

/// An account of a resource; its password is only ever revealed on its own.
#[derive(Deserialize, Debug, Serialize, ToSchema)]
pub struct Account {
    pub id: String,
    pub resource_id: String,
    pub resource_name: String,
    pub username: String,
    pub notes: String,
    pub created_at: String,
    pub updated_at: String,
    /// The current password's version.
    pub password_version: u32,
    pub password_changed_at: String,
    pub favourite: bool,
    /// When it (or its resource) went to the trash; `null` while it is live.
    pub deleted_at: Option<String>,
    /// Its additional fields' values.
    pub fields: Vec<FieldValue>,
}

impl From<pb::Account> for Account {
    fn from(a: pb::Account) -> Self {
        Self {
            id: a.id,
            resource_id: a.resource_id,
            resource_name: a.resource_name,
            username: a.username,
            notes: a.notes,
            created_at: a.created_at,
            updated_at: a.updated_at,
            password_version: a.password_version,
            password_changed_at: a.password_changed_at,
            favourite: a.favourite,
            deleted_at: or_null(a.deleted_at),
            fields: field_values(a.fields),
        }
    }
}

/// An account's password, revealed (and audited).
#[derive(Deserialize, Serialize, ToSchema)]
pub struct RevealedPassword {
    #[schema(format = Password)]
    pub password: String,
}

/// A new password for an account (or `generate` for one from the resource's policy, the
/// built-in `strong` when it names none), and why.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPassword {
    #[serde(default)]
    #[schema(format = Password)]
    pub password: String,
    #[serde(default)]
    pub generate: bool,
    /// Why it changes (1 to 500 characters), kept in the history and the audit trail.
    #[serde(default)]
    #[schema(example = "quarterly change")]
    pub reason: String,
}

#[derive(Serialize, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Reason {
    /// Why (1 to 500 characters), kept in the history and the audit trail.
    #[serde(default)]
    pub reason: String,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RevealQuery {
    /// Why the password is read, for the audit trail.
    #[serde(default)]
    pub reason: String,
}

/// One version of an account's password: who set it, when and why (never the password).
#[derive(Deserialize, Debug, Serialize, ToSchema)]
pub struct PasswordVersion {
    pub version: u32,
    /// The user who set it.
    pub created_by: String,
    pub created_at: String,
    pub reason: String,
    /// `created` (the first), `changed` or `reverted` (an earlier one made current).
    pub kind: String,
    /// The password in use now.
    pub current: bool,
}

impl From<pb::PasswordVersion> for PasswordVersion {
    fn from(v: pb::PasswordVersion) -> Self {
        Self {
            version: v.version,
            created_by: v.created_by,
            created_at: v.created_at,
            reason: v.reason,
            kind: v.kind,
            current: v.current,
        }
    }
}

/// Newest first.
#[derive(Deserialize, Debug, Serialize, ToSchema)]
pub struct PasswordHistory {
    pub versions: Vec<PasswordVersion>,
}

/// A password policy: the built-in `low`, `medium` and `strong`, or one of the org's own.
#[derive(Deserialize, Debug, Serialize, ToSchema)]
pub struct PasswordPolicy {
    pub name: String,
    pub min_length: u32,
    pub max_length: u32,
    pub min_lowercase: u32,
    pub min_uppercase: u32,
    pub min_digits: u32,
    /// Printable ASCII punctuation.
    pub min_specials: u32,
    pub must_start_with_letter: bool,
    /// Characters a password may not contain.
    pub forbidden_characters: String,
    /// A new password may not be any of the last this many.
    pub reuse_forbidden: u32,
    /// Days after which a password should change; `null`: never.
    pub max_age_days: Option<u32>,
    /// Built in, so it cannot change.
    pub built_in: bool,
}

impl From<pb::PasswordPolicy> for PasswordPolicy {
    fn from(p: pb::PasswordPolicy) -> Self {
        Self {
            name: p.name,
            min_length: p.min_length,
            max_length: p.max_length,
            min_lowercase: p.min_lowercase,
            min_uppercase: p.min_uppercase,
            min_digits: p.min_digits,
            min_specials: p.min_specials,
            must_start_with_letter: p.must_start_with_letter,
            forbidden_characters: p.forbidden_characters,
            reuse_forbidden: p.reuse_forbidden,
            max_age_days: (p.max_age_days > 0).then_some(p.max_age_days),
            built_in: p.built_in,
        }
    }
}

#[derive(Deserialize, Debug, Serialize, ToSchema)]
pub struct PasswordPolicyList {
    pub policies: Vec<PasswordPolicy>,
}

/// A custom policy's rules; a policy no password could satisfy is refused naming why.
#[derive(Serialize, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordPolicyRules {
    #[schema(example = 12)]
    pub min_length: u32,
    #[schema(example = 64)]
    pub max_length: u32,
    #[serde(default)]
    pub min_lowercase: u32,
    #[serde(default)]
    pub min_uppercase: u32,
    #[serde(default)]
    pub min_digits: u32,
    #[serde(default)]
    pub min_specials: u32,
    #[serde(default)]
    pub must_start_with_letter: bool,
    #[serde(default)]
    pub forbidden_characters: String,
    /// 0 to 24.
    #[serde(default)]
    pub reuse_forbidden: u32,
    #[serde(default)]
    pub max_age_days: Option<u32>,
}

/// A field a resource type gives its resources.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FieldSpec {
    /// Lowercase letters, digits and `_`, beginning with a letter.
    #[schema(example = "port")]
    pub name: String,
    #[serde(default)]
    #[schema(example = "Port")]
    pub label: String,
    /// `text`, `number`, `date` (YYYY-MM-DD), `multiline` or `password` (sealed, revealed
    /// on its own and audited).
    #[schema(example = "number")]
    pub kind: String,
    #[serde(default)]
    pub required: bool,
    /// The value a new resource gets when it gives none.
    #[serde(default)]
    pub default: String,
}

/// A resource type: built in (with the fields a password reset needs) or the org's own.
#[derive(Debug, Serialize, ToSchema, Deserialize)]
pub struct ResourceType {
    pub name: String,
    /// `operating_system`, `database`, `network_device`, `directory`, `application`,
    /// `cloud` or `other`.
    pub category: String,
    pub fields: Vec<FieldSpec>,
    pub built_in: bool,
}

impl From<pb::ResourceType> for ResourceType {
    fn from(t: pb::ResourceType) -> Self {
        Self {
            name: t.name,
            category: t.category,
            fields: t
                .fields
                .into_iter()
                .map(|f| FieldSpec {
                    name: f.name,
                    label: f.label,
                    kind: f.kind,
                    required: f.required,
                    default: f.default,
                })
                .collect(),
            built_in: t.built_in,
        }
    }
}

#[derive(Debug, Serialize, ToSchema, Deserialize)]
pub struct ResourceTypeList {
    pub types: Vec<ResourceType>,
}

/// One of the org's own resource types.
#[derive(Debug, Deserialize, ToSchema, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ResourceTypeBody {
    #[schema(example = "other")]
    pub category: String,
    #[serde(default)]
    pub fields: Vec<FieldSpec>,
}

/// A field every resource, or every account, of the org carries.
#[derive(Debug, Serialize, ToSchema, Deserialize)]
pub struct AdditionalField {
    /// `resource` or `account`.
    pub applies_to: String,
    pub name: String,
    /// `text`, `number`, `date`, `multiline` or `password`.
    pub kind: String,
    pub required: bool,
}

impl From<pb::AdditionalField> for AdditionalField {
    fn from(f: pb::AdditionalField) -> Self {
        Self {
            applies_to: f.applies_to,
            name: f.name,
            kind: f.kind,
            required: f.required,
        }
    }
}

#[derive(Debug, Serialize, ToSchema, Deserialize)]
pub struct AdditionalFieldList {
    pub fields: Vec<AdditionalField>,
}

#[derive(Debug, Deserialize, ToSchema, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AdditionalFieldBody {
    /// `text`, `number`, `date`, `multiline` or `password`.
    #[schema(example = "text")]
    pub kind: String,
    #[serde(default)]
    pub required: bool,
}

/// A password-kind field's value, revealed (and audited).
#[derive(Serialize, ToSchema)]
pub struct RevealedField {
    #[schema(format = Password)]
    pub value: String,
}

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
}

/// A data-key rotation: its progress, readable while it runs.
#[derive(Debug, Serialize, ToSchema, Deserialize)]
pub struct KeyRotation {
    pub id: String,
    /// The new data-key version.
    pub to_version: i32,
    /// `running`, `completed` or `failed`.
    pub status: String,
    /// Password versions and sealed fields to seal again.
    pub total: u32,
    pub done: u32,
    pub error: Option<String>,
    pub started_at: String,
    pub finished_at: Option<String>,
}

impl From<pb::KeyRotation> for KeyRotation {
    fn from(r: pb::KeyRotation) -> Self {
        Self {
            id: r.id,
            to_version: r.to_version,
            status: r.status,
            total: r.total,
            done: r.done,
            error: or_null(r.error),
            started_at: r.started_at,
            finished_at: or_null(r.finished_at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema, Deserialize)]
pub struct DataKeyVersion {
    pub version: i32,
    pub created_at: String,
    /// Password versions and sealed fields it seals now.
    pub sealed: u64,
}

/// The org's data-key versions (never the keys), the latest rotation and the schedule.
#[derive(Debug, Serialize, ToSchema, Deserialize)]
pub struct DataKeys {
    pub versions: Vec<DataKeyVersion>,
    pub rotation: Option<KeyRotation>,
    pub schedule: KeyRotationSchedule,
}

/// How often the org's data key rotates by itself.
#[derive(Debug, Serialize, ToSchema, Deserialize)]
pub struct KeyRotationSchedule {
    /// Days between rotations; 0: rotations start only by hand.
    pub every_days: u32,
    /// When the next scheduled rotation starts; null when none is scheduled.
    pub next_rotation_at: Option<String>,
}

impl From<pb::KeyRotationSchedule> for KeyRotationSchedule {
    fn from(s: pb::KeyRotationSchedule) -> Self {
        Self {
            every_days: s.every_days,
            next_rotation_at: or_null(s.next_rotation_at),
        }
    }
}

/// A new rotation schedule.
#[derive(Debug, Deserialize, ToSchema, Serialize)]
#[serde(deny_unknown_fields)]
pub struct KeyRotationScheduleBody {
    /// Days between rotations, at most 3650; 0 turns the schedule off. The next rotation
    /// is due this long after the newest data key was made (at once if that is past).
    #[schema(example = 90)]
    pub every_days: u32,
}

impl From<pb::DataKeys> for DataKeys {
    fn from(d: pb::DataKeys) -> Self {
        Self {
            versions: d
                .versions
                .into_iter()
                .map(|v| DataKeyVersion {
                    version: v.version,
                    created_at: v.created_at,
                    sealed: v.sealed,
                })
                .collect(),
            rotation: d.rotation.map(KeyRotation::from),
            schedule: d
                .schedule
                .map(KeyRotationSchedule::from)
                .unwrap_or(KeyRotationSchedule {
                    every_days: 0,
                    next_rotation_at: None,
                }),
        }
    }
}
