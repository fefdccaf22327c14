use strongroom_core::OrgId;
use strongroom_events::Event;
use strongroom_proto::audit::AuditEvent;
use strongroom_tenancy::{TenancyError, TenantDb};
use uuid::Uuid;

/// Stores one event in its org's trail; storing it again changes nothing.
pub async fn store_event(db: &TenantDb, event: &Event) -> Result<(), TenancyError> {
    let mut tx = db.begin(event.org_id).await?;
    sqlx::query(
        "INSERT INTO audit_events (id, service, operation, actor_user_id, actor_username, ip,
            user_agent, target_kind, target_id, target_name, occurred_at, details)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
         ON CONFLICT (id) DO NOTHING",
    )
    .bind(event.id)
    .bind(&event.service)
    .bind(&event.operation)
    .bind(event.actor.user_id.map(|u| u.0))
    .bind(&event.actor.username)
    .bind(&event.actor.ip)
    .bind(&event.actor.user_agent)
    .bind(&event.target.kind)
    .bind(&event.target.id)
    .bind(&event.target.name)
    .bind(event.occurred_at)
    .bind(&event.details)
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

#[derive(sqlx::FromRow)]
struct Row {
    id: Uuid,
    service: String,
    operation: String,
    actor_user_id: Option<Uuid>,
    actor_username: String,
    ip: Option<String>,
    user_agent: Option<String>,
    target_kind: String,
    target_id: Option<String>,
    target_name: Option<String>,
    occurred_at: chrono::DateTime<chrono::Utc>,
    details: serde_json::Value,
}

pub async fn list_events(
    db: &TenantDb,
    org: OrgId,
    limit: i64,
) -> Result<Vec<AuditEvent>, TenancyError> {
    let mut tx = db.begin(org).await?;
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT id, service, operation, actor_user_id, actor_username, ip, user_agent,
                target_kind, target_id, target_name, occurred_at, details
         FROM audit_events ORDER BY occurred_at DESC, id DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(rows
        .into_iter()
        .map(|r| AuditEvent {
            id: r.id.to_string(),
            org_id: org.to_string(),
            actor_user_id: r.actor_user_id.map(|u| u.to_string()).unwrap_or_default(),
            actor_username: r.actor_username,
            ip: r.ip.unwrap_or_default(),
            user_agent: r.user_agent.unwrap_or_default(),
            operation: r.operation,
            target_kind: r.target_kind,
            target_id: r.target_id.unwrap_or_default(),
            target_name: r.target_name.unwrap_or_default(),
            occurred_at: r.occurred_at.to_rfc3339(),
            details_json: r.details.to_string(),
            service: r.service,
        })
        .collect())
}
