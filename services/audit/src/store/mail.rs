//! The org's outgoing mail (`mail_outbox`, `mail_attempts`, both only added to) and which
//! orgs have mail due (`public.mail_due`).

use chrono::{DateTime, Utc};
use sqlx::{PgPool, Postgres, Transaction};
use strongroom_core::OrgId;
use strongroom_tenancy::{TenancyError, TenantDb, TenantTx};
use uuid::Uuid;

/// A mail to queue, of one event.
pub(crate) struct NewMail<'a> {
    pub(crate) event_id: Uuid,
    pub(crate) notice: &'a str,
    /// Who it goes to (`mail::Recipients`).
    pub(crate) recipients: serde_json::Value,
    pub(crate) subject: &'a str,
    pub(crate) body: &'a str,
    /// The one-time password identity makes for it when it is sent.
    pub(crate) mailed_password: Option<Uuid>,
}

/// The sender's claim on orgs with mail due (rows of `mail_due`, locked) lasts as long as
/// this transaction.
pub(crate) type Claim = Transaction<'static, Postgres>;

/// Lets the service's own role change `mail_due` (it may only read and add elsewhere).
pub async fn grant_mail_rights(db: &TenantDb) -> Result<(), TenancyError> {
    if let Some(role) = db.runtime_role() {
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "GRANT UPDATE, DELETE ON public.mail_due TO {role}"
        )))
        .execute(db.owner())
        .await?;
    }
    Ok(())
}

/// Queues the mails (a notice of an event already queued is left as it is).
pub(crate) async fn queue(tx: &mut TenantTx, mails: &[NewMail<'_>]) -> Result<(), sqlx::Error> {
    for n in mails {
        sqlx::query(
            "INSERT INTO mail_outbox (id, event_id, notice, recipients, subject, body,
                 mailed_password_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (event_id, notice) DO NOTHING",
        )
        .bind(Uuid::new_v4())
        .bind(n.event_id)
        .bind(n.notice)
        .bind(&n.recipients)
        .bind(n.subject)
        .bind(n.body)
        .bind(n.mailed_password)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// The org has mail due at `at` (or earlier, if it already had).
pub(crate) async fn due(pool: &PgPool, org: OrgId, at: DateTime<Utc>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO public.mail_due (org_id, due_at) VALUES ($1, $2)
         ON CONFLICT (org_id) DO UPDATE SET due_at = LEAST(mail_due.due_at, EXCLUDED.due_at)",
    )
    .bind(org.0)
    .bind(at)
    .execute(pool)
    .await?;
    Ok(())
}

/// Claims up to `limit` orgs whose mail is due, locked until `claim` ends (other replicas
/// skip them).
pub(crate) async fn claim_due(claim: &mut Claim, limit: i64) -> Result<Vec<OrgId>, sqlx::Error> {
    let orgs: Vec<Uuid> = sqlx::query_scalar(
        "SELECT org_id FROM public.mail_due WHERE due_at <= now()
         ORDER BY due_at LIMIT $1 FOR UPDATE SKIP LOCKED",
    )
    .bind(limit)
    .fetch_all(&mut **claim)
    .await?;
    Ok(orgs.into_iter().map(OrgId).collect())
}

/// When the org's mail is next due, or that it has none left.
pub(crate) async fn reschedule(
    claim: &mut Claim,
    org: OrgId,
    next: Option<DateTime<Utc>>,
) -> Result<(), sqlx::Error> {
    match next {
        Some(at) => {
            sqlx::query("UPDATE public.mail_due SET due_at = $2 WHERE org_id = $1")
                .bind(org.0)
                .bind(at)
                .execute(&mut **claim)
                .await?;
        }
        None => {
            sqlx::query("DELETE FROM public.mail_due WHERE org_id = $1")
                .bind(org.0)
                .execute(&mut **claim)
                .await?;
        }
    }
    Ok(())
}

/// A mail of the org with what became of it so far.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct MailRow {
    pub(crate) id: Uuid,
    pub(crate) notice: String,
    pub(crate) recipients: serde_json::Value,
    pub(crate) subject: String,
    pub(crate) body: String,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) mailed_password_id: Option<Uuid>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct AttemptRow {
    pub(crate) mail_id: Uuid,
    pub(crate) at: DateTime<Utc>,
    pub(crate) delivered: bool,
    pub(crate) sent_to: Vec<String>,
    pub(crate) error: String,
    /// The mail server refused it for good.
    pub(crate) refused: bool,
}

const MAIL_COLUMNS: &str = "id, notice, recipients, subject, body, created_at, mailed_password_id";

/// The mails not delivered and not given up, oldest first.
pub(crate) async fn undelivered(
    tx: &mut TenantTx,
    max_attempts: i32,
) -> Result<Vec<MailRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {MAIL_COLUMNS} FROM mail_outbox m
         WHERE NOT EXISTS (SELECT 1 FROM mail_attempts a WHERE a.mail_id = m.id AND a.delivered)
           AND (SELECT count(*) FROM mail_attempts a WHERE a.mail_id = m.id) < $1
         ORDER BY created_at, id"
    )))
    .bind(max_attempts)
    .fetch_all(&mut **tx)
    .await
}

/// The newest `limit` mails.
pub(crate) async fn latest(tx: &mut TenantTx, limit: i64) -> Result<Vec<MailRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {MAIL_COLUMNS} FROM mail_outbox ORDER BY created_at DESC, id LIMIT $1"
    )))
    .bind(limit)
    .fetch_all(&mut **tx)
    .await
}

/// Every attempt at these mails, in order.
pub(crate) async fn attempts(
    tx: &mut TenantTx,
    mails: &[Uuid],
) -> Result<Vec<AttemptRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT mail_id, at, delivered, sent_to, error, refused FROM mail_attempts
         WHERE mail_id = ANY($1) ORDER BY mail_id, attempt",
    )
    .bind(mails)
    .fetch_all(&mut **tx)
    .await
}

/// An attempt at a mail, as it is recorded.
pub(crate) struct NewAttempt<'a> {
    pub(crate) mail: Uuid,
    pub(crate) attempt: i32,
    pub(crate) delivered: bool,
    pub(crate) sent_to: &'a [String],
    pub(crate) error: &'a str,
    pub(crate) refused: bool,
}

/// Records an attempt at a mail.
pub(crate) async fn record_attempt(
    tx: &mut TenantTx,
    a: &NewAttempt<'_>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO mail_attempts (mail_id, attempt, delivered, sent_to, error, refused)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(a.mail)
    .bind(a.attempt)
    .bind(a.delivered)
    .bind(a.sent_to)
    .bind(a.error)
    .bind(a.refused)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Records which actions a resource group's notifications name from `event` on (none: it
/// mails nothing, or is gone); the same event again changes nothing.
pub(crate) async fn record_notification_change(
    tx: &mut TenantTx,
    event: Uuid,
    group: Uuid,
    actions: &[String],
    occurred_at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO password_notification_changes (event_id, group_id, actions, occurred_at)
         VALUES ($1, $2, $3, $4) ON CONFLICT (event_id) DO NOTHING",
    )
    .bind(event)
    .bind(group)
    .bind(actions)
    .bind(occurred_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The actions some resource group of the org mails now (each group's latest change).
pub(crate) async fn notified_actions(tx: &mut TenantTx) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT DISTINCT unnest(actions) FROM (
             SELECT DISTINCT ON (group_id) actions FROM password_notification_changes
             ORDER BY group_id, occurred_at DESC, event_id DESC) latest",
    )
    .fetch_all(&mut **tx)
    .await
}
