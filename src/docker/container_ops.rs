//! The Engine calls of the container faults: kill (a signal), stop (with a
//! grace), pause; and their reverts, which look first and change only what
//! is still broken: unpause a paused container, start one that is not
//! running (one that runs again already, by its restart policy or by a
//! person, is left alone and is not an error). A Swarm task container that
//! is down is left to Swarm, which fills its slot with a new task: a
//! `docker start` of it would run a copy outside Swarm's control.

use std::time::Duration;

use bollard::query_parameters::{KillContainerOptions, StopContainerOptions};
use bollard::Docker;

use super::client::{api_error, bounded, inspect_container, is_not_found, CALL_TIMEOUT};
use super::swarm_task::TASK_ID_LABEL;
use super::{signals, ContainerRef, DockerError};
use crate::clock::Clock;

/// What the Engine says about a container right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ContainerState {
    /// Running (a paused container runs too).
    pub running: bool,
    /// Frozen by `pause`.
    pub paused: bool,
    /// Being restarted by its restart policy.
    pub restarting: bool,
    /// How many times its restart policy restarted it.
    pub restart_count: i64,
    /// A Swarm task's container (it carries
    /// [`TASK_ID_LABEL`](super::swarm_task::TASK_ID_LABEL)).
    pub swarm_task: bool,
}

/// What a revert found and did to one container.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reverted {
    /// It was paused; it is unpaused.
    Unpaused,
    /// It was not running; it is started.
    Started,
    /// It was not paused any more (someone unpaused it).
    NotPaused,
    /// It runs already (its restart policy, or a person, started it).
    AlreadyRunning,
    /// It no longer exists.
    Gone,
    /// A Swarm task's container, down: not started, Swarm starts a new
    /// task in its slot.
    LeftToSwarm,
}

impl Reverted {
    /// `unpaused`, `started`, `already running`...: for logs and reports.
    pub fn describe(self) -> &'static str {
        match self {
            Reverted::Unpaused => "unpaused",
            Reverted::Started => "started",
            Reverted::NotPaused => "not paused any more",
            Reverted::AlreadyRunning => "already running",
            Reverted::Gone => "gone",
            Reverted::LeftToSwarm => "left to Swarm (its slot gets a new task)",
        }
    }
}

/// The state of `container`; `None` when it no longer exists.
pub async fn inspect(
    docker: &Docker,
    container: &ContainerRef,
) -> Result<Option<ContainerState>, DockerError> {
    let Some(details) = inspect_container(docker, container).await? else {
        return Ok(None);
    };
    let swarm_task = details
        .config
        .as_ref()
        .and_then(|config| config.labels.as_ref())
        .is_some_and(|labels| labels.contains_key(TASK_ID_LABEL));
    let state = details.state.unwrap_or_default();
    Ok(Some(ContainerState {
        running: state.running.unwrap_or(false),
        paused: state.paused.unwrap_or(false),
        restarting: state.restarting.unwrap_or(false),
        restart_count: details.restart_count.unwrap_or(0),
        swarm_task,
    }))
}

/// Sends `signal` (`SIGKILL`, `SIGTERM`...) to `container`; a signal that
/// does not end a process ([`signals::terminating`]) is refused unsent.
pub async fn kill(
    docker: &Docker,
    container: &ContainerRef,
    signal: &str,
) -> Result<(), DockerError> {
    let signal = signals::terminating(signal)
        .map_err(|why| DockerError::Unsupported(format!("kill {container}: {why}")))?;
    tracing::debug!(container = %container, signal = %signal, "docker kill");
    let options = KillContainerOptions { signal };
    bounded(
        CALL_TIMEOUT,
        "kill",
        &container.to_string(),
        docker.kill_container(&container.id, Some(options)),
    )
    .await
}

/// Stops `container`: SIGTERM, then SIGKILL after `grace`. Waits until it
/// has stopped (at most `grace` plus the call bound).
pub async fn stop(
    docker: &Docker,
    container: &ContainerRef,
    grace: Duration,
) -> Result<(), DockerError> {
    tracing::debug!(container = %container, grace_s = grace.as_secs(), "docker stop");
    let options = StopContainerOptions {
        t: Some(i32::try_from(grace.as_secs()).unwrap_or(i32::MAX)),
        signal: None,
    };
    bounded(
        grace + CALL_TIMEOUT,
        "stop",
        &container.to_string(),
        docker.stop_container(&container.id, Some(options)),
    )
    .await
}

/// Freezes every process of `container`.
pub async fn pause(docker: &Docker, container: &ContainerRef) -> Result<(), DockerError> {
    tracing::debug!(container = %container, "docker pause");
    bounded(
        CALL_TIMEOUT,
        "pause",
        &container.to_string(),
        docker.pause_container(&container.id),
    )
    .await
}

/// Unpauses `container` if it is still paused.
pub async fn unpause_if_paused(
    docker: &Docker,
    container: &ContainerRef,
) -> Result<Reverted, DockerError> {
    match inspect(docker, container).await? {
        None => Ok(Reverted::Gone),
        Some(state) if !state.paused => Ok(Reverted::NotPaused),
        Some(_) => {
            tracing::debug!(container = %container, "docker unpause");
            let name = container.to_string();
            match tokio::time::timeout(CALL_TIMEOUT, docker.unpause_container(&container.id)).await
            {
                Err(_) => Err(DockerError::Api {
                    action: "unpause",
                    container: name,
                    detail: super::client::no_answer(CALL_TIMEOUT),
                }),
                Ok(Ok(())) => Ok(Reverted::Unpaused),
                Ok(Err(err)) if is_not_found(&err) => Ok(Reverted::Gone),
                // Unpaused by someone between the look and the call.
                Ok(Err(bollard::errors::Error::DockerResponseServerError {
                    status_code: 409,
                    ..
                })) => Ok(Reverted::NotPaused),
                Ok(Err(err)) => Err(api_error("unpause", &name, &err)),
            }
        }
    }
}

/// Starts `container` unless it runs already (or its restart policy is
/// bringing it back), or is a Swarm task's (left to Swarm).
pub async fn start_unless_running(
    docker: &Docker,
    container: &ContainerRef,
) -> Result<Reverted, DockerError> {
    match inspect(docker, container).await? {
        None => Ok(Reverted::Gone),
        Some(state) if state.running || state.restarting => Ok(Reverted::AlreadyRunning),
        Some(state) if state.swarm_task => Ok(Reverted::LeftToSwarm),
        Some(_) => {
            tracing::debug!(container = %container, "docker start");
            let name = container.to_string();
            match tokio::time::timeout(CALL_TIMEOUT, docker.start_container(&container.id, None))
                .await
            {
                Err(_) => Err(DockerError::Api {
                    action: "start",
                    container: name,
                    detail: super::client::no_answer(CALL_TIMEOUT),
                }),
                Ok(Ok(())) => Ok(Reverted::Started),
                // A 404 from `start` may be about something else than the
                // container (its network was removed): gone only if it is.
                Ok(Err(err)) if is_not_found(&err) => match inspect(docker, container).await? {
                    None => Ok(Reverted::Gone),
                    Some(_) => Err(api_error("start", &name, &err)),
                },
                Ok(Err(err)) => Err(api_error("start", &name, &err)),
            }
        }
    }
}

/// [`start_unless_running`], then a look that it runs (or its restart
/// policy is bringing it back): an undo is reported only once verified. A
/// Swarm task's container left to Swarm stays down: nothing to verify.
pub async fn start_verified(
    docker: &Docker,
    container: &ContainerRef,
) -> Result<Reverted, DockerError> {
    let reverted = start_unless_running(docker, container).await?;
    if reverted == Reverted::LeftToSwarm {
        return Ok(reverted);
    }
    match inspect(docker, container).await? {
        None => Ok(Reverted::Gone),
        Some(state) if state.running || state.restarting => Ok(reverted),
        Some(_) => Err(DockerError::Api {
            action: "start",
            container: container.to_string(),
            detail: "it is still not running after `start`".to_owned(),
        }),
    }
}

/// [`unpause_if_paused`], then a look that it is not paused any more.
pub async fn unpause_verified(
    docker: &Docker,
    container: &ContainerRef,
) -> Result<Reverted, DockerError> {
    let reverted = unpause_if_paused(docker, container).await?;
    match inspect(docker, container).await? {
        Some(state) if state.paused => Err(DockerError::Api {
            action: "unpause",
            container: container.to_string(),
            detail: "it is still paused after `unpause`".to_owned(),
        }),
        None => Ok(Reverted::Gone),
        Some(_) => Ok(reverted),
    }
}

/// Waits until `container` is not running, at most until Unix time
/// `until` by `clock` (a `stop` Docker is still carrying out, a signal on
/// its way): the undo then acts on the settled state. Polls every 200 ms.
pub async fn wait_until_stopped(
    docker: &Docker,
    container: &ContainerRef,
    until: f64,
    clock: &dyn Clock,
) -> Result<(), DockerError> {
    loop {
        match inspect(docker, container).await? {
            Some(state) if state.running && !state.restarting => {}
            _ => return Ok(()),
        }
        if clock.unix_now() >= until {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_signal_that_does_not_end_the_process_is_never_sent() {
        let (docker, container) = super::super::client::nobody_listening();
        for signal in ["SIGSTOP", "CONT", "19"] {
            let err = kill(&docker, &container, signal).await.unwrap_err();
            assert!(
                matches!(&err, DockerError::Unsupported(m) if m.starts_with("kill cache-1 (0123456789ab): ")),
                "{signal}: {err}"
            );
        }
    }
}
