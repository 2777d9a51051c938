//! `chaos-engine status`: what each target's state file says now: mode,
//! scenario, age and time until it expires, and its service's health by
//! one probe (targets with a probe; see `service_health`). Writes nothing.
//! With `--watch`, see [`super::status_watch`].

use std::path::Path;
use std::process::ExitCode;

use chaos_state::{read_state, ReadOutcome};
use serde_json::json;

use crate::cli::StatusArgs;
use crate::clock::{Clock, SystemClock};
use crate::config::{SettingId, TargetKind, TargetSettings};

/// Prints one line (or JSON object) per target.
pub fn execute(args: &StatusArgs) -> ExitCode {
    if args.watch {
        return super::status_watch::execute(args);
    }
    // `--http` serves only `--watch`: without it, the address is not read.
    let config = args.config.without(SettingId::Http);
    let settings = match super::load_settings_without_selector(&config, super::Access::ReadsOnly) {
        Ok(settings) => settings,
        Err(code) => return code,
    };
    let healths = super::service_health::look_once(&settings.targets);
    let now = SystemClock.unix_now();
    for (target, health) in settings.targets.iter().zip(healths) {
        let state_file = match &target.kind {
            TargetKind::StateFile(path) => path,
            TargetKind::Docker(docker) => {
                let look = super::docker_target::look(&target.name, docker, &settings.ledger_dir);
                if args.json {
                    let mut value = look.json(&target.name);
                    health.add_to(&mut value);
                    say!("{value}");
                } else {
                    say!("{}{}", look.line(&target.name), health.suffix());
                }
                continue;
            }
        };
        let outcome = read_state(state_file);
        if args.json {
            let mut value = status_json(target, state_file, &outcome, now);
            health.add_to(&mut value);
            say!("{value}");
        } else {
            say!(
                "{}{}",
                status_line(target, state_file, &outcome, now),
                health.suffix()
            );
        }
    }
    ExitCode::SUCCESS
}

fn status_json(
    target: &TargetSettings,
    state_file: &Path,
    outcome: &ReadOutcome,
    now: f64,
) -> serde_json::Value {
    let mut value = json!({
        "target": target.name,
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
pub fn status_line(
    target: &TargetSettings,
    state_file: &Path,
    outcome: &ReadOutcome,
    now: f64,
) -> String {
    let file = state_file.display();
    match outcome {
        ReadOutcome::Missing => format!("{}: healthy (no state file at {file})", target.name),
        ReadOutcome::Unreadable(err) => {
            format!(
                "{}: healthy (unreadable state file {file}: {err})",
                target.name
            )
        }
        ReadOutcome::Record(record) => {
            let mut line = format!("{}: {}", target.name, record.mode);
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
