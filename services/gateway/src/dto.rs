//! What the REST API takes and answers: one typed struct per body, each with its OpenAPI
//! schema. Replies are built from the services' messages with `From<pb::X>`; no proto or
//! database type is serialised as it is. Request bodies and query strings sit beside the
//! replies of their area, with the same `deny_unknown_fields` and defaults the handlers
//! have always parsed.

pub mod access_control;
pub mod api_keys;
pub mod audit;
pub mod auth;
pub mod directory;
pub mod errors;
pub mod group_notifications;
pub mod groups;
pub mod health;
pub mod imports;
pub mod login_settings;
pub mod org_access;
pub mod org_settings;
pub mod orgs;
pub mod personal;
pub mod replication;
pub mod resource_groups;
pub mod roles;
pub mod shares;
pub mod ticketing;
pub mod users;
pub mod vault;

/// The services leave unset text empty; the API says `null`.
pub fn or_null(text: String) -> Option<String> {
    if text.is_empty() { None } else { Some(text) }
}

/// A JSON text from a service as the value it holds, or `fallback` when it holds none.
pub fn parsed_json(text: &str, fallback: serde_json::Value) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or(fallback)
}
