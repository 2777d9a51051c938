//! Who may use the control (POST) endpoints.

use std::net::SocketAddr;

/// The rule for POST requests, decided once at start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ControlAccess {
    /// No token, loopback address: anyone who can connect may control.
    Open,
    /// Every POST needs `Authorization: Bearer <token>`.
    Token(String),
    /// No token on a non-loopback address: every POST is refused. The
    /// string is the address, for the message.
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

    /// `Ok` when a request with this `Authorization` header may control;
    /// otherwise the HTTP status and message to answer.
    pub fn check(&self, authorization: Option<&[u8]>) -> Result<(), (u16, String)> {
        match self {
            ControlAccess::Open => Ok(()),
            ControlAccess::Refused(addr) => Err((
                403,
                format!(
                    "control endpoints are disabled: the API listens on the non-loopback address {addr} \
                     and CHAOS_API_TOKEN is not set. Set CHAOS_API_TOKEN and send \
                     `Authorization: Bearer <token>`, or listen on 127.0.0.1"
                ),
            )),
            ControlAccess::Token(token) => {
                let presented = authorization.and_then(|value| value.strip_prefix(b"Bearer "));
                match presented {
                    Some(presented) if constant_time_eq(presented, token.as_bytes()) => Ok(()),
                    Some(_) => Err((401, "wrong bearer token".to_owned())),
                    None => Err((
                        401,
                        "this endpoint needs `Authorization: Bearer <CHAOS_API_TOKEN>`".to_owned(),
                    )),
                }
            }
        }
    }
}

/// Compares two byte strings in time that depends only on their lengths,
/// not on where they differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_without_token_is_open_elsewhere_refused() {
        let loopback: SocketAddr = "127.0.0.1:9797".parse().unwrap();
        let v6: SocketAddr = "[::1]:9797".parse().unwrap();
        let public: SocketAddr = "0.0.0.0:9797".parse().unwrap();
        assert_eq!(ControlAccess::decide(loopback, None), ControlAccess::Open);
        assert_eq!(ControlAccess::decide(v6, None), ControlAccess::Open);
        assert_eq!(
            ControlAccess::decide(public, None)
                .check(None)
                .unwrap_err()
                .0,
            403
        );
    }

    #[test]
    fn a_token_is_required_and_compared_exactly() {
        let access = ControlAccess::decide("0.0.0.0:1".parse().unwrap(), Some("s3cret"));
        assert_eq!(access.check(None).unwrap_err().0, 401);
        assert_eq!(access.check(Some(b"Bearer wrong!")).unwrap_err().0, 401);
        assert_eq!(access.check(Some(b"Bearer s3cre")).unwrap_err().0, 401);
        assert_eq!(access.check(Some(b"Basic s3cret")).unwrap_err().0, 401);
        assert!(access.check(Some(b"Bearer s3cret")).is_ok());
    }

    #[test]
    fn constant_time_eq_is_equality() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
        assert!(constant_time_eq(b"", b""));
    }
}
