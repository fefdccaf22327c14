//! Records a service hands over before it answers (password reveals). Each is bound to its
//! caller's token: the org and the actor stored are the ones the token proves.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use chrono::DateTime;
use strongroom_auth::{RequestContext, Verifier};
use strongroom_core::OrgId;
use strongroom_events::{Event, Target};
use strongroom_proto::audit::Record;
use strongroom_tenancy::{TenancyError, TenantDb};
use uuid::Uuid;

/// The event a record describes, or why it cannot be stored.
fn to_event(verifier: &Verifier, record: Record) -> Result<Event, &'static str> {
    let ctx = RequestContext::verify(
        verifier,
        &record.token,
        Some(record.ip).filter(|v| !v.is_empty()),
        Some(record.user_agent).filter(|v| !v.is_empty()),
    )
    .map_err(|_| "the caller's token is not valid")?;
    let id = Uuid::parse_str(&record.id).map_err(|_| "the record id is not a UUID")?;
    if record.service.is_empty() || record.operation.is_empty() || record.target_kind.is_empty() {
        return Err("the record names no service, operation or target");
    }
    let occurred_at = DateTime::from_timestamp_micros(record.occurred_at_us)
        .ok_or("the record's time is out of range")?;
    let details = match record.details_json.as_str() {
        "" => serde_json::Value::Null,
        json => serde_json::from_str(json).map_err(|_| "the record's details are not JSON")?,
    };
    let filled = |v: String| Some(v).filter(|v| !v.is_empty());
    Ok(Event {
        id,
        org_id: ctx.org(),
        service: record.service,
        operation: record.operation,
        actor: strongroom_runtime::actor(&ctx),
        target: Target {
            kind: record.target_kind,
            id: filled(record.target_id),
            name: filled(record.target_name),
        },
        occurred_at,
        details,
    })
}

/// Stores the records, in their orgs' trails by way of the intake; whether each was stored.
/// Only orgs with a trail here take records: a deleted org's would be dropped, not stored.
pub async fn store(
    db: &TenantDb,
    verifier: &Verifier,
    records: Vec<Record>,
) -> Result<Vec<bool>, TenancyError> {
    // Each record's org (`None` for a record that cannot be stored; the reason is logged).
    let mut orgs = Vec::with_capacity(records.len());
    let mut events = Vec::with_capacity(records.len());
    for record in records {
        match to_event(verifier, record) {
            Ok(event) => {
                orgs.push(Some(event.org_id));
                events.push(event);
            }
            Err(why) => {
                tracing::warn!(why, "audit record refused");
                orgs.push(None);
            }
        }
    }
    let mut with_trail: HashMap<OrgId, bool> = HashMap::new();
    for event in &events {
        if let Entry::Vacant(slot) = with_trail.entry(event.org_id) {
            slot.insert(db.is_provisioned(event.org_id).await?);
        }
    }
    let has_trail = |org: &OrgId| with_trail.get(org).copied().unwrap_or(false);
    events.retain(|e| has_trail(&e.org_id));
    crate::intake::store_in_intake(db, &events).await?;
    Ok(orgs
        .iter()
        .map(|org| org.is_some_and(|org| has_trail(&org)))
        .collect())
}
