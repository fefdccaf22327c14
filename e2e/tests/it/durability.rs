//! Every password that leaves has its audit record committed first. A stack killed with
//! SIGKILL in the middle of a load (no shutdown, no flush, nothing in memory survives) still
//! has a record for every reveal that answered 200: committed in the vault's database, or
//! already forwarded to the audit service.

use std::collections::HashMap;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};
use strongroom_e2e::stack::{Leftovers, Stack};
use tokio::sync::Mutex;

use crate::api::{Api, Org, Reachable};

/// Set in the child process: where it writes how to reach its stack.
const CHILD: &str = "STRONGROOM_E2E_KILLABLE_STACK";
/// Reveals answered before the kill.
const ANSWERED_BEFORE_KILL: u64 = 300;
/// Applications revealing at once.
const CONCURRENCY: usize = 16;
const ACCOUNTS: usize = 20;

/// The child process's test: starts a stack, says where it is, and runs until killed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "the stack process of the SIGKILL test, which starts it"]
async fn killable_stack() {
    let Ok(out) = std::env::var(CHILD) else {
        return;
    };
    let stack = Stack::start(None).await.unwrap();
    let info = json!({
        "base_url": stack.base_url,
        "audit_db": stack.database_url("audit"),
        "vault_db": stack.database_url("vault"),
        "leftovers": stack.leftovers().to_json(),
    });
    let written = format!("{out}.part");
    std::fs::write(&written, info.to_string()).unwrap();
    std::fs::rename(&written, &out).unwrap();
    std::future::pending::<()>().await;
}

struct Remote {
    http: reqwest::Client,
    base_url: String,
}

impl Reachable for Remote {
    fn http(&self) -> &reqwest::Client {
        &self.http
    }
    fn base_url(&self) -> &str {
        &self.base_url
    }
}

/// The stack's process: killed, and what it left removed, however the test ends.
struct StackProcess {
    child: std::process::Child,
    leftovers: Option<Leftovers>,
}

impl Drop for StackProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Some(leftovers) = &self.leftovers {
            leftovers.remove();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stack_killed_under_load_has_an_audit_record_for_every_password_it_returned() {
    // reqwest is built without a default TLS provider (one provider, ring, in the graph).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().unwrap();
    let info_path = dir.path().join("stack.json");
    let child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "durability::killable_stack",
            "--ignored",
            "--nocapture",
        ])
        .env(CHILD, &info_path)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut process = StackProcess {
        child,
        leftovers: None,
    };
    let started = Instant::now();
    let info: Value = loop {
        if let Ok(text) = std::fs::read_to_string(&info_path) {
            break serde_json::from_str(&text).unwrap();
        }
        if let Some(status) = process.child.try_wait().unwrap() {
            panic!("the stack process ended before its stack was up: {status}");
        }
        assert!(
            started.elapsed() < Duration::from_secs(180),
            "the stack process did not start its stack in 180 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    process.leftovers = Some(Leftovers::from_json(&info["leftovers"]).unwrap());
    let remote = Remote {
        http: reqwest::Client::new(),
        base_url: info["base_url"].as_str().unwrap().to_owned(),
    };
    let api = Api { stack: &remote };

    let org = Org::create(&api, "durable").await;
    let root = api
        .login_reply("/durable", "root", &crate::api::password_for("root"))
        .await;
    let org_id = uuid::Uuid::parse_str(root["org_id"].as_str().unwrap()).unwrap();
    let (s, resource) = api
        .post(
            &org.url("/resources"),
            Some(&org.admin),
            json!({"name": "ledger", "type": "PostgreSQL", "host": "ledger.test"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{resource}");
    let mut paths = Vec::new();
    for i in 0..ACCOUNTS {
        let (s, account) = api
            .post(
                &org.url(&format!(
                    "/resources/{}/accounts",
                    resource["id"].as_str().unwrap()
                )),
                Some(&org.admin),
                json!({"username": format!("app{i}"), "password": format!("s3cret-{i}")}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{account}");
        let id = account["id"].as_str().unwrap().to_owned();
        paths.push((id.clone(), org.url(&format!("/accounts/{id}/password"))));
    }
    let (s, key) = api
        .post(
            &org.url("/api-keys"),
            Some(&org.admin),
            json!({"name": "app"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{key}");
    let key = key["key"].as_str().unwrap().to_owned();

    // Applications reveal until the stack is gone; each 200 is a password that left.
    let answered: Arc<Mutex<HashMap<String, u64>>> = Arc::default();
    let total = Arc::new(AtomicU64::new(0));
    let mut load = tokio::task::JoinSet::new();
    for t in 0..CONCURRENCY {
        let (http, base) = (remote.http.clone(), remote.base_url.clone());
        let (paths, key, answered, total) =
            (paths.clone(), key.clone(), answered.clone(), total.clone());
        load.spawn(async move {
            for i in t.. {
                let (account, path) = &paths[i % paths.len()];
                let reply = http
                    .get(format!("{base}{path}"))
                    .bearer_auth(&key)
                    .timeout(Duration::from_secs(30))
                    .send()
                    .await;
                let Ok(reply) = reply else { return };
                if reply.status() != StatusCode::OK {
                    continue;
                }
                // The password arrived whole.
                let Ok(body) = reply.json::<Value>().await else {
                    continue;
                };
                if body["password"].as_str().is_some() {
                    *answered.lock().await.entry(account.clone()).or_default() += 1;
                    total.fetch_add(1, Ordering::SeqCst);
                }
            }
        });
    }
    let loading = Instant::now();
    while total.load(Ordering::SeqCst) < ANSWERED_BEFORE_KILL {
        assert!(
            loading.elapsed() < Duration::from_secs(180),
            "only {} reveals answered in 180 s",
            total.load(Ordering::SeqCst)
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // SIGKILL, with reveals in flight.
    process.child.kill().unwrap();
    process.child.wait().unwrap();
    while load.join_next().await.is_some() {}
    let answered = answered.lock().await.clone();
    let returned: u64 = answered.values().sum();
    assert!(returned >= ANSWERED_BEFORE_KILL);

    // The records as the killed stack left them: in the vault, waiting to be forwarded, and
    // in the audit service.
    let records = strongroom_e2e::records::reveal_records(
        info["vault_db"].as_str().unwrap(),
        info["audit_db"].as_str().unwrap(),
        org_id,
    )
    .await
    .unwrap();
    let mut recorded: HashMap<String, i64> = HashMap::new();
    for record in records.into_values() {
        if record.operation == "password.revealed" {
            *recorded.entry(record.account_id).or_default() += 1;
        }
    }

    for (account, n) in &answered {
        let stored = recorded.get(account).copied().unwrap_or(0);
        assert!(
            u64::try_from(stored).unwrap() >= *n,
            "account {account}: {n} passwords returned, {stored} reveals recorded"
        );
    }
    let stored: i64 = recorded.values().sum();
    eprintln!(
        "[durability] {returned} passwords returned before and around the kill, \
         {stored} reveals recorded"
    );
}
