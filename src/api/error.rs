//! Every way an API request can fail, and the answer each one gets: a JSON
//! body `{"error": "<message>"}` with the variant's status code (401s also
//! carry `WWW-Authenticate: Bearer`, 429s `Retry-After`).
//!
//! This module only names and renders errors. Turning the actor layer's
//! answers into them is `from_actors.rs`'s job; turning body errors into them
//! is `body.rs`'s.

use std::net::SocketAddr;

use actix_web::error::QueryPayloadError;
use actix_web::http::{header, Method, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde_json::json;

/// An error answer. The `Display` text is the `error` field of the body.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A token is configured and the request carries no `Authorization: Bearer ...`.
    #[error("this endpoint needs `Authorization: Bearer <CHAOS_API_TOKEN>`")]
    MissingToken,
    /// A token is configured and the request carries another one.
    #[error("wrong bearer token")]
    WrongToken,
    /// `POST`/`GET /findings` without a bearer token, an agent token being
    /// configured.
    #[error(
        "this endpoint needs `Authorization: Bearer <CHAOS_AGENT_TOKEN>` (or the control token)"
    )]
    MissingResponderToken,
    /// Blind mode: the agent token was presented to a read other than
    /// `GET /findings`.
    #[error("the agent token may only post and read findings (POST and GET /findings)")]
    AgentMayNotRead,
    /// Blind mode, and no control token configured: nothing may read what
    /// would reveal the active failure.
    #[error("blind mode: this endpoint needs the control token, and CHAOS_API_TOKEN is not set")]
    BlindWithoutControlToken,
    /// No token is configured and the API listens on this non-loopback address.
    #[error(
        "control endpoints are disabled: the API listens on the non-loopback address {0} \
         and CHAOS_API_TOKEN is not set. Set CHAOS_API_TOKEN and send \
         `Authorization: Bearer <token>`, or listen on 127.0.0.1"
    )]
    ControlDisabled(SocketAddr),
    /// The request is malformed or contradicts itself.
    #[error("{0}")]
    BadRequest(String),
    /// The query string does not fit the endpoint.
    #[error("bad query string: {0}")]
    BadQuery(QueryPayloadError),
    /// The body is not the JSON the endpoint expects.
    #[error("body must be {expected}: {reason}")]
    MalformedBody {
        /// The shape the endpoint takes, as the user should write it.
        expected: &'static str,
        /// What the JSON parser said.
        reason: String,
    },
    /// The body could not be read off the connection.
    #[error("cannot read the body: {0}")]
    UnreadableBody(String),
    /// The body is over the limit.
    #[error("body larger than {limit} bytes")]
    BodyTooLarge {
        /// The limit, bytes.
        limit: usize,
    },
    /// The configuration file given to a reload is invalid.
    #[error("reload rejected, running configuration kept: {0}")]
    ReloadRejected(String),
    /// No such target or scenario.
    #[error("{0}")]
    NotFound(String),
    /// No endpoint at this path.
    #[error("no endpoint {method} {path}")]
    NoEndpoint {
        /// The request's method.
        method: Method,
        /// The request's path.
        path: String,
    },
    /// The endpoint exists but not for this method.
    #[error("{method} is not allowed on {path}")]
    MethodNotAllowed {
        /// The request's method.
        method: Method,
        /// The request's path.
        path: String,
    },
    /// `POST /findings` beyond the findings limit (`finding_limit.rs`).
    #[error("{message}")]
    TooManyFindings {
        /// Whose limit, and when to retry.
        message: String,
        /// Whole seconds to wait, sent as `Retry-After`.
        retry_after: u64,
    },
    /// Valid, but the engine's state forbids it now (chaos disabled, dry
    /// run, shutting down).
    #[error("{0}")]
    Conflict(String),
    /// Carrying it out failed (e.g. a state file could not be written).
    #[error("{0}")]
    Internal(String),
    /// The supervisor's mailbox is closed or full.
    #[error("the engine did not answer: {0}")]
    EngineUnreachable(actix::MailboxError),
    /// The actor system did not answer a health ping in time.
    #[error("the actor system does not answer")]
    NotAnswering,
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::MissingToken | ApiError::WrongToken | ApiError::MissingResponderToken => {
                StatusCode::UNAUTHORIZED
            }
            ApiError::ControlDisabled(_)
            | ApiError::AgentMayNotRead
            | ApiError::BlindWithoutControlToken => StatusCode::FORBIDDEN,
            ApiError::BadRequest(_)
            | ApiError::BadQuery(_)
            | ApiError::MalformedBody { .. }
            | ApiError::UnreadableBody(_)
            | ApiError::ReloadRejected(_) => StatusCode::BAD_REQUEST,
            ApiError::NotFound(_) | ApiError::NoEndpoint { .. } => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::BodyTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::TooManyFindings { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            ApiError::EngineUnreachable(_) | ApiError::NotAnswering => {
                StatusCode::SERVICE_UNAVAILABLE
            }
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        let mut response = HttpResponse::build(status).json(json!({ "error": self.to_string() }));
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer"),
            );
        }
        if let ApiError::TooManyFindings { retry_after, .. } = self {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from(*retry_after));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_of_error_has_its_status() {
        let cases = [
            (ApiError::MissingToken, StatusCode::UNAUTHORIZED),
            (ApiError::WrongToken, StatusCode::UNAUTHORIZED),
            (ApiError::MissingResponderToken, StatusCode::UNAUTHORIZED),
            (ApiError::AgentMayNotRead, StatusCode::FORBIDDEN),
            (ApiError::BlindWithoutControlToken, StatusCode::FORBIDDEN),
            (
                ApiError::ControlDisabled(([0, 0, 0, 0], 1).into()),
                StatusCode::FORBIDDEN,
            ),
            (ApiError::BadRequest("x".into()), StatusCode::BAD_REQUEST),
            (
                ApiError::UnreadableBody("x".into()),
                StatusCode::BAD_REQUEST,
            ),
            (
                ApiError::ReloadRejected("x".into()),
                StatusCode::BAD_REQUEST,
            ),
            (ApiError::NotFound("x".into()), StatusCode::NOT_FOUND),
            (
                ApiError::NoEndpoint {
                    method: Method::GET,
                    path: "/x".into(),
                },
                StatusCode::NOT_FOUND,
            ),
            (
                ApiError::MethodNotAllowed {
                    method: Method::GET,
                    path: "/x".into(),
                },
                StatusCode::METHOD_NOT_ALLOWED,
            ),
            (ApiError::Conflict("x".into()), StatusCode::CONFLICT),
            (
                ApiError::BodyTooLarge { limit: 1 },
                StatusCode::PAYLOAD_TOO_LARGE,
            ),
            (
                ApiError::TooManyFindings {
                    message: "x".into(),
                    retry_after: 3,
                },
                StatusCode::TOO_MANY_REQUESTS,
            ),
            (
                ApiError::Internal("x".into()),
                StatusCode::INTERNAL_SERVER_ERROR,
            ),
            (
                ApiError::EngineUnreachable(actix::MailboxError::Closed),
                StatusCode::SERVICE_UNAVAILABLE,
            ),
            (ApiError::NotAnswering, StatusCode::SERVICE_UNAVAILABLE),
        ];
        for (error, status) in cases {
            assert_eq!(error.status_code(), status, "{error:?}");
            assert_eq!(error.error_response().status(), status);
        }
    }

    #[test]
    fn only_401_asks_for_a_bearer_token() {
        let asks = |error: ApiError| {
            error
                .error_response()
                .headers()
                .get(header::WWW_AUTHENTICATE)
                .map(|v| v.as_bytes().to_vec())
        };
        assert_eq!(asks(ApiError::WrongToken), Some(b"Bearer".to_vec()));
        assert_eq!(asks(ApiError::MissingToken), Some(b"Bearer".to_vec()));
        assert_eq!(
            asks(ApiError::ControlDisabled(([0, 0, 0, 0], 1).into())),
            None
        );
    }

    #[test]
    fn only_429_says_when_to_retry() {
        let retry = |error: ApiError| {
            error
                .error_response()
                .headers()
                .get(header::RETRY_AFTER)
                .map(|v| v.as_bytes().to_vec())
        };
        let too_many = ApiError::TooManyFindings {
            message: "slow down".into(),
            retry_after: 20,
        };
        assert_eq!(retry(too_many), Some(b"20".to_vec()));
        assert_eq!(retry(ApiError::WrongToken), None);
        assert_eq!(retry(ApiError::Conflict("x".into())), None);
    }
}
