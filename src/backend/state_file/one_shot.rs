//! The one-shot commands on a state-file target ([`StateFileTarget`]):
//! `validate` names its file, `status` reads it, `inject` writes one
//! failure through the same atomic writer as the daemon (with `--for` it
//! waits, then clears; SIGTERM or SIGINT during that wait clears at once),
//! `clear` writes it healthy (`reason: manual`). Each write is journalled.

use std::path::{Path, PathBuf};

use chaos_state::{
    modes, read_state, write_atomic_durable, ClearReason, FailureSpec, ReadOutcome, StateRecord,
};
use serde_json::json;

use crate::backend::one_shot::{
    HoldWaiter, InjectRequest, Location, Look, OneShot, OneShotContext, OneShotError, DISABLED,
};
use crate::clock::{format_duration, round_millis, Clock, SystemClock};
use crate::journal::schema::{Cleared, Injected};
use crate::journal::JournalEvent;
use crate::picker::{draw_delay, manual_delay};
use crate::scenario::check_mode;

/// A target whose app reads the state file at `path`.
#[derive(Debug, Clone)]
pub struct StateFileTarget {
    path: PathBuf,
}

impl StateFileTarget {
    /// The target whose app reads `path`.
    pub fn new(path: PathBuf) -> Self {
        StateFileTarget { path }
    }
}

impl OneShot for StateFileTarget {
    fn location(&self) -> Location {
        Location {
            key: "state_file",
            noun: "state file",
            value: self.path.display().to_string(),
        }
    }

    fn describe(&self, _context: &OneShotContext<'_>) -> bool {
        say!("  state_file:   {}", self.path.display());
        true
    }

    fn look(&self, context: &OneShotContext<'_>, now: f64) -> Look {
        let outcome = read_state(&self.path);
        let change_key = match &outcome {
            ReadOutcome::Missing => "missing".to_owned(),
            ReadOutcome::Unreadable(err) => format!("unreadable {err}"),
            ReadOutcome::Record(record) => format!(
                "{}|{:?}|{:?}|{}",
                record.mode,
                record.id,
                record.reason,
                outcome.is_failing_at(now)
            ),
        };
        Look {
            line: status_line(context.target, &self.path, &outcome, now),
            json: status_json(context.target, &self.path, &outcome, now),
            change_key,
        }
    }

    fn inject(
        &self,
        context: &OneShotContext<'_>,
        request: &InjectRequest<'_>,
    ) -> Result<(), OneShotError> {
        inject(&self.path, context, request)
    }

    fn clear(&self, context: &OneShotContext<'_>) -> bool {
        clear(&self.path, context)
    }
}

/// Writes the failure; with `--for`, waits and clears it.
fn inject(
    state_file: &Path,
    context: &OneShotContext<'_>,
    request: &InjectRequest<'_>,
) -> Result<(), OneShotError> {
    let usage = |message: String| Err(OneShotError::Usage(message));
    let InjectRequest {
        scenario,
        mode,
        chosen,
        ..
    } = request;
    if mode == modes::HEALTHY {
        return usage("MODE healthy: use `chaos-engine clear` to clear a failure".to_owned());
    }
    if let Err(message) = check_mode(mode) {
        return usage(format!("MODE: {message}"));
    }
    let hold = request.hold()?;
    // A scenario chosen by name draws from its own range; a mode alone from
    // the range of the first scenario of that mode.
    let delay = match (chosen.and_then(|s| s.delay), request.delay) {
        (Some(range), None) => draw_delay(range),
        (_, given) => match manual_delay(context.catalogue, mode, given) {
            Ok(delay) => delay,
            Err(message) => return usage(format!("--delay: {message}")),
        },
    };
    if !context.enabled {
        return usage(DISABLED.to_owned());
    }
    let delay_note = if delay > 0 {
        format!(", delay {delay}s")
    } else {
        String::new()
    };
    if context.dry_run {
        say!(
            "[dry run] would inject {scenario} ({mode}{delay_note}) into {} ({}); nothing written",
            context.target,
            state_file.display()
        );
        return Ok(());
    }
    // With --for, catch SIGTERM/SIGINT before the failure is written, so an
    // early signal still clears it.
    let waiter = match hold.map(|_| HoldWaiter::install()).transpose() {
        Ok(waiter) => waiter,
        Err(err) => {
            eprintln!("error: cannot install signal handlers: {err}");
            return Err(OneShotError::Failed);
        }
    };
    let lasts = hold.unwrap_or(context.recovery);
    let id = uuid::Uuid::new_v4().to_string();
    let timestamp = round_millis(SystemClock.unix_now());
    let spec = FailureSpec {
        target: context.target,
        scenario,
        mode,
        delay,
        id: &id,
        timestamp,
        expires_at: round_millis(timestamp + lasts.as_secs_f64()),
    };
    if let Err(err) = write_atomic_durable(state_file, &StateRecord::failure(&spec)) {
        eprintln!("error: {}: {err}", context.target);
        return Err(OneShotError::Failed);
    }
    let (category, fix) = context.catalogue.truth_for(scenario, mode);
    context.recorder.telemetry().journal.record(
        timestamp,
        JournalEvent::Injected(Injected {
            id: id.clone(),
            target: context.target.to_owned(),
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
    say!(
        "💥 Injected {scenario} ({mode}{delay_note}) into {} ({}), id {id}, expires in {}",
        context.target,
        state_file.display(),
        format_duration(lasts)
    );
    match (waiter, hold) {
        (Some(mut waiter), Some(hold)) => {
            waiter.wait(hold);
            if clear(state_file, context) {
                Ok(())
            } else {
                Err(OneShotError::Failed)
            }
        }
        _ => Ok(()),
    }
}

/// Writes the target healthy now (`reason: manual`), prints and journals
/// it; `false` (after printing why) when the file cannot be written.
fn clear(state_file: &Path, context: &OneShotContext<'_>) -> bool {
    let now = round_millis(SystemClock.unix_now());
    let record = StateRecord::healthy(context.target, ClearReason::Manual, now);
    match write_atomic_durable(state_file, &record) {
        Ok(()) => {
            say!("✓ {} cleared ({})", context.target, state_file.display());
            context.recorder.telemetry().journal.record(
                now,
                JournalEvent::Cleared(Cleared {
                    id: None,
                    target: context.target.to_owned(),
                    scenario: None,
                    mode: None,
                    delay: None,
                    reason: ClearReason::Manual.as_str().to_owned(),
                    write_ms: None,
                    source: Some("cli".to_owned()),
                }),
            );
            true
        }
        Err(err) => {
            eprintln!("error: {}: {err}", context.target);
            false
        }
    }
}

fn status_json(
    target: &str,
    state_file: &Path,
    outcome: &ReadOutcome,
    now: f64,
) -> serde_json::Value {
    let mut value = json!({
        "target": target,
        "state_file": state_file.display().to_string(),
        "failing": outcome.is_failing_at(now),
    });
    match outcome {
        ReadOutcome::Missing => {
            value["mode"] = json!("healthy");
            value["note"] = json!("no state file (reads as healthy)");
        }
        ReadOutcome::Unreadable(err) => {
            value["mode"] = json!("healthy");
            value["note"] = json!(format!("unreadable (reads as healthy): {err}"));
        }
        ReadOutcome::Record(record) => {
            value["mode"] = json!(record.mode);
            value["delay"] = json!(record.delay);
            value["scenario"] = json!(record.scenario);
            value["id"] = json!(record.id);
            value["reason"] = json!(record.reason);
            // A file written by a target app may carry no timestamp (read as 0).
            let written = Some(record.timestamp).filter(|t| *t > 0.0);
            value["timestamp"] = json!(written);
            value["age_secs"] = json!(written.map(|t| round_tenths(now - t)));
            value["expires_at"] = json!(record.expires_at);
            value["expires_in_secs"] = json!(record.expires_at.map(|at| round_tenths(at - now)));
        }
    }
    value
}

/// `NAME: MODE (SCENARIO), ... [FILE]`: what one state file says at `now`.
fn status_line(target: &str, state_file: &Path, outcome: &ReadOutcome, now: f64) -> String {
    let file = state_file.display();
    match outcome {
        ReadOutcome::Missing => format!("{target}: healthy (no state file at {file})"),
        ReadOutcome::Unreadable(err) => {
            format!("{target}: healthy (unreadable state file {file}: {err})")
        }
        ReadOutcome::Record(record) => {
            let mut line = format!("{target}: {}", record.mode);
            if let Some(scenario) = &record.scenario {
                line.push_str(&format!(" ({scenario})"));
            }
            if record.delay > 0 {
                line.push_str(&format!(", delay {}s", record.delay));
            }
            if let Some(reason) = &record.reason {
                line.push_str(&format!(", reason {reason}"));
            }
            if record.timestamp > 0.0 {
                line.push_str(&format!(", age {:.1}s", now - record.timestamp));
            }
            match record.expires_at {
                Some(at) if at > now => line.push_str(&format!(", expires in {:.1}s", at - now)),
                Some(_) => line.push_str(", expired (reads as healthy)"),
                None => {}
            }
            if let Some(id) = &record.id {
                line.push_str(&format!(", id {id}"));
            }
            line.push_str(&format!(" [{file}]"));
            line
        }
    }
}

fn round_tenths(seconds: f64) -> f64 {
    (seconds * 10.0).round() / 10.0
}
