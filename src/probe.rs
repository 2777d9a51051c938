//! Steady-state probes: one HTTP GET that says whether a target serves
//! requests as it should.
//!
//! A probe is healthy when the target answers `expect_status` within
//! `timeout`; anything else (another status, a timeout, a refused
//! connection because the process is gone) is unhealthy, with a short
//! reason. Each probe opens its own connection and closes it, so a
//! restarted target is never judged by a stale pooled connection. This
//! module only asks; the TargetActor decides what an answer means.

use std::time::Duration;

use actix_web::http::Uri;

use crate::health::ProbeSign;

/// Built-in probe timeout.
pub const DEFAULT_PROBE_TIMEOUT: Duration = Duration::from_secs(1);
/// Built-in time between probes (while a failure is watched, and for
/// the service's health at any time).
pub const DEFAULT_PROBE_PERIOD: Duration = Duration::from_secs(1);
/// Built-in status a healthy target answers.
pub const DEFAULT_EXPECT_STATUS: u16 = 200;

/// One target's validated probe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeSettings {
    /// An `http://` URL with a host.
    pub url: String,
    /// Longer than this without a status line is unhealthy.
    pub timeout: Duration,
    /// The status a healthy target answers.
    pub expect_status: u16,
    /// Time between probes (while a failure is watched, and for the
    /// service's health at any time).
    pub period: Duration,
}

/// What one probe saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProbeOutcome {
    /// The expected status, in time.
    Healthy,
    /// Anything else.
    Unhealthy {
        /// Why (e.g. `HTTP 500`, `timed out after 1s`).
        detail: String,
        /// Whether the target answered at all (with another status); not
        /// when the connection was refused or reset, or the answer did
        /// not come in time.
        answered: bool,
    },
}

impl ProbeOutcome {
    /// No answer in time: refused, reset, timed out, not resolved.
    fn no_answer(detail: String) -> Self {
        ProbeOutcome::Unhealthy {
            detail,
            answered: false,
        }
    }

    /// What this answer counts as for the service's health.
    pub fn sign(&self) -> ProbeSign {
        match self {
            ProbeOutcome::Healthy => ProbeSign::Healthy,
            ProbeOutcome::Unhealthy { answered: true, .. } => ProbeSign::WrongAnswer,
            ProbeOutcome::Unhealthy {
                answered: false, ..
            } => ProbeSign::NoAnswer,
        }
    }

    /// Why it failed, for an unhealthy answer.
    pub fn failure(&self) -> Option<&str> {
        match self {
            ProbeOutcome::Healthy => None,
            ProbeOutcome::Unhealthy { detail, .. } => Some(detail),
        }
    }
}

/// Checks that `url` is something a probe can ask: `http://host[:port]/path`.
pub fn check_url(url: &str) -> Result<(), String> {
    let uri: Uri = url
        .trim()
        .parse()
        .map_err(|err| format!("`{url}` is not a URL ({err})"))?;
    match uri.scheme_str() {
        Some("http") => {}
        Some(other) => {
            return Err(format!(
                "`{url}`: only http:// probes are supported, got {other}://"
            ))
        }
        None => {
            return Err(format!(
                "`{url}` has no scheme; write e.g. http://target-app:8000/health"
            ))
        }
    }
    if uri.host().is_none_or(str::is_empty) {
        return Err(format!("`{url}` has no host"));
    }
    Ok(())
}

/// Probes once. Runs on the actix runtime (the client is not `Send`).
pub async fn probe(client: &awc::Client, settings: &ProbeSettings) -> ProbeOutcome {
    let request = client
        .get(settings.url.as_str())
        .timeout(settings.timeout)
        .force_close();
    match request.send().await {
        Ok(response) if response.status().as_u16() == settings.expect_status => {
            ProbeOutcome::Healthy
        }
        Ok(response) => ProbeOutcome::Unhealthy {
            detail: format!("HTTP {}", response.status().as_u16()),
            answered: true,
        },
        Err(awc::error::SendRequestError::Timeout) => ProbeOutcome::no_answer(format!(
            "timed out after {}",
            crate::clock::format_duration(settings.timeout)
        )),
        Err(err) => ProbeOutcome::no_answer(describe_failure(&err)),
    }
}

/// What a request that got no answer tells a person, in plain words: a
/// target that is down is `connection refused (target down)` (nothing
/// listens) or `connection closed without an answer (target down)` (it died
/// with the request in hand), never the HTTP client's own wording
/// (`Internal error: connector has been disconnected`).
pub fn describe_failure(err: &awc::error::SendRequestError) -> String {
    use actix_web::error::ParseError;
    use awc::error::{ConnectError, SendRequestError};
    use std::io::ErrorKind;

    const REFUSED: &str = "connection refused (target down)";
    const CLOSED: &str = "connection closed without an answer (target down)";
    let closed = |io: &std::io::Error| {
        matches!(
            io.kind(),
            ErrorKind::ConnectionReset
                | ErrorKind::ConnectionAborted
                | ErrorKind::BrokenPipe
                | ErrorKind::UnexpectedEof
        )
    };
    match err {
        SendRequestError::Connect(ConnectError::Io(io))
            if io.kind() == ErrorKind::ConnectionRefused =>
        {
            REFUSED.to_owned()
        }
        SendRequestError::Connect(ConnectError::Io(io)) if closed(io) => CLOSED.to_owned(),
        // awc's word for a connection the peer closed before the answer.
        SendRequestError::Connect(ConnectError::Disconnected) => CLOSED.to_owned(),
        SendRequestError::Connect(ConnectError::Io(io)) => format!("cannot connect: {io}"),
        SendRequestError::Connect(ConnectError::Timeout) => "timed out connecting".to_owned(),
        SendRequestError::Connect(
            ConnectError::Resolver(_) | ConnectError::NoRecords | ConnectError::Unresolved,
        ) => format!("cannot resolve the host name ({err})"),
        SendRequestError::Send(io) if closed(io) => CLOSED.to_owned(),
        SendRequestError::Response(ParseError::Incomplete) => CLOSED.to_owned(),
        SendRequestError::Response(ParseError::Io(io)) if closed(io) => CLOSED.to_owned(),
        other => other.to_string(),
    }
}

/// A client for probes: no default timeout of its own (each request sets
/// one), no redirects followed (a redirect is an answer, not health).
pub fn client() -> awc::Client {
    awc::Client::builder()
        .disable_redirects()
        .timeout(DEFAULT_PROBE_TIMEOUT)
        .finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_http_urls_with_a_host_are_accepted() {
        assert!(check_url("http://target-app:8000/orders").is_ok());
        assert!(check_url("http://[::1]:8000/").is_ok());
        assert!(check_url("https://a/b")
            .unwrap_err()
            .contains("only http://"));
        assert!(check_url("/orders").unwrap_err().contains("no scheme"));
        assert!(check_url("target-app:8000/orders").is_err());
        assert!(check_url("http:// bad").unwrap_err().contains("not a URL"));
    }

    /// Probe settings with a timeout far beyond what a loaded machine
    /// takes to answer on loopback.
    fn settings(url: String) -> ProbeSettings {
        ProbeSettings {
            url,
            timeout: Duration::from_secs(10),
            expect_status: 200,
            period: DEFAULT_PROBE_PERIOD,
        }
    }

    /// A one-shot HTTP server on loopback that answers `reply` (or nothing).
    fn serve_once(reply: Option<&'static str>) -> std::net::SocketAddr {
        use std::io::{Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            if let Ok((mut stream, _)) = listener.accept() {
                let mut buf = [0u8; 1024];
                let _ = stream.read(&mut buf);
                match reply {
                    Some(reply) => {
                        let _ = stream.write_all(reply.as_bytes());
                    }
                    None => std::thread::sleep(Duration::from_secs(2)),
                }
            }
        });
        addr
    }

    #[actix_rt::test]
    async fn healthy_wrong_status_timeout_and_refused() {
        let client = client();
        let ok = serve_once(Some("HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n"));
        let got = probe(&client, &settings(format!("http://{ok}/orders"))).await;
        assert_eq!(got, ProbeOutcome::Healthy);

        let broken = serve_once(Some("HTTP/1.1 500 Oops\r\ncontent-length: 0\r\n\r\n"));
        let got = probe(&client, &settings(format!("http://{broken}/"))).await;
        assert_eq!(
            got,
            ProbeOutcome::Unhealthy {
                detail: "HTTP 500".to_owned(),
                answered: true
            }
        );
        assert_eq!(got.sign(), ProbeSign::WrongAnswer);

        // A server that never answers: the timeout is what is tested.
        let silent = serve_once(None);
        let quick = ProbeSettings {
            timeout: Duration::from_millis(300),
            ..settings(format!("http://{silent}/"))
        };
        let got = probe(&client, &quick).await;
        assert_eq!(got.failure(), Some("timed out after 0.3s"));
        assert_eq!(got.sign(), ProbeSign::NoAnswer);

        let gone = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap()
        };
        let got = probe(&client, &settings(format!("http://{gone}/"))).await;
        assert_eq!(got.failure(), Some("connection refused (target down)"));
        assert_eq!(got.sign(), ProbeSign::NoAnswer, "{got:?}");
        assert_eq!(
            ProbeOutcome::Healthy.sign(),
            ProbeSign::Healthy,
            "and the healthy one"
        );
    }

    /// A server that takes the request and closes the connection without
    /// a word, as a target does when it crashes with the request in hand.
    #[actix_rt::test]
    async fn a_connection_closed_without_an_answer_is_said_plainly() {
        use std::io::Read;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            if let Ok((mut stream, _)) = listener.accept() {
                let mut buf = [0u8; 1024];
                let _ = stream.read(&mut buf);
            }
        });
        let got = probe(&client(), &settings(format!("http://{addr}/orders"))).await;
        assert_eq!(got.sign(), ProbeSign::NoAnswer, "{got:?}");
        assert_eq!(
            got.failure(),
            Some("connection closed without an answer (target down)")
        );
    }
}
