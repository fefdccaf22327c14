//! The error body every endpoint answers with, and the error responses of the OpenAPI
//! document. An operation lists the statuses it can answer, each with one of the
//! response types below: `(status = 404, response = NotFound)`.

// The response types only describe replies in the document; nothing builds them.
#![allow(dead_code)]

use serde::{Deserialize, Serialize};
use utoipa::{ToResponse, ToSchema};

/// Every error: a code (the same for every message) and a message for people.
#[derive(Deserialize, Debug, Serialize, ToSchema)]
pub struct ErrorResponse {
    /// `invalid_argument`, `unauthenticated`, `permission_denied`, `not_found`,
    /// `already_exists`, `conflict`, `payload_too_large`, `too_many_requests`,
    /// `unavailable`, `internal` or `method_not_allowed`.
    #[schema(example = "not_found")]
    pub error: String,
    #[schema(example = "not found")]
    pub message: String,
}

/// A body, query string or value that does not fit; the message names it.
#[derive(ToResponse)]
pub struct BadRequest(ErrorResponse);

/// No credentials, or credentials that are invalid or expired.
#[derive(ToResponse)]
pub struct Unauthorized(ErrorResponse);

/// The caller may not do this; the message names the permission or rule that stops it.
#[derive(ToResponse)]
pub struct Forbidden(ErrorResponse);

/// No such item, or none the caller may see (an org the caller does not reach included).
#[derive(ToResponse)]
pub struct NotFound(ErrorResponse);

/// The item already exists, or its current state forbids the change.
#[derive(ToResponse)]
pub struct Conflict(ErrorResponse);

/// The uploaded file is larger than the endpoint takes.
#[derive(ToResponse)]
pub struct PayloadTooLarge(ErrorResponse);

/// Too many failed attempts from this address: try again after the wait the message names.
#[derive(ToResponse)]
pub struct TooManyRequests(ErrorResponse);

/// A service is unavailable, or this gateway cannot read session revocations: try again.
#[derive(ToResponse)]
pub struct Unavailable(ErrorResponse);
