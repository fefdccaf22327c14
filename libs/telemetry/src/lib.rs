//! Tracing set-up shared by every service.

use tracing_subscriber::EnvFilter;

/// Installs the global subscriber: `RUST_LOG` filters (default `info`), and
/// `STRONGROOM_LOG_FORMAT=json` switches to JSON lines for log shippers.
/// Safe to call more than once (later calls do nothing).
pub fn init() {
    init_with_default("info");
}

/// `init` with another filter when `RUST_LOG` is not set.
pub fn init_with_default(filter: &str) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(filter));
    let json = std::env::var("STRONGROOM_LOG_FORMAT").is_ok_and(|v| v == "json");
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    let _ = if json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

/// For tests: quiet unless `TEST_LOG` is set.
pub fn init_for_test() {
    if std::env::var_os("TEST_LOG").is_some() {
        init();
    }
}
