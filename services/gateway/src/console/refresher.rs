//! Renewing a console session: a refresh token is spent once, and the visitor's requests
//! that arrive together with it share its renewal.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::http::Method;
use sha2::{Digest, Sha256};

use super::client::{ApiClient, OnBehalf, Refusal};
use crate::dto::auth::{RefreshBody, Token};

/// How long a refreshed session's new tokens are kept for the visitor's other requests
/// that still carry the old refresh token (each refresh token is good once: sending a
/// spent one again ends the session as stolen).
const REFRESHED_KEPT: Duration = Duration::from_secs(30);

/// Renews sessions, once per refresh token: a visitor's requests that arrive together with
/// the same lapsed token share one renewal rather than spending the token twice.
#[derive(Default)]
pub struct Refresher {
    /// By the digest of the refresh token spent: when, and what it got.
    renewed: tokio::sync::Mutex<HashMap<[u8; 32], Renewal>>,
}

type Renewal = (Instant, Arc<Token>);

impl Refresher {
    pub async fn refresh(
        &self,
        api: &ApiClient,
        who: &OnBehalf,
        org: Option<String>,
        refresh_token: &str,
    ) -> Result<Arc<Token>, Refusal> {
        let key: [u8; 32] = Sha256::digest(refresh_token.as_bytes()).into();
        let mut renewed = self.renewed.lock().await;
        renewed.retain(|_, (at, _)| at.elapsed() < REFRESHED_KEPT);
        if let Some((_, token)) = renewed.get(&key) {
            return Ok(token.clone());
        }
        let who = OnBehalf {
            org,
            token: None,
            ..who.clone()
        };
        let body = RefreshBody {
            refresh_token: refresh_token.to_owned(),
        };
        let token: Token = api.call(&who, Method::POST, "/auth/refresh", &body).await?;
        let token = Arc::new(token);
        renewed.insert(key, (Instant::now(), token.clone()));
        Ok(token)
    }
}
