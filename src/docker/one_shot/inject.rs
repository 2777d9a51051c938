//! `inject` on a Docker target: applies the fault now through the
//! daemon's own [`DockerBackend`], holds it for `--for` (by default the
//! target's recovery) and undoes it; SIGTERM or SIGINT undoes it at once.

use std::sync::Arc;

use crate::backend::one_shot::{HoldWaiter, DISABLED};
use crate::backend::{FaultBackend, InjectRequest, OneShotContext, OneShotError};
use crate::clock::{format_duration, round_millis, Clock, SystemClock};
use crate::docker::backend::DockerBackend;
use crate::docker::config::DockerSettings;
use crate::docker::ledger::Ledger;
use crate::docker::DockerMode;
use crate::outcome::InjectedFailure;
use crate::telemetry::{SharedTelemetry, Telemetry};

/// `inject MODE --target NAME` on a Docker target: applies the fault now,
/// holds it for `--for` (default: the target's recovery), undoes it.
/// SIGTERM or SIGINT undoes it at once.
pub(super) fn inject(
    context: &OneShotContext<'_>,
    docker: &DockerSettings,
    request: &InjectRequest<'_>,
) -> Result<(), OneShotError> {
    let name = context.target;
    let usage = |message: String| Err(OneShotError::Usage(message));
    let mode = &request.mode;
    let Ok(docker_mode) = mode.parse::<DockerMode>() else {
        return usage(format!(
            "MODE {}: target {} is a Docker target; its modes are {}",
            mode,
            name,
            DockerMode::listed()
        ));
    };
    if docker_mode.is_swarm_only() {
        return usage(format!(
            "MODE {mode}: target {name} is a Docker target; {}",
            crate::docker::backend::swarm_only_refusal(docker_mode)
        ));
    }
    if request.delay.is_some() {
        return usage(format!(
            "--delay: target {name} is a Docker target; added latency is a `network` scenario's delay"
        ));
    }
    let hold = request.hold()?.unwrap_or(context.recovery);
    // A scenario chosen by name is that scenario's fault; a mode alone,
    // the first fault of that mode.
    let scenario = match request.chosen {
        Some(_) => request.scenario.clone(),
        None => docker
            .faults
            .iter()
            .find(|(_, fault)| fault.mode() == docker_mode)
            .map(|(name, _)| name.clone())
            .unwrap_or_else(|| mode.to_ascii_uppercase()),
    };
    if let Err(err) = crate::docker::backend::fault_for(name, &docker.faults, &scenario, mode) {
        return usage(format!("MODE {mode}: {err}"));
    }
    if !context.enabled {
        return usage(DISABLED.to_owned());
    }
    if context.dry_run {
        say!(
            "[dry run] would inject {scenario} ({mode}) into {name} ({}) for {}; no Docker call made",
            docker.target.selector,
            format_duration(hold)
        );
        return Ok(());
    }
    apply_held(context, &scenario, mode, hold, |ledger, telemetry| {
        Box::new(DockerBackend::new(
            ledger,
            name,
            docker,
            Arc::clone(telemetry),
            false,
        ))
    })
}

/// Applies `scenario` (`mode`) once through the backend `make_backend`
/// builds (given the one-shot's ledger and telemetry), holds it for
/// `hold` (or until SIGTERM or SIGINT) and undoes it; journals both as the
/// daemon does, and says what it did. Used by every container backend's
/// one-shot `inject`.
pub fn apply_held(
    context: &OneShotContext<'_>,
    scenario: &str,
    mode: &str,
    hold: std::time::Duration,
    make_backend: impl FnOnce(Arc<Ledger>, &SharedTelemetry) -> Box<dyn FaultBackend>,
) -> Result<(), OneShotError> {
    let name = context.target;
    let mut waiter = match HoldWaiter::install() {
        Ok(waiter) => waiter,
        Err(err) => {
            eprintln!("error: cannot install signal handlers: {err}");
            return Err(OneShotError::Failed);
        }
    };
    let telemetry = context.recorder.telemetry();
    let ledger = Arc::new(Ledger::new(context.ledger_dir.to_owned()));
    let mut backend = make_backend(Arc::clone(&ledger), telemetry);
    let injected_at = round_millis(SystemClock.unix_now());
    let (category, fix) = context.catalogue.truth_for(scenario, mode);
    let mut failure = InjectedFailure {
        id: uuid::Uuid::new_v4().to_string(),
        scenario: scenario.to_owned(),
        mode: mode.to_owned(),
        delay: 0,
        injected_at,
        expires_at: round_millis(injected_at + hold.as_secs_f64()),
        manifested_at: None,
        containers: Vec::new(),
        category,
        fix,
    };
    let applied = waiter.block_on(backend.apply(name, &failure));
    let applied = match applied {
        Ok(applied) => applied,
        Err(err) => {
            eprintln!("error: {name}: {err}");
            // Journalled as the daemon journals a failed cycle.
            telemetry.write_error(name, &err.to_string(), Some(&failure));
            close_ledger(&ledger);
            return Err(OneShotError::Failed);
        }
    };
    failure.containers = applied.containers;
    telemetry.injected(
        name,
        &Arc::new(failure.clone()),
        Some("cli"),
        None,
        applied.took.as_secs_f64() * 1000.0,
        None,
    );
    say!(
        "💥 Injected {scenario} ({mode}) into {name}: {}, id {}; undone in {} (Ctrl-C undoes it now)",
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
    let undone = undo(backend.as_mut(), telemetry, name, &failure, &waiter);
    close_ledger(&ledger);
    undone
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
    backend: &mut dyn FaultBackend,
    telemetry: &Telemetry,
    name: &str,
    failure: &InjectedFailure,
    waiter: &HoldWaiter,
) -> Result<(), OneShotError> {
    let now = round_millis(SystemClock.unix_now());
    match waiter.block_on(backend.clear(name, chaos_state::ClearReason::Manual, now)) {
        Ok(took) => {
            say!("✓ {name}: fault undone");
            telemetry.cleared(
                name,
                Some(crate::telemetry::Ending {
                    failure,
                    ended_by: crate::outcome::EndedBy::Manual,
                    repaired_by: None,
                    outcome_recorded: false,
                }),
                chaos_state::ClearReason::Manual.as_str(),
                Some(took.as_secs_f64() * 1000.0),
            );
            Ok(())
        }
        Err(err) => {
            eprintln!(
                "error: {name}: could not undo the fault ({err}); `chaos-engine recover` tries again"
            );
            Err(OneShotError::Failed)
        }
    }
}
