//! The edge's translations out: rows and reports into proto messages, and errors into a
//! status.

use chrono::{DateTime, Utc};
use strongroom_core::{Permission, to_status};
use strongroom_proto::identity as pb;
use tonic::{Response, Status};
use uuid::Uuid;

use crate::api_keys::{ApiKeyRow, NewApiKey};
use crate::directory::DirectorySettings;
use crate::error::IdentityError;
use crate::groups::GroupRow;
use crate::import::{ImportReport, Outcome};
use crate::policy::LoginSettings;
use crate::roles::RoleInfo;
use crate::sessions::IssuedToken;
use crate::store::{ResetRow, SessionRow, TransferRow, UserRow};
use crate::users::UserView;

pub type Reply<T> = Result<Response<T>, Status>;

pub fn reply<T, U>(result: Result<T, IdentityError>, f: impl FnOnce(T) -> U) -> Reply<U> {
    result
        .map(|v| Response::new(f(v)))
        .map_err(|e| to_status(&e))
}

pub fn empty(result: Result<(), IdentityError>) -> Reply<pb::Empty> {
    reply(result, |()| pb::Empty {})
}

fn time(t: Option<DateTime<Utc>>) -> String {
    t.map(|t| t.to_rfc3339()).unwrap_or_default()
}

pub fn token(issued: IssuedToken) -> pb::TokenResponse {
    let c = issued.claims;
    let session = issued.session;
    pb::TokenResponse {
        token: issued.token,
        expires_at: c.exp,
        user_id: c.sub.to_string(),
        org_id: c.org.to_string(),
        role: c.role,
        permissions: c.perms.iter().map(|p| p.as_str().to_owned()).collect(),
        session_id: session
            .as_ref()
            .map(|s| s.id.to_string())
            .unwrap_or_default(),
        refresh_expires_at: session.as_ref().map_or(0, |s| s.expires_at.timestamp()),
        refresh_token: session.map(|s| s.refresh_token).unwrap_or_default(),
    }
}

pub fn user(u: UserRow, locked_until: Option<i64>) -> pb::User {
    pb::User {
        id: u.id.to_string(),
        username: u.username,
        full_name: u.full_name,
        email: u.email,
        department: u.department,
        location: u.location,
        role: u.role,
        status: u.status,
        source: u.source,
        directory_dn: u.directory_dn.unwrap_or_default(),
        added_to_group_by: String::new(),
        created_at: u.created_at.to_rfc3339(),
        locked_until: time(locked_until.and_then(|t| DateTime::from_timestamp(t, 0))),
    }
}

pub fn transfer(t: TransferRow) -> pb::OwnershipTransfer {
    pb::OwnershipTransfer {
        id: t.id.to_string(),
        from_user_id: t.from_user_id.to_string(),
        from_username: t.from_username,
        to_user_id: t.to_user_id.to_string(),
        to_username: t.to_username,
        requested_by: t.requested_by_name,
        delete_user: t.delete_user,
        status: t.status,
        resources: u32::try_from(t.resources).unwrap_or(0),
        requested_at: t.requested_at.to_rfc3339(),
        decided_by: t.decided_by.unwrap_or_default(),
        decided_at: time(t.decided_at),
    }
}

pub fn reset(r: ResetRow) -> pb::PasswordReset {
    pb::PasswordReset {
        id: if r.id.is_nil() {
            String::new()
        } else {
            r.id.to_string()
        },
        user_id: r.user_id.to_string(),
        username: r.username,
        requested_by_name: r.requested_by_name,
        status: r.status,
        requested_at: r.requested_at.to_rfc3339(),
        decided_by_name: r.decided_by.unwrap_or_default(),
        decided_at: time(r.decided_at),
        by_mail: r.by_mail,
    }
}

pub fn user_view(v: UserView) -> pb::User {
    user(v.user, v.locked_until)
}

pub fn users(views: Vec<UserView>) -> pb::UserList {
    pb::UserList {
        users: views.into_iter().map(user_view).collect(),
    }
}

pub fn transfers(list: Vec<TransferRow>) -> pb::OwnershipTransferList {
    pb::OwnershipTransferList {
        transfers: list.into_iter().map(transfer).collect(),
    }
}

pub fn resets(list: Vec<ResetRow>) -> pb::PasswordResetList {
    pb::PasswordResetList {
        resets: list.into_iter().map(reset).collect(),
    }
}

/// A group's members, each with who added them (by hand).
pub fn members(rows: Vec<(UserRow, Option<Uuid>)>) -> pb::UserList {
    pb::UserList {
        users: rows
            .into_iter()
            .map(|(u, added_by)| pb::User {
                added_to_group_by: added_by.map(|id| id.to_string()).unwrap_or_default(),
                ..user(u, None)
            })
            .collect(),
    }
}

pub fn import_report(r: ImportReport) -> pb::ImportUsersResponse {
    let skipped = r.count(|o| matches!(o, Outcome::Skipped(_)));
    let rejected = r.count(|o| matches!(o, Outcome::Rejected(_)));
    let created = r.created();
    pb::ImportUsersResponse {
        rows: r
            .rows
            .into_iter()
            .map(|row| {
                let (outcome, reason) = match row.outcome {
                    Outcome::Created => ("created", String::new()),
                    Outcome::Skipped(reason) => ("skipped", reason),
                    Outcome::Rejected(reason) => ("rejected", reason),
                };
                pb::ImportRow {
                    line: u32::try_from(row.line).unwrap_or(u32::MAX),
                    username: row.username,
                    outcome: outcome.into(),
                    reason,
                }
            })
            .collect(),
        created,
        skipped,
        rejected,
        rolled_back: r.rolled_back,
        warnings: r.warnings,
        groups_created: r.groups_created,
    }
}

pub fn sessions(rows: Vec<SessionRow>, current: Option<Uuid>) -> pb::SessionList {
    pb::SessionList {
        sessions: rows
            .into_iter()
            .map(|s| pb::Session {
                current: Some(s.id) == current,
                id: s.id.to_string(),
                user_id: s.user_id.to_string(),
                created_at: s.created_at.to_rfc3339(),
                last_used_at: s.last_used_at.to_rfc3339(),
                expires_at: s.expires_at.to_rfc3339(),
                ip: s.ip.unwrap_or_default(),
                user_agent: s.user_agent.unwrap_or_default(),
            })
            .collect(),
    }
}

pub fn group(g: GroupRow) -> pb::Group {
    pb::Group {
        id: g.id.to_string(),
        name: g.name,
        description: g.description,
        source: g.source,
        member_count: u32::try_from(g.member_count).unwrap_or(u32::MAX),
        created_at: g.created_at.to_rfc3339(),
    }
}

pub fn groups(rows: Vec<GroupRow>) -> pb::GroupList {
    pb::GroupList {
        groups: rows.into_iter().map(group).collect(),
    }
}

pub fn role(r: RoleInfo) -> pb::RoleInfo {
    pb::RoleInfo {
        name: r.name,
        description: r.description,
        built_in: r.built_in,
        permissions: r
            .permissions
            .iter()
            .map(|p| p.as_str().to_owned())
            .collect(),
    }
}

pub fn roles(rows: Vec<RoleInfo>) -> pb::RoleList {
    pb::RoleList {
        roles: rows.into_iter().map(role).collect(),
        permission_catalog: Permission::ALL
            .into_iter()
            .map(|p| pb::RoleInfo {
                name: p.as_str().into(),
                description: p.describe().into(),
                built_in: true,
                permissions: vec![],
            })
            .collect(),
    }
}

pub fn login_settings(s: LoginSettings) -> pb::LoginSettings {
    let n = |v: i32| v.max(0).unsigned_abs();
    pb::LoginSettings {
        min_length: n(s.min_length),
        require_lowercase: s.require_lowercase,
        require_uppercase: s.require_uppercase,
        require_digit: s.require_digit,
        require_special: s.require_special,
        history: n(s.history),
        max_age_days: n(s.max_age_days),
        lockout_threshold: n(s.lockout_threshold),
        lockout_minutes: n(s.lockout_minutes),
        default_role: s.default_role,
        session_idle_minutes: n(s.session_idle_minutes),
        session_max_hours: n(s.session_max_hours),
    }
}

pub fn directory(d: DirectorySettings) -> pb::DirectoryConfig {
    pb::DirectoryConfig {
        kind: d.kind,
        url: d.url,
        starttls: d.starttls,
        bind_dn: d.bind_dn,
        bind_password: String::new(),
        base_dn: d.base_dn,
        user_filter: d.user_filter,
        attributes: d.attributes,
        group_filter: d.group_filter,
        group_name_attribute: d.group_name_attribute,
        group_member_attribute: d.group_member_attribute,
        authentication_enabled: d.authentication_enabled,
        sync_interval_minutes: d.sync_interval_minutes,
        sync_scopes: d.sync_scopes,
        has_bind_password: d.has_bind_password,
        last_sync_at: time(d.last_sync_at),
        last_sync_result: d.last_sync_result,
        ca_certificate_pem: d.ca_certificate_pem,
        allow_insecure: d.allow_insecure,
        allow_internal_hosts: d.allow_internal_hosts,
    }
}

pub fn api_key(k: ApiKeyRow) -> pb::ApiKeyInfo {
    pb::ApiKeyInfo {
        id: k.id.to_string(),
        name: k.name,
        created_at: k.created_at.to_rfc3339(),
        expires_at: time(k.expires_at),
        allowed_cidrs: k.allowed_cidrs,
        last_used_at: time(k.last_used_at),
        revoked_at: time(k.revoked_at),
    }
}

pub fn api_keys(rows: Vec<ApiKeyRow>) -> pb::ApiKeyList {
    pb::ApiKeyList {
        keys: rows.into_iter().map(api_key).collect(),
    }
}

pub fn new_api_key(k: NewApiKey) -> pb::CreateApiKeyResponse {
    let info = api_key(k.row);
    pb::CreateApiKeyResponse {
        id: info.id,
        name: info.name,
        key: k.key,
        created_at: info.created_at,
        expires_at: info.expires_at,
        allowed_cidrs: info.allowed_cidrs,
    }
}

/// A user or user group as the access service may share with it (`None`: not in the org).
pub(super) fn grantee(found: Option<(String, bool)>) -> pb::Grantee {
    match found {
        Some((name, may_receive)) => pb::Grantee {
            found: true,
            name,
            may_receive,
        },
        None => pb::Grantee::default(),
    }
}
