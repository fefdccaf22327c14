//! The org's LDAP / Active Directory connection, and importing from it.

use std::collections::HashMap;

use axum::extract::State;
use bytes::Bytes;
use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::{Value, json};
use strongroom_auth::outgoing;
use strongroom_proto::identity::{DirectoryConfig, Empty, ImportDirectoryRequest};

use super::{import_json, or_null};
use crate::Gateway;
use crate::caller::Caller;
use crate::routes::{ApiResult, body, no_content, ok, optional_body};

/// Never the bind password: only whether one is stored.
fn directory_json(d: DirectoryConfig) -> Value {
    json!({
        "kind": d.kind, "url": d.url, "starttls": d.starttls, "bind_dn": d.bind_dn,
        "has_bind_password": d.has_bind_password, "base_dn": d.base_dn,
        "user_filter": d.user_filter, "attributes": d.attributes,
        "group_filter": d.group_filter, "group_name_attribute": d.group_name_attribute,
        "group_member_attribute": d.group_member_attribute,
        "authentication_enabled": d.authentication_enabled,
        "sync_interval_minutes": d.sync_interval_minutes, "sync_scopes": d.sync_scopes,
        "ca_certificate_pem": or_null(d.ca_certificate_pem),
        "allow_insecure": d.allow_insecure,
        "last_sync_at": or_null(d.last_sync_at),
        "last_sync_result": or_null(d.last_sync_result),
    })
}

pub(super) async fn show(State(state): State<Gateway>, Caller(ctx): Caller) -> ApiResult {
    let d = state
        .identity
        .clone()
        .get_directory(outgoing(&ctx, Empty {}))
        .await?
        .into_inner();
    ok(directory_json(d))
}

/// What GET returns, so it can be sent back as is: the read-only fields are accepted and
/// ignored, an unknown one is refused. A missing or empty bind password keeps the stored one.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DirectoryBody {
    kind: String,
    url: String,
    #[serde(default)]
    starttls: bool,
    /// Accept a plain ldap:// URL without StartTLS.
    #[serde(default)]
    allow_insecure: bool,
    #[serde(default)]
    bind_dn: String,
    #[serde(default)]
    bind_password: String,
    base_dn: String,
    #[serde(default)]
    user_filter: String,
    #[serde(default)]
    attributes: HashMap<String, String>,
    #[serde(default)]
    group_filter: String,
    #[serde(default)]
    group_name_attribute: String,
    #[serde(default)]
    group_member_attribute: String,
    #[serde(default)]
    authentication_enabled: bool,
    #[serde(default)]
    sync_interval_minutes: u32,
    #[serde(default)]
    sync_scopes: Vec<String>,
    #[serde(default)]
    ca_certificate_pem: Option<String>,
    #[serde(default, rename = "has_bind_password")]
    _has_bind_password: IgnoredAny,
    #[serde(default, rename = "last_sync_at")]
    _last_sync_at: IgnoredAny,
    #[serde(default, rename = "last_sync_result")]
    _last_sync_result: IgnoredAny,
}

pub(super) async fn save(
    State(state): State<Gateway>,
    Caller(ctx): Caller,
    bytes: Bytes,
) -> ApiResult {
    let b: DirectoryBody = body(&bytes)?;
    let d = state
        .identity
        .clone()
        .save_directory(outgoing(
            &ctx,
            DirectoryConfig {
                kind: b.kind,
                url: b.url,
                starttls: b.starttls,
                allow_insecure: b.allow_insecure,
                bind_dn: b.bind_dn,
                bind_password: b.bind_password,
                base_dn: b.base_dn,
                user_filter: b.user_filter,
                attributes: b.attributes,
                group_filter: b.group_filter,
                group_name_attribute: b.group_name_attribute,
                group_member_attribute: b.group_member_attribute,
                authentication_enabled: b.authentication_enabled,
                sync_interval_minutes: b.sync_interval_minutes,
                sync_scopes: b.sync_scopes,
                ca_certificate_pem: b.ca_certificate_pem.unwrap_or_default(),
                ..DirectoryConfig::default()
            },
        ))
        .await?
        .into_inner();
    ok(directory_json(d))
}

pub(super) async fn test(State(state): State<Gateway>, Caller(ctx): Caller) -> ApiResult {
    state
        .identity
        .clone()
        .test_directory(outgoing(&ctx, Empty {}))
        .await?;
    no_content()
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ImportBody {
    #[serde(default)]
    scopes: Vec<String>,
}

/// No body (or no scopes) imports everything under the base DN.
pub(super) async fn import(
    State(state): State<Gateway>,
    Caller(ctx): Caller,
    bytes: Bytes,
) -> ApiResult {
    let b: ImportBody = optional_body(&bytes)?;
    let result = state
        .identity
        .clone()
        .import_directory(outgoing(&ctx, ImportDirectoryRequest { scopes: b.scopes }))
        .await?
        .into_inner();
    ok(import_json(result))
}
