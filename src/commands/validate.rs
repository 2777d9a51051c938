//! `chaos-engine validate`: check the configuration and print the effective
//! settings and normalised probabilities per target. Writes nothing.

use std::process::ExitCode;

use crate::cli::{ConfigArgs, EXIT_USAGE};
use crate::clock::format_duration;
use crate::scenario::DelayRange;

/// Prints the effective configuration; exit 2 when it is invalid, or when
/// a Docker target with network or partition scenarios matches a container
/// without a network namespace of its own now.
pub fn execute(args: &ConfigArgs) -> ExitCode {
    let settings = match super::load_settings_without_selector(args, super::Access::Writes) {
        Ok(settings) => settings,
        Err(code) => return code,
    };
    say!("configuration is valid");
    for warning in &settings.warnings {
        say!("warning: {warning}");
    }
    match &settings.targets_file {
        Some(path) => say!("targets file: {}", path.display()),
        None => say!("targets file: none (single target)"),
    }
    say!("enabled: {}", settings.enabled);
    say!("dry run: {}", settings.dry_run);
    match settings.seed {
        Some(seed) => say!("seed: {seed}"),
        None => say!("seed: random at each start"),
    }
    say!("min_interval: {}", format_duration(settings.min_interval));
    say!("coordination: {}", settings.policy);
    // The tokens themselves are never printed: only whether they are set.
    let set = |token: &Option<String>| if token.is_some() { "set" } else { "not set" };
    say!(
        "tokens: CHAOS_API_TOKEN {}, CHAOS_AGENT_TOKEN {}",
        set(&settings.api_token),
        set(&settings.agent_token)
    );
    say!(
        "blind mode: {}",
        match (settings.blind, settings.agent_token.is_some()) {
            (true, true) =>
                "on (CHAOS_AGENT_TOKEN is set): only the control token reads the active failure",
            (true, false) => "on (policy.blind): only the control token reads the active failure",
            (false, _) => "off",
        }
    );
    let mut refused = false;
    match &settings.journal {
        Some(journal) => say!(
            "journal: {}",
            super::describe_journal(journal, settings.journal_max)
        ),
        None => say!("journal: none"),
    }
    say!(
        "findings limit: {}",
        super::describe_findings_rate(settings.findings_rate)
    );
    let recorder = super::no_recorder();
    for target in &settings.targets {
        say!("");
        say!("target {}", target.name);
        let context = super::one_shot_context(&settings, target, &recorder);
        let one_shot = crate::registry::one_shot(target);
        refused |= !one_shot.describe(&context);
        say!("  interval:     {}", format_duration(target.interval));
        say!("  recovery:     {}", format_duration(target.recovery));
        if target.recovery >= target.interval {
            say!(
                "  cycle:        {} (the interval waited after each clear)",
                format_duration(target.recovery.saturating_add(target.interval))
            );
        }
        say!("  startup_wait: {}", format_duration(target.startup_wait));
        match &target.probe {
            Some(probe) => say!(
                "  probe:        GET {} expecting {} within {}, every {} (the service's health)",
                probe.url,
                probe.expect_status,
                format_duration(probe.timeout),
                format_duration(probe.period)
            ),
            None => say!(
                "  probe:        none (repairs are seen in {} only; health unknown)",
                one_shot.repairs_seen_in()
            ),
        }
        say!("  scenarios:");
        let catalogue = &target.catalogue;
        for (scenario, probability) in catalogue.scenarios().iter().zip(catalogue.probabilities()) {
            let delay = match scenario.delay {
                Some(DelayRange { min, max }) if min == max => format!(", delay {min}s"),
                Some(DelayRange { min, max }) => format!(", delay {min}..={max}s"),
                None => String::new(),
            };
            let category = match &scenario.category {
                Some(category) => format!(", category {category}"),
                None => String::new(),
            };
            let fix = if scenario.fix.is_empty() {
                String::new()
            } else {
                format!(", fix {}", scenario.fix.join(" | "))
            };
            say!(
                "    {:<20} mode {:<18} weight {:<6} probability {:>5.1}%{delay}{category}{fix}",
                scenario.name,
                scenario.mode,
                scenario.weight,
                probability * 100.0
            );
        }
    }
    if refused {
        return ExitCode::from(EXIT_USAGE);
    }
    ExitCode::SUCCESS
}
