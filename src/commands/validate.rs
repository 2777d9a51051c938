//! `chaos-engine validate`: check the configuration and print the effective
//! settings and normalised probabilities per target. Writes nothing.

use std::process::ExitCode;

use crate::cli::ConfigArgs;
use crate::config::duration::format_duration;
use crate::scenario::DelayRange;

/// Prints the effective configuration; exit 2 when it is invalid.
pub fn execute(args: &ConfigArgs) -> ExitCode {
    let settings = match super::load_settings_without_selector(args) {
        Ok(settings) => settings,
        Err(code) => return code,
    };
    println!("configuration is valid");
    match &settings.targets_file {
        Some(path) => println!("targets file: {}", path.display()),
        None => println!("targets file: none (single target)"),
    }
    println!("enabled: {}", settings.enabled);
    println!("dry run: {}", settings.dry_run);
    match settings.seed {
        Some(seed) => println!("seed: {seed}"),
        None => println!("seed: random at each start"),
    }
    println!("min_interval: {}", format_duration(settings.min_interval));
    for target in &settings.targets {
        println!();
        println!("target {}", target.name);
        println!("  state_file:   {}", target.state_file.display());
        println!("  interval:     {}", format_duration(target.interval));
        println!("  recovery:     {}", format_duration(target.recovery));
        println!("  startup_wait: {}", format_duration(target.startup_wait));
        println!("  scenarios:");
        let catalogue = &target.catalogue;
        for (scenario, probability) in catalogue.scenarios().iter().zip(catalogue.probabilities()) {
            let delay = match scenario.delay {
                Some(DelayRange { min, max }) if min == max => format!(", delay {min}s"),
                Some(DelayRange { min, max }) => format!(", delay {min}..={max}s"),
                None => String::new(),
            };
            println!(
                "    {:<20} mode {:<18} weight {:<6} probability {:>5.1}%{delay}",
                scenario.name,
                scenario.mode,
                scenario.weight,
                probability * 100.0
            );
        }
    }
    ExitCode::SUCCESS
}
