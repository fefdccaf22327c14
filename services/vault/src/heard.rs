//! What every replica hears of other services and replicas, as soon as it happens: an
//! org's key destroyed or rotated (by any vault replica), and an org's ticketing settings
//! changed (by the tenant service), which ends the owners' allowances kept for it.

use std::sync::Arc;

use futures::StreamExt;
use strongroom_core::OrgId;
use strongroom_events::Event;
use tokio_util::sync::CancellationToken;

use crate::cache::SecretCache;
use crate::keys::{KEY_DESTROYED, OrgKeys, ROTATION_STARTED};

/// The tenant service's event of an org's ticketing settings saved.
pub const TICKETING_UPDATED: &str = "settings.ticketing_updated";

/// The subjects heard (`<prefix>.<org>.<service>.<operation>`, any prefix).
pub const HEARD: [&str; 3] = [
    "*.vault.org.key_destroyed",
    "*.vault.data_key.rotation_started",
    "*.tenant.settings.ticketing_updated",
];

/// Runs until `shutdown`: whenever any replica destroys an org's key, this one drops the
/// org's unwrapped keys and the rows it kept; whenever one starts a rotation, this one
/// reloads the org's keys; whenever an org's ticketing settings change, this one forgets
/// the owners' allowances it kept for the org. While it cannot listen, it keeps no
/// allowance at all.
pub async fn hear_org_changes(
    nats: async_nats::Client,
    prefix: String,
    keys: Arc<OrgKeys>,
    cache: Arc<SecretCache>,
    shutdown: CancellationToken,
) {
    let subjects: Vec<String> = HEARD.iter().map(|s| format!("{prefix}.{s}")).collect();
    while !shutdown.is_cancelled() {
        let subscribed = async {
            let mut all = Vec::new();
            for subject in &subjects {
                all.push(nats.subscribe(subject.clone()).await?);
            }
            Ok::<_, async_nats::SubscribeError>(futures::stream::select_all(all))
        };
        let mut heard = match subscribed.await {
            Ok(subscriptions) => subscriptions,
            Err(e) => {
                tracing::warn!(error = %e, "cannot hear of org changes; retrying");
                tokio::select! {
                    () = shutdown.cancelled() => return,
                    () = tokio::time::sleep(std::time::Duration::from_secs(1)) => continue,
                }
            }
        };
        cache.hearing(true);
        loop {
            let message = tokio::select! {
                () = shutdown.cancelled() => return,
                message = heard.next() => message,
            };
            let Some(message) = message else { break };
            let Ok(event) = serde_json::from_slice::<Event>(&message.payload) else {
                tracing::warn!(subject = %message.subject, "unreadable org event");
                continue;
            };
            heard_event(&event, &keys, &cache).await;
        }
        cache.hearing(false);
    }
}

async fn heard_event(event: &Event, keys: &OrgKeys, cache: &SecretCache) {
    match (event.service.as_str(), event.operation.as_str()) {
        ("vault", KEY_DESTROYED) => match event.target.id.as_deref().map(OrgId::parse) {
            Some(Ok(org)) => {
                let held = keys.forget(org);
                cache.forget(org);
                tracing::info!(%org, held, "dropped a deleted org's keys");
            }
            _ => tracing::warn!(operation = %event.operation, "unreadable key-destroyed event"),
        },
        ("vault", ROTATION_STARTED) if keys.holds(event.org_id) => {
            if let Err(e) = keys.reload(event.org_id).await {
                tracing::warn!(org = %event.org_id, error = %e, "could not reload a rotated org's keys");
            }
        }
        ("tenant", TICKETING_UPDATED) => cache.forget_allowances(event.org_id),
        _ => {}
    }
}
