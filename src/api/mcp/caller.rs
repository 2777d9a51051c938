//! Who is calling `/mcp`: the bearer token checked by the HTTP API's own
//! rules ([`ReadGate`](super::super::blind::ReadGate) and the control
//! gate) before the SDK reads the request, kept in the request as a
//! [`Caller`] that the tools read.

use actix::Addr;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage as _, HttpResponse, ResponseError as _};

use super::super::auth::ControlGate;
use super::super::blind::{Poster, ReadGate};
use super::super::error::ApiError;
use crate::actors::Supervisor;

/// The caller of one request, as its token makes it.
#[derive(Clone)]
pub(super) struct Caller {
    /// The agent token, or the control token.
    pub(super) poster: Poster,
    /// Why it may not see the active failure (blind mode), if it may not.
    pub(super) reveal_refused: Option<String>,
    /// Where control messages go: only for the control token.
    pub(super) supervisor: Option<Addr<Supervisor>>,
}

impl Caller {
    /// True for the control token (or open control).
    pub(super) fn is_operator(&self) -> bool {
        self.poster == Poster::Control && self.supervisor.is_some()
    }
}

/// The `/mcp` token check: 401 without a token, 403 with a wrong one or
/// where control is disabled, each as `{"error": ...}` with
/// `WWW-Authenticate: Bearer`; else the [`Caller`], kept in the request.
pub(super) async fn check_caller(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let caller = {
        let authorization = request
            .headers()
            .get(header::AUTHORIZATION)
            .map(header::HeaderValue::as_bytes);
        let reads = request.app_data::<web::Data<ReadGate>>();
        let control = request.app_data::<web::Data<ControlGate>>();
        match (reads, control) {
            (Some(reads), Some(control)) => caller_of(reads, control, authorization),
            _ => Err(ApiError::Internal(
                "the MCP endpoint's rules are not configured".to_owned(),
            )),
        }
    };
    match caller {
        Ok(caller) => {
            request.extensions_mut().insert(caller);
            Ok(next.call(request).await?.map_into_left_body())
        }
        Err(refused) => {
            let answer = refusal(&refused);
            Ok(request.into_response(answer).map_into_right_body())
        }
    }
}

/// The caller a request with `authorization` is, or why it is refused.
fn caller_of(
    reads: &ReadGate,
    control: &ControlGate,
    authorization: Option<&[u8]>,
) -> Result<Caller, ApiError> {
    let poster = reads.poster(authorization)?;
    let supervisor = match poster {
        Poster::Control => Some(control.authorize(authorization)?),
        Poster::Agent => None,
    };
    Ok(Caller {
        poster,
        reveal_refused: reads
            .may_reveal(authorization)
            .err()
            .map(|err| err.to_string()),
        supervisor,
    })
}

/// The answer to a refused request: 401 without a token, 403 otherwise
/// (a wrong token, control disabled), with the API's JSON error.
fn refusal(refused: &ApiError) -> HttpResponse {
    let (mut answer, challenge) = match refused {
        ApiError::MissingToken | ApiError::MissingResponderToken => (
            HttpResponse::Unauthorized(),
            r#"Bearer realm="chaos-engine""#,
        ),
        ApiError::WrongToken => (
            HttpResponse::Forbidden(),
            r#"Bearer realm="chaos-engine", error="invalid_token""#,
        ),
        _ => {
            return refused.error_response();
        }
    };
    answer
        .insert_header((header::WWW_AUTHENTICATE, challenge))
        .json(serde_json::json!({ "error": refused.to_string() }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_token_is_401_a_wrong_one_403_both_asking_for_a_bearer() {
        let missing = refusal(&ApiError::MissingToken);
        assert_eq!(missing.status(), 401);
        let wrong = refusal(&ApiError::WrongToken);
        assert_eq!(wrong.status(), 403);
        for answer in [missing, wrong] {
            let challenge = answer.headers().get(header::WWW_AUTHENTICATE).unwrap();
            assert!(challenge.to_str().unwrap().starts_with("Bearer"));
        }
        let disabled = refusal(&ApiError::ControlDisabled(([0, 0, 0, 0], 1).into()));
        assert_eq!(disabled.status(), 403);
    }
}
