//! One small set of error codes shared by HTTP and gRPC.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    InvalidArgument,
    Unauthenticated,
    PermissionDenied,
    NotFound,
    AlreadyExists,
    /// The request is valid but the current state forbids it (e.g. a user still owns resources).
    Conflict,
    /// Too many attempts from this source; retry later.
    TooManyRequests,
    Unavailable,
    Internal,
}

impl ErrorCode {
    pub fn http_status(self) -> u16 {
        match self {
            ErrorCode::InvalidArgument => 400,
            ErrorCode::Unauthenticated => 401,
            ErrorCode::PermissionDenied => 403,
            ErrorCode::NotFound => 404,
            ErrorCode::AlreadyExists => 409,
            ErrorCode::Conflict => 409,
            ErrorCode::TooManyRequests => 429,
            ErrorCode::Unavailable => 503,
            ErrorCode::Internal => 500,
        }
    }

    pub fn grpc_code(self) -> tonic::Code {
        match self {
            ErrorCode::InvalidArgument => tonic::Code::InvalidArgument,
            ErrorCode::Unauthenticated => tonic::Code::Unauthenticated,
            ErrorCode::PermissionDenied => tonic::Code::PermissionDenied,
            ErrorCode::NotFound => tonic::Code::NotFound,
            ErrorCode::AlreadyExists => tonic::Code::AlreadyExists,
            ErrorCode::Conflict => tonic::Code::FailedPrecondition,
            ErrorCode::TooManyRequests => tonic::Code::ResourceExhausted,
            ErrorCode::Unavailable => tonic::Code::Unavailable,
            ErrorCode::Internal => tonic::Code::Internal,
        }
    }

    /// The inverse of [`ErrorCode::grpc_code`]; codes we never send map to `Internal`.
    pub fn from_grpc(code: tonic::Code) -> Self {
        match code {
            tonic::Code::InvalidArgument | tonic::Code::OutOfRange => ErrorCode::InvalidArgument,
            tonic::Code::Unauthenticated => ErrorCode::Unauthenticated,
            tonic::Code::PermissionDenied => ErrorCode::PermissionDenied,
            tonic::Code::NotFound => ErrorCode::NotFound,
            tonic::Code::AlreadyExists => ErrorCode::AlreadyExists,
            tonic::Code::FailedPrecondition => ErrorCode::Conflict,
            tonic::Code::ResourceExhausted => ErrorCode::TooManyRequests,
            tonic::Code::Unavailable | tonic::Code::DeadlineExceeded => ErrorCode::Unavailable,
            _ => ErrorCode::Internal,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidArgument => "invalid_argument",
            ErrorCode::Unauthenticated => "unauthenticated",
            ErrorCode::PermissionDenied => "permission_denied",
            ErrorCode::NotFound => "not_found",
            ErrorCode::AlreadyExists => "already_exists",
            ErrorCode::Conflict => "conflict",
            ErrorCode::TooManyRequests => "too_many_requests",
            ErrorCode::Unavailable => "unavailable",
            ErrorCode::Internal => "internal",
        }
    }
}

/// The JSON body of every error the REST API returns.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ErrorBody {
    pub error: String,
    pub message: String,
}

/// Implemented by each service's error enum.
pub trait HasErrorCode: std::error::Error {
    fn code(&self) -> ErrorCode;

    /// An unavailable dependency the caller can act on (their directory server, say) may
    /// show its message; anything else unavailable or internal shows a generic one.
    fn message_is_for_the_caller(&self) -> bool {
        false
    }
}

/// The longest message a caller is sent, in characters. Messages may quote the caller's
/// input, which the edge lets be long; a status travels in an HTTP/2 header, whose size is
/// bounded, so a longer message would break the answer instead of carrying it.
pub const MAX_MESSAGE_CHARS: usize = 1_000;

/// `message`, cut to [`MAX_MESSAGE_CHARS`] with an ellipsis where it was cut.
pub fn caller_message(message: String) -> String {
    match message.char_indices().nth(MAX_MESSAGE_CHARS) {
        Some((end, _)) => format!("{}…", &message[..end]),
        None => message,
    }
}

/// Turns a service error into a gRPC status. Internal errors log their whole source chain
/// and leave the caller only a generic message.
pub fn to_status<E: HasErrorCode>(err: &E) -> tonic::Status {
    let code = err.code();
    if matches!(code, ErrorCode::Internal | ErrorCode::Unavailable) {
        let mut chain = err.to_string();
        let mut source = err.source();
        while let Some(cause) = source {
            chain.push_str(": ");
            chain.push_str(&cause.to_string());
            source = cause.source();
        }
        tracing::error!(error = %chain, "request failed");
        if code == ErrorCode::Unavailable && err.message_is_for_the_caller() {
            return tonic::Status::new(code.grpc_code(), caller_message(err.to_string()));
        }
        let message = if code == ErrorCode::Internal {
            "internal error"
        } else {
            "service temporarily unavailable"
        };
        return tonic::Status::new(code.grpc_code(), message);
    }
    tonic::Status::new(code.grpc_code(), caller_message(err.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_message_is_cut_at_a_character_boundary() {
        let short = "host \"smtp.example.com\" does not resolve".to_owned();
        assert_eq!(caller_message(short.clone()), short);
        let long = "é".repeat(MAX_MESSAGE_CHARS + 5);
        let cut = caller_message(long);
        assert_eq!(cut.chars().count(), MAX_MESSAGE_CHARS + 1);
        assert!(cut.ends_with('…'));
    }

    #[test]
    fn every_code_survives_a_grpc_roundtrip() {
        for code in [
            ErrorCode::InvalidArgument,
            ErrorCode::Unauthenticated,
            ErrorCode::PermissionDenied,
            ErrorCode::NotFound,
            ErrorCode::AlreadyExists,
            ErrorCode::Conflict,
            ErrorCode::TooManyRequests,
            ErrorCode::Unavailable,
            ErrorCode::Internal,
        ] {
            assert_eq!(ErrorCode::from_grpc(code.grpc_code()), code);
        }
    }
}
