//! The user groups a caller belongs to, as identity says now: kept in memory per (org,
//! user) and forgotten for an org the moment any replica hears identity change one of its
//! users or groups, so a membership change counts at once.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::RwLock;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use strongroom_auth::{RequestContext, outgoing};
use strongroom_core::{OrgId, UserId};
use strongroom_events::Event;
use strongroom_proto::identity::UserRef;
use strongroom_proto::identity::identity_client::IdentityClient;
use tokio_util::sync::CancellationToken;
use tonic::transport::Channel;
use uuid::Uuid;

use crate::error::AccessError;

/// A membership kept longer than this is asked again, should an event have been missed.
const KEEP_FOR: Duration = Duration::from_secs(60);

/// Identity's events that may change who is in which group (`<prefix>.<org>.identity.…`).
pub const HEARD: [&str; 3] = [
    "*.identity.group.>",
    "*.identity.user.>",
    "*.identity.directory.>",
];

/// A user's groups in an org, and when identity said so.
type Known = HashMap<(OrgId, UserId), (Instant, Arc<[Uuid]>)>;

pub(crate) struct Memberships {
    identity: IdentityClient<Channel>,
    known: RwLock<Known>,
    /// Moves on every forgetting: an answer fetched across one is not kept.
    epoch: AtomicU64,
    /// Whether this replica hears identity's events now; while it does not, nothing is kept.
    listening: AtomicBool,
}

impl Memberships {
    pub(crate) fn new(identity: IdentityClient<Channel>) -> Self {
        Self {
            identity,
            known: RwLock::new(HashMap::new()),
            epoch: AtomicU64::new(0),
            listening: AtomicBool::new(false),
        }
    }

    /// The caller's user groups in their org now (none for someone who is not a user of
    /// the org, such as MSP staff working in a client org).
    pub(crate) async fn groups_of(&self, ctx: &RequestContext) -> Result<Arc<[Uuid]>, AccessError> {
        let key = (ctx.org(), ctx.user());
        if let Ok(known) = self.known.read()
            && let Some((at, groups)) = known.get(&key)
            && at.elapsed() < KEEP_FOR
        {
            return Ok(groups.clone());
        }
        let epoch = self.epoch.load(Ordering::SeqCst);
        let answer = self
            .identity
            .clone()
            .list_user_groups(outgoing(
                ctx,
                UserRef {
                    user_id: ctx.user().to_string(),
                },
            ))
            .await;
        let groups: Arc<[Uuid]> = match answer {
            Ok(list) => list
                .into_inner()
                .groups
                .iter()
                .filter_map(|g| Uuid::try_parse(&g.id).ok())
                .collect(),
            Err(status) if status.code() == tonic::Code::NotFound => Arc::from([]),
            Err(status) => return Err(AccessError::Identity(status)),
        };
        if self.listening.load(Ordering::SeqCst)
            && let Ok(mut known) = self.known.write()
            && self.epoch.load(Ordering::SeqCst) == epoch
        {
            known.insert(key, (Instant::now(), groups.clone()));
        }
        Ok(groups)
    }

    fn listen(&self, listening: bool) {
        self.listening.store(listening, Ordering::SeqCst);
        self.forget(None);
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
}

/// Runs until `shutdown`: forgets an org's memberships whenever identity changes one of its
/// users or groups. While not subscribed (NATS down), nothing is kept at all.
pub(crate) async fn hear_changes(
    nats: async_nats::Client,
    prefix: String,
    memberships: Arc<Memberships>,
    shutdown: CancellationToken,
) {
    use futures::StreamExt;
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
                tracing::warn!(error = %e, "cannot hear of membership changes; retrying");
                tokio::select! {
                    () = shutdown.cancelled() => return,
                    () = tokio::time::sleep(Duration::from_secs(1)) => continue,
                }
            }
        };
        // Whatever was kept may have changed while nobody listened.
        memberships.listen(true);
        loop {
            let message = tokio::select! {
                () = shutdown.cancelled() => return,
                message = heard.next() => message,
            };
            let Some(message) = message else { break };
            match serde_json::from_slice::<Event>(&message.payload) {
                Ok(event) => memberships.forget(Some(event.org_id)),
                Err(_) => {
                    tracing::warn!(subject = %message.subject, "unreadable identity event");
                    memberships.forget(None);
                }
            }
        }
        memberships.listen(false);
    }
}
