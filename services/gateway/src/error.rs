use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use strongroom_core::ErrorCode;

use crate::dto::errors::ErrorResponse;

/// Every REST error: a status and `{"error", "message"}`.
#[derive(Debug)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    pub fn not_found() -> Self {
        Self::new(ErrorCode::NotFound, "not found")
    }
}

impl From<tonic::Status> for ApiError {
    fn from(status: tonic::Status) -> Self {
        let code = ErrorCode::from_grpc(status.code());
        let message = match code {
            // Transport failures carry details meant for operators, not callers.
            ErrorCode::Internal => "internal error".to_owned(),
            ErrorCode::Unavailable if status.message().contains("transport") => {
                "service temporarily unavailable".to_owned()
            }
            _ => status.message().to_owned(),
        };
        if matches!(code, ErrorCode::Internal | ErrorCode::Unavailable) {
            tracing::warn!(status = %status, "upstream call failed");
        }
        Self { code, message }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.code.http_status())
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = ErrorResponse {
            error: self.code.as_str().to_owned(),
            message: self.message,
        };
        (status, axum::Json(body)).into_response()
    }
}
