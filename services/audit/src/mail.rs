//! The org's outgoing mail: notices derived from its events (which ones, to whom, saying
//! what) are queued with the events, and `send` delivers them through the org's mail
//! server, retrying with backoff. The queue and every attempt are kept: they are the
//! delivery log administrators read.

pub(crate) mod password_actions;
pub(crate) mod send;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use strongroom_events::Event;
use uuid::Uuid;

/// Who a notice goes to, resolved when it is sent (by identity, to the active users with a
/// mail address).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Recipients {
    pub(crate) user_ids: Vec<Uuid>,
    pub(crate) group_ids: Vec<Uuid>,
    pub(crate) administrators: bool,
    /// A password action: the vault names those told when the mail goes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) password_action: Option<PasswordAction>,
}

/// The action a notice is about, and what it was on: the vault names those told when the
/// mail goes (see `password_actions`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct PasswordAction {
    pub(crate) action: String,
    pub(crate) target_kind: String,
    pub(crate) target_id: Uuid,
}

/// One mail to send, of one event.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Notice {
    pub(crate) event_id: Uuid,
    pub(crate) notice: &'static str,
    pub(crate) recipients: Recipients,
    pub(crate) subject: String,
    pub(crate) body: String,
    /// The one-time password identity makes when the mail is sent: it goes in place of
    /// [`PASSWORD_SLOT`], and the mail only to the address identity gives with it.
    pub(crate) mailed_password: Option<Uuid>,
}

/// Where a mailed one-time password goes in a body (no text of an event holds a control
/// character: `quoted` drops them).
pub(crate) const PASSWORD_SLOT: &str = "\u{1}one-time password\u{1}";

/// The longest a reason or comment is quoted in a mail.
const MAX_QUOTED_CHARS: usize = 500;

fn text<'a>(details: &'a Value, key: &str) -> &'a str {
    details.get(key).and_then(Value::as_str).unwrap_or_default()
}

fn quoted(details: &Value, key: &str) -> String {
    text(details, key)
        .chars()
        .filter(|c| !c.is_control() || *c == '\n')
        .take(MAX_QUOTED_CHARS)
        .collect()
}

fn ids(value: Option<&Value>) -> Vec<Uuid> {
    value
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|v| v.as_str().and_then(|s| Uuid::try_parse(s).ok()))
                .collect()
        })
        .unwrap_or_default()
}

/// The user an event is about (its target), as the only recipient.
fn target_user(event: &Event) -> Option<Recipients> {
    let id = Uuid::try_parse(event.target.id.as_deref()?).ok()?;
    (event.target.kind == "user").then(|| Recipients {
        user_ids: vec![id],
        ..Recipients::default()
    })
}

/// The notice `event` calls for, if any: a new request goes to those who may approve it, a
/// decision to the requester; a new user is welcomed; a previous owner hears where their
/// resources went.
pub(crate) fn notice_for(event: &Event) -> Option<Notice> {
    let details = &event.details;
    let account = event.target.name.clone().unwrap_or_default();
    let actor = &event.actor.username;
    let mailed_password = Uuid::try_parse(text(details, "mailed_password_id")).ok();
    let (notice, recipients, subject, body) = match event.operation.as_str() {
        // Made by someone, or imported from a directory (by a scheduled sync too); the
        // first administrator of a new org is made by nobody, with an address nobody reads.
        "user.created" | "user.imported"
            if event.actor.user_id.is_some() || !text(details, "dn").is_empty() =>
        {
            // Users imported from a directory carry their entry's name.
            let from_directory = !text(details, "dn").is_empty();
            let how = if from_directory {
                "Sign in with your directory password.".to_owned()
            } else if mailed_password.is_some() {
                format!(
                    "Your one-time password: {PASSWORD_SLOT}\n\nSign in with it and choose your \
                     own; nobody else has seen it."
                )
            } else {
                "Your administrator gives you a first password; you choose your own when you \
                 first sign in."
                    .to_owned()
            };
            (
                "user.welcome",
                target_user(event)?,
                "Your Strongroom account".to_owned(),
                format!(
                    "{actor} made a Strongroom account for you: your username is {account}.\n\n\
                     {how}\n"
                ),
            )
        }
        // An administrator's reset whose one-time password goes by mail.
        "user.password_reset" if mailed_password.is_some() => (
            "user.password_reset",
            target_user(event)?,
            "Your Strongroom password was reset".to_owned(),
            format!(
                "{actor} reset your Strongroom password: your old one no longer works, and \
                 your sessions were ended.\n\nYour one-time password: {PASSWORD_SLOT}\n\n\
                 Sign in as {account} with it and choose your own; nobody else has seen it.\n"
            ),
        ),
        "user.ownership_transferred" | "user.ownership_transfer_approved" => (
            "user.ownership_transferred",
            target_user(event)?,
            "Your resources have a new owner".to_owned(),
            format!(
                "The resources you owned ({}) now belong to {}, at the request of {}.\n",
                details
                    .get("resources")
                    .and_then(Value::as_u64)
                    .unwrap_or(0),
                text(details, "to"),
                text(details, "requested_by"),
            ),
        ),
        "request.created" => {
            let approvers = details.get("approvers")?;
            let recipients = Recipients {
                user_ids: Vec::new(),
                group_ids: ids(approvers.get("group_ids")),
                administrators: approvers
                    .get("administrators")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
                password_action: None,
            };
            let ticket = match text(details, "ticket_id") {
                "" => String::new(),
                t => format!("Ticket: {t}\n"),
            };
            (
                "request.created",
                recipients,
                format!("Access request for {account} by {actor}"),
                format!(
                    "{actor} asks for the password of {account}.\n\nReason: {}\n{ticket}\
                     Window: {} to {}\n\nApprove or reject it on the Requests page.\n",
                    quoted(details, "reason"),
                    text(details, "starts_at"),
                    text(details, "ends_at"),
                ),
            )
        }
        "request.lapsed" => {
            let requester = Uuid::try_parse(text(details, "requester_id")).ok()?;
            (
                "request.lapsed",
                Recipients {
                    user_ids: vec![requester],
                    ..Recipients::default()
                },
                format!("Access request lapsed: {account}"),
                format!(
                    "Your request for the password of {account} lapsed: nobody approved it \
                     in time. Ask again if you still need it.\n"
                ),
            )
        }
        "request.approved" | "request.rejected" => {
            let requester = Uuid::try_parse(text(details, "requester_id")).ok()?;
            let recipients = Recipients {
                user_ids: vec![requester],
                ..Recipients::default()
            };
            let comment = match quoted(details, "comment") {
                c if c.is_empty() => String::new(),
                c => format!("\nComment: {c}\n"),
            };
            if event.operation == "request.approved" {
                (
                    "request.approved",
                    recipients,
                    format!("Access request approved: {account}"),
                    format!(
                        "Your request for the password of {account} is approved (the last \
                         approval by {actor}).\n{comment}\nCheck it out on the Requests page \
                         while its window is open.\n"
                    ),
                )
            } else {
                (
                    "request.rejected",
                    recipients,
                    format!("Access request rejected: {account}"),
                    format!(
                        "{actor} rejected your request for the password of {account}.\n\
                         {comment}"
                    ),
                )
            }
        }
        _ => return None,
    };
    Some(Notice {
        event_id: event.id,
        notice,
        recipients,
        subject,
        body,
        mailed_password,
    })
}

impl Notice {
    /// The notice as the queue stores it.
    pub(crate) fn queued(&self) -> crate::store::mail::NewMail<'_> {
        crate::store::mail::NewMail {
            event_id: self.event_id,
            notice: self.notice,
            recipients: serde_json::to_value(&self.recipients).unwrap_or(Value::Null),
            subject: &self.subject,
            body: &self.body,
            mailed_password: self.mailed_password,
        }
    }
}

/// How long after its `attempts`-th failed attempt a mail is tried again: 2 s, doubling, at
/// most an hour.
pub(crate) fn backoff(attempts: u32) -> chrono::TimeDelta {
    let seconds = 2i64.saturating_mul(1i64 << attempts.saturating_sub(1).min(20));
    chrono::TimeDelta::seconds(seconds.min(3600))
}

/// An attempt at a mail, as its schedule reads it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tried {
    pub(crate) at: chrono::DateTime<chrono::Utc>,
    /// The mail server refused it for good (a 5xx answer).
    pub(crate) refused: bool,
}

impl From<&crate::store::mail::AttemptRow> for Tried {
    fn from(a: &crate::store::mail::AttemptRow) -> Self {
        Tried {
            at: a.at,
            refused: a.refused,
        }
    }
}

/// When a mail not delivered yet is tried next: at once, or a backoff after the last of its
/// attempts (`tried`). A mail the server refused for good (a bad address, a sender it does
/// not take, credentials it rejects) is not tried again until the mail settings are saved
/// after that refusal (`settings_saved_at`; `None`: not known); until then, `None`.
pub(crate) fn next_attempt(
    created_at: chrono::DateTime<chrono::Utc>,
    tried: &[Tried],
    settings_saved_at: Option<chrono::DateTime<chrono::Utc>>,
) -> Option<chrono::DateTime<chrono::Utc>> {
    let Some(last) = tried.iter().max_by_key(|t| t.at) else {
        return Some(created_at);
    };
    if last.refused {
        return settings_saved_at.filter(|saved| *saved > last.at);
    }
    Some(last.at + backoff(u32::try_from(tried.len()).unwrap_or(u32::MAX)))
}

/// Attempts after which a mail is given up (about a day of trying).
pub(crate) const MAX_ATTEMPTS: u32 = 30;

/// The org's newest `limit` mails with every attempt at each: the delivery log.
pub(crate) async fn log(
    db: &strongroom_tenancy::TenantDb,
    org: strongroom_core::OrgId,
    limit: i64,
) -> Result<Vec<strongroom_proto::audit::Mail>, strongroom_tenancy::TenancyError> {
    use strongroom_proto::audit::{Mail, MailAttempt};
    let mut tx = db.begin(org).await?;
    let mails = crate::store::mail::latest(&mut tx, limit).await?;
    let ids: Vec<Uuid> = mails.iter().map(|m| m.id).collect();
    let attempts = crate::store::mail::attempts(&mut tx, &ids).await?;
    tx.commit().await?;
    Ok(mails
        .into_iter()
        .map(|m| {
            let tried: Vec<_> = attempts.iter().filter(|a| a.mail_id == m.id).collect();
            let delivered = tried.iter().find(|a| a.delivered);
            let times: Vec<Tried> = tried.iter().map(|a| Tried::from(*a)).collect();
            let (status, next) = match delivered {
                Some(_) => ("sent", String::new()),
                None if times.len() >= MAX_ATTEMPTS as usize => ("failed", String::new()),
                // Not tried yet: it goes as soon as the org has a mail server.
                None if times.is_empty() => ("pending", String::new()),
                None => match next_attempt(m.created_at, &times, None) {
                    Some(at) => ("pending", at.to_rfc3339()),
                    // Refused for good: tried again once the mail settings are saved.
                    None => ("refused", String::new()),
                },
            };
            Mail {
                id: m.id.to_string(),
                notice: m.notice,
                subject: m.subject,
                sent_to: delivered.map(|a| a.sent_to.clone()).unwrap_or_default(),
                status: status.into(),
                created_at: m.created_at.to_rfc3339(),
                next_attempt_at: next,
                attempts: tried
                    .iter()
                    .map(|a| MailAttempt {
                        at: a.at.to_rfc3339(),
                        delivered: a.delivered,
                        error: a.error.clone(),
                        refused: a.refused,
                    })
                    .collect(),
            }
        })
        .collect())
}

#[cfg(test)]
mod tests;
