//! Importing users from a CSV file, sent as the raw file (`Content-Type: text/csv`) or as
//! JSON `{csv, all_or_nothing}`.

use axum::Json;
use axum::extract::rejection::{BytesRejection, FailedToBufferBody};
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::IntoResponse;
use axum::routing::{MethodRouter, post};
use bytes::Bytes;
use serde::Deserialize;
use strongroom_auth::outgoing;
use strongroom_core::{ErrorBody, ErrorCode};
use strongroom_proto::identity::ImportUsersRequest;

use super::import_json;
use crate::Gateway;
use crate::caller::Caller;
use crate::error::ApiError;
use crate::routes::{ApiResult, body, is_text_file, ok, query};

/// Largest file accepted: tens of thousands of users, and no more memory than that per upload.
const MAX_FILE: usize = 5 * 1024 * 1024;

pub(super) fn route() -> MethodRouter<Gateway> {
    post(import).layer(DefaultBodyLimit::max(MAX_FILE))
}

#[derive(Deserialize)]
struct ImportQuery {
    #[serde(default)]
    all_or_nothing: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ImportBody {
    csv: String,
    #[serde(default)]
    all_or_nothing: bool,
}

async fn import(
    State(state): State<Gateway>,
    Caller(ctx): Caller,
    uri: Uri,
    headers: HeaderMap,
    bytes: Result<Bytes, BytesRejection>,
) -> ApiResult {
    let bytes = match bytes {
        Ok(bytes) => bytes,
        // Error codes have no "too large"; this reply is the one place that needs it.
        Err(BytesRejection::FailedToBufferBody(FailedToBufferBody::LengthLimitError(_))) => {
            let body = ErrorBody {
                error: "payload_too_large".into(),
                message: format!("the file is larger than {} MiB", MAX_FILE / (1024 * 1024)),
            };
            return Ok((StatusCode::PAYLOAD_TOO_LARGE, Json(body)).into_response());
        }
        Err(e) => return Err(ApiError::new(ErrorCode::InvalidArgument, e.body_text())),
    };
    let q: ImportQuery = query(&uri)?;
    let (csv, all_or_nothing) = if is_text_file(&headers) {
        let csv = String::from_utf8(bytes.to_vec())
            .map_err(|_| ApiError::new(ErrorCode::InvalidArgument, "the file is not UTF-8 text"))?;
        (csv, q.all_or_nothing)
    } else {
        let b: ImportBody = body(&bytes)?;
        (b.csv, b.all_or_nothing || q.all_or_nothing)
    };
    let result = state
        .identity
        .clone()
        .import_users(outgoing(
            &ctx,
            ImportUsersRequest {
                csv,
                all_or_nothing,
            },
        ))
        .await?
        .into_inner();
    ok(import_json(result))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_files_are_told_apart_from_json_by_their_content_type() {
        let with = |ct: &str| {
            let mut h = HeaderMap::new();
            if let Ok(v) = ct.parse() {
                h.insert(axum::http::header::CONTENT_TYPE, v);
            }
            is_text_file(&h)
        };
        assert!(with("text/csv"));
        assert!(with("Text/CSV; charset=utf-8"));
        assert!(with("text/plain"));
        assert!(!with("application/json"));
        assert!(!with(""));
    }
}
