//! The ops listener: `/healthz`, `/readyz` (200 once the service is ready and while it reads
//! session revocations; its body names what needs an operator's attention) and `/metrics`
//! (Prometheus text: the figures a service reports, and the events this process refused
//! because their body did not match their subject).

use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, RwLock};

use axum::http::StatusCode;
use axum::routing::get;

/// One figure a service reports.
struct Gauge {
    name: &'static str,
    help: &'static str,
    /// Above zero, `/readyz` names it (the service still answers).
    attention: bool,
    value: Arc<AtomicI64>,
}

/// The figures a service reports on its ops listener.
#[derive(Default)]
pub struct OpsGauges {
    gauges: RwLock<Vec<Gauge>>,
}

impl OpsGauges {
    /// Adds a figure named `name` (`strongroom_` and the unit, Prometheus style) and
    /// returns the value to keep current. With `attention`, `/readyz` names it while it is
    /// above zero.
    pub fn register(
        &self,
        name: &'static str,
        help: &'static str,
        attention: bool,
    ) -> Arc<AtomicI64> {
        let value = Arc::new(AtomicI64::new(0));
        if let Ok(mut gauges) = self.gauges.write() {
            gauges.push(Gauge {
                name,
                help,
                attention,
                value: value.clone(),
            });
        }
        value
    }

    /// Every figure, in Prometheus' text format.
    pub fn metrics(&self) -> String {
        let mut text = String::new();
        let mut line = |name: &str, help: &str, kind: &str, value: i64| {
            text.push_str(&format!(
                "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}\n"
            ));
        };
        line(
            "strongroom_events_mismatched_total",
            "Events refused because their body did not match their subject.",
            "counter",
            i64::try_from(strongroom_events::mismatched_events()).unwrap_or(i64::MAX),
        );
        if let Ok(gauges) = self.gauges.read() {
            for g in gauges.iter() {
                line(g.name, g.help, "gauge", g.value.load(Ordering::Relaxed));
            }
        }
        text
    }

    /// What needs an operator's attention now, a line each.
    pub fn attention(&self) -> Vec<String> {
        self.gauges
            .read()
            .map(|gauges| {
                gauges
                    .iter()
                    .filter(|g| g.attention)
                    .filter_map(|g| {
                        let value = g.value.load(Ordering::Relaxed);
                        (value > 0).then(|| format!("{}: {value} ({})", g.name, g.help))
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// The ops endpoints of a service.
pub fn router(
    ready: Arc<AtomicBool>,
    revocations: Arc<strongroom_auth::Revocations>,
    gauges: Arc<OpsGauges>,
) -> axum::Router {
    let metrics = gauges.clone();
    axum::Router::new()
        .route("/healthz", get(|| async { StatusCode::OK }))
        .route(
            "/readyz",
            get(move || {
                let ready = ready.load(Ordering::SeqCst) && revocations.is_fresh();
                let notes = gauges.attention();
                async move {
                    let status = if ready {
                        StatusCode::OK
                    } else {
                        StatusCode::SERVICE_UNAVAILABLE
                    };
                    let mut body = if ready { "ready\n" } else { "not ready\n" }.to_owned();
                    for note in notes {
                        body.push_str(&format!("attention: {note}\n"));
                    }
                    (status, body)
                }
            }),
        )
        .route(
            "/metrics",
            get(move || {
                let text = metrics.metrics();
                async move { text }
            }),
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_figure_above_zero_needs_attention_and_every_figure_is_a_metric() {
        let gauges = OpsGauges::default();
        let refused = gauges.register(
            "strongroom_reveal_records_refused",
            "Reveal records the audit service refused, set aside.",
            true,
        );
        let quiet = gauges.register("strongroom_quiet", "Never alarming.", false);
        assert!(gauges.attention().is_empty());
        refused.store(3, Ordering::Relaxed);
        quiet.store(9, Ordering::Relaxed);
        let attention = gauges.attention();
        assert_eq!(attention.len(), 1, "{attention:?}");
        assert!(attention[0].starts_with("strongroom_reveal_records_refused: 3"));
        let metrics = gauges.metrics();
        assert!(
            metrics.contains("\nstrongroom_reveal_records_refused 3\n"),
            "{metrics}"
        );
        assert!(metrics.contains("\nstrongroom_quiet 9\n"), "{metrics}");
        assert!(metrics.contains("# TYPE strongroom_events_mismatched_total counter"));
    }
}
