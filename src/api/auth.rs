//! Who may use the control endpoints, and the [`Authorized`] extractor that
//! enforces it.
//!
//! [`Authorized`] is the only way a handler can get at the supervisor's
//! address: `bind` registers the address inside a [`ControlGate`] whose
//! fields are private to this module, so a control handler that does not
//! take an `Authorized` parameter has nothing to send its message to.

use std::future::{ready, Ready};
use std::net::SocketAddr;

use actix::Addr;
use actix_web::http::header;
use actix_web::{dev, web, FromRequest, HttpRequest};
use subtle::ConstantTimeEq as _;

use super::error::ApiError;
use crate::actors::Supervisor;

/// The rule for control requests, decided once at start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ControlAccess {
    /// No token, loopback address: anyone who can connect may control.
    Open,
    /// Every control request needs `Authorization: Bearer <token>`.
    Token(String),
    /// No token on a non-loopback address: every control request is
    /// refused. The address is for the message.
    Refused(SocketAddr),
}

impl ControlAccess {
    /// The rule for an API on `addr` with `token` (`CHAOS_API_TOKEN`).
    pub fn decide(addr: SocketAddr, token: Option<&str>) -> Self {
        match token {
            Some(token) => ControlAccess::Token(token.to_owned()),
            None if addr.ip().is_loopback() => ControlAccess::Open,
            None => ControlAccess::Refused(addr),
        }
    }

    /// One word for `GET /status`: `open` (no token needed), `token`
    /// (`CHAOS_API_TOKEN` needed) or `disabled` (refused until the engine
    /// is given `CHAOS_API_TOKEN`). A page uses it to say so before the
    /// first click rather than after a 403.
    pub fn as_str(&self) -> &'static str {
        match self {
            ControlAccess::Open => "open",
            ControlAccess::Token(_) => "token",
            ControlAccess::Refused(_) => "disabled",
        }
    }

    /// `Ok` when a request with this `Authorization` header value may
    /// control; otherwise the error to answer (401 or 403).
    pub fn check(&self, authorization: Option<&[u8]>) -> Result<(), ApiError> {
        match self {
            ControlAccess::Open => Ok(()),
            ControlAccess::Refused(addr) => Err(ApiError::ControlDisabled(*addr)),
            ControlAccess::Token(token) => {
                match authorization.and_then(|value| value.strip_prefix(b"Bearer ")) {
                    // `ct_eq` on slices returns early only on a length
                    // mismatch; the contents are compared in constant time.
                    Some(presented) if bool::from(presented.ct_eq(token.as_bytes())) => Ok(()),
                    Some(_) => Err(ApiError::WrongToken),
                    None => Err(ApiError::MissingToken),
                }
            }
        }
    }
}

/// What [`Authorized`] needs, registered once as app data.
pub(super) struct ControlGate {
    access: ControlAccess,
    supervisor: Addr<Supervisor>,
}

impl ControlGate {
    pub(super) fn new(access: ControlAccess, supervisor: Addr<Supervisor>) -> Self {
        ControlGate { access, supervisor }
    }

    /// The supervisor's address, for a request with this `Authorization`
    /// value that passes [`ControlAccess::check`] (the MCP endpoint's
    /// operator tools), else the error to answer.
    pub(super) fn authorize(
        &self,
        authorization: Option<&[u8]>,
    ) -> Result<Addr<Supervisor>, ApiError> {
        self.access.check(authorization)?;
        Ok(self.supervisor.clone())
    }
}

/// Proof that the request passed [`ControlAccess::check`]; it carries the
/// supervisor's address, which handlers reach no other way.
pub(super) struct Authorized {
    supervisor: Addr<Supervisor>,
}

impl Authorized {
    /// Where control messages go.
    pub(super) fn supervisor(&self) -> &Addr<Supervisor> {
        &self.supervisor
    }
}

impl FromRequest for Authorized {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _payload: &mut dev::Payload) -> Self::Future {
        ready(authorize(req))
    }
}

fn authorize(req: &HttpRequest) -> Result<Authorized, ApiError> {
    let Some(gate) = req.app_data::<web::Data<ControlGate>>() else {
        return Err(ApiError::Internal(
            "the control endpoints are not configured".to_owned(),
        ));
    };
    let authorization = req
        .headers()
        .get(header::AUTHORIZATION)
        .map(header::HeaderValue::as_bytes);
    Ok(Authorized {
        supervisor: gate.authorize(authorization)?,
    })
}

#[cfg(test)]
mod tests {
    use actix_web::http::StatusCode;

    use super::*;

    fn status(result: Result<(), ApiError>) -> StatusCode {
        use actix_web::ResponseError as _;
        result.map_or_else(|err| err.status_code(), |()| StatusCode::OK)
    }

    #[test]
    fn loopback_without_token_is_open_elsewhere_refused() {
        let loopback: SocketAddr = "127.0.0.1:9797".parse().unwrap();
        let v6: SocketAddr = "[::1]:9797".parse().unwrap();
        let public: SocketAddr = "0.0.0.0:9797".parse().unwrap();
        assert_eq!(ControlAccess::decide(loopback, None), ControlAccess::Open);
        assert_eq!(ControlAccess::decide(v6, None), ControlAccess::Open);
        assert_eq!(
            status(ControlAccess::decide(public, None).check(None)),
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            status(ControlAccess::decide(public, None).check(Some(b"Bearer x"))),
            StatusCode::FORBIDDEN
        );
    }

    #[test]
    fn a_token_is_required_and_compared_exactly() {
        let access = ControlAccess::decide("0.0.0.0:1".parse().unwrap(), Some("s3cret"));
        assert!(matches!(access.check(None), Err(ApiError::MissingToken)));
        assert!(matches!(
            access.check(Some(b"Basic s3cret")),
            Err(ApiError::MissingToken)
        ));
        assert!(matches!(
            access.check(Some(b"bearer s3cret")),
            Err(ApiError::MissingToken)
        ));
        for wrong in [
            &b"Bearer wrong!"[..],
            b"Bearer s3cre",
            b"Bearer s3cret ",
            b"Bearer ",
        ] {
            assert!(
                matches!(access.check(Some(wrong)), Err(ApiError::WrongToken)),
                "{}",
                String::from_utf8_lossy(wrong)
            );
        }
        assert!(access.check(Some(b"Bearer s3cret")).is_ok());
    }
}
