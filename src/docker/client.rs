//! The connection to the Docker Engine: where it is (`unix://`, `tcp://`,
//! `http://`, `https://`, or `DOCKER_HOST`, or the local socket) and
//! whether TLS is spoken to it (see `super::tls`), a short ping that tells
//! at once when it is not there, and the time bound every Engine call
//! runs under ([`bounded`]).

use std::future::Future;
use std::path::{Path, PathBuf};
use std::time::Duration;

use bollard::models::ContainerInspectResponse;
use bollard::{ClientVersion, Docker};

use super::tls;
use super::{ContainerRef, DockerError};

/// The local socket used when neither the target nor `DOCKER_HOST` names
/// an Engine.
pub const DEFAULT_HOST: &str = "unix:///var/run/docker.sock";

/// How long the first ping may take before the Engine counts as
/// unreachable.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The bound on one Engine call (a `stop` waits its grace on top).
pub const CALL_TIMEOUT: Duration = Duration::from_secs(30);

/// The API version spoken first: Docker 20.10's, which every later Engine
/// still accepts unless it raised its minimum (then the newest one bollard
/// knows is negotiated down to the Engine's).
const FIRST_VERSION: ClientVersion = ClientVersion {
    major_version: 1,
    minor_version: 41,
};

/// bollard's own bound on the response headers; ours ([`bounded`]) is
/// shorter, so this one only stops a request that was never bounded.
const BOLLARD_TIMEOUT_SECS: u64 = 600;

/// An Engine as the client reaches it: its address, and the certificate
/// directory when TLS is spoken to it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Endpoint {
    /// The address (`unix:///…`, `tcp://…`, `http://…`, `https://…`).
    pub host: String,
    /// The directory of `ca.pem`, `cert.pem` and `key.pem`; `None`: no
    /// TLS.
    pub cert_dir: Option<PathBuf>,
}

impl std::fmt::Display for Endpoint {
    /// The address, followed by `over TLS (certificates in DIR)` when TLS
    /// is spoken.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.host)?;
        if let Some(dir) = &self.cert_dir {
            write!(f, " over TLS (certificates in {})", dir.display())?;
        }
        Ok(())
    }
}

/// The Engine a target reaches: at `host` with the certificates in
/// `cert_dir` (TLS) when the target gives them; otherwise at
/// `DOCKER_HOST`, over TLS with the certificates of `DOCKER_CERT_PATH`
/// (or `~/.docker`) when `DOCKER_TLS_VERIFY` asks for it (then
/// `tcp://localhost:2376` when `DOCKER_HOST` is not set, as the Docker CLI
/// does), else [`DEFAULT_HOST`].
pub fn resolve_endpoint(host: Option<&str>, cert_dir: Option<&Path>) -> Endpoint {
    if let Some(host) = host {
        let cert_dir = match cert_dir {
            Some(dir) => Some(dir.to_path_buf()),
            None if host.starts_with("https://") => Some(tls::env_cert_dir()),
            None => None,
        };
        return Endpoint {
            host: host.to_owned(),
            cert_dir,
        };
    }
    let verify = tls::verify_asked();
    let host = std::env::var("DOCKER_HOST")
        .ok()
        .filter(|value| !value.trim().is_empty())
        .unwrap_or_else(|| {
            if verify {
                tls::DEFAULT_TLS_HOST
            } else {
                DEFAULT_HOST
            }
            .to_owned()
        });
    let cert_dir = match cert_dir {
        Some(dir) => Some(dir.to_path_buf()),
        None if tls::speaks_tls(&host) && (verify || host.starts_with("https://")) => {
            Some(tls::env_cert_dir())
        }
        None => None,
    };
    Endpoint { host, cert_dir }
}

/// The Engine address `host` names, or `DOCKER_HOST`, or [`DEFAULT_HOST`]
/// (see [`resolve_endpoint`]).
pub fn resolve_host(host: Option<&str>) -> String {
    resolve_endpoint(host, None).host
}

/// A client of the Engine at `host` with the certificates in `cert_dir`
/// (see [`resolve_endpoint`]) that answered a ping within [`CONNECT_TIMEOUT`];
/// otherwise [`DockerError::Unreachable`].
pub async fn connect(host: Option<&str>, cert_dir: Option<&Path>) -> Result<Docker, DockerError> {
    let endpoint = resolve_endpoint(host, cert_dir);
    // Named with its certificates when TLS is spoken: a refusal is often
    // theirs.
    let unreachable = |detail: String| DockerError::Unreachable {
        host: endpoint.to_string(),
        detail,
    };
    let docker = client_for(&endpoint, &FIRST_VERSION).map_err(|e| unreachable(error_chain(&e)))?;
    match ping(&docker).await {
        Ok(()) => Ok(docker),
        // The Engine answered but refuses 1.41 (it raised its minimum):
        // start from the newest version and come down to the Engine's.
        Err(PingError::Refused(_)) => {
            let newest = client_for(&endpoint, bollard::API_DEFAULT_VERSION)
                .map_err(|e| unreachable(error_chain(&e)))?;
            let negotiated = tokio::time::timeout(CONNECT_TIMEOUT, newest.negotiate_version())
                .await
                .map_err(|_| unreachable(no_answer(CONNECT_TIMEOUT)))?
                .map_err(|e| unreachable(error_chain(&e)))?;
            ping(&negotiated)
                .await
                .map_err(|e| unreachable(e.to_string()))?;
            Ok(negotiated)
        }
        Err(other) => Err(unreachable(other.to_string())),
    }
}

/// Why a ping failed: the Engine said no, or it could not be asked.
#[derive(Debug, thiserror::Error)]
enum PingError {
    #[error("{0}")]
    Refused(String),
    #[error("{0}")]
    Failed(String),
}

async fn ping(docker: &Docker) -> Result<(), PingError> {
    match tokio::time::timeout(CONNECT_TIMEOUT, docker.ping()).await {
        Err(_) => Err(PingError::Failed(no_answer(CONNECT_TIMEOUT))),
        Ok(Ok(_)) => Ok(()),
        Ok(Err(bollard::errors::Error::DockerResponseServerError {
            status_code,
            message,
        })) => Err(PingError::Refused(format!("{status_code}: {message}"))),
        Ok(Err(other)) => Err(PingError::Failed(error_chain(&other))),
    }
}

/// `err` and the errors under it, joined by `: ` (a TLS refusal is the
/// last of them; bollard's own message says only that connecting failed).
fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

fn client_for(
    endpoint: &Endpoint,
    version: &ClientVersion,
) -> Result<Docker, bollard::errors::Error> {
    let host = endpoint.host.as_str();
    match &endpoint.cert_dir {
        Some(dir) if tls::speaks_tls(host) => Docker::connect_with_ssl(
            host,
            &dir.join(tls::KEY_FILE),
            &dir.join(tls::CERT_FILE),
            &dir.join(tls::CA_FILE),
            BOLLARD_TIMEOUT_SECS,
            version,
        ),
        _ if host.starts_with("tcp://") || host.starts_with("http://") => {
            Docker::connect_with_http(host, BOLLARD_TIMEOUT_SECS, version)
        }
        _ if host.starts_with("unix://") || host.starts_with('/') => {
            Docker::connect_with_unix(host, BOLLARD_TIMEOUT_SECS, version)
        }
        _ => Err(bollard::errors::Error::UnsupportedURISchemeError {
            uri: format!(
                "{host} (use unix://, tcp://, http://, or https:// with a certificate directory)"
            ),
        }),
    }
}

/// `no answer within 30s`.
pub fn no_answer(limit: Duration) -> String {
    format!("no answer within {}s", limit.as_secs())
}

/// Runs the Engine call `call` within `limit`; a failure, or no answer in
/// time, becomes [`DockerError::Api`] naming `action` and `container`.
pub async fn bounded<T>(
    limit: Duration,
    action: &'static str,
    container: &str,
    call: impl Future<Output = Result<T, bollard::errors::Error>>,
) -> Result<T, DockerError> {
    match tokio::time::timeout(limit, call).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(err)) => Err(api_error(action, container, &err)),
        Err(_) => Err(DockerError::Api {
            action,
            container: container.to_owned(),
            detail: no_answer(limit),
        }),
    }
}

/// The Engine's inspect of `container`, within [`CALL_TIMEOUT`]; `None`
/// when it no longer exists.
pub async fn inspect_container(
    docker: &Docker,
    container: &ContainerRef,
) -> Result<Option<ContainerInspectResponse>, DockerError> {
    let name = container.to_string();
    let answer =
        tokio::time::timeout(CALL_TIMEOUT, docker.inspect_container(&container.id, None)).await;
    match answer {
        Err(_) => Err(DockerError::Api {
            action: "inspect",
            container: name,
            detail: no_answer(CALL_TIMEOUT),
        }),
        Ok(Err(err)) if is_not_found(&err) => Ok(None),
        Ok(Err(err)) => Err(api_error("inspect", &name, &err)),
        Ok(Ok(details)) => Ok(Some(details)),
    }
}

/// For tests: a client of an Engine on a port nothing listens on, and a
/// container `cache-1 (0123456789ab)` there: a call that got through
/// would fail as [`DockerError::Api`], so any other error was made before
/// a call.
#[cfg(test)]
pub fn nobody_listening() -> (Docker, ContainerRef) {
    let docker = Docker::connect_with_http("tcp://127.0.0.1:9", 1, bollard::API_DEFAULT_VERSION)
        .expect("a client of tcp://127.0.0.1:9");
    let container = ContainerRef {
        id: "0123456789ab".into(),
        name: "cache-1".into(),
    };
    (docker, container)
}

/// [`DockerError::Api`] for `err`, with the Engine's own message when it
/// answered.
pub fn api_error(
    action: &'static str,
    container: &str,
    err: &bollard::errors::Error,
) -> DockerError {
    let detail = match err {
        bollard::errors::Error::DockerResponseServerError {
            status_code,
            message,
        } => format!("the Engine answered {status_code}: {message}"),
        other => other.to_string(),
    };
    DockerError::Api {
        action,
        container: container.to_owned(),
        detail,
    }
}

/// True when `err` is the Engine's "no such container" (404).
pub fn is_not_found(err: &bollard::errors::Error) -> bool {
    matches!(
        err,
        bollard::errors::Error::DockerResponseServerError {
            status_code: 404,
            ..
        }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_explicit_host_wins() {
        assert_eq!(
            resolve_host(Some("tcp://10.0.0.1:2375")),
            "tcp://10.0.0.1:2375"
        );
    }

    #[test]
    fn a_target_s_certificate_directory_is_kept_and_shown() {
        let endpoint = resolve_endpoint(Some("tcp://10.0.0.1:2376"), Some(Path::new("/certs")));
        assert_eq!(endpoint.cert_dir.as_deref(), Some(Path::new("/certs")));
        assert_eq!(
            endpoint.to_string(),
            "tcp://10.0.0.1:2376 over TLS (certificates in /certs)"
        );
        assert_eq!(
            resolve_endpoint(Some("tcp://10.0.0.1:2375"), None).cert_dir,
            None
        );
    }

    #[tokio::test]
    async fn a_missing_certificate_is_named_when_connecting() {
        let err = connect(
            Some("tcp://127.0.0.1:1"),
            Some(Path::new("/nonexistent/certs")),
        )
        .await
        .unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("at tcp://127.0.0.1:1 over TLS (certificates in /nonexistent/certs): "),
            "{text}"
        );
    }

    #[test]
    fn an_unknown_scheme_is_refused_before_any_call() {
        let endpoint = Endpoint {
            host: "ftp://x".to_owned(),
            cert_dir: None,
        };
        let err = client_for(&endpoint, &FIRST_VERSION).unwrap_err();
        assert!(err.to_string().contains("unix://"), "{err}");
    }

    #[tokio::test]
    async fn a_missing_socket_is_unreachable_at_once() {
        let err = connect(Some("unix:///nonexistent/chaos-engine.sock"), None)
            .await
            .unwrap_err();
        assert!(
            matches!(&err, DockerError::Unreachable { host, .. } if host == "unix:///nonexistent/chaos-engine.sock"),
            "{err}"
        );
        // Refused at once, not after waiting out the ping's bound.
        assert!(!err.to_string().contains("no answer within"), "{err}");
    }
}
