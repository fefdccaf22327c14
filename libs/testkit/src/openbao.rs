//! One OpenBao dev server per test process, started on a free loopback port.

use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

pub struct OpenBao {
    pub addr: String,
    pub token: String,
    _port: crate::PortLease,
}

static SERVER: OnceLock<Result<OpenBao, String>> = OnceLock::new();

/// Starts (once) `bao server -dev` with the transit engine enabled. The server is tied to
/// this process by a watchdog shell, so it goes away when the tests end.
pub fn openbao() -> anyhow::Result<&'static OpenBao> {
    SERVER
        .get_or_init(|| start().map_err(|e| format!("{e:#}")))
        .as_ref()
        .map_err(|e| anyhow::anyhow!("openbao could not start: {e}"))
}

fn bao_binary() -> String {
    std::env::var("STRONGROOM_BAO_BIN").unwrap_or_else(|_| "bao".to_owned())
}

fn start() -> anyhow::Result<OpenBao> {
    let lease = crate::lease_port()?;
    let port = lease.port;
    let token = crate::unique("root-");
    let addr = format!("http://127.0.0.1:{port}");
    let bin = bao_binary();
    let script = format!(
        "{bin} server -dev -dev-listen-address=127.0.0.1:{port} -dev-root-token-id={token} \
         >/dev/null 2>&1 & child=$!; \
         while kill -0 {parent} 2>/dev/null; do sleep 1; done; kill $child",
        parent = std::process::id()
    );
    Command::new("sh")
        .args(["-c", &script])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let status = Command::new(&bin)
            .args(["secrets", "enable", "transit"])
            .env("BAO_ADDR", &addr)
            .env("BAO_TOKEN", &token)
            .output()?;
        if status.status.success() {
            break;
        }
        if std::time::Instant::now() > deadline {
            anyhow::bail!(
                "transit could not be enabled: {}",
                String::from_utf8_lossy(&status.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    Ok(OpenBao {
        addr,
        token,
        _port: lease,
    })
}
