//! Every service learns of revocations on its own (each polls them), so a service can learn
//! that an API key's user changed (a new role, a disabled account) a moment before this
//! gateway does, and refuse the token the gateway remembered for the key while the gateway
//! still takes it for good. A GET made with a key and refused that way runs once more, with
//! a token asked of identity afresh: it carries the user's rights as they are now, or
//! identity refuses the key. The caller sees the outcome of the change, never a stray 401.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::extract::Request;
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;

/// Set by the caller extractor when it served a token remembered for a key.
#[derive(Clone, Default)]
pub struct RememberedKeyToken(Arc<AtomicBool>);

impl RememberedKeyToken {
    pub fn mark(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    fn used(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// Tells the caller extractor to ask identity for the key's token, not to use one it
/// remembers.
#[derive(Clone, Copy)]
pub struct FreshKeyToken;

pub async fn retry_refused_key_token(mut request: Request, next: Next) -> Response {
    let with_key = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start_matches("Bearer ").starts_with("srk_"));
    if request.method() != Method::GET || !with_key {
        return next.run(request).await;
    }
    // The same request again: a GET carries no body, and the extensions hold what routing
    // and the org prefix found (path parameters, the org's slug) and the client's address.
    let mut again = Request::new(axum::body::Body::empty());
    *again.method_mut() = Method::GET;
    *again.uri_mut() = request.uri().clone();
    *again.version_mut() = request.version();
    *again.headers_mut() = request.headers().clone();
    *again.extensions_mut() = request.extensions().clone();
    again.extensions_mut().insert(FreshKeyToken);
    let remembered = RememberedKeyToken::default();
    request.extensions_mut().insert(remembered.clone());
    let response = next.clone().run(request).await;
    if response.status() == StatusCode::UNAUTHORIZED && remembered.used() {
        next.run(again).await
    } else {
        response
    }
}

#[cfg(test)]
mod tests {
    use axum::Router;
    use axum::extract::Path;
    use axum::routing::get;
    use tower::ServiceExt;

    use super::*;

    /// A service that refuses remembered tokens, as one does right after a role change
    /// the gateway has not seen yet; it answers with the path parameter it was given.
    async fn refuses_remembered(Path(id): Path<String>, request: Request) -> (StatusCode, String) {
        if request.extensions().get::<FreshKeyToken>().is_some() {
            return (StatusCode::OK, id);
        }
        if let Some(remembered) = request.extensions().get::<RememberedKeyToken>() {
            remembered.mark();
        }
        (StatusCode::UNAUTHORIZED, id)
    }

    async fn answer(method: Method, bearer: &str) -> (StatusCode, String) {
        let app = Router::new()
            .nest(
                "/api/v1",
                Router::new().route("/x/{id}", get(refuses_remembered).post(refuses_remembered)),
            )
            .layer(axum::middleware::from_fn(retry_refused_key_token));
        let request = Request::builder()
            .method(method)
            .uri("/api/v1/x/42")
            .header(header::AUTHORIZATION, format!("Bearer {bearer}"))
            .body(axum::body::Body::empty())
            .unwrap();
        let response = app.oneshot(request).await.unwrap();
        let status = response.status();
        let body = axum::body::to_bytes(response.into_body(), 1024)
            .await
            .unwrap();
        (status, String::from_utf8(body.to_vec()).unwrap())
    }

    #[tokio::test]
    async fn a_get_with_a_refused_remembered_key_token_runs_again_with_a_fresh_one() {
        assert_eq!(
            answer(Method::GET, "srk_abc").await,
            (StatusCode::OK, "42".to_owned())
        );
    }

    #[tokio::test]
    async fn other_refusals_are_answered_as_they_are() {
        // Not a key, or not a GET: nothing is run twice.
        assert_eq!(
            answer(Method::GET, "eyJ.token").await.0,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            answer(Method::POST, "srk_abc").await.0,
            StatusCode::UNAUTHORIZED
        );
    }
}
