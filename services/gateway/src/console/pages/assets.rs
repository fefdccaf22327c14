//! The console's stylesheet and script: compiled into the gateway, served with their
//! Subresource Integrity hashes, which the pages name.

use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use sha2::{Digest, Sha384};

use crate::console::PageError;

const CSS: &str = include_str!("../../../static/console.css");
const JS: &str = include_str!("../../../static/console.js");

/// `sha384-...` of each file, for the `integrity` attribute.
pub struct Integrity {
    pub css: String,
    pub js: String,
}

fn sri(text: &str) -> String {
    let digest = Sha384::digest(text.as_bytes());
    format!(
        "sha384-{}",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

static INTEGRITY: LazyLock<Integrity> = LazyLock::new(|| Integrity {
    css: sri(CSS),
    js: sri(JS),
});

pub fn integrity() -> &'static Integrity {
    &INTEGRITY
}

pub async fn serve(Path(name): Path<String>) -> Response {
    let (body, kind) = match name.as_str() {
        "console.css" => (CSS, "text/css; charset=utf-8"),
        "console.js" => (JS, "text/javascript; charset=utf-8"),
        _ => return PageError::NotFound.into_response(),
    };
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}
