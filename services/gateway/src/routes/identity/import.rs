//! Importing users from a CSV file, sent as the raw file (`Content-Type: text/csv`) or as
//! JSON `{csv, all_or_nothing}`.

use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, Uri};
use bytes::Bytes;
use strongroom_auth::outgoing;
use strongroom_core::ErrorCode;
use strongroom_proto::identity::ImportUsersRequest;
use utoipa_axum::router::{UtoipaMethodRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

use crate::Gateway;
use crate::caller::Caller;
use crate::dto::errors::{
    BadRequest, Forbidden, NotFound, PayloadTooLarge, Unauthorized, Unavailable,
};
use crate::dto::users::{ImportQuery, ImportReport, ImportUsersBody};
use crate::error::ApiError;
use crate::openapi::tags;
use crate::routes::reply::{ApiResult, ok};
use crate::routes::request::{body, is_text_file, query, upload};

/// Largest file accepted: tens of thousands of users, and no more memory than that per upload.
const MAX_FILE: usize = 5 * 1024 * 1024;

pub(super) fn routes() -> UtoipaMethodRouter<Gateway> {
    routes!(import).layer(DefaultBodyLimit::max(MAX_FILE))
}

#[utoipa::path(
    post,
    path = "/users/import",
    tag = tags::USERS,
    summary = "Import users from a CSV file",
    description = "Header row `username,email[,full_name,department,location,role]`; per-row \
                   created / skipped / rejected. The file as the raw body (`text/csv` or \
                   `text/plain`, at most 5 MiB) or as JSON `{csv, all_or_nothing}`. Needs \
                   `users.manage`, and every permission of the roles given.",
    params(ImportQuery),
    request_body(
        description = "The CSV file, raw or as JSON",
        content(
            (ImportUsersBody = "application/json"),
            (String = "text/csv"),
            (String = "text/plain"),
        ),
    ),
    responses(
        (status = 200, description = "The outcome, row by row", body = ImportReport),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 413, response = PayloadTooLarge),
        (status = 503, response = Unavailable),
    ),
    security(("bearer" = [])),
)]
async fn import(
    State(state): State<Gateway>,
    Caller(ctx): Caller,
    uri: Uri,
    headers: HeaderMap,
    bytes: Result<Bytes, BytesRejection>,
) -> ApiResult {
    let bytes = match upload(bytes, MAX_FILE / (1024 * 1024)) {
        Ok(bytes) => bytes,
        Err(too_large) => return Ok(*too_large),
    };
    let q: ImportQuery = query(&uri)?;
    let (csv, all_or_nothing) = if is_text_file(&headers) {
        let csv = String::from_utf8(bytes.to_vec())
            .map_err(|_| ApiError::new(ErrorCode::InvalidArgument, "the file is not UTF-8 text"))?;
        (csv, q.all_or_nothing)
    } else {
        let b: ImportUsersBody = body(&bytes)?;
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
    ok(ImportReport::from(result))
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
