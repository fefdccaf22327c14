//! The edge's translations in: ids and fields of requests into the use cases' types. A
//! malformed id is refused here, never deeper.

use secrecy::SecretString;
use strongroom_auth::{METADATA_IP, METADATA_USER_AGENT};
use strongroom_core::{InvalidId, OrgId, UserId, to_status};
use strongroom_proto::identity as pb;
use tonic::{Request, Status};

use crate::app::Origin;
use crate::directory::DirectorySettings;
use crate::error::IdentityError;
use crate::ids::GroupId;
use crate::policy::LoginSettings;
use crate::users::{UserChanges, UserFields};

pub fn org_id(s: &str) -> Result<OrgId, Status> {
    OrgId::parse(s).map_err(|e| Status::invalid_argument(e.to_string()))
}

/// A malformed id is "not found" too: it names nothing the caller may see.
pub fn id<T>(parsed: Result<T, InvalidId>, what: &'static str) -> Result<T, Status> {
    parsed.map_err(|_| to_status(&IdentityError::NotFound(what)))
}

pub fn user_id(text: &str) -> Result<UserId, Status> {
    id(UserId::parse(text), "user")
}

pub fn group_id(text: &str) -> Result<GroupId, Status> {
    id(GroupId::parse(text), "group")
}

/// A user named where naming none means the caller.
pub fn optional_user(text: &str) -> Result<Option<UserId>, Status> {
    (!text.is_empty()).then(|| user_id(text)).transpose()
}

/// The user named to take over someone's resources: anything but another, active user of
/// the org is refused as such.
pub fn heir_id(text: &str) -> Result<UserId, Status> {
    UserId::parse(text).map_err(|_| to_status(&crate::ownership::not_an_heir()))
}

pub fn origin<T>(request: &Request<T>) -> Origin {
    let meta = request.metadata();
    let text = |k: &str| meta.get(k).and_then(|v| v.to_str().ok()).map(str::to_owned);
    Origin {
        ip: text(METADATA_IP),
        user_agent: text(METADATA_USER_AGENT),
    }
}

/// A new user's fields and password.
/// A password an administrator gives someone else; empty: none (it goes by mail).
pub fn given_password(password: String) -> Option<SecretString> {
    (!password.is_empty()).then(|| SecretString::from(password))
}

pub fn new_user(req: pb::CreateUserRequest) -> (UserFields, Option<SecretString>) {
    let fields = UserFields {
        username: req.username,
        full_name: req.full_name,
        email: req.email,
        department: req.department,
        location: req.location,
        role: req.role,
    };
    (fields, given_password(req.password))
}

pub fn changes(req: pb::UpdateUserRequest) -> UserChanges {
    UserChanges {
        full_name: req.full_name,
        email: req.email,
        department: req.department,
        location: req.location,
        role: req.role,
        status: req.status,
    }
}

pub fn login_settings_in(s: pb::LoginSettings) -> LoginSettings {
    // Out-of-range values become i32::MAX and fail the bounds check with a clear message.
    let n = |v: u32| i32::try_from(v).unwrap_or(i32::MAX);
    LoginSettings {
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

pub fn directory_in(d: pb::DirectoryConfig) -> (DirectorySettings, SecretString) {
    let password = SecretString::from(d.bind_password);
    let settings = DirectorySettings {
        kind: d.kind,
        url: d.url,
        starttls: d.starttls,
        bind_dn: d.bind_dn,
        base_dn: d.base_dn,
        user_filter: d.user_filter,
        attributes: d.attributes,
        group_filter: d.group_filter,
        group_name_attribute: d.group_name_attribute,
        group_member_attribute: d.group_member_attribute,
        ca_certificate_pem: d.ca_certificate_pem,
        authentication_enabled: d.authentication_enabled,
        sync_interval_minutes: d.sync_interval_minutes,
        sync_scopes: d.sync_scopes,
        allow_insecure: d.allow_insecure,
        allow_internal_hosts: d.allow_internal_hosts,
        ..DirectorySettings::default()
    };
    (settings, password)
}
