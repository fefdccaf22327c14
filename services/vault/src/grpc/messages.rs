//! The edge's translations: domain rows into proto messages, and request fields into the
//! use cases' types (a malformed id or value is refused here, never deeper).

use std::collections::HashMap;

use strongroom_core::to_status;
use strongroom_formats::import::Column;
use strongroom_proto::vault::*;
use tonic::Status;
use zeroize::Zeroizing;

use crate::fields::{AdditionalField as AdditionalFieldSpec, GivenFields};
use crate::groups::{GroupInput, GroupRef};
use crate::personal::StoredEntry;
use crate::policies::NamedPolicy;
use crate::resource_types::{FieldKind, ResourceType as ResourceTypeSpec};
use crate::store::{
    AccountRow, ExportRuleRow, FieldOwner, FieldValueRow, GroupRow, ImportJobRow, ImportResultRow,
    ResourceRow, RotationRow, ScheduleRow, VersionRow,
};
pub(super) fn rotation_message(r: RotationRow) -> KeyRotation {
    KeyRotation {
        id: r.id.to_string(),
        to_version: r.to_version,
        status: r.status,
        total: count(r.total),
        done: count(r.done),
        error: r.error,
        started_at: time(r.started_at),
        finished_at: r.finished_at.map(time).unwrap_or_default(),
    }
}

pub(super) fn schedule_message(s: ScheduleRow) -> KeyRotationSchedule {
    KeyRotationSchedule {
        every_days: u32::try_from(s.every_days).unwrap_or_default(),
        next_rotation_at: s.next_rotation_at.map(time).unwrap_or_default(),
    }
}

pub(super) fn export_rule(r: ExportRuleRow) -> ExportRule {
    ExportRule {
        principal_kind: r.principal_kind,
        principal_id: r.principal_id.to_string(),
        allowed: r.allowed,
        updated_by: r.updated_by.to_string(),
        updated_at: time(r.updated_at),
    }
}

pub(super) fn export_rules(rows: Vec<ExportRuleRow>) -> ExportRules {
    ExportRules {
        rules: rows.into_iter().map(export_rule).collect(),
    }
}

pub(super) fn personal_status(s: crate::personal::PersonalStatus) -> PersonalStatus {
    PersonalStatus {
        exists: s.exists,
        entries: u32::try_from(s.entries).unwrap_or(u32::MAX),
    }
}

pub(super) fn personal_entry(e: StoredEntry) -> PersonalEntry {
    PersonalEntry {
        id: e.id.to_string(),
        title: e.entry.title.clone(),
        username: e.entry.username.clone(),
        password: e.entry.password.clone(),
        url: e.entry.url.clone(),
        notes: e.entry.notes.clone(),
        created_at: time(e.created_at),
        updated_at: time(e.updated_at),
    }
}

/// What a column-mapping target names.
pub(super) fn import_column(target: &str) -> Result<Column, Status> {
    Ok(match target {
        "resource_name" => Column::ResourceName,
        "type" => Column::ResourceType,
        "host" => Column::Host,
        "url" => Column::Url,
        "department" => Column::Department,
        "location" => Column::Location,
        "description" => Column::Description,
        "resource_notes" => Column::ResourceNotes,
        "username" => Column::Username,
        "password" => Column::Password,
        "account_notes" => Column::AccountNotes,
        "group" => Column::GroupPath,
        "ignore" => Column::Ignore,
        other => match other.strip_prefix("field:") {
            Some(name) if !name.trim().is_empty() => Column::Field(name.trim().to_owned()),
            _ => {
                return Err(Status::invalid_argument(format!(
                    "a column maps to resource_name, type, host, url, department, location, \
                     description, resource_notes, username, password, account_notes, group, \
                     field:<name> or ignore, not {other:?}"
                )));
            }
        },
    })
}

pub(super) fn count(n: i32) -> u32 {
    u32::try_from(n).unwrap_or_default()
}

pub(super) fn import_job(j: ImportJobRow) -> ImportJob {
    ImportJob {
        id: j.id.to_string(),
        format: j.format,
        status: j.status,
        total: count(j.total),
        done: count(j.done),
        created: count(j.created),
        updated: count(j.updated),
        skipped: count(j.skipped),
        rejected: count(j.rejected),
        error: j.error,
        started_at: time(j.started_at),
        finished_at: j.finished_at.map(time).unwrap_or_default(),
    }
}

pub(super) fn import_result(r: ImportResultRow) -> ImportResult {
    ImportResult {
        row: count(r.row_number),
        outcome: r.outcome,
        resource_name: r.resource_name,
        username: r.username,
        reason: r.reason,
    }
}

/// A group named by a request, if any; a malformed id names none ("not found").
pub(super) fn group_ref(id: &str) -> Result<Option<GroupRef>, Status> {
    if id.is_empty() {
        return Ok(None);
    }
    GroupRef::parse(id).map(Some).map_err(|e| to_status(&e))
}

/// One of the caller's stored groups (the Default Group is not stored).
pub(super) fn stored_group(id: &str) -> Result<uuid::Uuid, Status> {
    match GroupRef::parse(id) {
        Ok(GroupRef::Stored(id)) => Ok(id),
        _ => Err(Status::not_found("resource group not found")),
    }
}

pub(super) fn group_input(req: ResourceGroupInput) -> Result<GroupInput, Status> {
    let parent = if req.parent_id.is_empty() {
        None
    } else {
        Some(stored_group(&req.parent_id)?)
    };
    let criteria = if req.criteria_json.is_empty() {
        None
    } else {
        Some(
            serde_json::from_str(&req.criteria_json)
                .map_err(|e| Status::invalid_argument(format!("criteria do not fit: {e}")))?,
        )
    };
    Ok(GroupInput {
        name: req.name,
        parent,
        criteria,
        description: req.description,
    })
}

pub(super) fn group_message(g: GroupRow, resources: usize) -> ResourceGroup {
    ResourceGroup {
        id: g.id.to_string(),
        name: g.name,
        parent_id: g.parent_id.map(|p| p.to_string()).unwrap_or_default(),
        kind: g.kind,
        criteria_json: g.criteria.map(|c| c.to_string()).unwrap_or_default(),
        description: g.description,
        owner_id: g.owner_id.to_string(),
        created_at: time(g.created_at),
        updated_at: time(g.updated_at),
        resources: u32::try_from(resources).unwrap_or(u32::MAX),
    }
}

pub(super) fn policy_message(p: NamedPolicy) -> PasswordPolicy {
    let NamedPolicy { policy, built_in } = p;
    PasswordPolicy {
        name: policy.name,
        min_length: policy.min_length,
        max_length: policy.max_length,
        min_lowercase: policy.min_lowercase,
        min_uppercase: policy.min_uppercase,
        min_digits: policy.min_digits,
        min_specials: policy.min_specials,
        must_start_with_letter: policy.must_start_with_letter,
        forbidden_characters: policy.forbidden_characters,
        reuse_forbidden: policy.reuse_forbidden,
        max_age_days: policy.max_age_days.unwrap_or(0),
        built_in,
    }
}

pub(super) fn time(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339()
}

pub(super) fn resource(r: ResourceRow) -> Resource {
    Resource {
        id: r.id.to_string(),
        name: r.name,
        resource_type: r.resource_type,
        host: r.host,
        owner_id: r.owner_id.to_string(),
        created_at: time(r.created_at),
        url: r.url,
        department: r.department,
        location: r.location,
        description: r.description,
        notes: r.notes,
        updated_at: time(r.updated_at),
        accounts: u32::try_from(r.accounts).unwrap_or(u32::MAX),
        favourite: r.favourite,
        deleted_at: r.deleted_at.map(time).unwrap_or_default(),
        password_policy: r.password_policy,
        fields: field_values(r.fields),
    }
}

pub(super) fn account(a: AccountRow) -> Account {
    Account {
        id: a.id.to_string(),
        resource_id: a.resource_id.to_string(),
        username: a.username,
        created_at: time(a.created_at),
        notes: a.notes,
        updated_at: time(a.updated_at),
        password_version: u32::try_from(a.password_version).unwrap_or_default(),
        password_changed_at: time(a.password_changed_at),
        favourite: a.favourite,
        access_controlled: a.access_controlled,
        deleted_at: a
            .deleted_at
            .or(a.resource_deleted_at)
            .map(time)
            .unwrap_or_default(),
        resource_name: a.resource_name,
        fields: field_values(a.fields),
    }
}

pub(super) fn field_values(rows: Vec<FieldValueRow>) -> Vec<FieldValue> {
    rows.into_iter()
        .map(|v| FieldValue {
            name: v.name,
            value: v.value,
            secret: v.sealed,
        })
        .collect()
}

/// A request's field values, wiped from memory when dropped.
pub(super) fn given(fields: HashMap<String, String>) -> GivenFields {
    fields
        .into_iter()
        .map(|(name, value)| (name, Zeroizing::new(value)))
        .collect()
}

pub(super) fn field_owner(kind: &str) -> Result<FieldOwner, Status> {
    FieldOwner::parse(kind).ok_or_else(|| Status::invalid_argument("must be resource or account"))
}

pub(super) fn type_message(t: ResourceTypeSpec) -> ResourceType {
    ResourceType {
        name: t.name,
        category: t.category,
        fields: t
            .fields
            .into_iter()
            .map(|f| FieldSpec {
                name: f.name,
                label: f.label,
                kind: f.kind.as_str().into(),
                required: f.required,
                default: f.default,
            })
            .collect(),
        built_in: t.built_in,
    }
}

pub(super) fn additional_message(f: AdditionalFieldSpec) -> AdditionalField {
    AdditionalField {
        applies_to: f.applies_to.as_str().into(),
        name: f.name,
        kind: f.kind.as_str().into(),
        required: f.required,
    }
}

pub(super) fn field_kind(kind: &str) -> Result<FieldKind, Status> {
    FieldKind::parse(kind).ok_or_else(|| {
        Status::invalid_argument("kind must be text, number, date, multiline or password")
    })
}

pub(super) fn version(v: VersionRow, current: i32) -> PasswordVersion {
    PasswordVersion {
        version: u32::try_from(v.version).unwrap_or_default(),
        created_by: v.created_by.to_string(),
        created_at: time(v.created_at),
        reason: v.reason,
        kind: v.kind,
        current: v.version == current,
    }
}

/// A version number names one of the account's versions; one that cannot names none.
pub(super) fn version_number(v: u32) -> Result<i32, Status> {
    i32::try_from(v)
        .ok()
        .filter(|v| *v >= 1)
        .ok_or_else(|| Status::not_found("password version not found"))
}
