//! Requests for accounts under access control, with their decisions and checkouts (a
//! checkout marks its password for reset when it ends; the marks are read in `resets`).

use chrono::{DateTime, Utc};
use strongroom_core::UserId;
use strongroom_tenancy::TenantTx;
use uuid::Uuid;

use crate::model::{Checkout, Request, RequestDecision};
use crate::workflow::Timeline;

#[derive(sqlx::FromRow)]
struct RequestRow {
    id: Uuid,
    account_id: Uuid,
    resource_id: Uuid,
    account_name: String,
    requester_id: Uuid,
    requester_name: String,
    requester_is_msp_staff: bool,
    reason: String,
    ticket_id: String,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    lapses_at: DateTime<Utc>,
    approver_groups: Vec<Uuid>,
    approver_group_names: Vec<String>,
    client_admin_required: bool,
    state: String,
    created_at: DateTime<Utc>,
    checked_out_at: Option<DateTime<Utc>>,
    checked_in_at: Option<DateTime<Utc>>,
}

impl RequestRow {
    fn request(self) -> Request {
        Request {
            id: self.id,
            account: self.account_id,
            resource: self.resource_id,
            account_name: self.account_name,
            requester: UserId(self.requester_id),
            requester_name: self.requester_name,
            msp_staff: self.requester_is_msp_staff,
            reason: self.reason,
            ticket_id: self.ticket_id,
            starts_at: self.starts_at,
            created_at: self.created_at,
            approver_groups: self
                .approver_groups
                .into_iter()
                .zip(self.approver_group_names)
                .collect(),
            client_admin_required: self.client_admin_required,
            timeline: Timeline {
                decided: match self.state.as_str() {
                    "approved" => Some(true),
                    "rejected" => Some(false),
                    _ => None,
                },
                lapses_at: self.lapses_at,
                ends_at: self.ends_at,
                checked_out_at: self.checked_out_at,
                checked_in_at: self.checked_in_at,
            },
            decisions: Vec::new(),
        }
    }
}

const REQUEST_SELECT: &str = "SELECT id, account_id, resource_id, account_name, requester_id,
        requester_name, requester_is_msp_staff, reason, ticket_id, starts_at, ends_at,
        lapses_at, approver_groups, approver_group_names, client_admin_required, state,
        created_at, checked_out_at, checked_in_at
    FROM access_requests";

#[derive(sqlx::FromRow)]
struct DecisionRow {
    request_id: Uuid,
    approver_id: Uuid,
    approver_name: String,
    approved: bool,
    counted_for: String,
    comment: String,
    decided_at: DateTime<Utc>,
}

/// The requests with their decisions, in the order read.
async fn with_decisions(
    tx: &mut TenantTx,
    rows: Vec<RequestRow>,
) -> Result<Vec<Request>, sqlx::Error> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let decisions: Vec<DecisionRow> = sqlx::query_as(
        "SELECT request_id, approver_id, approver_name, approved, counted_for, comment,
                decided_at
         FROM request_decisions WHERE request_id = ANY($1) ORDER BY decided_at, approver_id",
    )
    .bind(&ids)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let mut request = row.request();
            request.decisions = decisions
                .iter()
                .filter(|d| d.request_id == request.id)
                .map(|d| RequestDecision {
                    approver: UserId(d.approver_id),
                    approver_name: d.approver_name.clone(),
                    approved: d.approved,
                    counted_for: d.counted_for.clone(),
                    comment: d.comment.clone(),
                    at: d.decided_at,
                })
                .collect();
            request
        })
        .collect())
}

pub(crate) async fn create_request(
    tx: &mut TenantTx,
    r: &Request,
    ends_at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let (groups, names): (Vec<Uuid>, Vec<String>) = r.approver_groups.iter().cloned().unzip();
    sqlx::query(
        "INSERT INTO access_requests (id, account_id, resource_id, account_name, requester_id,
             requester_name, requester_is_msp_staff, reason, ticket_id, starts_at, ends_at,
             lapses_at, approver_groups, approver_group_names, client_admin_required, state,
             created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, 'pending',
                 $16)",
    )
    .bind(r.id)
    .bind(r.account)
    .bind(r.resource)
    .bind(&r.account_name)
    .bind(r.requester.0)
    .bind(&r.requester_name)
    .bind(r.msp_staff)
    .bind(&r.reason)
    .bind(&r.ticket_id)
    .bind(r.starts_at)
    .bind(ends_at)
    .bind(r.timeline.lapses_at)
    .bind(groups)
    .bind(names)
    .bind(r.client_admin_required)
    .bind(r.created_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// One request, locked for the rest of the transaction when `lock`.
pub(crate) async fn find_request(
    tx: &mut TenantTx,
    id: Uuid,
    lock: bool,
) -> Result<Option<Request>, sqlx::Error> {
    let lock = if lock { " FOR UPDATE" } else { "" };
    let row: Option<RequestRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{REQUEST_SELECT} WHERE id = $1{lock}"
    )))
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(with_decisions(tx, row.into_iter().collect()).await?.pop())
}

/// The requester's requests, newest first (the latest 200).
pub(crate) async fn requests_by(
    tx: &mut TenantTx,
    requester: UserId,
) -> Result<Vec<Request>, sqlx::Error> {
    let rows: Vec<RequestRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{REQUEST_SELECT} WHERE requester_id = $1 ORDER BY created_at DESC, id LIMIT 200"
    )))
    .bind(requester.0)
    .fetch_all(&mut **tx)
    .await?;
    with_decisions(tx, rows).await
}

/// Requests still waiting for decisions (not lapsed), oldest first (the first 500).
pub(crate) async fn pending_requests(tx: &mut TenantTx) -> Result<Vec<Request>, sqlx::Error> {
    let rows: Vec<RequestRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{REQUEST_SELECT} WHERE state = 'pending' AND lapses_at > now()
         ORDER BY created_at, id LIMIT 500"
    )))
    .fetch_all(&mut **tx)
    .await?;
    with_decisions(tx, rows).await
}

/// Records one approver's decision; with `settle`, the request becomes approved or
/// rejected.
pub(crate) async fn add_decision(
    tx: &mut TenantTx,
    request: Uuid,
    d: &RequestDecision,
    settle: Option<bool>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO request_decisions (request_id, approver_id, approver_name, approved,
             counted_for, comment, decided_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(request)
    .bind(d.approver.0)
    .bind(&d.approver_name)
    .bind(d.approved)
    .bind(&d.counted_for)
    .bind(&d.comment)
    .bind(d.at)
    .execute(&mut **tx)
    .await?;
    if let Some(approved) = settle {
        sqlx::query("UPDATE access_requests SET state = $2, decided_at = $3 WHERE id = $1")
            .bind(request)
            .bind(if approved { "approved" } else { "rejected" })
            .bind(d.at)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Holds the account's checkout lock until the transaction ends, so two checkouts of one
/// account are decided one after the other.
pub(crate) async fn lock_account(tx: &mut TenantTx, account: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1::text, 7284))")
        .bind(account)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The checkouts in force on these accounts.
pub(crate) async fn active_checkouts(
    tx: &mut TenantTx,
    accounts: &[Uuid],
) -> Result<Vec<Checkout>, sqlx::Error> {
    let rows: Vec<(Uuid, Uuid, String, DateTime<Utc>, String)> = sqlx::query_as(
        "SELECT account_id, requester_id, requester_name, ends_at, ticket_id FROM access_requests
         WHERE account_id = ANY($1) AND state = 'approved' AND checked_out_at IS NOT NULL
           AND checked_in_at IS NULL AND ends_at > now()",
    )
    .bind(accounts)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(account, holder, holder_name, ends_at, ticket_id)| Checkout {
                account,
                holder: UserId(holder),
                holder_name,
                ends_at,
                ticket_id,
            },
        )
        .collect())
}

/// The approved requests of these accounts waiting to check out, as (account, request),
/// first approved first.
pub(crate) async fn waiting(
    tx: &mut TenantTx,
    accounts: &[Uuid],
) -> Result<Vec<(Uuid, Uuid)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT account_id, id FROM access_requests
         WHERE account_id = ANY($1) AND state = 'approved' AND checked_out_at IS NULL
           AND ends_at > now()
         ORDER BY decided_at, id",
    )
    .bind(accounts)
    .fetch_all(&mut **tx)
    .await
}

/// Starts the request's checkout now, and marks the password for reset when its window
/// ends.
pub(crate) async fn check_out(
    tx: &mut TenantTx,
    r: &Request,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE access_requests SET checked_out_at = $2 WHERE id = $1")
        .bind(r.id)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    sqlx::query(
        "INSERT INTO reset_marks (id, target_id, target_name, request_id, reason, due_at)
         VALUES ($1, $2, $3, $4, 'window_ended', $5)",
    )
    .bind(Uuid::new_v4())
    .bind(r.account)
    .bind(&r.account_name)
    .bind(r.id)
    .bind(r.timeline.ends_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Ends the request's checkout now; its password is due for reset now.
pub(crate) async fn check_in(
    tx: &mut TenantTx,
    request: Uuid,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE access_requests SET checked_in_at = $2 WHERE id = $1")
        .bind(request)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    sqlx::query(
        "UPDATE reset_marks SET reason = 'check_in', due_at = $2
         WHERE request_id = $1 AND done_at IS NULL",
    )
    .bind(request)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Pending requests whose time to be answered has passed and whose lapse is not recorded
/// yet, locked (other replicas skip them), marked recorded in `tx`: (id, account, account
/// name, requester).
pub(crate) async fn take_lapsed(
    tx: &mut TenantTx,
) -> Result<Vec<(Uuid, Uuid, String, Uuid)>, sqlx::Error> {
    sqlx::query_as(
        "UPDATE access_requests SET lapse_recorded_at = now()
         WHERE id IN (SELECT id FROM access_requests
                      WHERE state = 'pending' AND lapse_recorded_at IS NULL
                        AND lapses_at <= now()
                      ORDER BY lapses_at LIMIT 100 FOR UPDATE SKIP LOCKED)
         RETURNING id, account_id, account_name, requester_id",
    )
    .fetch_all(&mut **tx)
    .await
}
