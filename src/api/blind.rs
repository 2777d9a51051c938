//! Who may read what: blind mode and the agent token.
//!
//! [`ReadGate`] (app data) holds the control rule, the agent token and
//! whether blind mode is on. Two extractors enforce it:
//! - [`MayReveal`], taken by every read that shows the active failure
//!   (`/status`, `/timeline`, `/metrics`): outside blind mode it always
//!   passes (those reads are open, as they always were); in blind mode it
//!   needs the control token. The agent token gets 403, and without a
//!   control token configured the read is refused (fail closed).
//! - [`Poster`], taken by `POST` and `GET /findings`: the agent token (when
//!   one is configured) or whatever the control endpoints accept.
//!
//! Tokens are compared in constant time, as in `auth.rs`.

use std::future::{ready, Ready};

use actix_web::http::header;
use actix_web::{dev, web, FromRequest, HttpRequest};
use subtle::ConstantTimeEq as _;

use super::auth::ControlAccess;
use super::error::ApiError;

/// The read and findings rules, registered once as app data.
pub(super) struct ReadGate {
    control: ControlAccess,
    agent: Option<String>,
    blind: bool,
}

impl ReadGate {
    /// The rules for `control`, the agent token and blind mode.
    pub(super) fn new(control: ControlAccess, agent: Option<String>, blind: bool) -> Self {
        ReadGate {
            control,
            agent,
            blind,
        }
    }

    /// `Ok` when a request with this `Authorization` value may see the
    /// active failure.
    pub(super) fn may_reveal(&self, authorization: Option<&[u8]>) -> Result<(), ApiError> {
        if !self.blind {
            return Ok(());
        }
        match &self.control {
            ControlAccess::Token(_) => {
                if self.is_agent(authorization) {
                    return Err(ApiError::AgentMayNotRead);
                }
                self.control.check(authorization)
            }
            ControlAccess::Open | ControlAccess::Refused(_) => {
                Err(ApiError::BlindWithoutControlToken)
            }
        }
    }

    /// Who is posting or reading findings, or the error to answer.
    pub(super) fn poster(&self, authorization: Option<&[u8]>) -> Result<Poster, ApiError> {
        if self.is_agent(authorization) {
            return Ok(Poster::Agent);
        }
        match self.control.check(authorization) {
            Ok(()) => Ok(Poster::Control),
            Err(ApiError::MissingToken) if self.agent.is_some() => {
                Err(ApiError::MissingResponderToken)
            }
            Err(err) => Err(err),
        }
    }

    fn is_agent(&self, authorization: Option<&[u8]>) -> bool {
        match (&self.agent, bearer(authorization)) {
            // `ct_eq` on slices returns early only on a length mismatch.
            (Some(agent), Some(presented)) => bool::from(presented.ct_eq(agent.as_bytes())),
            _ => false,
        }
    }
}

/// The token of an `Authorization: Bearer <token>` value.
fn bearer(authorization: Option<&[u8]>) -> Option<&[u8]> {
    authorization.and_then(|value| value.strip_prefix(b"Bearer "))
}

/// The request's `Authorization` value and the gate, or a 500 when the
/// app was built without the gate (fail closed).
fn gate_and_header(req: &HttpRequest) -> Result<(&ReadGate, Option<&[u8]>), ApiError> {
    let Some(gate) = req.app_data::<web::Data<ReadGate>>() else {
        return Err(ApiError::Internal(
            "the read rules are not configured".to_owned(),
        ));
    };
    let authorization = req
        .headers()
        .get(header::AUTHORIZATION)
        .map(header::HeaderValue::as_bytes);
    Ok((gate.get_ref(), authorization))
}

/// Proof that the request may see the active failure.
pub(super) struct MayReveal;

impl FromRequest for MayReveal {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _payload: &mut dev::Payload) -> Self::Future {
        ready(
            gate_and_header(req).and_then(|(gate, auth)| gate.may_reveal(auth).map(|()| MayReveal)),
        )
    }
}

/// Who sent a findings request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Poster {
    /// The agent token: posts findings, reads only those posted with it.
    Agent,
    /// The control token (or open control on loopback): reads every finding.
    Control,
}

impl FromRequest for Poster {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _payload: &mut dev::Payload) -> Self::Future {
        ready(gate_and_header(req).and_then(|(gate, auth)| gate.poster(auth)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gate(blind: bool) -> ReadGate {
        ReadGate::new(
            ControlAccess::Token("control".into()),
            Some("agent".into()),
            blind,
        )
    }

    #[test]
    fn in_blind_mode_only_the_control_token_reveals() {
        let blind = gate(true);
        assert!(blind.may_reveal(Some(b"Bearer control")).is_ok());
        assert!(matches!(
            blind.may_reveal(Some(b"Bearer agent")),
            Err(ApiError::AgentMayNotRead)
        ));
        assert!(matches!(
            blind.may_reveal(None),
            Err(ApiError::MissingToken)
        ));
        assert!(matches!(
            blind.may_reveal(Some(b"Bearer agen")),
            Err(ApiError::WrongToken)
        ));
        assert!(gate(false).may_reveal(None).is_ok());
        let open = ReadGate::new(ControlAccess::Open, None, true);
        assert!(matches!(
            open.may_reveal(None),
            Err(ApiError::BlindWithoutControlToken)
        ));
    }

    #[test]
    fn findings_take_either_token_and_know_which() {
        let gate = gate(true);
        assert_eq!(gate.poster(Some(b"Bearer agent")).ok(), Some(Poster::Agent));
        assert_eq!(
            gate.poster(Some(b"Bearer control")).ok(),
            Some(Poster::Control)
        );
        assert!(matches!(
            gate.poster(None),
            Err(ApiError::MissingResponderToken)
        ));
        assert!(matches!(
            gate.poster(Some(b"Bearer agent ")),
            Err(ApiError::WrongToken)
        ));
        let without_agent = ReadGate::new(ControlAccess::Token("control".into()), None, false);
        assert!(matches!(
            without_agent.poster(None),
            Err(ApiError::MissingToken)
        ));
        assert_eq!(
            ReadGate::new(ControlAccess::Open, None, false)
                .poster(None)
                .ok(),
            Some(Poster::Control)
        );
    }
}
