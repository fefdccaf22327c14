//! How a handler answers: `ok`, `created`, `accepted` and `no_content`, and `secret` for
//! a reply carrying a token, key or password.

use axum::Json;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde::Serialize;

use crate::error::ApiError;

pub(crate) type ApiResult = Result<axum::response::Response, ApiError>;

pub(crate) fn ok<T: Serialize>(value: T) -> ApiResult {
    Ok(Json(value).into_response())
}

pub(crate) fn created<T: Serialize>(value: T) -> ApiResult {
    Ok((StatusCode::CREATED, Json(value)).into_response())
}

/// Taken, but waiting (for a second administrator, say).
pub(crate) fn accepted<T: Serialize>(value: T) -> ApiResult {
    Ok((StatusCode::ACCEPTED, Json(value)).into_response())
}

pub(crate) fn no_content() -> ApiResult {
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// A reply carrying a token or key: no cache along the way may keep it.
pub(crate) fn secret<T: Serialize>(status: StatusCode, value: T) -> ApiResult {
    Ok((status, [(header::CACHE_CONTROL, "no-store")], Json(value)).into_response())
}
