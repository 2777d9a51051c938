//! Request bodies: the size limit, set through actix-web's own extractor
//! configuration ([`web::PayloadConfig`] for raw bodies, [`web::JsonConfig`]
//! for JSON ones), and the JSON errors for a body that is too large (413),
//! cannot be read or is not the expected JSON (400).
//!
//! Any `Content-Type` is accepted: `curl -d` sends a form type, and the
//! endpoints have only ever had JSON bodies.

use actix_web::error::{JsonPayloadError, PayloadError};
use actix_web::web;

use super::error::ApiError;

/// The body limit of every endpoint, bytes.
pub(super) const BODY_LIMIT: usize = 64 * 1024;

/// The limit for `web::Bytes` bodies, registered app-wide. Its errors reach
/// [`ApiError`] through [`unreadable`].
pub(super) fn payload_config() -> web::PayloadConfig {
    web::PayloadConfig::new(BODY_LIMIT)
}

/// The limit and errors for a `web::Json` body whose shape is `expected`
/// (as the user should write it, for the 400 message).
pub(super) fn json_config(expected: &'static str) -> web::JsonConfig {
    json_config_limited(expected, BODY_LIMIT)
}

/// As [`json_config`], with a smaller `limit` (bytes).
pub(super) fn json_config_limited(expected: &'static str, limit: usize) -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(limit)
        .content_type_required(false)
        .error_handler(move |err, _req| json_error(err, expected).into())
}

/// A `web::Json` extraction error as an [`ApiError`].
fn json_error(err: JsonPayloadError, expected: &'static str) -> ApiError {
    match err {
        JsonPayloadError::OverflowKnownLength { limit, .. }
        | JsonPayloadError::Overflow { limit } => ApiError::BodyTooLarge { limit },
        JsonPayloadError::Deserialize(err) => ApiError::MalformedBody {
            expected,
            reason: err.to_string(),
        },
        JsonPayloadError::Payload(err) => payload_error(&err),
        other => ApiError::BadRequest(other.to_string()),
    }
}

/// A `web::Bytes` extraction error as an [`ApiError`].
pub(super) fn unreadable(err: actix_web::Error) -> ApiError {
    match err.as_error::<PayloadError>() {
        Some(err) => payload_error(err),
        None => ApiError::UnreadableBody(err.to_string()),
    }
}

fn payload_error(err: &PayloadError) -> ApiError {
    match err {
        PayloadError::Overflow => ApiError::BodyTooLarge { limit: BODY_LIMIT },
        other => ApiError::UnreadableBody(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overflow_is_413_with_the_limit_and_a_bad_body_names_the_shape() {
        let too_big = json_error(
            JsonPayloadError::OverflowKnownLength {
                length: BODY_LIMIT + 1,
                limit: BODY_LIMIT,
            },
            "X",
        );
        assert_eq!(too_big.to_string(), "body larger than 65536 bytes");
        assert_eq!(
            unreadable(PayloadError::Overflow.into()).to_string(),
            "body larger than 65536 bytes"
        );
        let parse = serde_json::from_slice::<u8>(b"{").unwrap_err();
        let message = parse.to_string();
        assert_eq!(
            json_error(JsonPayloadError::Deserialize(parse), "{\"n\": 1}").to_string(),
            format!("body must be {{\"n\": 1}}: {message}")
        );
        assert!(unreadable(PayloadError::Incomplete(None).into())
            .to_string()
            .starts_with("cannot read the body: "));
    }
}
