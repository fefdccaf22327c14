//! The console's way to the services: the REST API itself, called in process. Every page
//! sends the typed request of an API operation through the same router, extractors and
//! rules as any API client, and reads the typed response; a refusal comes back with the
//! API's own message. The console holds no rules and has no second path to the services.

use axum::body::Body;
use axum::http::{HeaderValue, Method, Request, StatusCode, header};
use serde::Serialize;
use serde::de::DeserializeOwned;
use strongroom_core::ErrorCode;
use tower::ServiceExt as _;

use crate::caller::OrgSlug;
use crate::client_ip::ClientIp;

/// The largest API reply the console reads (an export file is the largest).
const MAX_REPLY_BYTES: usize = 64 * 1024 * 1024;

/// The REST API router, called in process.
#[derive(Clone)]
pub struct ApiClient {
    api: axum::Router,
}

/// Who the console calls the API for: the org in the page's URL, the visitor's address
/// and browser (for the audit trail), and their session's access token once signed in.
#[derive(Clone, Default)]
pub struct OnBehalf {
    pub org: Option<String>,
    pub ip: Option<std::net::IpAddr>,
    pub user_agent: Option<HeaderValue>,
    pub token: Option<String>,
    /// The token that opens the visitor's personal passwords (`X-Personal-Unlock`).
    pub personal_unlock: Option<String>,
}

/// An API refusal: its status and the message the API gave.
#[derive(Debug, Clone)]
pub struct Refusal {
    pub status: StatusCode,
    pub message: String,
}

impl Refusal {
    /// Input the console itself finds wanting before asking the API (a form without its file).
    pub fn bad_input(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
        }
    }

    fn internal(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            message: message.into(),
        }
    }

    pub fn is(&self, code: ErrorCode) -> bool {
        self.status.as_u16() == code.http_status()
    }
}

/// What an API call answered.
pub struct Reply {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: bytes::Bytes,
}

impl ApiClient {
    pub fn new(api: axum::Router) -> Self {
        Self { api }
    }

    /// `GET /api/v1{path}`, read as `T`.
    pub async fn get<T: DeserializeOwned>(&self, who: &OnBehalf, path: &str) -> Result<T, Refusal> {
        self.ask(who, Method::GET, path).await
    }

    /// `method /api/v1{path}` with no body, read as `T`.
    pub async fn ask<T: DeserializeOwned>(
        &self,
        who: &OnBehalf,
        method: Method,
        path: &str,
    ) -> Result<T, Refusal> {
        let reply = self.send(who, method, path, None).await?;
        json(&reply.body)
    }

    /// `method /api/v1{path}` with `body` as JSON, read as `T`.
    pub async fn call<B: Serialize, T: DeserializeOwned>(
        &self,
        who: &OnBehalf,
        method: Method,
        path: &str,
        body: &B,
    ) -> Result<T, Refusal> {
        let body = serde_json::to_vec(body)
            .map_err(|e| Refusal::internal(format!("encoding the request: {e}")))?;
        let reply = self.send(who, method, path, Some(body)).await?;
        json(&reply.body)
    }

    /// `method /api/v1{path}` with `body` as JSON, for an operation that answers nothing.
    pub async fn act<B: Serialize>(
        &self,
        who: &OnBehalf,
        method: Method,
        path: &str,
        body: &B,
    ) -> Result<(), Refusal> {
        let body = serde_json::to_vec(body)
            .map_err(|e| Refusal::internal(format!("encoding the request: {e}")))?;
        self.send(who, method, path, Some(body)).await.map(drop)
    }

    /// Sends one request and reads the reply; a status other than 2xx is a [`Refusal`]
    /// carrying the API's message.
    pub async fn send(
        &self,
        who: &OnBehalf,
        method: Method,
        path: &str,
        body: Option<Vec<u8>>,
    ) -> Result<Reply, Refusal> {
        let mut request = Request::builder()
            .method(method)
            .uri(format!("/api/v1{path}"));
        if let Some(token) = &who.token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        if let Some(unlock) = &who.personal_unlock {
            request = request.header("x-personal-unlock", unlock.as_str());
        }
        if let Some(agent) = &who.user_agent {
            request = request.header(header::USER_AGENT, agent.clone());
        }
        if body.is_some() {
            request = request.header(header::CONTENT_TYPE, "application/json");
        }
        let mut request = request
            .body(Body::from(body.unwrap_or_default()))
            .map_err(|e| Refusal::internal(format!("building the request: {e}")))?;
        if let Some(org) = &who.org {
            request.extensions_mut().insert(OrgSlug(org.clone()));
        }
        if let Some(ip) = who.ip {
            request.extensions_mut().insert(ClientIp(ip));
        }
        let response = match self.api.clone().oneshot(request).await {
            Ok(response) => response,
            Err(never) => match never {},
        };
        let (parts, body) = response.into_parts();
        let body = axum::body::to_bytes(body, MAX_REPLY_BYTES)
            .await
            .map_err(|e| Refusal::internal(format!("reading the reply: {e}")))?;
        if parts.status.is_success() {
            return Ok(Reply {
                status: parts.status,
                headers: parts.headers,
                body,
            });
        }
        let message = serde_json::from_slice::<crate::dto::errors::ErrorResponse>(&body)
            .map(|e| e.message)
            .unwrap_or_else(|_| parts.status.to_string());
        Err(Refusal {
            status: parts.status,
            message,
        })
    }
}

fn json<T: DeserializeOwned>(body: &[u8]) -> Result<T, Refusal> {
    // An operation that answers nothing (204) reads as JSON `null`.
    let body: &[u8] = if body.is_empty() { b"null" } else { body };
    serde_json::from_slice(body).map_err(|e| Refusal::internal(format!("reading the reply: {e}")))
}
