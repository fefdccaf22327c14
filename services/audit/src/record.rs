//! Records a service hands over before it answers (password reveals). Each is bound to its
//! caller's token: the org and the actor stored are the ones the token proves; the service
//! is the one its certificate proves, and it may record only its own operations; the time
//! is this service's clock.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use chrono::Utc;
use strongroom_auth::{RequestContext, Verifier};
use strongroom_core::OrgId;
use strongroom_events::{Event, Target};
use strongroom_proto::audit::Record;
use strongroom_tenancy::{TenancyError, TenantDb};
use strongroom_trust::Service;
use uuid::Uuid;

/// The operations each service may record here; the rest of its trail comes through its
/// outbox and the event stream.
pub const OPERATIONS: &[(Service, &[&str])] = &[(
    Service::Vault,
    &["password.revealed", "password.reveal_denied"],
)];

fn may_record(caller: Service, operation: &str) -> bool {
    OPERATIONS
        .iter()
        .any(|(service, ops)| *service == caller && ops.contains(&operation))
}

/// The event a record describes, or why it cannot be stored.
fn to_event(verifier: &Verifier, caller: Service, record: Record) -> Result<Event, &'static str> {
    let ctx = RequestContext::verify(
        verifier,
        &record.token,
        Some(record.ip).filter(|v| !v.is_empty()),
        Some(record.user_agent).filter(|v| !v.is_empty()),
    )
    .map_err(|_| "the caller's token is not valid")?;
    let id = Uuid::parse_str(&record.id).map_err(|_| "the record id is not a UUID")?;
    if record.target_kind.is_empty() {
        return Err("the record names no target");
    }
    if !may_record(caller, &record.operation) {
        return Err("the calling service may not record this operation");
    }
    let details = match record.details_json.as_str() {
        "" => serde_json::Value::Null,
        json => serde_json::from_str(json).map_err(|_| "the record's details are not JSON")?,
    };
    let filled = |v: String| Some(v).filter(|v| !v.is_empty());
    Ok(Event {
        id,
        org_id: ctx.org(),
        service: caller.as_str().to_owned(),
        operation: record.operation,
        actor: strongroom_runtime::actor(&ctx),
        target: Target {
            kind: record.target_kind,
            id: filled(record.target_id),
            name: filled(record.target_name),
        },
        occurred_at: Utc::now(),
        details,
    })
}

/// Stores the records, in their orgs' trails by way of the intake; whether each was stored.
/// Only orgs with a trail here take records: a deleted org's would be dropped, not stored.
pub async fn store(
    db: &TenantDb,
    verifier: &Verifier,
    caller: Service,
    records: Vec<Record>,
) -> Result<Vec<bool>, TenancyError> {
    // Each record's org (`None` for a record that cannot be stored; the reason is logged).
    let mut orgs = Vec::with_capacity(records.len());
    let mut events = Vec::with_capacity(records.len());
    for record in records {
        match to_event(verifier, caller, record) {
            Ok(event) => {
                orgs.push(Some(event.org_id));
                events.push(event);
            }
            Err(why) => {
                tracing::warn!(why, %caller, "audit record refused");
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_service_records_only_its_own_operations() {
        assert!(may_record(Service::Vault, "password.revealed"));
        assert!(may_record(Service::Vault, "password.reveal_denied"));
        assert!(!may_record(Service::Vault, "user.created"));
        for other in Service::ALL.into_iter().filter(|s| *s != Service::Vault) {
            assert!(!may_record(other, "password.revealed"), "{other}");
        }
    }
}
