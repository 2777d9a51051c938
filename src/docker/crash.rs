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

/// The helper's exit status when the signal did not end the process
/// within [`END_WAIT_TENTHS`] tenths of a second.
const EXIT_NOT_ENDED: i64 = 4;

/// How long the helper waits for the process to end after a signal other
/// than SIGKILL, in tenths of a second.
const END_WAIT_TENTHS: u32 = 100;

/// The shell script that sends `signal` (as [`signals::terminating`]
/// gives it) to host process `pid`. After any signal but SIGKILL it waits
/// up to [`END_WAIT_TENTHS`] for the process to end (gone, or a zombie),
/// and exits [`EXIT_NOT_ENDED`] when it has not: a process may handle the
/// signal and carry on, and a container's main process, the PID 1 of its
/// namespace, never gets a signal it has no handler for, so nothing would
/// have crashed.
pub fn kill_command(signal: &str, pid: i64) -> String {
    let name = signal.trim_start_matches("SIG");
    let send = format!("kill -s {name} {pid}");
    if signals::number(signal) == Some(9) {
        return send;
    }
    format!(
        "{send} || exit 1\n\
         for I in $(seq {END_WAIT_TENTHS}); do\n\
         \x20 case \"$(sed -n 's/^State:[[:space:]]*//p' /proc/{pid}/status 2>/dev/null)\" in \
         ''|Z*|X*) exit 0;; esac\n\
         \x20 sleep 0.1\n\
         done\n\
         exit {EXIT_NOT_ENDED}\n"
    )
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
            container_ops::kill(docker, container, &signal).await?;
            return ended_by_engine_kill(docker, container, &signal).await;
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
        Ok(()) => run_to_end(docker, &created.id, &name, &signal).await,
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

/// After the Engine's kill of `container` with `signal`: waits, as the
/// helper does, until it no longer runs (SIGKILL: at once), or says that
/// the signal did not end it.
async fn ended_by_engine_kill(
    docker: &Docker,
    container: &ContainerRef,
    signal: &str,
) -> Result<(), DockerError> {
    if signals::number(signal) == Some(9) {
        return Ok(());
    }
    for _ in 0..END_WAIT_TENTHS {
        match container_ops::inspect(docker, container).await? {
            Some(state) if state.running => {}
            _ => return Ok(()),
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    Err(not_ended(&container.to_string(), signal))
}

/// The error of a signal that did not end `name`'s main process.
fn not_ended(name: &str, signal: &str) -> DockerError {
    DockerError::Unsupported(format!(
        "kill {name}: {signal} did not end its main process within {} s, so nothing \
         crashed: the process handles the signal, or it is the container's PID 1, which \
         never gets a signal it has no handler for; use SIGKILL (the default), or run the \
         container with an init (`docker run --init`, Compose `init: true`)",
        END_WAIT_TENTHS / 10
    ))
}

async fn run_to_end(
    docker: &Docker,
    helper: &str,
    name: &str,
    signal: &str,
) -> Result<(), DockerError> {
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
    match code {
        0 => Ok(()),
        EXIT_NOT_ENDED => Err(not_ended(name, signal)),
        _ => Err(DockerError::Api {
            action: "kill",
            container: name.to_owned(),
            detail: format!("the kill helper exited {code}"),
        }),
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
    fn the_helper_sends_sigkill_to_the_host_pid_unchecked() {
        assert_eq!(kill_command("SIGKILL", 4242), "kill -s KILL 4242");
        assert_eq!(kill_command("9", 7), "kill -s 9 7");
    }

    /// Runs the script of `signal` with `kill` replaced by `sent` and
    /// `/proc/4242/status` by a file holding `state`: its exit status and
    /// what it printed.
    fn run_against(signal: &str, sent: &str, state: &str) -> (i32, String) {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("status");
        std::fs::write(&file, format!("Name:\tapp\nState:\t{state}\n")).unwrap();
        let script = kill_command(signal, 4242)
            .replace("/proc/4242/status", file.to_str().unwrap())
            .replace("kill -s", sent)
            .replace(&format!("seq {END_WAIT_TENTHS}"), "seq 3");
        let output = std::process::Command::new("sh")
            .args(["-c", &script])
            .output()
            .unwrap();
        (
            output.status.code().unwrap(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
        )
    }

    #[test]
    fn after_a_signal_but_sigkill_the_helper_waits_for_the_end() {
        // Ended: a zombie, or gone (the file emptied).
        assert_eq!(
            run_against("SIGUSR1", "echo sent", "Z (zombie)"),
            (0, "sent USR1 4242\n".to_owned())
        );
        assert_eq!(
            run_against("SIGTERM", "echo sent", ""),
            (0, "sent TERM 4242\n".to_owned())
        );
        // Still running after the wait: not ended.
        assert_eq!(
            run_against("SIGUSR1", "echo sent", "S (sleeping)"),
            (EXIT_NOT_ENDED as i32, "sent USR1 4242\n".to_owned())
        );
        // The signal could not be sent.
        assert_eq!(
            run_against("40", "false", "S (sleeping)"),
            (1, String::new())
        );
    }
}
