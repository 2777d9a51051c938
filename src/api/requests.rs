//! What a control request asks for, read from its query string and body:
//! the target of a pause, resume or clear ([`RequestedTarget`]) and the
//! failure of an inject ([`InjectBody`]). Validation of what only the engine
//! knows (target and scenario names, modes, delays) stays with the actors.

use std::future::Future;
use std::pin::Pin;

use actix_web::{dev, web, FromRequest, HttpRequest};
use serde::Deserialize;

use std::time::Duration;

use super::body;
use super::error::ApiError;
use crate::actors::ManualInjection;
use crate::input::duration::parse_duration;

/// The body shape of `POST /inject`, for its 400 message.
pub(super) const INJECT_SHAPE: &str = r#"{"target": ..., "scenario": ...} or {"target": ..., "mode": ..., "delay": N}, either with "for": "45s""#;

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

/// The body of `POST /inject` (and the arguments of the MCP tool
/// `inject`): `{"target": "...", "scenario": "..."}` or `{"target": "...",
/// "mode": "...", "delay": N}`, either with `"for": "45s"`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct InjectBody {
    /// The target's name.
    target: String,
    /// A scenario of the target, by name (or give `mode`).
    scenario: Option<String>,
    /// A mode (`crash`, `slow`, `config_error`, a custom or container
    /// mode), instead of a scenario.
    mode: Option<String>,
    /// Whole seconds of a `slow` mode's delay.
    delay: Option<u64>,
    /// How long the failure holds before it is cleared, e.g. `45s`, `2m`
    /// (default: the target's recovery).
    #[serde(rename = "for")]
    hold: Option<String>,
}

/// What an inject asks for: the target, the failure and how long it
/// holds (`None`: the target's recovery).
pub(super) type Injection = (String, ManualInjection, Option<Duration>);

impl InjectBody {
    /// The target, what to inject into it and how long it holds.
    pub(super) fn into_injection(self) -> Result<Injection, ApiError> {
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
        let hold = match self.hold.as_deref().map(parse_duration) {
            None => None,
            Some(Ok(hold)) if hold.is_zero() => {
                return Err(ApiError::BadRequest(
                    "`for`: must be more than 0s".to_owned(),
                ))
            }
            Some(Ok(hold)) => Some(hold),
            Some(Err(err)) => return Err(ApiError::BadRequest(format!("`for`: {err}"))),
        };
        Ok((self.target, injection, hold))
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
    fn an_injection_may_hold_for_its_own_time() {
        let body: InjectBody =
            serde_json::from_str(r#"{"target": "a", "mode": "crash", "for": "45s"}"#).unwrap();
        assert_eq!(
            body.into_injection().unwrap().2,
            Some(Duration::from_secs(45))
        );
        let soon: InjectBody =
            serde_json::from_str(r#"{"target": "a", "mode": "crash", "for": "soon"}"#).unwrap();
        assert!(soon
            .into_injection()
            .unwrap_err()
            .to_string()
            .starts_with("`for`: "));
    }

    #[test]
    fn an_injection_is_a_scenario_or_a_mode() {
        let body = |json: &str| serde_json::from_str::<InjectBody>(json).unwrap();
        assert_eq!(
            body(r#"{"target": "a", "scenario": "CRASH"}"#)
                .into_injection()
                .unwrap(),
            (
                "a".to_owned(),
                ManualInjection::Scenario("CRASH".into()),
                None
            )
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
            (
                r#"{"target": "a", "scenario": "C", "for": "0s"}"#,
                "`for`: must be more than 0s",
            ),
        ] {
            assert_eq!(
                body(json).into_injection().unwrap_err().to_string(),
                message
            );
        }
    }
}
