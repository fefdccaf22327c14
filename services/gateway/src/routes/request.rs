//! What a handler reads from a request: its JSON body or query string (400 with the
//! reason when it does not fit), an uploaded file, and the limits every body and address
//! keeps (no U+0000, no text longer than [`MAX_TEXT_CHARS`]).

use axum::Json;
use axum::http::{StatusCode, Uri, header};
use axum::response::IntoResponse;
use bytes::Bytes;
use serde::de::DeserializeOwned;
use strongroom_core::ErrorCode;

use crate::dto::errors::ErrorResponse;
use crate::error::ApiError;

/// An uploaded body of at most `max_mib` MiB (the route's `DefaultBodyLimit`): a larger one
/// is answered 413 naming the limit.
pub(crate) fn upload(
    bytes: Result<Bytes, axum::extract::rejection::BytesRejection>,
    max_mib: usize,
) -> Result<Bytes, Box<axum::response::Response>> {
    use axum::extract::rejection::{BytesRejection, FailedToBufferBody};
    match bytes {
        Ok(bytes) => Ok(bytes),
        // Error codes have no "too large"; uploads are the one place that needs it.
        Err(BytesRejection::FailedToBufferBody(FailedToBufferBody::LengthLimitError(_))) => {
            let body = ErrorResponse {
                error: "payload_too_large".into(),
                message: format!("the file is larger than {max_mib} MiB"),
            };
            Err(Box::new(
                (StatusCode::PAYLOAD_TOO_LARGE, Json(body)).into_response(),
            ))
        }
        Err(e) => Err(Box::new(
            ApiError::new(ErrorCode::InvalidArgument, e.body_text()).into_response(),
        )),
    }
}

/// The longest text any field of a JSON body may hold, in characters: room for a CA bundle,
/// a private key kept as a password or long notes. Each service sets tighter limits for
/// its fields (names, for one, must fit a database index); this one holds for all.
pub const MAX_TEXT_CHARS: usize = 65_536;

/// Fields that carry a whole file (a CSV, a base64 KeePass or CSV export, a logo as a
/// `data:` URL), bounded by the route's body limit and their service's own limit instead.
const FILE_FIELDS: [&str; 3] = ["csv", "file_base64", "logo"];

/// Parses a JSON body, answering 400 with the reason when it does not fit, or when a text
/// in it holds U+0000 (no name or value may: Postgres refuses it in text) or is longer
/// than [`MAX_TEXT_CHARS`] (naming where, e.g. `body.notes`).
pub(crate) fn body<T: DeserializeOwned>(bytes: &Bytes) -> Result<T, ApiError> {
    let parsed = serde_json::from_slice(bytes).map_err(|e| {
        ApiError::new(
            ErrorCode::InvalidArgument,
            format!("invalid request body: {e}"),
        )
    })?;
    refuse_bad_text(bytes)?;
    Ok(parsed)
}

/// Refuses a JSON body with a text (or key) that holds U+0000 or is longer than
/// [`MAX_TEXT_CHARS`], naming where.
pub(crate) fn refuse_bad_text(bytes: &Bytes) -> Result<(), ApiError> {
    // JSON writes U+0000 only as an escape, and a body shorter than the limit holds no
    // text longer than it: most bodies need no walk.
    let escaped = bytes
        .windows(6)
        .any(|w| w[..2] == *b"\\u" && w[2..].iter().all(|b| *b == b'0'));
    if (escaped || bytes.len() > MAX_TEXT_CHARS)
        && let Ok(value) = serde_json::from_slice::<serde_json::Value>(bytes)
        && let Some(refusal) = bad_text(&value)
    {
        return Err(ApiError::new(ErrorCode::InvalidArgument, refusal));
    }
    Ok(())
}

/// What is wrong with the first text (or key) in `value` that holds U+0000 or is longer
/// than [`MAX_TEXT_CHARS`], naming where as a path (`body`, `body.name`, `body.rows[2]`).
fn bad_text(value: &serde_json::Value) -> Option<String> {
    /// Where, and whether the text is too long (else it holds U+0000).
    fn walk(value: &serde_json::Value, path: String, file: bool) -> Option<(String, bool)> {
        let too_long = |s: &str| s.chars().count() > MAX_TEXT_CHARS;
        match value {
            serde_json::Value::String(s) if s.contains('\0') => Some((path, false)),
            serde_json::Value::String(s) if !file && too_long(s) => Some((path, true)),
            serde_json::Value::Array(items) => items
                .iter()
                .enumerate()
                .find_map(|(i, v)| walk(v, format!("{path}[{i}]"), file)),
            serde_json::Value::Object(map) => map.iter().find_map(|(k, v)| {
                let here = format!("{path}.{}", k.replace('\0', "\\u0000"));
                if k.contains('\0') {
                    Some((here, false))
                } else if too_long(k) {
                    Some((format!("a key of {path}"), true))
                } else {
                    walk(v, here, FILE_FIELDS.contains(&k.as_str()))
                }
            }),
            _ => None,
        }
    }
    walk(value, "body".into(), false).map(|(path, long)| {
        if long {
            format!("{path} is longer than {MAX_TEXT_CHARS} characters")
        } else {
            format!("{path} holds a NUL character (U+0000), which no name or value may contain")
        }
    })
}

/// The longest path and query string together, in bytes as sent (`%41` is three).
pub const MAX_ADDRESS_BYTES: usize = 8_192;

/// Refuses an address whose path or query holds an encoded U+0000 (`%00`): no name or
/// value may contain one, and a 400 says so where the database would answer 500. An
/// address longer than [`MAX_ADDRESS_BYTES`] is refused too.
pub(crate) async fn refuse_nul(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let encoded_nul = |s: &str| s.as_bytes().windows(3).any(|w| w == b"%00");
    let uri = request.uri();
    if uri.path().len() + uri.query().map_or(0, str::len) > MAX_ADDRESS_BYTES {
        return ApiError::new(
            ErrorCode::InvalidArgument,
            format!("the address is longer than {MAX_ADDRESS_BYTES} bytes"),
        )
        .into_response();
    }
    if !decodes_to_utf8(uri.path()) || !uri.query().is_none_or(decodes_to_utf8) {
        return ApiError::new(
            ErrorCode::InvalidArgument,
            "the address holds percent-encoded bytes that are not UTF-8 text",
        )
        .into_response();
    }
    if encoded_nul(uri.path()) || uri.query().is_some_and(encoded_nul) {
        return ApiError::new(
            ErrorCode::InvalidArgument,
            "the address holds a NUL character (%00), which no name or value may contain",
        )
        .into_response();
    }
    next.run(request).await
}

/// Whether `text`, with its `%XX` escapes decoded, is UTF-8 (a stray `%` stays as it is).
fn decodes_to_utf8(text: &str) -> bool {
    if !text.contains('%') {
        return true;
    }
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (b, hex) {
            (b'%', Some(byte)) => {
                decoded.push(byte);
                i += 3;
            }
            _ => {
                decoded.push(b);
                i += 1;
            }
        }
    }
    std::str::from_utf8(&decoded).is_ok()
}

/// Like [`body`], for requests whose body may be left out entirely.
pub(crate) fn optional_body<T: DeserializeOwned + Default>(bytes: &Bytes) -> Result<T, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        Ok(T::default())
    } else {
        body(bytes)
    }
}

/// Parses the query string, answering 400 with the reason when it does not fit.
pub(crate) fn query<T: DeserializeOwned>(uri: &Uri) -> Result<T, ApiError> {
    axum::extract::Query::try_from_uri(uri)
        .map(|q| q.0)
        .map_err(|e| {
            ApiError::new(
                ErrorCode::InvalidArgument,
                format!("invalid query string: {}", e.body_text()),
            )
        })
}

/// A raw file upload: `text/csv`, or `text/plain` as some tools send it.
pub(crate) fn is_text_file(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|m| {
            let m = m.trim();
            m.eq_ignore_ascii_case("text/csv") || m.eq_ignore_ascii_case("text/plain")
        })
        .unwrap_or(false)
}

#[cfg(test)]
mod tests;
