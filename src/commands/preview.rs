//! `chaos-engine preview`: the next N picks per target for a seed. Uses the
//! same streams as the daemon ([`CycleStream`]), so with the same seed `run`
//! injects exactly these, in this order, and with `policy.control_rate`
//! has its control windows (`CONTROL`) at the same cycles. Writes nothing.

use std::process::ExitCode;

use crate::cli::PreviewArgs;
use crate::picker::{random_seed, Cycle, CycleStream, Pick};

/// One `--json` line, fields in the documented order.
#[derive(serde::Serialize)]
struct PreviewLine<'a> {
    n: u64,
    target: &'a str,
    scenario: &'a str,
    /// Left out for a control cycle.
    #[serde(skip_serializing_if = "str::is_empty")]
    mode: &'a str,
    delay: u64,
    /// True for a control cycle (`scenario` `CONTROL`): nothing injected.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    control: bool,
}

/// What a control cycle shows as.
const CONTROL: &str = "CONTROL";

/// Prints the picks; exit 2 on bad configuration or an unknown target.
pub fn execute(args: &PreviewArgs) -> ExitCode {
    let settings =
        match super::load_settings_without_selector(&args.config, super::Access::ReadsOnly) {
            Ok(settings) => settings,
            Err(code) => return code,
        };
    let targets = match args.target.as_deref() {
        Some(name) => match super::select_targets(&settings, Some(name), false, false) {
            Ok(targets) => targets,
            Err(code) => return code,
        },
        None => settings.targets.iter().collect(),
    };
    let seed = settings.seed.unwrap_or_else(random_seed);
    if !args.json {
        let note = if settings.seed.is_some() {
            ""
        } else {
            " (random: pass --seed to fix it)"
        };
        say!("seed {seed}{note}");
    }
    for target in targets {
        let mut stream = CycleStream::new(
            seed,
            &target.name,
            &target.catalogue,
            target.policy.control_rate,
        );
        if !args.json {
            say!("{}:", target.name);
        }
        for n in 1..=args.count {
            let cycle = stream.next_cycle();
            let control = cycle == Cycle::Control;
            let pick = match cycle {
                Cycle::Inject(pick) => pick,
                Cycle::Control => Pick {
                    scenario: CONTROL.to_owned(),
                    mode: String::new(),
                    delay: 0,
                },
            };
            if args.json {
                let line = PreviewLine {
                    n,
                    target: &target.name,
                    scenario: &pick.scenario,
                    mode: &pick.mode,
                    delay: pick.delay,
                    control,
                };
                if !crate::console::emit(format_args!(
                    "{}",
                    serde_json::to_string(&line).unwrap_or_default()
                )) {
                    return ExitCode::SUCCESS;
                }
            } else if control {
                if !crate::console::emit(format_args!("  {n:>4}. {CONTROL} (nothing injected)")) {
                    return ExitCode::SUCCESS;
                }
            } else {
                let delay = if pick.delay > 0 {
                    format!(" ({}s)", pick.delay)
                } else {
                    String::new()
                };
                if !crate::console::emit(format_args!(
                    "  {n:>4}. {} [{}]{delay}",
                    pick.scenario, pick.mode
                )) {
                    return ExitCode::SUCCESS;
                }
            }
        }
    }
    ExitCode::SUCCESS
}
