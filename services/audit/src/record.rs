//! Records a service hands over before it answers (password reveals). Each is bound to its
//! caller's token: the org and the actor stored are the ones the token proves.

use std::collections::HashSet;

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

/// Stores the records in their orgs' trails; whether each was stored. Only orgs with a trail
/// here take records: a deleted org's would be dropped, not stored.
pub async fn store(
    db: &TenantDb,
    verifier: &Verifier,
    records: Vec<Record>,
) -> Result<Vec<bool>, TenancyError> {
    let (orgs, grouped) = by_org(verifier, records);
    let mut with_trail = Vec::with_capacity(grouped.len());
    for (org, events) in grouped {
        if db.is_provisioned(org).await? {
            with_trail.push((org, events));
        }
    }
    let waiting = if with_trail.is_empty() {
        HashSet::new()
    } else {
        crate::store_events(db, &with_trail).await?
    };
    let stored: HashSet<OrgId> = with_trail
        .iter()
        .map(|(org, _)| *org)
        .filter(|org| !waiting.contains(org))
        .collect();
    Ok(orgs
        .iter()
        .map(|org| org.is_some_and(|org| stored.contains(&org)))
        .collect())
}

/// Events grouped by org, as the store takes them.
type ByOrg = Vec<(OrgId, Vec<Event>)>;

/// The records' events grouped by org, and each record's org (`None` for a record that
/// cannot be stored; the reason is logged).
fn by_org(verifier: &Verifier, records: Vec<Record>) -> (Vec<Option<OrgId>>, ByOrg) {
    let mut orgs = Vec::with_capacity(records.len());
    let mut grouped: ByOrg = Vec::new();
    for record in records {
        let event = match to_event(verifier, record) {
            Ok(event) => event,
            Err(why) => {
                tracing::warn!(why, "audit record refused");
                orgs.push(None);
                continue;
            }
        };
        orgs.push(Some(event.org_id));
        match grouped.iter_mut().find(|(org, _)| *org == event.org_id) {
            Some((_, list)) => list.push(event),
            None => grouped.push((event.org_id, vec![event])),
        }
    }
    (orgs, grouped)
}
