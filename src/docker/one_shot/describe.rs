//! `validate` on a Docker target: its selector, the Engine it is on, what
//! it matches now, and its faults; a refusal when the Engine cannot be
//! reached (down, or refusing the TLS certificates), and when a container
//! it matches has no network namespace of its own for its network
//! scenarios.

use crate::docker::client::{connect, resolve_endpoint};
use crate::docker::config::DockerSettings;
use crate::docker::netns::check_own_namespace;
use crate::docker::own_project::resolve;
use crate::docker::select::listed;
use crate::docker::{DockerError, ProjectScope, Selector};

use super::runtime;

/// The `validate` lines of a Docker target named `name`; `false` (after
/// an `error:` line) when its Engine cannot be reached, or when a
/// container it matches now has no network
/// namespace of its own (network mode `host` or `container:<id>`) and the
/// target has network or partition scenarios, which would be refused
/// there at every injection.
pub(super) fn describe(name: &str, docker: &DockerSettings) -> bool {
    let target = &docker.target;
    say!(
        "  docker:       {} on {}, pick {}",
        target.selector,
        resolve_endpoint(target.host.as_deref(), target.cert_path.as_deref()),
        target.pick
    );
    let helper_scenarios: Vec<&str> = docker
        .faults
        .iter()
        .filter(|(_, fault)| fault.needs_helper())
        .map(|(scenario, _)| scenario.as_str())
        .collect();
    let now = match runtime() {
        Ok(runtime) => runtime.block_on(async {
            let engine = connect(target.host.as_deref(), target.cert_path.as_deref()).await?;
            let selector = resolve(&engine, &target.selector).await?;
            if selector != target.selector {
                let why = match &selector {
                    Selector::Service {
                        project: ProjectScope::Any,
                        ..
                    } => " (the engine runs in no Compose project and COMPOSE_PROJECT_NAME is not set)",
                    _ => "",
                };
                say!("  selects now:  {selector}{why}");
            }
            let found = listed(&engine, &selector, false).await?;
            let mut refused = Vec::new();
            if !helper_scenarios.is_empty() {
                for container in &found {
                    // Only a refusal counts: a container gone meanwhile is
                    // no configuration error.
                    if let Err(err @ DockerError::SharedNetns { .. }) =
                        check_own_namespace(&engine, container).await
                    {
                        refused.push(err);
                    }
                }
            }
            Ok::<_, DockerError>((found, refused))
        }),
        Err(err) => {
            say!("  matches now:  unknown (no runtime: {err})");
            return true;
        }
    };
    let mut valid = true;
    match now {
        Ok((found, _)) if found.is_empty() => {
            say!("  matches now:  no running container (faults are skipped until one runs)")
        }
        Ok((found, refused)) => {
            say!(
                "  matches now:  {} running: {}",
                found.len(),
                found
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            for err in refused {
                if let DockerError::SharedNetns {
                    container,
                    network_mode,
                    why,
                } = err
                {
                    eprintln!(
                        "error: target {name}: container {container} has network mode \
                         {network_mode}: {why}; its network and partition scenarios ({}) would \
                         be refused at every injection: give it a network of its own, or use \
                         only kill, stop and pause on it",
                        helper_scenarios.join(", ")
                    );
                    valid = false;
                }
            }
        }
        Err(err @ DockerError::Unreachable { .. }) => {
            eprintln!("error: target {name}: {err}");
            valid = false;
        }
        Err(err) => say!("  matches now:  unknown ({err})"),
    }
    if !helper_scenarios.is_empty() {
        say!("  net image:    {}", docker.policy.net_image);
    }
    say!("  faults:");
    for (scenario, fault) in &docker.faults {
        say!("    {scenario:<20} {}", fault.describe());
    }
    valid
}
