//! The org's LDAP / Active Directory connection, and importing from it.

use std::collections::BTreeMap;

use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize};
use strongroom_proto::identity as pb;
use utoipa::ToSchema;

use super::or_null;

/// The directory connection. Never the bind password: only whether one is stored.
#[derive(Deserialize, Debug, Serialize, ToSchema)]
pub struct Directory {
    /// `ldap` or `active_directory`.
    pub kind: String,
    /// `ldaps://...`, or `ldap://...` with `starttls` (or `allow_insecure`).
    pub url: String,
    pub starttls: bool,
    pub bind_dn: String,
    pub has_bind_password: bool,
    pub base_dn: String,
    pub user_filter: String,
    /// Where each user field is read from: field name → directory attribute.
    pub attributes: BTreeMap<String, String>,
    pub group_filter: String,
    pub group_name_attribute: String,
    pub group_member_attribute: String,
    /// Imported users sign in with their directory password.
    pub authentication_enabled: bool,
    /// Minutes between scheduled imports (0: no schedule).
    pub sync_interval_minutes: u32,
    /// What a scheduled import brings in: `ou:<dn>` or `group:<name>`; none: everything.
    pub sync_scopes: Vec<String>,
    /// A CA certificate (PEM) the directory's certificate is checked against.
    #[schema(required = true)]
    pub ca_certificate_pem: Option<String>,
    /// A plain `ldap://` URL without StartTLS is accepted.
    pub allow_insecure: bool,
    /// The URL's host may be internal to the deployment (loopback, private, a cluster
    /// name); only an MSPOrg administrator turns this on.
    pub allow_internal_hosts: bool,
    #[schema(required = true)]
    pub last_sync_at: Option<String>,
    #[schema(required = true)]
    pub last_sync_result: Option<String>,
}

impl From<pb::DirectoryConfig> for Directory {
    fn from(d: pb::DirectoryConfig) -> Self {
        Self {
            kind: d.kind,
            url: d.url,
            starttls: d.starttls,
            bind_dn: d.bind_dn,
            has_bind_password: d.has_bind_password,
            base_dn: d.base_dn,
            user_filter: d.user_filter,
            attributes: d.attributes.into_iter().collect(),
            group_filter: d.group_filter,
            group_name_attribute: d.group_name_attribute,
            group_member_attribute: d.group_member_attribute,
            authentication_enabled: d.authentication_enabled,
            sync_interval_minutes: d.sync_interval_minutes,
            sync_scopes: d.sync_scopes,
            ca_certificate_pem: or_null(d.ca_certificate_pem),
            allow_insecure: d.allow_insecure,
            allow_internal_hosts: d.allow_internal_hosts,
            last_sync_at: or_null(d.last_sync_at),
            last_sync_result: or_null(d.last_sync_result),
        }
    }
}

/// A read-only field a body may repeat (what GET returned): ignored when read, never
/// written.
#[derive(Debug, Default, Clone, Copy)]
pub struct ReadOnly;

impl ReadOnly {
    /// For `skip_serializing_if`: a read-only field is never sent.
    pub fn never(&self) -> bool {
        true
    }
}

impl<'de> Deserialize<'de> for ReadOnly {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        IgnoredAny::deserialize(deserializer).map(|_| ReadOnly)
    }
}

impl Serialize for ReadOnly {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_unit()
    }
}

/// What GET returns, so it can be sent back as is: the read-only fields are accepted and
/// ignored, an unknown one is refused. A missing or empty bind password keeps the stored
/// one; changing `kind`, `url`, `bind_dn` or the TLS settings needs it again.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DirectoryBody {
    /// `ldap` or `active_directory`.
    pub kind: String,
    pub url: String,
    #[serde(default)]
    pub starttls: bool,
    /// Accept a plain ldap:// URL without StartTLS.
    #[serde(default)]
    pub allow_insecure: bool,
    /// Let the URL's host be internal to the deployment (loopback, link-local, private, a
    /// cluster name): only an MSPOrg administrator may turn this on.
    #[serde(default)]
    pub allow_internal_hosts: bool,
    #[serde(default)]
    pub bind_dn: String,
    #[serde(default)]
    #[schema(format = Password)]
    pub bind_password: String,
    pub base_dn: String,
    #[serde(default)]
    pub user_filter: String,
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
    #[serde(default)]
    pub group_filter: String,
    #[serde(default)]
    pub group_name_attribute: String,
    #[serde(default)]
    pub group_member_attribute: String,
    #[serde(default)]
    pub authentication_enabled: bool,
    #[serde(default)]
    pub sync_interval_minutes: u32,
    #[serde(default)]
    pub sync_scopes: Vec<String>,
    #[serde(default)]
    pub ca_certificate_pem: Option<String>,
    /// Read-only: ignored.
    #[serde(
        default,
        rename = "has_bind_password",
        skip_serializing_if = "ReadOnly::never"
    )]
    #[schema(value_type = bool, read_only)]
    pub _has_bind_password: ReadOnly,
    /// Read-only: ignored.
    #[serde(
        default,
        rename = "last_sync_at",
        skip_serializing_if = "ReadOnly::never"
    )]
    #[schema(value_type = Option<String>, read_only)]
    pub _last_sync_at: ReadOnly,
    /// Read-only: ignored.
    #[serde(
        default,
        rename = "last_sync_result",
        skip_serializing_if = "ReadOnly::never"
    )]
    #[schema(value_type = Option<String>, read_only)]
    pub _last_sync_result: ReadOnly,
}

impl From<DirectoryBody> for pb::DirectoryConfig {
    fn from(b: DirectoryBody) -> Self {
        Self {
            kind: b.kind,
            url: b.url,
            starttls: b.starttls,
            allow_insecure: b.allow_insecure,
            allow_internal_hosts: b.allow_internal_hosts,
            bind_dn: b.bind_dn,
            bind_password: b.bind_password,
            base_dn: b.base_dn,
            user_filter: b.user_filter,
            attributes: b.attributes.into_iter().collect(),
            group_filter: b.group_filter,
            group_name_attribute: b.group_name_attribute,
            group_member_attribute: b.group_member_attribute,
            authentication_enabled: b.authentication_enabled,
            sync_interval_minutes: b.sync_interval_minutes,
            sync_scopes: b.sync_scopes,
            ca_certificate_pem: b.ca_certificate_pem.unwrap_or_default(),
            ..Self::default()
        }
    }
}

/// What to import; no body (or no scopes) imports everything under the base DN.
#[derive(Serialize, Debug, Deserialize, Default, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DirectoryImportBody {
    /// `ou:<name or DN>` or `group:<name>`; each becomes a user group.
    #[serde(default)]
    #[schema(example = json!(["ou:Engineering", "group:DBAs"]))]
    pub scopes: Vec<String>,
}
