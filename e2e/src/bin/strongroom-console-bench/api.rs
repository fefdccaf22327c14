//! The REST API, for setting the benchmark's orgs and users up.

use anyhow::Context;
use serde_json::{Value, json};
use strongroom_e2e::stack::choose_password;

/// Every user the benchmark adds ends up with this password.
pub const USER_PASSWORD: &str = "Bench-console-pass-1!";

/// The REST API, for setting up.
pub struct Api {
    pub http: reqwest::Client,
    pub base: String,
}

impl Api {
    async fn send(&self, req: reqwest::RequestBuilder, path: &str) -> anyhow::Result<Value> {
        let r = req.send().await?;
        let status = r.status();
        let body: Value = r.json().await.unwrap_or(Value::Null);
        anyhow::ensure!(status.is_success(), "{path}: {status} {body}");
        Ok(body)
    }

    pub async fn get(&self, path: &str, token: &str) -> anyhow::Result<Value> {
        let req = self.http.get(format!("{}{path}", self.base));
        self.send(req.bearer_auth(token), path).await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> anyhow::Result<Value> {
        let req = self.http.post(format!("{}{path}", self.base)).json(&body);
        self.send(req.bearer_auth(token), path).await
    }

    pub async fn login(
        &self,
        prefix: &str,
        username: &str,
        password: &str,
    ) -> anyhow::Result<String> {
        let path = format!("{prefix}/api/v1/auth/login");
        let req = self
            .http
            .post(format!("{}{path}", self.base))
            .json(&json!({"username": username, "password": password}));
        let reply = self.send(req, &path).await?;
        Ok(reply["token"].as_str().context("a token")?.to_owned())
    }

    /// Adds a user at `prefix` who has chosen [`USER_PASSWORD`]: their id.
    pub async fn add_user(
        &self,
        prefix: &str,
        token: &str,
        username: &str,
        role: &str,
    ) -> anyhow::Result<String> {
        let first = "One-time-console-pass-1!";
        let user = self
            .post(
                &format!("{prefix}/api/v1/users"),
                token,
                json!({"username": username, "email": format!("{username}@bench.test"),
                       "role": role, "password": first}),
            )
            .await?;
        choose_password(
            &self.http,
            &self.base,
            prefix,
            username,
            first,
            USER_PASSWORD,
        )
        .await?;
        Ok(user["id"].as_str().context("user id")?.to_owned())
    }
}
