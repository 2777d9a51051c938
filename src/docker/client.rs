//! The connection to the Docker Engine: where it is (`unix://`, `tcp://`,
//! `http://`, or `DOCKER_HOST`, or the local socket), a short ping that
//! tells at once when it is not there, and the time bound every Engine
//! call runs under ([`bounded`]).

use std::future::Future;
use std::time::Duration;

use bollard::{ClientVersion, Docker};

use super::DockerError;

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

/// The Engine address `host` names, or `DOCKER_HOST`, or [`DEFAULT_HOST`].
pub fn resolve_host(host: Option<&str>) -> String {
    match host {
        Some(host) => host.to_owned(),
        None => std::env::var("DOCKER_HOST")
            .ok()
            .filter(|value| !value.trim().is_empty())
            .unwrap_or_else(|| DEFAULT_HOST.to_owned()),
    }
}

/// A client of the Engine at `host` (see [`resolve_host`]) that answered a
/// ping within [`CONNECT_TIMEOUT`]; otherwise [`DockerError::Unreachable`].
pub async fn connect(host: Option<&str>) -> Result<Docker, DockerError> {
    let host = resolve_host(host);
    let unreachable = |detail: String| DockerError::Unreachable {
        host: host.clone(),
        detail,
    };
    let docker = client_for(&host, &FIRST_VERSION).map_err(|e| unreachable(e.to_string()))?;
    match ping(&docker).await {
        Ok(()) => Ok(docker),
        // The Engine answered but refuses 1.41 (it raised its minimum):
        // start from the newest version and come down to the Engine's.
        Err(PingError::Refused(_)) => {
            let newest = client_for(&host, bollard::API_DEFAULT_VERSION)
                .map_err(|e| unreachable(e.to_string()))?;
            let negotiated = tokio::time::timeout(CONNECT_TIMEOUT, newest.negotiate_version())
                .await
                .map_err(|_| unreachable(no_answer(CONNECT_TIMEOUT)))?
                .map_err(|e| unreachable(e.to_string()))?;
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
        Ok(Err(other)) => Err(PingError::Failed(other.to_string())),
    }
}

fn client_for(host: &str, version: &ClientVersion) -> Result<Docker, bollard::errors::Error> {
    if host.starts_with("tcp://") || host.starts_with("http://") {
        Docker::connect_with_http(host, BOLLARD_TIMEOUT_SECS, version)
    } else if host.starts_with("unix://") || host.starts_with('/') {
        Docker::connect_with_unix(host, BOLLARD_TIMEOUT_SECS, version)
    } else {
        Err(bollard::errors::Error::UnsupportedURISchemeError {
            uri: format!("{host} (use unix://, tcp:// or http://)"),
        })
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
    fn an_unknown_scheme_is_refused_before_any_call() {
        let err = client_for("ftp://x", &FIRST_VERSION).unwrap_err();
        assert!(err.to_string().contains("unix://"), "{err}");
    }

    #[tokio::test]
    async fn a_missing_socket_is_unreachable_at_once() {
        let err = connect(Some("unix:///nonexistent/chaos-engine.sock"))
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
