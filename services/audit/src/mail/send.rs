//! Delivering the org's queued mail: every replica's sender claims orgs with mail due (one
//! replica per org at a time), sends each due mail through the org's mail server to its
//! recipients as identity names them now, and records the attempt. A mail server that is
//! down, refuses, or is not set up yet delays mail and loses none: the queue is in the
//! database, so a restart in between changes nothing.

use std::net::IpAddr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use strongroom_core::OrgId;
use strongroom_egress::Egress;
use strongroom_proto::identity::recipients_client::RecipientsClient;
use strongroom_proto::identity::{IssueMailedPasswordRequest, RecipientsRequest};
use strongroom_proto::tenant_settings::org_settings_client::OrgSettingsClient;
use strongroom_proto::tenant_settings::{MailTransport, MailTransportRequest};
use strongroom_proto::vault::AudienceRequest;
use strongroom_proto::vault::vault_client::VaultClient;
use strongroom_tenancy::{TenancyError, TenantDb};
use tokio_util::sync::CancellationToken;
use tonic::transport::Channel;

use super::{MAX_ATTEMPTS, PASSWORD_SLOT, Recipients, Tried, backoff, next_attempt};
use crate::store::mail::{self as store, MailRow};

/// How often the sender looks for mail due.
const ROUND: Duration = Duration::from_secs(1);
/// Orgs one round claims at most.
const ORGS_PER_ROUND: i64 = 20;
/// One SMTP conversation, connecting included.
const SMTP_TIMEOUT: Duration = Duration::from_secs(20);

#[derive(Debug, thiserror::Error)]
pub(crate) enum SendError {
    #[error(transparent)]
    Tenancy(#[from] TenancyError),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

/// Why a mail did not go.
struct Failure {
    why: String,
    /// The mail server refused it for good (a 5xx answer): trying again the same way
    /// cannot help.
    refused: bool,
}

impl Failure {
    fn temporary(why: String) -> Self {
        Failure {
            why,
            refused: false,
        }
    }
}

pub(crate) struct Mailer {
    pub(crate) db: TenantDb,
    pub(crate) settings: OrgSettingsClient<Channel>,
    pub(crate) recipients: RecipientsClient<Channel>,
    /// Names those told of a password action.
    pub(crate) vault: VaultClient<Channel>,
    pub(crate) egress: Egress,
}

impl Mailer {
    /// Sends mail due until `shutdown`.
    pub(crate) async fn run(self, shutdown: CancellationToken) {
        loop {
            tokio::select! {
                () = shutdown.cancelled() => return,
                () = tokio::time::sleep(ROUND) => {}
            }
            if let Err(e) = self.round().await {
                tracing::warn!(error = %e, "a round of sending mail failed; trying again");
            }
        }
    }

    async fn round(&self) -> Result<(), SendError> {
        let mut claim = self.db.global().begin().await?;
        for org in store::claim_due(&mut claim, ORGS_PER_ROUND).await? {
            let next = if self.db.is_provisioned(org).await? {
                self.send_org(org).await?
            } else {
                None
            };
            store::reschedule(&mut claim, org, next).await?;
        }
        claim.commit().await?;
        Ok(())
    }

    /// Sends the org's mail due now; when its next mail is due (`None`: none is left).
    async fn send_org(&self, org: OrgId) -> Result<Option<DateTime<Utc>>, SendError> {
        let mut tx = self.db.begin(org).await?;
        let mails = store::undelivered(&mut tx, MAX_ATTEMPTS as i32).await?;
        let ids: Vec<uuid::Uuid> = mails.iter().map(|m| m.id).collect();
        let attempts = store::attempts(&mut tx, &ids).await?;
        tx.commit().await?;
        let now = Utc::now();
        let mut next: Option<DateTime<Utc>> = None;
        let mut later = |at: DateTime<Utc>| next = Some(next.map_or(at, |n| n.min(at)));
        let mut due = Vec::new();
        // Refused for good: due again only if the mail settings were saved since.
        let mut held = Vec::new();
        for mail in mails {
            let tried: Vec<Tried> = attempts
                .iter()
                .filter(|a| a.mail_id == mail.id)
                .map(Tried::from)
                .collect();
            match next_attempt(mail.created_at, &tried, None) {
                Some(at) if at <= now => due.push((mail, tried)),
                Some(at) => later(at),
                None => held.push((mail, tried)),
            }
        }
        if due.is_empty() && held.is_empty() {
            return Ok(next);
        }
        let transport = match self
            .settings
            .clone()
            .get_mail_transport(MailTransportRequest {
                org_id: org.to_string(),
            })
            .await
        {
            Ok(t) => Ok(t.into_inner()),
            // No mail server yet: the mail waits, spending no attempt, until one is saved
            // (its event makes the org due at once) or a while has passed.
            Err(status) if status.code() == tonic::Code::NotFound => {
                return Ok(Some(now + chrono::TimeDelta::minutes(10)));
            }
            Err(status) => Err(format!(
                "the mail settings could not be read: {}",
                status.message()
            )),
        };
        if let Ok(t) = &transport {
            let saved_at = DateTime::parse_from_rfc3339(&t.saved_at)
                .ok()
                .map(|at| at.with_timezone(&Utc));
            due.extend(held.into_iter().filter(|(mail, tried)| {
                next_attempt(mail.created_at, tried, saved_at).is_some_and(|at| at <= now)
            }));
        }
        for (mail, tried) in due {
            let tried = u32::try_from(tried.len()).unwrap_or(u32::MAX);
            let outcome = match &transport {
                Ok(t) => self.deliver(org, &mail, t).await,
                Err(why) => Err(Failure::temporary(why.clone())),
            };
            let attempt = i32::try_from(tried + 1).unwrap_or(i32::MAX);
            let mut tx = self.db.begin(org).await?;
            let recorded = match &outcome {
                Ok(sent_to) => store::NewAttempt {
                    mail: mail.id,
                    attempt,
                    delivered: true,
                    sent_to,
                    error: if sent_to.is_empty() {
                        "nobody to send it to: no recipient has a mail address"
                    } else {
                        ""
                    },
                    refused: false,
                },
                Err(failure) => {
                    tracing::info!(%org, mail = %mail.id, attempt, error = %failure.why, "mail not sent");
                    if !failure.refused && tried + 1 < MAX_ATTEMPTS {
                        later(Utc::now() + backoff(tried + 1));
                    }
                    store::NewAttempt {
                        mail: mail.id,
                        attempt,
                        delivered: false,
                        sent_to: &[],
                        error: &failure.why,
                        refused: failure.refused,
                    }
                }
            };
            store::record_attempt(&mut tx, &recorded).await?;
            tx.commit().await?;
        }
        Ok(next)
    }

    /// Sends one mail to its recipients as identity names them now (or, for a mail with a
    /// one-time password, to the one address identity gives with the password it makes);
    /// the addresses it went to, or why it did not go.
    async fn deliver(
        &self,
        org: OrgId,
        mail: &MailRow,
        t: &MailTransport,
    ) -> Result<Vec<String>, Failure> {
        let from: Mailbox = t.sender.parse().map_err(|e| {
            Failure::temporary(format!(
                "the sender {:?} is not a mail address: {e}",
                t.sender
            ))
        })?;
        let address = self.checked_address(t).await.map_err(Failure::temporary)?;
        let transport = transport(t, address).map_err(Failure::temporary)?;
        let (to, body) = match mail.mailed_password_id {
            Some(id) => self.with_password(org, id, &mail.body).await?,
            None => (self.addresses(org, mail).await?, mail.body.clone()),
        };
        if to.is_empty() {
            return Ok(Vec::new());
        }
        let mut message = Message::builder().from(from).subject(mail.subject.clone());
        for mailbox in &to {
            message = message.to(mailbox.clone());
        }
        let message = message
            .body(format!("{body}\n--\nStrongroom: {}\n", t.access_url))
            .map_err(|e| Failure::temporary(format!("the mail could not be written: {e}")))?;
        transport.send(message).await.map_err(|e| Failure {
            why: format!("{}:{} did not take it: {e}", t.host, t.port),
            refused: e.is_permanent(),
        })?;
        Ok(to.iter().map(|m| m.email.to_string()).collect())
    }

    /// The addresses of the mail's recipients, as identity names them now.
    async fn addresses(&self, org: OrgId, mail: &MailRow) -> Result<Vec<Mailbox>, Failure> {
        let mut spec: Recipients = serde_json::from_value(mail.recipients.clone())
            .map_err(|e| Failure::temporary(format!("the recipients cannot be read: {e}")))?;
        if let Some(action) = spec.password_action.take() {
            let audience = self
                .vault
                .clone()
                .password_action_audience(AudienceRequest {
                    org_id: org.to_string(),
                    action: action.action,
                    target_kind: action.target_kind,
                    target_id: action.target_id.to_string(),
                })
                .await
                .map_err(|s| {
                    Failure::temporary(format!(
                        "those told of the action could not be found: {}",
                        s.message()
                    ))
                })?
                .into_inner();
            let ids = |ids: &[String]| -> Vec<uuid::Uuid> {
                ids.iter()
                    .filter_map(|i| uuid::Uuid::try_parse(i).ok())
                    .collect()
            };
            spec.user_ids.extend(ids(&audience.user_ids));
            spec.group_ids.extend(ids(&audience.group_ids));
            if spec.user_ids.is_empty() && spec.group_ids.is_empty() {
                return Ok(Vec::new());
            }
        }
        let found = self
            .recipients
            .clone()
            .list_recipients(RecipientsRequest {
                org_id: org.to_string(),
                user_ids: spec.user_ids.iter().map(ToString::to_string).collect(),
                group_ids: spec.group_ids.iter().map(ToString::to_string).collect(),
                administrators: spec.administrators,
            })
            .await
            .map_err(|s| {
                Failure::temporary(format!(
                    "the recipients could not be found: {}",
                    s.message()
                ))
            })?
            .into_inner()
            .recipients;
        let mut to = Vec::new();
        for r in &found {
            match r.email.parse::<Mailbox>() {
                Ok(mailbox) => to.push(mailbox),
                Err(_) => {
                    tracing::info!(user = %r.user_id, "a recipient's mail address is not usable")
                }
            }
        }
        Ok(to)
    }

    /// Asks identity to make the mailed password `id` now: the one address the mail goes to,
    /// and `body` with the password in it. A password identity no longer makes (the user
    /// chose their own, a newer one was asked for, it expired) is a refusal for good.
    async fn with_password(
        &self,
        org: OrgId,
        id: uuid::Uuid,
        body: &str,
    ) -> Result<(Vec<Mailbox>, String), Failure> {
        let issued = self
            .recipients
            .clone()
            .issue_mailed_password(IssueMailedPasswordRequest {
                org_id: org.to_string(),
                mailed_password_id: id.to_string(),
            })
            .await
            .map_err(|s| Failure {
                why: format!("the one-time password was not made: {}", s.message()),
                refused: matches!(
                    s.code(),
                    tonic::Code::FailedPrecondition
                        | tonic::Code::NotFound
                        | tonic::Code::AlreadyExists
                ),
            })?
            .into_inner();
        let to: Mailbox = issued.email.parse().map_err(|_| Failure {
            why: format!("the address of {} is not usable", issued.username),
            refused: true,
        })?;
        Ok((vec![to], body.replacen(PASSWORD_SLOT, &issued.password, 1)))
    }

    /// The mail server's address, resolved and checked against the host rule now.
    async fn checked_address(&self, t: &MailTransport) -> Result<IpAddr, String> {
        self.egress
            .check(&t.host, t.allow_internal_hosts)
            .await
            .map_err(|e| format!("the mail server {e}"))?
            .into_iter()
            .next()
            .ok_or_else(|| format!("{:?} has no address", t.host))
    }
}

/// An SMTP client for the org's server at `address` (checked), its certificate checked
/// against the host name.
fn transport(
    t: &MailTransport,
    address: IpAddr,
) -> Result<AsyncSmtpTransport<Tokio1Executor>, String> {
    let port = u16::try_from(t.port).map_err(|_| format!("port {} is not a port", t.port))?;
    let tls_parameters =
        || TlsParameters::new(t.host.clone()).map_err(|e| format!("TLS setup: {e}"));
    let tls = match t.tls_mode.as_str() {
        "tls" => Tls::Wrapper(tls_parameters()?),
        "starttls" => Tls::Required(tls_parameters()?),
        _ => Tls::None,
    };
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(address.to_string())
        .port(port)
        .tls(tls)
        .timeout(Some(SMTP_TIMEOUT));
    if !t.username.is_empty() {
        builder = builder.credentials(Credentials::new(t.username.clone(), t.password.clone()));
    }
    Ok(builder.build())
}
