//! `chaos-engine inject MODE`: write one failure now, through the same
//! atomic writer as the daemon. With `--for` it waits, then clears
//! (`reason: manual`); SIGTERM or SIGINT during that wait clears at once.

use std::process::ExitCode;

use std::time::Duration;

use chaos_state::{modes, write_atomic, ClearReason, FailureSpec, StateRecord};
use tokio::signal::unix::{signal, SignalKind};

use crate::cli::{InjectArgs, EXIT_FAILURE};
use crate::clock::{round_millis, Clock, SystemClock};
use crate::config::duration::{format_duration, parse_duration};
use crate::config::TargetSettings;
use crate::picker::draw_delay;
use crate::scenario::{check_mode, DEFAULT_SLOW_DELAY};

/// Writes the failure; exit 2 on bad input, 1 when the file cannot be written.
pub fn execute(args: &InjectArgs) -> ExitCode {
    let settings = match super::load_settings(&args.config) {
        Ok(settings) => settings,
        Err(code) => return code,
    };
    let target = match super::select_targets(&settings, args.target.as_deref(), false) {
        Ok(targets) => targets[0],
        Err(code) => return code,
    };
    if args.mode == modes::HEALTHY {
        return super::usage_error(&"MODE healthy: use `chaos-engine clear` to clear a failure");
    }
    if let Err(message) = check_mode(&args.mode) {
        return super::usage_error(&format!("MODE: {message}"));
    }
    let hold = match args.duration.as_deref().map(parse_duration) {
        None => None,
        Some(Ok(d)) if !d.is_zero() => Some(d),
        Some(Ok(_)) => return super::usage_error(&"--for: must be greater than 0"),
        Some(Err(message)) => return super::usage_error(&format!("--for: {message}")),
    };
    let delay = match resolve_delay(target, &args.mode, args.delay) {
        Ok(delay) => delay,
        Err(message) => return super::usage_error(&format!("--delay: {message}")),
    };
    let scenario = target
        .catalogue
        .scenarios()
        .iter()
        .find(|s| s.mode == args.mode)
        .map(|s| s.name.clone())
        .unwrap_or_else(|| args.mode.to_ascii_uppercase());

    let lasts = hold.unwrap_or(target.recovery);
    let id = uuid::Uuid::new_v4().to_string();
    let timestamp = round_millis(SystemClock.unix_now());
    let spec = FailureSpec {
        target: &target.name,
        scenario: &scenario,
        mode: &args.mode,
        delay,
        id: &id,
        timestamp,
        expires_at: round_millis(timestamp + lasts.as_secs_f64()),
    };
    if let Err(err) = write_atomic(&target.state_file, &StateRecord::failure(&spec)) {
        eprintln!("error: {}: {err}", target.name);
        return ExitCode::from(EXIT_FAILURE);
    }
    let delay_note = if delay > 0 {
        format!(", delay {delay}s")
    } else {
        String::new()
    };
    say!(
        "💥 Injected {scenario} ({}{delay_note}) into {} ({}), id {id}, expires in {}",
        args.mode,
        target.name,
        target.state_file.display(),
        format_duration(lasts)
    );
    match hold {
        Some(hold) => hold_then_clear(target, hold),
        None => ExitCode::SUCCESS,
    }
}

/// `--delay` when given (rejected for modes that always write 0); for
/// `slow` without it, a draw from the target's slow scenario range.
fn resolve_delay(target: &TargetSettings, mode: &str, given: Option<u64>) -> Result<u64, String> {
    match given {
        Some(delay) if delay > 0 && (mode == modes::CRASH || mode == modes::CONFIG_ERROR) => {
            Err(format!("mode {mode} always writes delay 0"))
        }
        Some(delay) => Ok(delay),
        None if mode == modes::SLOW => {
            let range = target
                .catalogue
                .scenarios()
                .iter()
                .find(|s| s.mode == modes::SLOW)
                .and_then(|s| s.delay)
                .unwrap_or(DEFAULT_SLOW_DELAY);
            Ok(draw_delay(range))
        }
        None => Ok(0),
    }
}

/// Waits `hold` (or until SIGTERM/SIGINT), then writes the target healthy.
fn hold_then_clear(target: &TargetSettings, hold: Duration) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: cannot start the timer: {err}");
            return clear_now(target);
        }
    };
    runtime.block_on(async {
        let (Ok(mut terminate), Ok(mut interrupt)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) else {
            eprintln!("error: cannot install signal handlers; clearing now");
            return;
        };
        tokio::select! {
            _ = tokio::time::sleep(hold) => {}
            _ = terminate.recv() => say!("Received SIGTERM: clearing now"),
            _ = interrupt.recv() => say!("Received SIGINT: clearing now"),
        }
    });
    clear_now(target)
}

fn clear_now(target: &TargetSettings) -> ExitCode {
    let record = StateRecord::healthy(
        &target.name,
        ClearReason::Manual,
        round_millis(SystemClock.unix_now()),
    );
    match write_atomic(&target.state_file, &record) {
        Ok(()) => {
            say!("✓ {} cleared (manual)", target.name);
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("error: {}: {err}", target.name);
            ExitCode::from(EXIT_FAILURE)
        }
    }
}
