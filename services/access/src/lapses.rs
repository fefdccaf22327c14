//! Lapses: a request nobody answered in time lapses by the clock (see `workflow::status`);
//! the sweeper records each lapse once as a `request.lapsed` event (which tells the
//! requester), on whichever replica finds it first.

use std::time::Duration;

use strongroom_core::OrgId;
use strongroom_events::{Actor, Event, Target as EventTarget};
use tokio_util::sync::CancellationToken;

use crate::app::{Access, SERVICE};
use crate::error::AccessError;
use crate::store;

/// How often each org is looked at.
const SWEEP: Duration = Duration::from_secs(5);

impl Access {
    /// Records lapses until `shutdown`.
    pub(crate) async fn sweep_lapses(self: std::sync::Arc<Self>, shutdown: CancellationToken) {
        let db = self.db.clone();
        strongroom_runtime::every_org(db, SWEEP, "recording lapsed requests", shutdown, |org| {
            self.record_lapses(org)
        })
        .await;
    }

    async fn record_lapses(&self, org: OrgId) -> Result<(), AccessError> {
        let mut tx = self.db.begin(org).await?;
        let lapsed = store::take_lapsed(&mut tx).await?;
        if lapsed.is_empty() {
            tx.commit().await?;
            return Ok(());
        }
        for (request, account, account_name, requester) in lapsed {
            let event = Event::new(
                org,
                SERVICE,
                "request.lapsed",
                Actor {
                    username: "system".into(),
                    ..Actor::default()
                },
                EventTarget::new("account", account, &account_name),
            )
            .with_details(serde_json::json!({
                "request_id": request,
                "requester_id": requester,
            }));
            self.outbox.record(&mut tx, &event).await?;
        }
        self.outbox.commit(tx).await?;
        Ok(())
    }
}
