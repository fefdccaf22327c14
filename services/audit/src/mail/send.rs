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
use strongroom_proto::identity::RecipientsRequest;
use strongroom_proto::identity::recipients_client::RecipientsClient;
use strongroom_proto::tenant_settings::org_settings_client::OrgSettingsClient;
use strongroom_proto::tenant_settings::{MailTransport, MailTransportRequest};
use strongroom_tenancy::{TenancyError, TenantDb};
use tokio_util::sync::CancellationToken;
use tonic::transport::Channel;

use super::{MAX_ATTEMPTS, Recipients, backoff, next_attempt};
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

pub(crate) struct Mailer {
    pub(crate) db: TenantDb,
    pub(crate) settings: OrgSettingsClient<Channel>,
    pub(crate) recipients: RecipientsClient<Channel>,
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
        for mail in mails {
            let tried: Vec<DateTime<Utc>> = attempts
                .iter()
                .filter(|a| a.mail_id == mail.id)
                .map(|a| a.at)
                .collect();
            let at = next_attempt(mail.created_at, &tried);
            if at <= now {
                due.push((mail, u32::try_from(tried.len()).unwrap_or(u32::MAX)));
            } else {
                later(at);
            }
        }
        if due.is_empty() {
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
        for (mail, tried) in due {
            let outcome = match &transport {
                Ok(t) => self.deliver(org, &mail, t).await,
                Err(why) => Err(why.clone()),
            };
            let attempt = i32::try_from(tried + 1).unwrap_or(i32::MAX);
            let mut tx = self.db.begin(org).await?;
            match outcome {
                Ok(sent_to) => {
                    let note = if sent_to.is_empty() {
                        "nobody to send it to: no recipient has a mail address"
                    } else {
                        ""
                    };
                    store::record_attempt(&mut tx, mail.id, attempt, true, &sent_to, note).await?;
                }
                Err(error) => {
                    tracing::info!(%org, mail = %mail.id, attempt, %error, "mail not sent");
                    store::record_attempt(&mut tx, mail.id, attempt, false, &[], &error).await?;
                    if tried + 1 < MAX_ATTEMPTS {
                        later(Utc::now() + backoff(tried + 1));
                    }
                }
            }
            tx.commit().await?;
        }
        Ok(next)
    }

    /// Sends one mail to its recipients as identity names them now; the addresses it went
    /// to, or why it did not go.
    async fn deliver(
        &self,
        org: OrgId,
        mail: &MailRow,
        t: &MailTransport,
    ) -> Result<Vec<String>, String> {
        let spec: Recipients = serde_json::from_value(mail.recipients.clone())
            .map_err(|e| format!("the recipients cannot be read: {e}"))?;
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
            .map_err(|s| format!("the recipients could not be found: {}", s.message()))?
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
        if to.is_empty() {
            return Ok(Vec::new());
        }
        let from: Mailbox = t
            .sender
            .parse()
            .map_err(|e| format!("the sender {:?} is not a mail address: {e}", t.sender))?;
        let mut message = Message::builder().from(from).subject(mail.subject.clone());
        for mailbox in &to {
            message = message.to(mailbox.clone());
        }
        let body = format!("{}\n--\nStrongroom: {}\n", mail.body, t.access_url);
        let message = message
            .body(body)
            .map_err(|e| format!("the mail could not be written: {e}"))?;
        let address = self.checked_address(t).await?;
        let transport = transport(t, address)?;
        transport
            .send(message)
            .await
            .map_err(|e| format!("{}:{} did not take it: {e}", t.host, t.port))?;
        Ok(to.iter().map(|m| m.email.to_string()).collect())
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
