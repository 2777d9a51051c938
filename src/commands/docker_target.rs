//! The one-shot commands on a Docker target: `validate` shows its selector
//! and what it matches now; `status` what its containers are doing and
//! which network faults are in effect; `inject` applies a fault through the
//! daemon's own [`DockerBackend`], holds it (`--for`, by default the
//! target's recovery) and undoes it; `clear` undoes what an engine left
//! behind on it (`recover`, for this target only).

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use serde_json::json;

use super::inject::HoldWaiter;
use super::inject_choice::Choice;
use crate::actors::target::FaultBackend;
use crate::cli::{InjectArgs, EXIT_FAILURE};
use crate::clock::{format_duration, round_millis, system_clock, Clock, SystemClock};
use crate::config::duration::parse_duration;
use crate::config::{DockerSettings, Settings, TargetSettings};
use crate::docker::backend::DockerBackend;
use crate::docker::client::{connect, resolve_host};
use crate::docker::container_ops;
use crate::docker::ledger::{read_open, Ledger};
use crate::docker::netns::check_own_namespace;
use crate::docker::own_project::resolve;
use crate::docker::select::listed;
use crate::docker::{DockerError, DockerMode, ProjectScope, Selector};
use crate::outcome::InjectedFailure;
use crate::telemetry::Telemetry;

fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
}

/// The `validate` lines of a Docker target named `name`; `false` (after
/// an `error:` line) when a container it matches now has no network
/// namespace of its own (network mode `host` or `container:<id>`) and the
/// target has network or partition scenarios, which would be refused
/// there at every injection.
pub(super) fn describe_for_validate(name: &str, docker: &DockerSettings) -> bool {
    let target = &docker.target;
    say!(
        "  docker:       {} on {}, pick {}",
        target.selector,
        resolve_host(target.host.as_deref()),
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
            let engine = connect(target.host.as_deref()).await?;
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

/// What a Docker target's containers are doing now.
pub(super) struct Look {
    selector: String,
    containers: Vec<(String, String)>,
    faults: Vec<String>,
    error: Option<String>,
}

/// Looks at the containers of `docker` now, and at the faults in effect
/// on them (the open faults of the ledgers in `ledger_dir`).
pub(super) fn look(name: &str, docker: &DockerSettings, ledger_dir: &Path) -> Look {
    let mut look = Look {
        selector: docker.target.selector.to_string(),
        containers: Vec::new(),
        faults: Vec::new(),
        error: None,
    };
    let runtime = match runtime() {
        Ok(runtime) => runtime,
        Err(err) => {
            look.error = Some(err.to_string());
            return look;
        }
    };
    let seen = runtime.block_on(async {
        let engine = connect(docker.target.host.as_deref()).await?;
        let mut containers = Vec::new();
        for container in listed(&engine, &docker.target.selector, true).await? {
            let state = match container_ops::inspect(&engine, &container).await? {
                Some(state) if state.paused => "paused",
                Some(state) if state.restarting => "restarting",
                Some(state) if state.running => "running",
                Some(_) => "not running",
                None => "gone",
            };
            containers.push((container.to_string(), state.to_owned()));
        }
        // What is in effect, from every engine's ledger: the helpers'
        // labels name no fault.
        let faults = read_open(ledger_dir)
            .into_iter()
            .filter(|record| record.target == name)
            .map(|record| {
                let on: Vec<String> = record.containers.iter().map(ToString::to_string).collect();
                format!(
                    "{} in effect on {} (ends in {:.0}s)",
                    record.mode,
                    on.join(", "),
                    (record.expires_at - SystemClock.unix_now()).max(0.0)
                )
            })
            .collect();
        Ok::<_, DockerError>((containers, faults))
    });
    match seen {
        Ok((containers, faults)) => {
            look.containers = containers;
            look.faults = faults;
        }
        Err(err) => look.error = Some(err.to_string()),
    }
    look
}

impl Look {
    /// `cache: running (cache-1 (3f2a…) running) [service cache]`.
    pub(super) fn line(&self, name: &str) -> String {
        if let Some(error) = &self.error {
            return format!("{name}: unknown ({error}) [{}]", self.selector);
        }
        let overall = if !self.faults.is_empty() {
            self.faults.join("; ")
        } else if self.containers.is_empty() {
            "no container".to_owned()
        } else if self.containers.iter().all(|(_, state)| state == "running") {
            "healthy".to_owned()
        } else {
            "degraded".to_owned()
        };
        let containers: Vec<String> = self
            .containers
            .iter()
            .map(|(container, state)| format!("{container} {state}"))
            .collect();
        format!(
            "{name}: {overall} ({}) [{}]",
            if containers.is_empty() {
                "none matching".to_owned()
            } else {
                containers.join(", ")
            },
            self.selector
        )
    }

    /// The same as one JSON object.
    pub(super) fn json(&self, name: &str) -> serde_json::Value {
        json!({
            "target": name,
            "docker": self.selector,
            "containers": self
                .containers
                .iter()
                .map(|(container, state)| json!({ "container": container, "state": state }))
                .collect::<Vec<_>>(),
            "faults": self.faults,
            "error": self.error,
        })
    }
}

/// `inject MODE --target NAME` on a Docker target: applies the fault now,
/// holds it for `--for` (default: the target's recovery), undoes it.
/// SIGTERM or SIGINT undoes it at once.
pub(super) fn inject(
    settings: &Settings,
    target: &TargetSettings,
    docker: &DockerSettings,
    args: &InjectArgs,
    choice: &Choice<'_>,
) -> ExitCode {
    let mode = &choice.mode;
    let Ok(docker_mode) = mode.parse::<DockerMode>() else {
        return super::usage_error(&format!(
            "MODE {}: target {} is a Docker target; its modes are {}",
            mode,
            target.name,
            DockerMode::listed()
        ));
    };
    if args.delay.is_some() {
        return super::usage_error(&format!(
            "--delay: target {} is a Docker target; added latency is a `network` scenario's delay",
            target.name
        ));
    }
    let hold = match args.duration.as_deref().map(parse_duration) {
        None => target.recovery,
        Some(Ok(d)) if !d.is_zero() => d,
        Some(Ok(_)) => return super::usage_error(&"--for: must be greater than 0"),
        Some(Err(message)) => return super::usage_error(&format!("--for: {message}")),
    };
    // A scenario chosen by name is that scenario's fault; a mode alone,
    // the first fault of that mode.
    let scenario = match choice.chosen {
        Some(_) => choice.scenario.clone(),
        None => docker
            .faults
            .iter()
            .find(|(_, fault)| fault.mode() == docker_mode)
            .map(|(name, _)| name.clone())
            .unwrap_or_else(|| mode.to_ascii_uppercase()),
    };
    if let Err(err) =
        crate::docker::backend::fault_for(&target.name, &docker.faults, &scenario, mode)
    {
        return super::usage_error(&format!("MODE {mode}: {err}"));
    }
    if !settings.enabled {
        return super::usage_error(
            &"chaos is disabled (CHAOS_ENABLED false or empty, or --enabled false): nothing injected; pass --enabled true to inject anyway",
        );
    }
    if settings.dry_run {
        say!(
            "[dry run] would inject {scenario} ({mode}) into {} ({}) for {}; no Docker call made",
            target.name,
            docker.target.selector,
            format_duration(hold)
        );
        return ExitCode::SUCCESS;
    }
    let mut waiter = match HoldWaiter::install() {
        Ok(waiter) => waiter,
        Err(err) => {
            eprintln!("error: cannot install signal handlers: {err}");
            return ExitCode::from(EXIT_FAILURE);
        }
    };
    let telemetry = Arc::new(Telemetry::new(system_clock(), super::journal_for(settings)));
    let ledger = Arc::new(Ledger::new(settings.ledger_dir.clone()));
    let mut backend = DockerBackend::new(
        Arc::clone(&ledger),
        &target.name,
        Arc::new(docker.target.clone()),
        docker.faults.clone(),
        docker.policy.clone(),
        Arc::clone(&telemetry),
        Arc::clone(&telemetry.clock),
        false,
    );
    let injected_at = round_millis(SystemClock.unix_now());
    let (category, fix) = target.catalogue.truth_for(&scenario, mode);
    let mut failure = InjectedFailure {
        id: uuid::Uuid::new_v4().to_string(),
        scenario: scenario.clone(),
        mode: mode.clone(),
        delay: 0,
        injected_at,
        expires_at: round_millis(injected_at + hold.as_secs_f64()),
        manifested_at: None,
        containers: Vec::new(),
        category,
        fix,
    };
    let applied = waiter.block_on(backend.apply(&target.name, &failure));
    let applied = match applied {
        Ok(applied) => applied,
        Err(err) => {
            eprintln!("error: {}: {err}", target.name);
            // Journalled as the daemon journals a failed cycle.
            telemetry.write_error(&target.name, &err.to_string(), Some(&failure));
            close_ledger(&ledger);
            return ExitCode::from(EXIT_FAILURE);
        }
    };
    failure.containers = applied.containers;
    telemetry.injected(
        &target.name,
        &std::sync::Arc::new(failure.clone()),
        Some("cli"),
        None,
        applied.took.as_secs_f64() * 1000.0,
        None,
    );
    say!(
        "💥 Injected {scenario} ({mode}) into {}: {}, id {}; undone in {} (Ctrl-C undoes it now)",
        target.name,
        failure
            .containers
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", "),
        failure.id,
        format_duration(hold)
    );
    waiter.wait(hold);
    let code = undo(&mut backend, &telemetry, target, &failure, &waiter);
    close_ledger(&ledger);
    code
}

/// Deletes the ledger of a one-shot command when nothing is left open in
/// it; otherwise says where it stays.
fn close_ledger(ledger: &Ledger) {
    match ledger.close() {
        Ok(true) => {}
        Ok(false) => eprintln!(
            "error: the fault stays open in the ledger {}: `chaos-engine recover` undoes it",
            ledger.path().display()
        ),
        Err(err) => eprintln!("error: {err}"),
    }
}

fn undo(
    backend: &mut DockerBackend,
    telemetry: &Telemetry,
    target: &TargetSettings,
    failure: &InjectedFailure,
    waiter: &HoldWaiter,
) -> ExitCode {
    let now = round_millis(SystemClock.unix_now());
    match waiter.block_on(backend.clear(&target.name, chaos_state::ClearReason::Manual, now)) {
        Ok(took) => {
            say!("✓ {}: fault undone", target.name);
            telemetry.cleared(
                &target.name,
                Some(crate::telemetry::Ending {
                    failure,
                    ended_by: crate::outcome::EndedBy::Manual,
                    repaired_by: None,
                    outcome_recorded: false,
                }),
                chaos_state::ClearReason::Manual.as_str(),
                Some(took.as_secs_f64() * 1000.0),
            );
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!(
                "error: {}: could not undo the fault ({err}); `chaos-engine recover` tries again",
                target.name
            );
            ExitCode::from(EXIT_FAILURE)
        }
    }
}

/// `clear --target NAME` on a Docker target: undoes what an engine left
/// behind on it (its network helpers, and open faults in the journal);
/// `false` (after printing why) when something could not be undone.
pub(super) fn clear(settings: &Settings, target: &TargetSettings) -> bool {
    let report = match super::recover::recover_targets(settings, Some(&[target.name.as_str()])) {
        Ok(report) => report,
        Err(err) => {
            eprintln!("error: {}: {err}", target.name);
            return false;
        }
    };
    if let Some(unknown) = &report.unknown {
        eprintln!("note: {}: {unknown}", target.name);
    }
    for note in &report.notes {
        say!("· {}: {note}", target.name);
    }
    for line in &report.lines {
        say!("✓ {}: {line}", target.name);
    }
    for error in &report.errors {
        eprintln!("error: {}: {error}", target.name);
    }
    if report.lines.is_empty() && report.ok() && report.notes.is_empty() {
        say!("✓ {} cleared (no fault in effect)", target.name);
    }
    report.ok()
}
