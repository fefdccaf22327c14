//! The audit trail.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use strongroom_proto::audit as pb;
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Default, Deserialize, Serialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Comma-separated user ids: only what they did.
    #[serde(default)]
    pub actor_ids: String,
    /// Only operations containing this (ignoring case), e.g. `password.` or `revealed`.
    #[serde(default)]
    pub operation: String,
    /// Only what users whose name contains this did (ignoring case).
    #[serde(default)]
    pub user: String,
    /// Only events whose target's kind, name or id contains this (ignoring case).
    #[serde(default)]
    pub target: String,
    /// Only events at or after this time (RFC 3339) or day (`YYYY-MM-DD`, UTC).
    #[serde(default)]
    pub since: String,
    /// Only events before this time (RFC 3339) or day (`YYYY-MM-DD`, UTC: its start).
    #[serde(default)]
    pub until: String,
}

/// The org's most recent events (at most 500), newest first.
#[derive(Deserialize, Debug, Serialize, ToSchema)]
pub struct AuditEvents {
    pub events: Vec<AuditEvent>,
}

/// One thing that happened in the org.
#[derive(Deserialize, Debug, Serialize, ToSchema)]
pub struct AuditEvent {
    pub id: String,
    /// The service that recorded it, e.g. `identity`, `vault`.
    pub service: String,
    /// What happened, e.g. `user.created`, `password.revealed`.
    pub operation: String,
    pub actor: AuditActor,
    pub target: AuditTarget,
    /// When it happened (RFC 3339).
    pub time: String,
    /// What else the service recorded about it; `null` when nothing.
    #[schema(value_type = Option<Object>, required = true)]
    pub details: Value,
}

/// Who did it, and from where.
#[derive(Deserialize, Debug, Serialize, ToSchema)]
pub struct AuditActor {
    pub user_id: String,
    pub username: String,
    pub ip: String,
    pub user_agent: String,
}

/// What it was done to.
#[derive(Deserialize, Debug, Serialize, ToSchema)]
pub struct AuditTarget {
    pub kind: String,
    pub id: String,
    pub name: String,
}

impl From<pb::AuditEvent> for AuditEvent {
    fn from(e: pb::AuditEvent) -> Self {
        Self {
            details: super::parsed_json(&e.details_json, Value::Null),
            id: e.id,
            service: e.service,
            operation: e.operation,
            actor: AuditActor {
                user_id: e.actor_user_id,
                username: e.actor_username,
                ip: e.ip,
                user_agent: e.user_agent,
            },
            target: AuditTarget {
                kind: e.target_kind,
                id: e.target_id,
                name: e.target_name,
            },
            time: e.occurred_at,
        }
    }
}

impl From<pb::ListEventsResponse> for AuditEvents {
    fn from(r: pb::ListEventsResponse) -> Self {
        Self {
            events: r.events.into_iter().map(AuditEvent::from).collect(),
        }
    }
}

/// One attempt at sending a mail.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct MailAttempt {
    pub at: String,
    pub delivered: bool,
    /// Why it was not delivered (or a note, e.g. nobody had a mail address); `null`: none.
    pub error: Option<String>,
    /// The mail server refused it for good (a 5xx answer): it is tried again only once the
    /// mail settings are saved.
    pub refused: bool,
}

/// A mail the org sent or is sending, and what became of it.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct MailDelivery {
    pub id: String,
    /// What it tells of: `user.welcome`, `user.ownership_transferred`, `request.created`,
    /// `request.approved`, `request.rejected`, `request.lapsed`.
    pub notice: String,
    pub subject: String,
    /// The addresses it went to, once delivered.
    pub sent_to: Vec<String>,
    /// `pending`, `sent`, `failed` (no more attempts) or `refused` (the mail server refused
    /// it for good: a bad address, a sender or credentials it does not take; saving the
    /// mail settings tries it again).
    pub status: String,
    pub created_at: String,
    /// When it is tried next (pending mail tried before); `null` otherwise (a mail not tried
    /// yet goes as soon as the org has a mail server).
    pub next_attempt_at: Option<String>,
    pub attempts: Vec<MailAttempt>,
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct MailLog {
    pub mails: Vec<MailDelivery>,
}

impl From<pb::MailList> for MailLog {
    fn from(list: pb::MailList) -> Self {
        let or_null = crate::dto::or_null;
        Self {
            mails: list
                .mails
                .into_iter()
                .map(|m| MailDelivery {
                    id: m.id,
                    notice: m.notice,
                    subject: m.subject,
                    sent_to: m.sent_to,
                    status: m.status,
                    created_at: m.created_at,
                    next_attempt_at: or_null(m.next_attempt_at),
                    attempts: m
                        .attempts
                        .into_iter()
                        .map(|a| MailAttempt {
                            at: a.at,
                            delivered: a.delivered,
                            error: or_null(a.error),
                            refused: a.refused,
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}
