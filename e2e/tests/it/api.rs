//! Calls to the REST API as users and applications make them.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::stack::Stack;

pub struct Api<'a> {
    pub stack: &'a Stack,
}

impl Api<'_> {
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = self
            .stack
            .http
            .request(method, format!("{}{path}", self.stack.base_url))
            .header("user-agent", "strongroom-e2e");
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status();
        let text = resp.text().await.unwrap();
        let value = serde_json::from_str(&text)
            .unwrap_or_else(|_| panic!("{path} answered {status} with non-JSON body {text:?}"));
        (status, value)
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> (StatusCode, Value) {
        self.call(Method::POST, path, token, Some(body)).await
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> (StatusCode, Value) {
        self.call(Method::GET, path, token, None).await
    }

    pub async fn login(&self, prefix: &str, username: &str, password: &str) -> String {
        let (status, body) = self
            .post(
                &format!("{prefix}/api/v1/auth/login"),
                None,
                json!({ "username": username, "password": password }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "login of {username}: {body}");
        body["token"].as_str().unwrap().to_owned()
    }
}

pub fn assert_error(status: StatusCode, body: &Value, expected: StatusCode) {
    assert_eq!(status, expected, "{body}");
    assert!(
        body["error"].is_string() && body["message"].is_string(),
        "{body}"
    );
}
