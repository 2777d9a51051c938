//! `chaos-engine inject MODE`: write one failure now, through the same
//! atomic writer as the daemon. With `--for` it waits, then clears
//! (`reason: manual`); SIGTERM or SIGINT during that wait clears at once.

use std::process::ExitCode;

use std::time::Duration;

use chaos_state::{modes, write_atomic_durable, FailureSpec, StateRecord};
use tokio::signal::unix::{signal, Signal, SignalKind};

use crate::cli::{InjectArgs, EXIT_FAILURE};
use crate::clock::format_duration;
use crate::clock::{round_millis, Clock, SystemClock};
use crate::config::duration::parse_duration;
use crate::config::TargetKind;
use crate::journal::schema::Injected;
use crate::journal::JournalEvent;
use crate::picker::{draw_delay, manual_delay};
use crate::scenario::check_mode;

use super::inject_choice::{choose, Choice};

/// Writes the failure; exit 2 on bad input, 1 when the file cannot be written.
pub fn execute(args: &InjectArgs) -> ExitCode {
    let settings = match super::load_settings(&args.config) {
        Ok(settings) => settings,
        Err(code) => return code,
    };
    let target = match super::select_targets(&settings, args.target.as_deref(), false, false) {
        Ok(targets) => targets[0],
        Err(code) => return code,
    };
    let choice = match choose(target, args.mode.as_deref(), args.scenario.as_deref()) {
        Ok(choice) => choice,
        Err(message) => return super::usage_error(&message),
    };
    let state_file = match &target.kind {
        TargetKind::StateFile(path) => path,
        TargetKind::Docker(docker) => {
            return super::docker_target::inject(&settings, target, docker, args, &choice)
        }
    };
    let Choice {
        scenario,
        mode,
        chosen,
    } = choice;
    if mode == modes::HEALTHY {
        return super::usage_error(&"MODE healthy: use `chaos-engine clear` to clear a failure");
    }
    if let Err(message) = check_mode(&mode) {
        return super::usage_error(&format!("MODE: {message}"));
    }
    let hold = match args.duration.as_deref().map(parse_duration) {
        None => None,
        Some(Ok(d)) if !d.is_zero() => Some(d),
        Some(Ok(_)) => return super::usage_error(&"--for: must be greater than 0"),
        Some(Err(message)) => return super::usage_error(&format!("--for: {message}")),
    };
    // A scenario chosen by name draws from its own range; a mode alone from
    // the range of the first scenario of that mode.
    let delay = match (chosen.and_then(|s| s.delay), args.delay) {
        (Some(range), None) => draw_delay(range),
        (_, given) => match manual_delay(&target.catalogue, &mode, given) {
            Ok(delay) => delay,
            Err(message) => return super::usage_error(&format!("--delay: {message}")),
        },
    };

    if !settings.enabled {
        return super::usage_error(
            &"chaos is disabled (CHAOS_ENABLED false or empty, or --enabled false): nothing injected; pass --enabled true to inject anyway",
        );
    }
    if settings.dry_run {
        let delay_note = if delay > 0 {
            format!(", delay {delay}s")
        } else {
            String::new()
        };
        say!(
            "[dry run] would inject {scenario} ({}{delay_note}) into {} ({}); nothing written",
            mode,
            target.name,
            state_file.display()
        );
        return ExitCode::SUCCESS;
    }
    // With --for, catch SIGTERM/SIGINT before the failure is written, so an
    // early signal still clears it.
    let waiter = match hold.map(|_| HoldWaiter::install()).transpose() {
        Ok(waiter) => waiter,
        Err(err) => {
            eprintln!("error: cannot install signal handlers: {err}");
            return ExitCode::from(EXIT_FAILURE);
        }
    };
    let lasts = hold.unwrap_or(target.recovery);
    let id = uuid::Uuid::new_v4().to_string();
    let timestamp = round_millis(SystemClock.unix_now());
    let spec = FailureSpec {
        target: &target.name,
        scenario: &scenario,
        mode: &mode,
        delay,
        id: &id,
        timestamp,
        expires_at: round_millis(timestamp + lasts.as_secs_f64()),
    };
    if let Err(err) = write_atomic_durable(state_file, &StateRecord::failure(&spec)) {
        eprintln!("error: {}: {err}", target.name);
        return ExitCode::from(EXIT_FAILURE);
    }
    let journal = super::journal_for(&settings);
    let (category, fix) = target.catalogue.truth_for(&scenario, &mode);
    journal.record(
        timestamp,
        JournalEvent::Injected(Injected {
            id: id.clone(),
            target: target.name.clone(),
            scenario: scenario.clone(),
            mode: Some(mode.clone()),
            delay: Some(delay),
            expires_at: spec.expires_at,
            lateness_ms: None,
            write_ms: None,
            source: Some("cli".to_owned()),
            active: None,
            containers: Vec::new(),
            category,
            fix,
        }),
    );
    let delay_note = if delay > 0 {
        format!(", delay {delay}s")
    } else {
        String::new()
    };
    say!(
        "💥 Injected {scenario} ({}{delay_note}) into {} ({}), id {id}, expires in {}",
        mode,
        target.name,
        state_file.display(),
        format_duration(lasts)
    );
    match (waiter, hold) {
        (Some(mut waiter), Some(hold)) => {
            waiter.wait(hold);
            if super::clear_by_hand(&settings, target, &journal) {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(EXIT_FAILURE)
            }
        }
        _ => ExitCode::SUCCESS,
    }
}

/// A timer runtime with SIGTERM and SIGINT handlers already installed.
pub(super) struct HoldWaiter {
    runtime: tokio::runtime::Runtime,
    terminate: Signal,
    interrupt: Signal,
}

impl HoldWaiter {
    pub(super) fn install() -> std::io::Result<Self> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let (terminate, interrupt) = runtime.block_on(async {
            Ok::<_, std::io::Error>((
                signal(SignalKind::terminate())?,
                signal(SignalKind::interrupt())?,
            ))
        })?;
        Ok(HoldWaiter {
            runtime,
            terminate,
            interrupt,
        })
    }

    /// Runs `work` to completion on this runtime.
    pub(super) fn block_on<F: std::future::Future>(&self, work: F) -> F::Output {
        self.runtime.block_on(work)
    }

    /// Waits `hold`, or until SIGTERM or SIGINT.
    pub(super) fn wait(&mut self, hold: Duration) {
        self.runtime.block_on(async {
            tokio::select! {
                _ = tokio::time::sleep(hold) => {}
                _ = self.terminate.recv() => say!("Received SIGTERM: clearing now"),
                _ = self.interrupt.recv() => say!("Received SIGINT: clearing now"),
            }
        });
    }
}
