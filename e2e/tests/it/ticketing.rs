//! Ticketing: the org's ticketing system, a real HTTP server started here, is asked about
//! the ticket before a request, its checkout and each reveal (under access control, the
//! request's ticket; otherwise the one given with the reveal or export); the host rule, the
//! timeout and the org's proxy apply to the call.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::Utc;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::access_control::controlled_account;
use crate::api::{Api, Org, assert_error, audit_operations};
use crate::shares::{created, id};
use crate::stack::Stack;

/// One request the ticketing server received.
#[derive(Debug, Clone)]
struct Seen {
    request_line: String,
    headers: HashMap<String, String>,
}

/// A ticketing system on loopback: `GET|POST .../tickets/<id>` answers 200 with the ticket's
/// state, 404 for an unknown ticket; `SLOW-*` tickets answer after 5 s. It also serves as
/// an HTTP proxy (a request line with an absolute URL is answered the same way).
#[derive(Clone)]
struct Tickets {
    port: u16,
    states: Arc<Mutex<HashMap<String, &'static str>>>,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Tickets {
    async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let tickets = Tickets {
            port: listener.local_addr().unwrap().port(),
            states: Arc::default(),
            seen: Arc::default(),
        };
        let served = tickets.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(served.clone().answer(stream));
            }
        });
        tickets
    }

    fn set(&self, ticket: &str, state: &'static str) {
        self.states.lock().unwrap().insert(ticket.into(), state);
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    async fn answer(self, mut stream: TcpStream) {
        let mut data = Vec::new();
        let mut buf = [0u8; 4096];
        let head_end = loop {
            let Ok(n) = stream.read(&mut buf).await else {
                return;
            };
            if n == 0 {
                return;
            }
            data.extend_from_slice(&buf[..n]);
            if let Some(at) = data.windows(4).position(|w| w == b"\r\n\r\n") {
                break at;
            }
        };
        let head = String::from_utf8_lossy(&data[..head_end]).into_owned();
        let mut lines = head.split("\r\n");
        let request_line = lines.next().unwrap_or_default().to_owned();
        let headers: HashMap<String, String> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
            .collect();
        let length: usize = headers
            .get("content-length")
            .and_then(|l| l.parse().ok())
            .unwrap_or(0);
        while data.len() < head_end + 4 + length {
            let Ok(n) = stream.read(&mut buf).await else {
                return;
            };
            if n == 0 {
                break;
            }
            data.extend_from_slice(&buf[..n]);
        }
        let body = String::from_utf8_lossy(&data[head_end + 4..]).into_owned();
        self.seen.lock().unwrap().push(Seen {
            request_line: request_line.clone(),
            headers,
        });
        let target = request_line.split(' ').nth(1).unwrap_or_default();
        let ticket = target
            .rsplit_once("/tickets/")
            .map(|(_, t)| t.to_owned())
            .or_else(|| {
                serde_json::from_str::<Value>(&body).ok()?["ticket"]
                    .as_str()
                    .map(str::to_owned)
            })
            .unwrap_or_default();
        if ticket.starts_with("SLOW-") {
            tokio::time::sleep(Duration::from_secs(5)).await;
        }
        let state = self.states.lock().unwrap().get(&ticket).copied();
        let (status, reply) = match state {
            Some(state) => (
                "200 OK",
                json!({"ticket": ticket, "status": state}).to_string(),
            ),
            None => (
                "404 Not Found",
                json!({"error": "no such ticket"}).to_string(),
            ),
        };
        let answer = format!(
            "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
             Connection: close\r\n\r\n{reply}",
            reply.len()
        );
        let _ = stream.write_all(answer.as_bytes()).await;
    }
}

fn basic(user: &str, password: &str) -> String {
    format!("Basic {}", BASE64.encode(format!("{user}:{password}")))
}

async fn try_ticket(api: &Api<'_>, org: &Org, ticket: &str) -> Value {
    let (s, b) = api
        .post(
            &org.url("/settings/ticketing/check"),
            Some(&org.admin),
            json!({"ticket_id": ticket}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    b
}

async fn reveal(api: &Api<'_>, org: &Org, token: &str, account: &str) -> (StatusCode, Value) {
    api.get(
        &org.url(&format!("/accounts/{account}/password")),
        Some(token),
    )
    .await
}

/// Polls a reveal until it is allowed (at most 20 s); how long it took.
async fn until_revealed(api: &Api<'_>, org: &Org, token: &str, account: &str) -> Duration {
    let started = Instant::now();
    loop {
        let (s, b) = reveal(api, org, token, account).await;
        if s == StatusCode::OK {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "still refused: {b}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn says(b: &Value, text: &str) {
    let message = b["message"].as_str().unwrap_or_default();
    assert!(message.contains(text), "{message:?} does not say {text:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn tickets_are_checked_before_requests_checkouts_and_reveals() {
    let stack = Stack::start(None).await.unwrap();
    let api = Api { stack: &stack };
    let org = Org::create(&api, "ticketing").await;
    let msp = api.login("", "admin", crate::stack::ADMIN_PASSWORD).await;
    let tickets = Tickets::start().await;
    tickets.set("INC-1", "open");
    tickets.set("INC-2", "closed");
    let settings = org.url("/settings/ticketing");
    let mut body = json!({
        "enabled": true,
        "url": format!("http://127.0.0.1:{}/api/tickets/{{ticket_id}}", tickets.port),
        "expected": "\"status\":\"open\"",
        "username": "pmp", "password": "tk-secret-1",
        "check_on_request": true, "check_on_checkout": true, "check_on_reveal": true,
        "timeout_seconds": 2,
    });

    // The host rule: loopback is refused unless allowed, and only MSPOrg's administrators
    // allow it.
    let (s, b) = api.put(&settings, Some(&org.admin), body.clone()).await;
    assert_error(s, &b, StatusCode::BAD_REQUEST);
    says(&b, "loopback");
    says(&b, "allow_internal_hosts");
    body["allow_internal_hosts"] = json!(true);
    let (s, b) = api.put(&settings, Some(&org.admin), body.clone()).await;
    assert_error(s, &b, StatusCode::FORBIDDEN);
    // A URL and body without the ticket id would judge every ticket alike.
    let mut without = body.clone();
    without["url"] = json!(format!("http://127.0.0.1:{}/api/tickets", tickets.port));
    let (s, b) = api.put(&settings, Some(&msp), without).await;
    assert_error(s, &b, StatusCode::BAD_REQUEST);
    says(&b, "{ticket_id}");
    let (s, b) = api.put(&settings, Some(&msp), body.clone()).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["password_set"], true, "{b}");
    assert_eq!(b["method"], "GET", "{b}");
    assert!(!b.to_string().contains("tk-secret"), "{b}");
    let (s, b) = api.get(&settings, Some(&org.admin)).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert!(!b.to_string().contains("tk-secret"), "{b}");

    // Trying tickets from the settings: valid, closed, unknown, malformed.
    let b = try_ticket(&api, &org, "INC-1").await;
    assert_eq!(
        (b["valid"].clone(), b["status"].clone()),
        (json!(true), json!(200)),
        "{b}"
    );
    let b = try_ticket(&api, &org, "INC-2").await;
    assert_eq!(b["valid"], false, "{b}");
    assert!(
        b["reason"].as_str().unwrap().contains("does not contain"),
        "{b}"
    );
    let b = try_ticket(&api, &org, "INC-404").await;
    assert_eq!(
        (b["valid"].clone(), b["status"].clone()),
        (json!(false), json!(404)),
        "{b}"
    );
    let b = try_ticket(&api, &org, "../admin").await;
    assert_eq!(b["valid"], false, "{b}");
    assert!(b["reason"].as_str().unwrap().contains("letters"), "{b}");
    let asked = tickets.seen();
    assert_eq!(
        asked.len(),
        3,
        "a malformed ticket id is never sent: {asked:?}"
    );
    assert_eq!(asked[0].request_line, "GET /api/tickets/INC-1 HTTP/1.1");
    assert_eq!(
        asked[0].headers["authorization"],
        basic("pmp", "tk-secret-1")
    );

    // A ticketing system that does not answer in time: 503, within about the timeout.
    let started = Instant::now();
    let (s, b) = api
        .post(
            &org.url("/settings/ticketing/check"),
            Some(&org.admin),
            json!({"ticket_id": "SLOW-1"}),
        )
        .await;
    let took = started.elapsed();
    assert_error(s, &b, StatusCode::SERVICE_UNAVAILABLE);
    says(&b, "no answer in time");
    eprintln!("a ticket check timing out at 2 s answered after {took:?}");
    assert!(took < Duration::from_secs(30), "{took:?}");

    // The workflow: a request needs a valid ticket; checkout and reveal check it again.
    let (_, olga_pw) = api
        .add_user(&org.prefix, &org.admin, "olga", "password_user")
        .await;
    let olga = api.login(&org.prefix, "olga", &olga_pw).await;
    let (rita_id, rita_pw) = api
        .add_user(&org.prefix, &org.admin, "rita", "password_user")
        .await;
    let rita = api.login(&org.prefix, "rita", &rita_pw).await;
    let account = controlled_account(
        &api,
        &org,
        &olga,
        &rita_id,
        ("db9", "pg-secret-9"),
        json!({}),
    )
    .await;
    let ends_at = (Utc::now() + chrono::Duration::minutes(30)).to_rfc3339();
    let ask = |ticket: &str| {
        json!({"account_id": account, "reason": "patching", "ticket_id": ticket,
               "ends_at": ends_at})
    };
    for (ticket, why) in [
        ("", "a ticket id is needed"),
        ("INC-404", "404"),
        ("INC-2", "does not contain"),
    ] {
        let (s, b) = api
            .post(&org.url("/access-requests"), Some(&rita), ask(ticket))
            .await;
        assert_error(s, &b, StatusCode::BAD_REQUEST);
        says(&b, why);
    }
    let request = id(&created(&api, &org.url("/access-requests"), &rita, ask("INC-1")).await);
    let (s, b) = api
        .post(
            &org.url(&format!("/access-requests/{request}/approve")),
            Some(&org.admin),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    // The ticket was closed since: no checkout.
    tickets.set("INC-1", "closed");
    let check_out = org.url(&format!("/access-requests/{request}/check-out"));
    let (s, b) = api.post(&check_out, Some(&rita), json!({})).await;
    assert_error(s, &b, StatusCode::FORBIDDEN);
    says(&b, "INC-1");
    tickets.set("INC-1", "open");
    let (s, b) = api.post(&check_out, Some(&rita), json!({})).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (s, b) = reveal(&api, &org, &rita, &account).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["password"], "pg-secret-9");
    // Closed while checked out: the reveal is refused, saying why.
    tickets.set("INC-1", "closed");
    let (s, b) = reveal(&api, &org, &rita, &account).await;
    assert_error(s, &b, StatusCode::FORBIDDEN);
    says(&b, "INC-1");
    tickets.set("INC-1", "open");
    let (s, b) = reveal(&api, &org, &rita, &account).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    // The org stops checking tickets before reveals: the access service, which keeps where
    // the org checks them, hears it at once, and a closed ticket no longer stops the reveal.
    tickets.set("INC-1", "closed");
    body["check_on_reveal"] = json!(false);
    let (s, b) = api.put(&settings, Some(&msp), body.clone()).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let took = until_revealed(&api, &org, &rita, &account).await;
    eprintln!("reveals stopped asking for tickets {took:?} after the change");
    tickets.set("INC-1", "open");
    body["check_on_reveal"] = json!(true);
    let (s, b) = api.put(&settings, Some(&msp), body.clone()).await;
    assert_eq!(s, StatusCode::OK, "{b}");

    // Through the org's proxy: the proxy (this same server) gets the absolute URL and its
    // own credentials; the ticketing host's name is the proxy's to resolve.
    let (s, b) = api
        .put(
            &org.url("/settings/proxy"),
            Some(&msp),
            json!({"enabled": true, "host": "127.0.0.1", "port": tickets.port,
                   "username": "px", "password": "px-secret-1",
                   "allow_internal_hosts": true}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    body["url"] = json!("http://tickets.acme.test/api/tickets/{ticket_id}");
    body["password"] = json!("tk-secret-2");
    body["allow_internal_hosts"] = json!(false);
    let (s, b) = api.put(&settings, Some(&org.admin), body.clone()).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let before = tickets.seen().len();
    let b = try_ticket(&api, &org, "INC-1").await;
    assert_eq!(b["valid"], true, "{b}");
    let through = &tickets.seen()[before];
    assert_eq!(
        through.request_line,
        "GET http://tickets.acme.test/api/tickets/INC-1 HTTP/1.1"
    );
    assert_eq!(
        through.headers["proxy-authorization"],
        basic("px", "px-secret-1")
    );
    assert_eq!(
        through.headers["authorization"],
        basic("pmp", "tk-secret-2")
    );
    // A cluster name stays refused through the proxy.
    body["url"] = json!("http://vault.strongroom.svc/api/tickets/{ticket_id}");
    let (s, b) = api.put(&settings, Some(&org.admin), body).await;
    assert_error(s, &b, StatusCode::BAD_REQUEST);
    says(&b, "inside the deployment");

    // The trail names what changed, never a password.
    let records = audit_operations(&api, &org, &["settings.ticketing_updated"]).await;
    assert!(records.len() >= 3, "{records:?}");
    let text = serde_json::to_string(&records).unwrap();
    assert!(
        !text.contains("tk-secret") && !text.contains("px-secret"),
        "{text}"
    );
    stack.stop().await.unwrap();
}

async fn reveal_with(
    api: &Api<'_>,
    org: &Org,
    token: &str,
    path: &str,
    ticket: &str,
) -> (StatusCode, Value) {
    api.get(
        &org.url(&format!("{path}?reason=patching&ticket_id={ticket}")),
        Some(token),
    )
    .await
}

async fn export_with(stack: &Stack, org: &Org, token: &str, ticket: &str) -> (StatusCode, String) {
    let exported = stack
        .http
        .post(format!("{}{}", stack.base_url, org.url("/export")))
        .bearer_auth(token)
        .json(&json!({"format": "csv", "ticket_id": ticket}))
        .send()
        .await
        .unwrap();
    (exported.status(), exported.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_reveal_needs_a_valid_ticket_where_the_org_checks_them() {
    let stack = Stack::start(None).await.unwrap();
    let api = Api { stack: &stack };
    let org = Org::create(&api, "revealtickets").await;
    let msp = api.login("", "admin", crate::stack::ADMIN_PASSWORD).await;
    let tickets = Tickets::start().await;
    tickets.set("INC-7", "open");
    tickets.set("INC-8", "closed");
    let (olga_id, olga_pw) = api
        .add_user(&org.prefix, &org.admin, "olga", "password_user")
        .await;
    let olga = api.login(&org.prefix, "olga", &olga_pw).await;
    let (rita_id, rita_pw) = api
        .add_user(&org.prefix, &org.admin, "rita", "password_user")
        .await;
    let rita = api.login(&org.prefix, "rita", &rita_pw).await;
    // Olga's password, not under access control, shared with Rita; a second version.
    let account = api
        .store_password(&org.prefix, &olga, "db7", "postgres", "pg-secret-7")
        .await;
    created(
        &api,
        &org.url(&format!("/accounts/{account}/shares")),
        &olga,
        json!({"grantee_kind": "user", "grantee_id": rita_id, "level": "view"}),
    )
    .await;
    let (s, b) = api
        .put(
            &org.url(&format!("/accounts/{account}/password")),
            Some(&olga),
            json!({"password": "pg-secret-7b", "reason": "rotate"}),
        )
        .await;
    assert!(s.is_success(), "{b}");
    let (s, b) = api
        .put(
            &org.url(&format!("/export-rules/user/{olga_id}")),
            Some(&org.admin),
            json!({"allowed": true}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let current = format!("/accounts/{account}/password");
    let first = format!("/accounts/{account}/password-history/1/password");

    // Before the org checks tickets, the owner's reveals need none (and the vault keeps
    // her owner's allowance).
    for _ in 0..3 {
        let (s, b) = reveal(&api, &org, &olga, &account).await;
        assert_eq!(s, StatusCode::OK, "{b}");
    }
    let settings = org.url("/settings/ticketing");
    let mut body = json!({
        "enabled": true,
        "url": format!("http://127.0.0.1:{}/api/tickets/{{ticket_id}}", tickets.port),
        "expected": "\"status\":\"open\"",
        "check_on_request": false, "check_on_checkout": false, "check_on_reveal": true,
        "timeout_seconds": 2, "allow_internal_hosts": true,
    });
    let (s, b) = api.put(&settings, Some(&msp), body.clone()).await;
    assert_eq!(s, StatusCode::OK, "{b}");

    // Her kept allowance is forgotten on every replica as the change is heard.
    let changed = Instant::now();
    loop {
        let (s, b) = reveal(&api, &org, &olga, &account).await;
        if s == StatusCode::FORBIDDEN {
            says(&b, "a ticket id is needed");
            break;
        }
        assert_eq!(s, StatusCode::OK, "{b}");
        assert!(
            changed.elapsed() < Duration::from_secs(20),
            "the owner still reveals without a ticket"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    eprintln!(
        "the owner's reveals needed a ticket {:?} after the change",
        changed.elapsed()
    );

    // Owner and sharee alike, the current password and an earlier version: no ticket, a
    // closed one and an unknown one are refused, saying why; an open one lets them on.
    for token in [&olga, &rita] {
        for path in [&current, &first] {
            for (ticket, why) in [
                ("", "a ticket id is needed"),
                ("INC-8", "does not contain"),
                ("INC-404", "404"),
            ] {
                let (s, b) = reveal_with(&api, &org, token, path, ticket).await;
                assert_error(s, &b, StatusCode::FORBIDDEN);
                says(&b, why);
            }
            let (s, b) = reveal_with(&api, &org, token, path, "INC-7").await;
            assert_eq!(s, StatusCode::OK, "{b}");
        }
    }
    let (s, b) = reveal_with(&api, &org, &olga, &current, "INC-7").await;
    assert_eq!(
        (s, b["password"].clone()),
        (StatusCode::OK, json!("pg-secret-7b"))
    );
    // Every reveal asks again: a ticket closed since is refused at once, the owner's too.
    tickets.set("INC-7", "closed");
    let (s, b) = reveal_with(&api, &org, &olga, &current, "INC-7").await;
    assert_error(s, &b, StatusCode::FORBIDDEN);
    says(&b, "does not contain");
    tickets.set("INC-7", "open");

    // An export shows passwords too: it needs the ticket as well.
    let (s, text) = export_with(&stack, &org, &olga, "").await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{text}");
    assert!(text.contains("a ticket id is needed"), "{text}");
    let (s, text) = export_with(&stack, &org, &olga, "INC-8").await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{text}");
    let (s, text) = export_with(&stack, &org, &olga, "INC-7").await;
    assert_eq!(s, StatusCode::OK, "{text}");
    assert!(text.contains("pg-secret-7b"), "{text}");

    // The trail keeps the ticket with each reveal, a version's and the export.
    let records = audit_operations(
        &api,
        &org,
        &[
            "password.revealed",
            "password.version_revealed",
            "vault.exported",
        ],
    )
    .await;
    for operation in [
        "password.revealed",
        "password.version_revealed",
        "vault.exported",
    ] {
        assert!(
            records
                .iter()
                .any(|r| r["operation"] == operation && r["details"]["ticket_id"] == "INC-7"),
            "no {operation} with its ticket: {records:?}"
        );
    }

    // The org checks tickets before requests only: reveals need none again.
    body["check_on_reveal"] = json!(false);
    body["check_on_request"] = json!(true);
    let (s, b) = api.put(&settings, Some(&msp), body).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let took = until_revealed(&api, &org, &rita, &account).await;
    eprintln!("a sharee's reveals needed no ticket {took:?} after the change");
    stack.stop().await.unwrap();
}
