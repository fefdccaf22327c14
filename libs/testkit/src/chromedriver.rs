//! chromedriver (WebDriver for headless Chromium), for the browser tests. Needs Debian's
//! `chromium` and `chromium-driver`, which `.ci/services` installs.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// Chromium's switches for a test browser: headless, no sandbox (tests run as root), and
/// nothing that reaches the network by itself. Add `--user-data-dir` with a fresh profile.
pub const CHROMIUM_ARGS: [&str; 9] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
];

/// chromedriver, started on a port it picks itself (`--port=0`, which it then prints), in
/// its own process group; killed with that group when dropped, also when a test fails.
pub struct Chromedriver {
    child: Child,
    port: u16,
}

impl Chromedriver {
    pub fn start() -> anyhow::Result<Self> {
        use std::os::unix::process::CommandExt as _;
        if !(Path::new(CHROMEDRIVER).exists() && Path::new(CHROMIUM).exists()) {
            bail!(
                "{CHROMEDRIVER} and {CHROMIUM} are needed: run .ci/services \
                 (Debian packages chromium and chromium-driver)"
            );
        }
        let mut child = Command::new(CHROMEDRIVER)
            .arg("--port=0")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .context("starting chromedriver")?;
        let stdout = child.stdout.take();
        // The guard exists before anything else can fail.
        let mut driver = Chromedriver { child, port: 0 };
        let stdout = stdout.context("chromedriver has no stdout")?;
        // Read its output on a thread (and keep draining it, so chromedriver never blocks on
        // a full pipe) until it says which port it listens on.
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout)
                .lines()
                .map_while(std::io::Result::ok)
            {
                if let Some(port) = line
                    .split("started successfully on port ")
                    .nth(1)
                    .and_then(|rest| rest.trim_end_matches('.').trim().parse::<u16>().ok())
                {
                    let _ = tx.send(port);
                }
            }
        });
        driver.port = rx
            .recv_timeout(Duration::from_secs(30))
            .context("chromedriver did not say which port it listens on")?;
        Ok(driver)
    }

    /// Where its WebDriver API answers.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Chromedriver {
    fn drop(&mut self) {
        // chromedriver and any browser it left behind share its process group.
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill")
            .args(["-TERM", "--", &group])
            .stderr(Stdio::null())
            .status();
        let until = Instant::now() + Duration::from_secs(3);
        while Instant::now() < until {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = Command::new("kill")
            .args(["-KILL", "--", &group])
            .stderr(Stdio::null())
            .status();
    }
}
