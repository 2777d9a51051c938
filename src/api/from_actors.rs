//! The one place where the actor layer's answers become [`ApiError`]s.
//!
//! The actors answer control messages with [`ControlError`] (whose variants
//! carry a message), a reload with a [`ReloadError`], and a closed or full
//! mailbox with [`MailboxError`]. When the actors' error types change, this
//! file is what changes with them: handlers only use `?` on actor answers and
//! never look inside an actor error.

use actix::MailboxError;

use super::error::ApiError;
use crate::actors::{ControlError, ReloadError};

impl From<ControlError> for ApiError {
    fn from(err: ControlError) -> Self {
        match err {
            ControlError::BadRequest(message) => ApiError::BadRequest(message),
            ControlError::NotFound(message) => ApiError::NotFound(message),
            ControlError::Conflict(message) => ApiError::Conflict(message),
            ControlError::Failed(message) => ApiError::Internal(message),
        }
    }
}

impl From<MailboxError> for ApiError {
    fn from(err: MailboxError) -> Self {
        ApiError::EngineUnreachable(err)
    }
}

/// A reload the supervisor refused; an invalid file's error names the
/// file, line and key.
/// A rejected reload: 400, except once a shutdown has begun, which is a
/// 409 as for every request then (docs/api.md).
pub(super) fn reload_rejected(reason: ReloadError) -> ApiError {
    match reason {
        ReloadError::ShuttingDown => ApiError::Conflict(format!(
            "reload rejected, running configuration kept: {reason}"
        )),
        reason => ApiError::ReloadRejected(reason.to_string()),
    }
}

/// The targets a fan-out (pause, resume, clear) could not act on, and why.
pub(super) fn fan_out_failures(failed: Vec<(String, ControlError)>) -> Vec<(String, ApiError)> {
    failed
        .into_iter()
        .map(|(target, err)| (target, ApiError::from(err)))
        .collect()
}

#[cfg(test)]
mod tests {
    use actix_web::http::StatusCode;
    use actix_web::ResponseError;

    use super::*;

    #[test]
    fn control_errors_keep_their_message_and_get_their_status() {
        let cases = [
            (
                ControlError::BadRequest("bad".into()),
                StatusCode::BAD_REQUEST,
            ),
            (
                ControlError::NotFound("no target x".into()),
                StatusCode::NOT_FOUND,
            ),
            (
                ControlError::Conflict("the engine is shutting down".into()),
                StatusCode::CONFLICT,
            ),
            (
                ControlError::Failed("disk full".into()),
                StatusCode::INTERNAL_SERVER_ERROR,
            ),
        ];
        for (err, status) in cases {
            let message = err.to_string();
            let api = ApiError::from(err);
            assert_eq!(api.status_code(), status);
            assert_eq!(api.to_string(), message);
        }
    }

    #[test]
    fn a_closed_mailbox_is_503_and_a_rejected_reload_400() {
        let closed = ApiError::from(MailboxError::Closed);
        assert_eq!(closed.status_code(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(closed
            .to_string()
            .starts_with("the engine did not answer: "));
        let rejected = reload_rejected(ReloadError::NotReloadable);
        assert_eq!(rejected.status_code(), StatusCode::BAD_REQUEST);
        assert_eq!(
            rejected.to_string(),
            "reload rejected, running configuration kept: \
             this engine was not started from a configuration that can be re-read"
        );
        let late = reload_rejected(ReloadError::ShuttingDown);
        assert_eq!(late.status_code(), StatusCode::CONFLICT);
        assert_eq!(
            late.to_string(),
            "reload rejected, running configuration kept: the engine is shutting down"
        );
    }
}
