//! What a control request asks for, read from its query string and body:
//! the target of a pause, resume or clear ([`RequestedTarget`]) and the
//! failure of an inject ([`InjectBody`]). Validation of what only the engine
//! knows (target and scenario names, modes, delays) stays with the actors.

use std::future::Future;
use std::pin::Pin;

use actix_web::{dev, web, FromRequest, HttpRequest};
use serde::Deserialize;

use super::body;
use super::error::ApiError;
use crate::actors::ManualInjection;

/// The body shape of `POST /inject`, for its 400 message.
pub(super) const INJECT_SHAPE: &str =
    r#"{"target": ..., "scenario": ...} or {"target": ..., "mode": ..., "delay": N}"#;

/// The body shape of `POST /pause`, `/resume` and `/clear`, for their 400 message.
const TARGET_SHAPE: &str = r#"{"target": "NAME"} or empty"#;

/// `?target=NAME` or a body `{"target": "NAME"}`, both optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct TargetField {
    target: Option<String>,
}

/// The target a pause, resume or clear names: `?target=NAME`, or a body
/// `{"target": "NAME"}`; neither (an empty or blank body): every target.
#[derive(Debug)]
pub(super) struct RequestedTarget(pub(super) Option<String>);

impl FromRequest for RequestedTarget {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut dev::Payload) -> Self::Future {
        let body = web::Bytes::from_request(req, payload);
        let req = req.clone();
        Box::pin(async move {
            let body = body.await.map_err(body::unreadable)?;
            requested_target(&req, &body).map(RequestedTarget)
        })
    }
}

fn requested_target(req: &HttpRequest, body: &[u8]) -> Result<Option<String>, ApiError> {
    let from_query = web::Query::<TargetField>::from_query(req.query_string())
        .map_err(ApiError::BadQuery)?
        .into_inner()
        .target;
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(from_query);
    }
    let parsed: TargetField =
        serde_json::from_slice(body).map_err(|err| ApiError::MalformedBody {
            expected: TARGET_SHAPE,
            reason: err.to_string(),
        })?;
    if from_query.is_some() {
        return Err(ApiError::BadRequest(
            "give the target in the query string or the body, not both".to_owned(),
        ));
    }
    Ok(parsed.target)
}

/// The body of `POST /inject`: `{"target": "...", "scenario": "..."}` or
/// `{"target": "...", "mode": "...", "delay": N}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct InjectBody {
    target: String,
    scenario: Option<String>,
    mode: Option<String>,
    delay: Option<u64>,
}

impl InjectBody {
    /// The target and what to inject into it.
    pub(super) fn into_injection(self) -> Result<(String, ManualInjection), ApiError> {
        let injection = match (self.scenario, self.mode, self.delay) {
            (Some(scenario), None, None) => ManualInjection::Scenario(scenario),
            (Some(_), None, Some(_)) => {
                return Err(ApiError::BadRequest(
                    "`delay` goes with `mode`; a scenario draws its own delay".to_owned(),
                ))
            }
            (None, Some(mode), delay) => ManualInjection::Mode { mode, delay },
            (Some(_), Some(_), _) => {
                return Err(ApiError::BadRequest(
                    "give `scenario` or `mode`, not both".to_owned(),
                ))
            }
            (None, None, _) => {
                return Err(ApiError::BadRequest("give `scenario` or `mode`".to_owned()))
            }
        };
        Ok((self.target, injection))
    }
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    fn target(uri: &str, body: &str) -> Result<Option<String>, String> {
        let req = TestRequest::post().uri(uri).to_http_request();
        requested_target(&req, body.as_bytes()).map_err(|e| e.to_string())
    }

    #[test]
    fn the_target_comes_from_the_query_or_the_body_never_both() {
        assert_eq!(target("/pause", ""), Ok(None));
        assert_eq!(target("/pause", " \n"), Ok(None));
        assert_eq!(target("/pause?target=a", ""), Ok(Some("a".into())));
        assert_eq!(target("/pause", r#"{"target": "b"}"#), Ok(Some("b".into())));
        assert_eq!(target("/pause", "{}"), Ok(None));
        assert!(target("/pause?target=a", r#"{"target": "b"}"#)
            .unwrap_err()
            .contains("not both"));
        assert!(target("/pause?bogus=1", "")
            .unwrap_err()
            .starts_with("bad query string: "));
        assert!(target("/pause", "[1]")
            .unwrap_err()
            .starts_with(r#"body must be {"target": "NAME"} or empty: "#));
    }

    #[test]
    fn an_injection_is_a_scenario_or_a_mode() {
        let body = |json: &str| serde_json::from_str::<InjectBody>(json).unwrap();
        assert_eq!(
            body(r#"{"target": "a", "scenario": "CRASH"}"#)
                .into_injection()
                .unwrap(),
            ("a".to_owned(), ManualInjection::Scenario("CRASH".into()))
        );
        assert_eq!(
            body(r#"{"target": "a", "mode": "slow", "delay": 3}"#)
                .into_injection()
                .unwrap()
                .1,
            ManualInjection::Mode {
                mode: "slow".into(),
                delay: Some(3)
            }
        );
        for (json, message) in [
            (r#"{"target": "a"}"#, "give `scenario` or `mode`"),
            (
                r#"{"target": "a", "scenario": "C", "mode": "m"}"#,
                "give `scenario` or `mode`, not both",
            ),
            (
                r#"{"target": "a", "scenario": "C", "delay": 1}"#,
                "`delay` goes with `mode`; a scenario draws its own delay",
            ),
        ] {
            assert_eq!(
                body(json).into_injection().unwrap_err().to_string(),
                message
            );
        }
    }
}
