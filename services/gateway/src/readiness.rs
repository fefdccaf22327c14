use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio_util::sync::CancellationToken;
use tonic::transport::Channel;
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;

/// Whether every service answers its gRPC health check; refreshed in the background so
/// `/healthz` costs nothing.
#[derive(Clone, Default)]
pub struct Readiness(Arc<AtomicBool>);

impl Readiness {
    pub fn watch(services: Vec<(&'static str, Channel)>, shutdown: CancellationToken) -> Self {
        let ready = Self::default();
        let flag = ready.0.clone();
        tokio::spawn(async move {
            loop {
                let mut all = true;
                for (name, channel) in &services {
                    let serving = HealthClient::new(channel.clone())
                        .check(HealthCheckRequest {
                            service: String::new(),
                        })
                        .await
                        .is_ok_and(|r| r.into_inner().status == ServingStatus::Serving as i32);
                    if !serving {
                        tracing::debug!(service = name, "not ready");
                        all = false;
                    }
                }
                flag.store(all, Ordering::SeqCst);
                let pause = if all {
                    Duration::from_secs(2)
                } else {
                    Duration::from_millis(200)
                };
                tokio::select! {
                    () = shutdown.cancelled() => return,
                    () = tokio::time::sleep(pause) => {}
                }
            }
        });
        ready
    }

    pub fn is_ready(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}
