//! What a replica keeps in memory per (org, user) — a caller's user groups, the shares that
//! reach them, where the org checks tickets — and forgets for an org the moment any replica
//! hears that it changed: identity's events about users and groups, the access service's own
//! about shares, tenant's about ticketing settings. While the replica does not hear them
//! (NATS away), it keeps nothing.

use std::collections::HashMap;
use std::sync::RwLock;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use strongroom_core::{OrgId, UserId};
use strongroom_events::Event;
use tokio_util::sync::CancellationToken;

/// Anything kept longer than this is read again, should an event have been missed.
const KEEP_FOR: Duration = Duration::from_secs(60);

/// Most entries one memory keeps; past it, everything kept is forgotten and read again.
const MOST_KEPT: usize = 100_000;

/// The events that change what is kept (`<prefix>.<org>.<service>.…`): identity's about
/// users, groups and directory imports (memberships, and so the shares reaching a user),
/// the access service's own about shares, and tenant's about ticketing settings.
pub const HEARD: [&str; 5] = [
    "*.identity.group.>",
    "*.identity.user.>",
    "*.identity.directory.>",
    "*.access.share.>",
    "*.tenant.settings.ticketing_updated",
];

/// Values kept per (org, user) until forgotten, `KEEP_FOR` or their own end.
pub(crate) struct Kept<V> {
    known: RwLock<HashMap<(OrgId, UserId), (Instant, V)>>,
    /// Moves on every forgetting: a value read across one is not kept.
    epoch: AtomicU64,
    listening: AtomicBool,
}

impl<V: Clone> Kept<V> {
    pub(crate) fn new() -> Self {
        Self {
            known: RwLock::new(HashMap::new()),
            epoch: AtomicU64::new(0),
            listening: AtomicBool::new(false),
        }
    }

    /// The value kept for the user, if it is still good.
    pub(crate) fn get(&self, org: OrgId, user: UserId) -> Option<V> {
        let known = self.known.read().ok()?;
        let (until, value) = known.get(&(org, user))?;
        (Instant::now() < *until).then(|| value.clone())
    }

    /// Read before reading a value to keep: [`Kept::keep`] keeps it only if nothing was
    /// forgotten since.
    pub(crate) fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::SeqCst)
    }

    /// Keeps the value read since `epoch`, until `ends` at the latest.
    pub(crate) fn keep(
        &self,
        org: OrgId,
        user: UserId,
        value: V,
        epoch: u64,
        ends: Option<Instant>,
    ) {
        if !self.listening.load(Ordering::SeqCst) {
            return;
        }
        let until = ends.map_or(Instant::now() + KEEP_FOR, |e| {
            e.min(Instant::now() + KEEP_FOR)
        });
        if let Ok(mut known) = self.known.write()
            && self.epoch.load(Ordering::SeqCst) == epoch
        {
            if known.len() >= MOST_KEPT {
                known.clear();
            }
            known.insert((org, user), (until, value));
        }
    }

    /// Forgets what was kept of the org (`None`: of every org).
    pub(crate) fn forget(&self, org: Option<OrgId>) {
        self.epoch.fetch_add(1, Ordering::SeqCst);
        if let Ok(mut known) = self.known.write() {
            match org {
                Some(org) => known.retain(|(o, _), _| *o != org),
                None => known.clear(),
            }
        }
    }

    fn listen(&self, listening: bool) {
        self.listening.store(listening, Ordering::SeqCst);
        self.forget(None);
    }
}

/// What one replica keeps, forgotten together.
pub(crate) trait Forget: Send + Sync {
    fn forget_org(&self, org: Option<OrgId>);
    fn set_listening(&self, listening: bool);
}

impl<V: Clone + Send + Sync> Forget for Kept<V> {
    fn forget_org(&self, org: Option<OrgId>) {
        self.forget(org);
    }

    fn set_listening(&self, listening: bool) {
        self.listen(listening);
    }
}

/// Runs until `shutdown`: forgets an org's kept values in `memories` whenever an event in
/// [`HEARD`] about it arrives, on every replica.
pub(crate) async fn hear_changes(
    nats: async_nats::Client,
    prefix: String,
    memories: Vec<std::sync::Arc<dyn Forget>>,
    shutdown: CancellationToken,
) {
    use futures::StreamExt;
    let forget = |org: Option<OrgId>| memories.iter().for_each(|m| m.forget_org(org));
    let listen = |on: bool| memories.iter().for_each(|m| m.set_listening(on));
    while !shutdown.is_cancelled() {
        let subscribed = async {
            let mut all = Vec::new();
            for subject in HEARD {
                all.push(nats.subscribe(format!("{prefix}.{subject}")).await?);
            }
            Ok::<_, async_nats::SubscribeError>(futures::stream::select_all(all))
        };
        let mut heard = match subscribed.await {
            Ok(heard) => heard,
            Err(e) => {
                tracing::warn!(error = %e, "cannot hear of membership and share changes; retrying");
                tokio::select! {
                    () = shutdown.cancelled() => return,
                    () = tokio::time::sleep(Duration::from_secs(1)) => continue,
                }
            }
        };
        // Whatever was kept may have changed while nobody listened.
        listen(true);
        loop {
            let message = tokio::select! {
                () = shutdown.cancelled() => return,
                message = heard.next() => message,
            };
            let Some(message) = message else { break };
            match serde_json::from_slice::<Event>(&message.payload) {
                Ok(event) => forget(Some(event.org_id)),
                Err(_) => {
                    tracing::warn!(subject = %message.subject, "unreadable event");
                    forget(None);
                }
            }
        }
        listen(false);
    }
}
