//! Passwords marked for reset: an account whose checkout ended, or what a time-limited
//! share covered when it ended. Pending until the reset service does them.

use chrono::{DateTime, Utc};
use strongroom_tenancy::TenantTx;
use uuid::Uuid;

use crate::model::{ResetMark, Share, TargetKind, TargetRef};

#[derive(sqlx::FromRow)]
struct ResetMarkRow {
    target_kind: String,
    target_id: Uuid,
    target_name: String,
    reason: String,
    due_at: DateTime<Utc>,
    request_id: Option<Uuid>,
}

/// Passwords whose reset is due and not done, oldest first (the first 500).
pub(crate) async fn marked_for_reset(tx: &mut TenantTx) -> Result<Vec<ResetMark>, sqlx::Error> {
    let rows: Vec<ResetMarkRow> = sqlx::query_as(
        "SELECT target_kind, target_id, target_name, reason, due_at, request_id FROM reset_marks
         WHERE done_at IS NULL AND due_at <= now() ORDER BY due_at, id LIMIT 500",
    )
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            Some(ResetMark {
                target: TargetRef {
                    kind: TargetKind::parse(&r.target_kind)?,
                    id: r.target_id,
                },
                target_name: r.target_name,
                reason: r.reason,
                due_at: r.due_at,
                request: r.request_id,
            })
        })
        .collect())
}

/// Marks what a time-limited share covers for reset when it ends (a share without an end
/// marks nothing: its pending mark goes).
pub(crate) async fn mark_share_end(tx: &mut TenantTx, share: &Share) -> Result<(), sqlx::Error> {
    match share.expires_at {
        Some(ends) => {
            sqlx::query(
                "INSERT INTO reset_marks (id, target_kind, target_id, target_name, share_id,
                                          reason, due_at)
                 VALUES ($1, $2, $3, $4, $5, 'share_ended', $6)
                 ON CONFLICT (share_id) DO UPDATE
                     SET due_at = EXCLUDED.due_at, target_name = EXCLUDED.target_name
                     WHERE reset_marks.done_at IS NULL",
            )
            .bind(Uuid::new_v4())
            .bind(share.target.kind.as_str())
            .bind(share.target.id)
            .bind(&share.target_name)
            .bind(share.id)
            .bind(ends)
            .execute(&mut **tx)
            .await?;
        }
        None => {
            sqlx::query("DELETE FROM reset_marks WHERE share_id = $1 AND done_at IS NULL")
                .bind(share.id)
                .execute(&mut **tx)
                .await?;
        }
    }
    Ok(())
}

/// A time-limited share ended early (revoked): what it covered is due for reset now.
pub(crate) async fn share_ended_now(tx: &mut TenantTx, share: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE reset_marks SET due_at = now()
         WHERE share_id = $1 AND done_at IS NULL AND due_at > now()",
    )
    .bind(share)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
