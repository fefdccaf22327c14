//! The org's ticketing system, and one ticket checked against it.

use serde::{Deserialize, Serialize};
use strongroom_proto::tenant_settings as pb;
use utoipa::ToSchema;

use super::or_null;
use super::org_settings::{password_parts, present};

/// Where and how ticket ids are checked. The password is stored sealed and never returned.
#[derive(Deserialize, Debug, Serialize, ToSchema)]
pub struct Ticketing {
    pub enabled: bool,
    /// `{ticket_id}` in it stands for the ticket id.
    pub url: String,
    /// `GET` or `POST`.
    pub method: String,
    /// `POST` only, with `{ticket_id}`.
    pub body_template: String,
    pub content_type: String,
    /// The text a valid ticket's answer (a 2xx) contains; empty: any 2xx.
    pub expected: String,
    /// HTTP basic authentication; empty: none.
    pub username: String,
    pub password_set: bool,
    /// Checked before an access request is made.
    pub check_on_request: bool,
    /// Checked again before the approved request is checked out.
    pub check_on_checkout: bool,
    /// Checked again before each reveal of a password under access control.
    pub check_on_reveal: bool,
    pub timeout_seconds: u32,
    pub allow_internal_hosts: bool,
    pub updated_at: Option<String>,
}

impl From<pb::TicketingSettings> for Ticketing {
    fn from(t: pb::TicketingSettings) -> Self {
        Self {
            enabled: t.enabled,
            url: t.url,
            method: t.method,
            body_template: t.body_template,
            content_type: t.content_type,
            expected: t.expected,
            username: t.username,
            password_set: t.password_set,
            check_on_request: t.check_on_request,
            check_on_checkout: t.check_on_checkout,
            check_on_reveal: t.check_on_reveal,
            timeout_seconds: t.timeout_seconds,
            allow_internal_hosts: t.allow_internal_hosts,
            updated_at: or_null(t.updated_at),
        }
    }
}

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TicketingBody {
    pub enabled: bool,
    /// An http:// or https:// URL; `{ticket_id}` stands for the ticket id (in the path or
    /// query, not the host). The URL or the body must contain it.
    pub url: String,
    /// `GET` (the default) or `POST`.
    #[serde(default)]
    pub method: String,
    /// `POST` only.
    #[serde(default)]
    pub body_template: String,
    /// `POST` only; default `application/json`.
    #[serde(default)]
    pub content_type: String,
    #[serde(default)]
    pub expected: String,
    #[serde(default)]
    pub username: String,
    /// Left out keeps the stored password, `null` removes it.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<String>, format = Password)]
    pub password: Option<Option<String>>,
    #[serde(default)]
    pub check_on_request: bool,
    #[serde(default)]
    pub check_on_checkout: bool,
    #[serde(default)]
    pub check_on_reveal: bool,
    /// 1 to 60; left out or 0: 10.
    #[serde(default)]
    pub timeout_seconds: u32,
    /// Allow a loopback, link-local or cloud-metadata host (MSPOrg administrators only).
    #[serde(default)]
    pub allow_internal_hosts: bool,
}

impl From<TicketingBody> for pb::SaveTicketingRequest {
    fn from(b: TicketingBody) -> Self {
        let (password, clear_password) = password_parts(b.password);
        Self {
            enabled: b.enabled,
            url: b.url,
            method: b.method,
            body_template: b.body_template,
            content_type: b.content_type,
            expected: b.expected,
            username: b.username,
            password,
            clear_password,
            check_on_request: b.check_on_request,
            check_on_checkout: b.check_on_checkout,
            check_on_reveal: b.check_on_reveal,
            timeout_seconds: b.timeout_seconds,
            allow_internal_hosts: b.allow_internal_hosts,
        }
    }
}

#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TicketCheckBody {
    pub ticket_id: String,
}

/// What the ticketing system said about one ticket.
#[derive(Deserialize, Debug, Serialize, ToSchema)]
pub struct TicketCheck {
    pub valid: bool,
    /// Why it is not valid (never the ticketing system's own answer); `null` when valid.
    pub reason: Option<String>,
    /// The HTTP status the ticketing system answered; `null` when it was not asked.
    pub status: Option<u32>,
}

impl From<pb::TicketCheck> for TicketCheck {
    fn from(c: pb::TicketCheck) -> Self {
        Self {
            valid: c.valid,
            reason: or_null(c.reason),
            status: (c.status != 0).then_some(c.status),
        }
    }
}
