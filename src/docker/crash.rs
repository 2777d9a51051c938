//! The `kill` fault as a crash: the signal is sent to the container's
//! main process from a short-lived helper container in the host's PID
//! namespace, not through the Engine's `kill` endpoint.
//!
//! Why: the Engine marks a container it was asked to kill as stopped by
//! hand, so its restart policy never brings it back (measured on Docker
//! 20.10: `docker kill` of an `unless-stopped` container leaves it exited,
//! `kill -9` of its process from outside has it restarted). A kill must
//! look like a crash, so that a restart policy, or a person, repairs it.
//!
//! The helper runs the network helper's image (`policy.docker.net_image`,
//! never pulled), carries the engine's opaque labels (its instance id and
//! the fault's token, see `super::ledger`) and gets its one command as a
//! file (`super::script_file`), so that nothing shows it is a kill; when
//! that image is not
//! on the host, the Engine's `kill` is used instead, with a warning that a
//! restart policy will not restart the container.

use std::collections::HashMap;

use bollard::models::{ContainerCreateBody, HostConfig};
use bollard::query_parameters::{
    CreateContainerOptions, RemoveContainerOptions, WaitContainerOptions,
};
use bollard::Docker;
use futures_util::StreamExt;

use super::client::{api_error, bounded, is_not_found, CALL_TIMEOUT};
use super::helper::helper_labels;
use super::{container_ops, script_file, signals, ContainerRef, DockerError};

/// What the crash helper is told: which process, which signal.
#[derive(Debug, Clone, Copy)]
pub struct Crash<'a> {
    /// The helper image.
    pub image: &'a str,
    /// The engine's instance id (a label of the helper).
    pub owner: &'a str,
    /// The fault's opaque token (a label of the helper).
    pub token: &'a str,
    /// `SIGKILL`, `SIGTERM`...
    pub signal: &'a str,
}

/// The shell command that sends `signal` to host process `pid`.
pub fn kill_command(signal: &str, pid: i64) -> String {
    let name = signal.trim_start_matches("SIG");
    format!("kill -s {name} {pid}")
}

/// Crashes `container`: sends the signal to its main process from a
/// helper in the host's PID namespace, and waits until the helper is done.
pub async fn crash(
    docker: &Docker,
    container: &ContainerRef,
    crash: Crash<'_>,
) -> Result<(), DockerError> {
    let name = container.to_string();
    // Checked again here, whatever built the fault: a signal that does not
    // end the process would leave a stopped or untouched container that
    // the recovery then "restarts".
    let signal = signals::terminating(crash.signal)
        .map_err(|why| DockerError::Unsupported(format!("kill {name}: {why}")))?;
    let details = bounded(
        CALL_TIMEOUT,
        "inspect",
        &name,
        docker.inspect_container(&container.id, None),
    )
    .await?;
    let pid = details.state.and_then(|state| state.pid).unwrap_or(0);
    if pid <= 0 {
        return Err(DockerError::Api {
            action: "kill",
            container: name,
            detail: "it has no running process".to_owned(),
        });
    }
    let labels: HashMap<String, String> = helper_labels(crash.owner, crash.token, container);
    let body = ContainerCreateBody {
        image: Some(crash.image.to_owned()),
        entrypoint: Some(script_file::entrypoint()),
        cmd: Some(Vec::new()),
        labels: Some(labels),
        host_config: Some(HostConfig {
            pid_mode: Some("host".to_owned()),
            auto_remove: Some(false),
            ..HostConfig::default()
        }),
        ..ContainerCreateBody::default()
    };
    let short = container.id.get(..12).unwrap_or(&container.id);
    let options = CreateContainerOptions {
        name: Some(format!("chaos-engine-{}-{short}", crash.token)),
        ..CreateContainerOptions::default()
    };
    let created = match tokio::time::timeout(
        CALL_TIMEOUT,
        docker.create_container(Some(options), body),
    )
    .await
    {
        Ok(Ok(created)) => created,
        Ok(Err(err)) if is_not_found(&err) => {
            tracing::warn!(
                container = %container,
                image = crash.image,
                "the helper image is not on the Docker host: killing through the Engine, \
                 so a restart policy will not restart the container"
            );
            return container_ops::kill(docker, container, &signal).await;
        }
        Ok(Err(err)) => return Err(api_error("create the kill helper for", &name, &err)),
        Err(_) => {
            return Err(DockerError::Api {
                action: "create the kill helper for",
                container: name,
                detail: super::client::no_answer(CALL_TIMEOUT),
            })
        }
    };
    let script = kill_command(&signal, pid);
    let result = match script_file::upload(docker, &created.id, &name, &script).await {
        Ok(()) => run_to_end(docker, &created.id, &name).await,
        Err(err) => Err(err),
    };
    let options = RemoveContainerOptions {
        force: true,
        ..RemoveContainerOptions::default()
    };
    let _ = tokio::time::timeout(
        CALL_TIMEOUT,
        docker.remove_container(&created.id, Some(options)),
    )
    .await;
    result
}

async fn run_to_end(docker: &Docker, helper: &str, name: &str) -> Result<(), DockerError> {
    bounded(
        CALL_TIMEOUT,
        "start the kill helper for",
        name,
        docker.start_container(helper, None),
    )
    .await?;
    let mut wait = docker.wait_container(helper, None::<WaitContainerOptions>);
    let waited = tokio::time::timeout(CALL_TIMEOUT, wait.next()).await;
    let code = match waited {
        Ok(Some(Ok(answer))) => answer.status_code,
        // bollard reports a non-zero exit as an error carrying the code.
        Ok(Some(Err(bollard::errors::Error::DockerContainerWaitError { code, .. }))) => code,
        Ok(Some(Err(err))) => return Err(api_error("wait for the kill helper of", name, &err)),
        Ok(None) => -1,
        Err(_) => {
            return Err(DockerError::Api {
                action: "wait for the kill helper of",
                container: name.to_owned(),
                detail: super::client::no_answer(CALL_TIMEOUT),
            })
        }
    };
    if code == 0 {
        Ok(())
    } else {
        Err(DockerError::Api {
            action: "kill",
            container: name.to_owned(),
            detail: format!("the kill helper exited {code}"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_signal_that_does_not_end_the_process_is_refused_before_any_call() {
        let (docker, container) = super::super::client::nobody_listening();
        for signal in ["SIGSTOP", "SIGTSTP", "WINCH", "SIGNOPE", "KILL; reboot"] {
            let crash_of = Crash {
                image: "nettools:local",
                owner: "0123456789abcdef",
                token: "fedcba9876543210",
                signal,
            };
            let err = crash(&docker, &container, crash_of).await.unwrap_err();
            assert!(
                matches!(&err, DockerError::Unsupported(m) if m.starts_with("kill cache-1 (0123456789ab): ")),
                "{signal}: {err}"
            );
        }
    }

    #[test]
    fn the_helper_sends_the_named_signal_to_the_host_pid() {
        assert_eq!(kill_command("SIGKILL", 4242), "kill -s KILL 4242");
        assert_eq!(kill_command("TERM", 7), "kill -s TERM 7");
    }
}
