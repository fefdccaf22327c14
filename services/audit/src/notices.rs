//! The mail a batch of one org's events calls for, queued once the events are in its
//! trail: the notices of `mail::notice_for`, and a password action's notice where some
//! resource group of the org names the action. Which groups name which actions follows the
//! vault's events, applied before those events are in the trail: once the trail shows a
//! group's notifications saved, every action after it is judged by them. Queuing again
//! what was queued changes nothing (one mail per event and notice), so a batch stored
//! twice queues its mail once.

use chrono::Utc;
use strongroom_core::OrgId;
use strongroom_events::Event;
use strongroom_tenancy::{TenancyError, TenantDb};

use crate::mail::password_actions::{self, GroupChange, action_of, group_change};
use crate::mail::{self, Notice};
use crate::store;

/// Applies the changes `events` make to which actions the org's groups name (before the
/// events are stored in the trail).
pub async fn follow_group_changes(
    db: &TenantDb,
    org: OrgId,
    events: &[Event],
) -> Result<(), TenancyError> {
    let changes: Vec<(&Event, GroupChange)> = events
        .iter()
        .filter_map(|e| group_change(e).map(|c| (e, c)))
        .collect();
    if changes.is_empty() || !db.is_provisioned(org).await? {
        return Ok(());
    }
    let mut tx = db.begin(org).await?;
    for (event, change) in changes {
        let (group, actions) = match change {
            GroupChange::Set { group, actions } => (group, actions),
            GroupChange::Removed(group) => (group, Vec::new()),
        };
        store::mail::record_notification_change(
            &mut tx,
            event.id,
            group,
            &actions,
            event.occurred_at,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

pub async fn queue_notices(
    db: &TenantDb,
    org: OrgId,
    events: &[Event],
) -> Result<(), TenancyError> {
    // Mail waiting for a mail server goes as soon as one is saved.
    if events
        .iter()
        .any(|e| e.operation == "settings.mail_updated")
    {
        store::mail::due(db.global(), org, Utc::now()).await?;
    }
    let mut notices: Vec<Notice> = events.iter().filter_map(mail::notice_for).collect();
    let actions: Vec<(&Event, &'static str)> = events
        .iter()
        .filter_map(|e| action_of(e).map(|a| (e, a)))
        .collect();
    if (notices.is_empty() && actions.is_empty()) || !db.is_provisioned(org).await? {
        return Ok(());
    }
    let mut tx = db.begin(org).await?;
    if !actions.is_empty() {
        let named = store::mail::notified_actions(&mut tx).await?;
        notices.extend(
            actions
                .into_iter()
                .filter(|(_, action)| named.iter().any(|n| n == action))
                .filter_map(|(event, action)| password_actions::notice(event, action)),
        );
    }
    let queued: Vec<_> = notices.iter().map(Notice::queued).collect();
    store::mail::queue(&mut tx, &queued).await?;
    tx.commit().await?;
    if !notices.is_empty() {
        store::mail::due(db.global(), org, Utc::now()).await?;
    }
    Ok(())
}
