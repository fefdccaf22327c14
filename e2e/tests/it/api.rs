//! Calls to the REST API as users and applications make them.

use std::time::{Duration, Instant};

use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::stack::Stack;

pub struct Api<'a> {
    pub stack: &'a dyn Reachable,
}

/// Where the API answers: a stack in this process, or one in a child process.
pub trait Reachable: Sync {
    fn http(&self) -> &reqwest::Client;
    fn base_url(&self) -> &str;
}

impl Reachable for Stack {
    fn http(&self) -> &reqwest::Client {
        &self.http
    }
    fn base_url(&self) -> &str {
        &self.base_url
    }
}

/// A reply: status, headers, and the JSON body (`null` when there is none, as for 204).
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Api<'_> {
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let mut req = self
            .stack
            .http()
            .request(method, format!("{}{path}", self.stack.base_url()))
            .header("user-agent", "strongroom-e2e");
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        reply(path, req).await
    }

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let r = self.send(method, path, token, body).await;
        (r.status, r.body)
    }

    /// A body that is not JSON (a CSV file, say), with its content type.
    pub async fn post_raw(
        &self,
        path: &str,
        token: Option<&str>,
        content_type: &str,
        body: impl Into<reqwest::Body>,
    ) -> (StatusCode, Value) {
        let mut req = self
            .stack
            .http()
            .post(format!("{}{path}", self.stack.base_url()))
            .header("user-agent", "strongroom-e2e")
            .header("content-type", content_type)
            .body(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let r = reply(path, req).await;
        (r.status, r.body)
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> (StatusCode, Value) {
        self.call(Method::POST, path, token, Some(body)).await
    }

    pub async fn put(&self, path: &str, token: Option<&str>, body: Value) -> (StatusCode, Value) {
        self.call(Method::PUT, path, token, Some(body)).await
    }

    pub async fn patch(&self, path: &str, token: Option<&str>, body: Value) -> (StatusCode, Value) {
        self.call(Method::PATCH, path, token, Some(body)).await
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> (StatusCode, Value) {
        self.call(Method::GET, path, token, None).await
    }

    pub async fn delete(&self, path: &str, token: Option<&str>) -> (StatusCode, Value) {
        self.call(Method::DELETE, path, token, None).await
    }

    /// The whole login reply, whatever its status.
    pub async fn try_login(&self, prefix: &str, username: &str, password: &str) -> Reply {
        self.send(
            Method::POST,
            &format!("{prefix}/api/v1/auth/login"),
            None,
            Some(json!({ "username": username, "password": password })),
        )
        .await
    }

    /// Logs in, demanding success; the whole reply body (tokens, role, permissions...).
    pub async fn login_reply(&self, prefix: &str, username: &str, password: &str) -> Value {
        let r = self.try_login(prefix, username, password).await;
        assert_eq!(r.status, StatusCode::OK, "login of {username}: {}", r.body);
        r.body
    }

    pub async fn login(&self, prefix: &str, username: &str, password: &str) -> String {
        let body = self.login_reply(prefix, username, password).await;
        body["token"].as_str().unwrap().to_owned()
    }

    /// Adds a user with the given role; returns their id and password.
    pub async fn add_user(
        &self,
        prefix: &str,
        token: &str,
        username: &str,
        role: &str,
    ) -> (String, String) {
        let one_time = format!("one-time-{}", password_for(username));
        let (s, b) = self
            .post(
                &format!("{prefix}/api/v1/users"),
                Some(token),
                json!({"username": username, "email": format!("{username}@example.test"),
                       "role": role, "password": one_time}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "adding {username}: {b}");
        let password = self
            .first_login(prefix, username, &one_time, &password_for(username))
            .await;
        (b["id"].as_str().unwrap().to_owned(), password)
    }

    /// A user made by an administrator replaces the password they were given (their first
    /// login asks for it); returns the new one.
    pub async fn first_login(
        &self,
        prefix: &str,
        username: &str,
        given: &str,
        own: &str,
    ) -> String {
        let r = self.try_login(prefix, username, given).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{username}: {}", r.body);
        assert!(
            r.body["message"]
                .as_str()
                .is_some_and(|m| m.contains("change-password")),
            "{}",
            r.body
        );
        let (s, b) = self
            .post(
                &format!("{prefix}/api/v1/auth/change-password"),
                None,
                json!({"username": username, "current_password": given, "new_password": own}),
            )
            .await;
        assert!(s.is_success(), "{username} choosing a password: {s} {b}");
        own.to_owned()
    }

    /// Stores a password in a new resource of `prefix`'s org; returns the account's id.
    pub async fn store_password(
        &self,
        prefix: &str,
        token: &str,
        resource: &str,
        username: &str,
        password: &str,
    ) -> String {
        let (s, r) = self
            .post(
                &format!("{prefix}/api/v1/resources"),
                Some(token),
                json!({"name": resource, "type": "linux", "host": "10.0.0.1"}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{r}");
        let (s, a) = self
            .post(
                &format!(
                    "{prefix}/api/v1/resources/{}/accounts",
                    r["id"].as_str().unwrap()
                ),
                Some(token),
                json!({"username": username, "password": password}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{a}");
        a["id"].as_str().unwrap().to_owned()
    }

    /// Polls `path` with `token` until it answers 401, for at most `limit`; how long it took.
    pub async fn until_refused(&self, path: &str, token: &str, limit: Duration) -> Duration {
        let start = Instant::now();
        loop {
            let (s, b) = self.get(path, Some(token)).await;
            if s == StatusCode::UNAUTHORIZED {
                assert!(b["message"].is_string(), "{b}");
                return start.elapsed();
            }
            assert!(
                start.elapsed() < limit,
                "{path} still answers {s} after {limit:?}: {b}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

async fn reply(path: &str, req: reqwest::RequestBuilder) -> Reply {
    let resp = req.send().await.unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let text = resp.text().await.unwrap();
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text)
            .unwrap_or_else(|_| panic!("{path} answered {status} with non-JSON body {text:?}"))
    };
    Reply {
        status,
        headers,
        body,
    }
}

/// A gRPC request carrying `token`, as a service forwards a user's.
pub fn with_token<T>(message: T, token: &str) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    request
        .metadata_mut()
        .insert("authorization", format!("Bearer {token}").parse().unwrap());
    request
}

/// A password that fits any reasonable policy, different for each user.
pub fn password_for(username: &str) -> String {
    format!("Pw-{username}-7x!Long")
}

/// A `PUT /settings/login` body: the defaults, with `default_role`.
pub fn login_settings(default_role: &str) -> Value {
    json!({"min_length": 8, "require_lowercase": false, "require_uppercase": false,
           "require_digit": false, "require_special": false, "history": 0,
           "max_age_days": 0, "lockout_threshold": 5, "lockout_minutes": 15,
           "default_role": default_role, "session_idle_minutes": 30, "session_max_hours": 12})
}

/// The id of a client org, as MSPOrg's administrator lists it.
pub async fn org_id(api: &Api<'_>, org: &Org) -> String {
    let msp = api.login("", "admin", crate::stack::ADMIN_PASSWORD).await;
    let (_, orgs) = api.get("/api/v1/orgs", Some(&msp)).await;
    let slug = org.prefix.trim_start_matches('/');
    orgs["orgs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["slug"] == slug)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// A client org with an administrator of its own (added by the MSP administrator, who is
/// its account manager).
pub struct Org {
    /// `/<slug>`, to put before `/api/v1/...`.
    pub prefix: String,
    pub admin: String,
}

impl Org {
    pub async fn create(api: &Api<'_>, slug: &str) -> Org {
        let msp = api.login("", "admin", crate::stack::ADMIN_PASSWORD).await;
        let (s, b) = api
            .post(
                "/api/v1/orgs",
                Some(&msp),
                json!({"slug": slug, "name": slug}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
        let prefix = format!("/{slug}");
        let (_, password) = api.add_user(&prefix, &msp, "root", "administrator").await;
        let admin = api.login(&prefix, "root", &password).await;
        Org { prefix, admin }
    }

    /// `/<slug>/api/v1{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("{}/api/v1{path}", self.prefix)
    }
}

pub fn assert_error(status: StatusCode, body: &Value, expected: StatusCode) {
    assert_eq!(status, expected, "{body}");
    assert!(
        body["error"].is_string() && body["message"].is_string(),
        "{body}"
    );
}

/// The org's audit trail (as its administrator reads it), once `wanted` all appear in it.
pub async fn audit_operations(api: &Api<'_>, org: &Org, wanted: &[&str]) -> Vec<Value> {
    strongroom_testkit::wait_until(Duration::from_secs(20), || async {
        let (s, b) = api.get(&org.url("/audit"), Some(&org.admin)).await;
        assert_eq!(s, StatusCode::OK, "{b}");
        let events = b["events"].as_array().unwrap().clone();
        wanted
            .iter()
            .all(|op| events.iter().any(|e| e["operation"] == *op))
            .then_some(events)
    })
    .await
    .unwrap_or_else(|e| panic!("{wanted:?} not all in the audit trail: {e}"))
}
