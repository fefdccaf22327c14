//! Records a service hands over of actions that change nothing in it (password reveals).
//! The vault commits each record in its own database before the password leaves and
//! forwards it here in the background, so the org, the actor and the time are the vault's
//! word: it verified the actor's token when the reveal was made (and, holding the org's
//! data keys, could read the password anyway). The service is the one its certificate
//! proves, and it may record only its own operations.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use chrono::{DateTime, Utc};
use strongroom_core::{OrgId, UserId};
use strongroom_events::{Actor, Event, Target};
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

/// Records of up to this many orgs go straight to their trails, one statement per org;
/// records of more go through the intake, one statement in all (see `intake`). The vault
/// gathers its records for 100 ms, or for a second when they span many orgs, and sends
/// calls of at most this many orgs, so a call's records are written once (in the trail)
/// instead of three times (intake, trail, and the intake's delete), and an org's trail
/// takes few statements of many rows each.
const DIRECT_ORGS: usize = strongroom_proto::audit::RECORD_DIRECT_ORGS;

/// How far ahead of this service's clock a record's time may be (clocks drift a little).
const CLOCK_SKEW: chrono::TimeDelta = chrono::TimeDelta::seconds(60);

/// The event a record describes, or why it cannot be stored.
fn to_event(caller: Service, record: Record, now: DateTime<Utc>) -> Result<Event, &'static str> {
    if !may_record(caller, &record.operation) {
        return Err("the calling service may not record this operation");
    }
    let id = Uuid::parse_str(&record.id).map_err(|_| "the record id is not a UUID")?;
    let org = Uuid::parse_str(&record.org_id).map_err(|_| "the record's org is not a UUID")?;
    let user = match record.actor_user_id.as_str() {
        "" => None,
        id => Some(UserId(
            Uuid::parse_str(id).map_err(|_| "the record's actor is not a UUID")?,
        )),
    };
    if record.actor_username.is_empty() {
        return Err("the record names no actor");
    }
    if record.target_kind.is_empty() {
        return Err("the record names no target");
    }
    let occurred_at = DateTime::parse_from_rfc3339(&record.occurred_at)
        .map_err(|_| "the record's time is not RFC 3339")?
        .with_timezone(&Utc);
    if occurred_at > now + CLOCK_SKEW {
        return Err("the record's time is in the future");
    }
    let details = match record.details_json.as_str() {
        "" => serde_json::Value::Null,
        json => serde_json::from_str(json).map_err(|_| "the record's details are not JSON")?,
    };
    let filled = |v: String| Some(v).filter(|v| !v.is_empty());
    Ok(Event {
        id,
        org_id: OrgId(org),
        service: caller.as_str().to_owned(),
        operation: record.operation,
        actor: Actor {
            user_id: user,
            username: record.actor_username,
            ip: filled(record.ip),
            user_agent: filled(record.user_agent),
        },
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
    caller: Service,
    records: Vec<Record>,
) -> Result<Vec<bool>, TenancyError> {
    let now = Utc::now();
    // Each record's org (`None` for a record that cannot be stored; the reason is logged).
    let mut orgs = Vec::with_capacity(records.len());
    let mut events = Vec::with_capacity(records.len());
    for record in records {
        match to_event(caller, record, now) {
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
    let mut by_org: HashMap<OrgId, Vec<Event>> = HashMap::new();
    for event in events {
        by_org.entry(event.org_id).or_default().push(event);
    }
    if by_org.len() <= DIRECT_ORGS {
        // Every org here has a trail, so none is left waiting.
        let by_org: Vec<(OrgId, Vec<Event>)> = by_org.into_iter().collect();
        crate::store::store_events(db, &by_org).await?;
        for (org, events) in &by_org {
            crate::notices::queue_notices(db, *org, events).await?;
        }
    } else {
        let events: Vec<Event> = by_org.into_values().flatten().collect();
        crate::intake::store_in_intake(db, &events).await?;
    }
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

    fn reveal(now: DateTime<Utc>) -> Record {
        Record {
            ip: "10.0.0.1".into(),
            user_agent: String::new(),
            id: Uuid::now_v7().to_string(),
            operation: "password.revealed".into(),
            target_kind: "account".into(),
            target_id: Uuid::now_v7().to_string(),
            target_name: "db/postgres".into(),
            details_json: r#"{"via":["api_key"]}"#.into(),
            org_id: Uuid::now_v7().to_string(),
            actor_user_id: Uuid::now_v7().to_string(),
            actor_username: "root".into(),
            occurred_at: now.to_rfc3339(),
        }
    }

    #[test]
    fn a_record_keeps_the_vaults_org_actor_and_time_and_the_certificates_service() {
        let now = Utc::now();
        let record = reveal(now - chrono::TimeDelta::seconds(5));
        let event = to_event(Service::Vault, record.clone(), now).unwrap();
        assert_eq!(event.org_id.0.to_string(), record.org_id);
        assert_eq!(event.actor.username, "root");
        assert_eq!(event.actor.ip.as_deref(), Some("10.0.0.1"));
        assert_eq!(event.actor.user_agent, None);
        assert_eq!(event.service, "vault");
        assert_eq!(event.occurred_at.to_rfc3339(), record.occurred_at);
        assert_eq!(event.details["via"][0], "api_key");
    }

    #[test]
    fn malformed_or_foreign_records_are_refused() {
        let now = Utc::now();
        let refused = |change: fn(&mut Record)| {
            let mut record = reveal(now);
            change(&mut record);
            to_event(Service::Vault, record, now).unwrap_err()
        };
        assert_eq!(
            refused(|r| r.operation = "user.deleted".into()),
            "the calling service may not record this operation"
        );
        assert_eq!(
            refused(|r| r.org_id = "acme".into()),
            "the record's org is not a UUID"
        );
        assert_eq!(
            refused(|r| r.actor_username.clear()),
            "the record names no actor"
        );
        assert_eq!(
            refused(|r| r.occurred_at = "yesterday".into()),
            "the record's time is not RFC 3339"
        );
        assert_eq!(
            refused(|r| r.occurred_at = (Utc::now() + chrono::TimeDelta::hours(1)).to_rfc3339()),
            "the record's time is in the future"
        );
        assert_eq!(
            refused(|r| r.details_json = "{".into()),
            "the record's details are not JSON"
        );
        assert!(to_event(Service::Gateway, reveal(now), now).is_err());
    }
}
