//! Work a service does for every org on a clock: each tick, every provisioned org is
//! visited in turn; an org whose visit fails is logged and visited again at the next tick.

use std::future::Future;
use std::time::Duration;

use strongroom_core::OrgId;
use tokio_util::sync::CancellationToken;

/// Every `tick` until `shutdown`: `visit` each org provisioned then. `what` names the work
/// in the log when the orgs cannot be listed or a visit fails.
pub async fn every_org<F, Fut, E>(
    db: strongroom_tenancy::TenantDb,
    tick: Duration,
    what: &'static str,
    shutdown: CancellationToken,
    mut visit: F,
) where
    F: FnMut(OrgId) -> Fut,
    Fut: Future<Output = Result<(), E>>,
    E: std::fmt::Display,
{
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(tick) => {}
        }
        let orgs = match db.provisioned_orgs().await {
            Ok(orgs) => orgs,
            Err(e) => {
                tracing::warn!(error = %e, what, "cannot list orgs");
                continue;
            }
        };
        for org in orgs {
            if let Err(e) = visit(org).await {
                tracing::warn!(%org, error = %e, what, "failed for this org; trying again at the next tick");
            }
        }
    }
}
