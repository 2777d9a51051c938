//! Unit tests of merging and validation, on temporary directories.
//! Compiled only under `#[cfg(test)]` (see `mod tests` in `load.rs`).

use super::*;
use crate::config::FlagValues;

struct Fixture {
    dir: tempfile::TempDir,
}

impl Fixture {
    fn new() -> Self {
        Fixture {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Writes `targets.yaml` with `{dir}` replaced by the temporary directory.
    fn targets(&self, yaml: &str) -> PathBuf {
        let path = self.path("targets.yaml");
        let text = yaml.replace("{dir}", &self.dir.path().display().to_string());
        std::fs::write(&path, text).unwrap();
        path
    }

    fn inputs(&self, flags: FlagValues, env: &[(&str, &str)]) -> ConfigInputs {
        ConfigInputs {
            flags,
            env: env
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            read_only: false,
        }
    }
}

fn error(inputs: &ConfigInputs) -> String {
    load(inputs).unwrap_err().to_string()
}

#[test]
fn no_configuration_gives_one_target_with_contract_defaults() {
    let fx = Fixture::new();
    let state = fx.path("state.json");
    let env = [("FAILURE_STATE_FILE", state.to_str().unwrap())];
    let settings = load(&fx.inputs(FlagValues::default(), &env)).unwrap();
    assert!(settings.enabled);
    assert!(!settings.dry_run);
    assert_eq!(settings.seed, None);
    assert_eq!(settings.min_interval, Duration::from_secs(60));
    assert_eq!(settings.targets.len(), 1);
    let target = &settings.targets[0];
    assert_eq!(target.name, "target-app");
    assert_eq!(target.state_file, state);
    assert_eq!(target.interval, Duration::from_secs(180));
    assert_eq!(target.recovery, Duration::from_secs(30));
    assert_eq!(target.startup_wait, Duration::from_secs(60));
    assert_eq!(*target.catalogue, Catalogue::default_catalogue());
}

#[test]
fn flag_beats_env_beats_file_defaults_but_target_value_wins() {
    let fx = Fixture::new();
    let targets = fx.targets(
        "defaults:\n  interval: 100s\n  recovery: 10s\npolicy:\n  min_interval: 0\ntargets:\n  - name: a\n    state_file: {dir}/a.json\n  - name: b\n    state_file: {dir}/b.json\n    interval: 7s\n",
    );
    let flags = FlagValues {
        targets: Some(targets.clone()),
        recovery: Some("2".into()),
        ..FlagValues::default()
    };
    let env = [("CHAOS_INTERVAL", "50"), ("CHAOS_RECOVERY_PERIOD", "5")];
    let settings = load(&fx.inputs(flags, &env)).unwrap();
    let a = settings.target("a").unwrap();
    let b = settings.target("b").unwrap();
    assert_eq!(
        a.interval,
        Duration::from_secs(50),
        "env beats file defaults"
    );
    assert_eq!(a.recovery, Duration::from_secs(2), "flag beats env");
    assert_eq!(b.interval, Duration::from_secs(7), "target value wins");
    assert_eq!(settings.min_interval, Duration::ZERO);
    assert_eq!(settings.targets_file, Some(targets));
}

#[test]
fn booleans_seed_and_log_format() {
    let fx = Fixture::new();
    let state = fx.path("s.json");
    let state = state.to_str().unwrap();
    for (text, expected) in [
        ("false", false),
        ("0", false),
        ("No", false),
        ("YES", true),
        ("1", true),
    ] {
        let env = [("CHAOS_ENABLED", text), ("FAILURE_STATE_FILE", state)];
        assert_eq!(
            load(&fx.inputs(FlagValues::default(), &env))
                .unwrap()
                .enabled,
            expected
        );
    }
    let env = [
        ("CHAOS_SEED", "42"),
        ("CHAOS_LOG_FORMAT", "json"),
        ("CHAOS_DRY_RUN", "true"),
        ("FAILURE_STATE_FILE", state),
    ];
    let settings = load(&fx.inputs(FlagValues::default(), &env)).unwrap();
    assert_eq!(settings.seed, Some(42));
    assert_eq!(settings.log_format, LogFormat::Json);
    assert!(settings.dry_run);
}

#[test]
fn relative_state_files_resolve_against_the_targets_file() {
    let fx = Fixture::new();
    let targets = fx.targets("targets:\n  - name: a\n    state_file: a.json\n");
    let flags = FlagValues {
        targets: Some(targets),
        ..FlagValues::default()
    };
    let settings = load(&fx.inputs(flags, &[])).unwrap();
    assert_eq!(settings.targets[0].state_file, fx.path("a.json"));
}

#[test]
fn slow_scenarios_without_delay_get_the_default_range() {
    let fx = Fixture::new();
    let targets = fx.targets(
        "targets:\n  - name: a\n    state_file: {dir}/a.json\n    scenarios:\n      - { name: S, mode: slow, weight: 1 }\n      - { name: P, mode: partition, weight: 1 }\n",
    );
    let flags = FlagValues {
        targets: Some(targets),
        ..FlagValues::default()
    };
    let settings = load(&fx.inputs(flags, &[])).unwrap();
    let scenarios = settings.targets[0].catalogue.scenarios();
    assert_eq!(scenarios[0].delay, Some(DEFAULT_SLOW_DELAY));
    assert_eq!(scenarios[1].delay, None);
}

/// One invalid case: targets.yaml text (or None for single-target), extra
/// env, and the fragment the error must contain.
type InvalidCase = (
    Option<String>,
    Vec<(&'static str, &'static str)>,
    &'static str,
);

#[test]
fn invalid_configurations_name_their_source() {
    let fx = Fixture::new();
    let ok_target = "targets:\n  - name: a\n    state_file: {dir}/a.json\n";
    let cases: Vec<InvalidCase> = vec![
        (None, vec![("CHAOS_INTERVAL", "soon")], "CHAOS_INTERVAL: invalid duration `soon`"),
        (None, vec![("CHAOS_ENABLED", "maybe")], "CHAOS_ENABLED: expected true/false"),
        (None, vec![("CHAOS_SEED", "-1")], "CHAOS_SEED: seed must be a whole number"),
        (None, vec![("CHAOS_LOG_FORMAT", "xml")], "CHAOS_LOG_FORMAT: log format must be"),
        (None, vec![("CHAOS_INTERVAL", "45")], "CHAOS_INTERVAL: interval 45s of target target-app is below the safety floor min_interval 60s"),
        (None, vec![("CHAOS_RECOVERY_PERIOD", "200")], "CHAOS_RECOVERY_PERIOD: recovery 200s must be shorter than the interval 180s"),
        (None, vec![("CHAOS_RECOVERY_PERIOD", "0")], "CHAOS_RECOVERY_PERIOD: recovery must be greater than 0"),
        (None, vec![("FAILURE_STATE_FILE", "/nonexistent-dir/x.json")], "FAILURE_STATE_FILE: directory /nonexistent-dir does not exist"),
        (Some("targets: []\n".into()), vec![], "targets.yaml:1:1: targets: no targets"),
        (Some(format!("{ok_target}  - name: a\n    state_file: {{dir}}/b.json\n")), vec![], "targets.yaml:4:5: targets[1].name: duplicate target name a"),
        (Some(format!("{ok_target}  - name: b\n    state_file: {{dir}}/./a.json\n")), vec![], "targets.yaml:5:5: targets[1].state_file: same file as targets[0]"),
        (Some(format!("{ok_target}    recovery: -3\n")), vec![], "targets[0].recovery: negative duration"),
        (Some(format!("defaults:\n  scenarios:\n    - {{ name: X, mode: crash, weight: 0 }}\n{ok_target}")), vec![], "defaults.scenarios: all weights are zero"),
        (Some(format!("defaults:\n  scenarios:\n    - {{ name: X, mode: crash, weight: .inf }}\n{ok_target}")), vec![], "targets.yaml:3:31: defaults.scenarios[0].weight: weight must be a finite number"),
        (Some(format!("defaults:\n  scenarios:\n    - {{ name: X, mode: slow, weight: 1, delay: {{ min: 9, max: 3 }} }}\n{ok_target}")), vec![], "defaults.scenarios[0].delay: delay.min 9 is greater than delay.max 3"),
        (Some(format!("{ok_target}    interval: 10s\n    recovery: 10s\n")), vec![("CHAOS_MIN_INTERVAL", "0")], "targets[0].recovery: recovery 10s must be shorter than the interval 10s of target a (interval set by targets[0].interval"),
        (Some("targets:\n  - name: a\n    state_file: {dir}\n".into()), vec![], "targets[0].state_file:"),
    ];
    for (yaml, env, expected) in cases {
        let mut flags = FlagValues::default();
        if let Some(yaml) = &yaml {
            flags.targets = Some(fx.targets(yaml));
        }
        let mut env = env.clone();
        let default_state = fx.path("default.json");
        let default_state = default_state.to_str().unwrap().to_owned();
        if !env.iter().any(|(k, _)| *k == "FAILURE_STATE_FILE") {
            env.push(("FAILURE_STATE_FILE", &default_state));
        }
        let message = error(&fx.inputs(flags, &env));
        let message = message.replace(&fx.dir.path().display().to_string(), "");
        let message = message.trim_start_matches('/').to_owned();
        assert!(
            message.contains(expected),
            "expected `{expected}` in `{message}`"
        );
    }
}

#[test]
fn empty_booleans_are_errors_but_other_empty_variables_are_unset() {
    let fx = Fixture::new();
    let state = fx.path("s.json");
    let state = state.to_str().unwrap();
    let env = [("CHAOS_ENABLED", ""), ("FAILURE_STATE_FILE", state)];
    assert!(error(&fx.inputs(FlagValues::default(), &env))
        .starts_with("CHAOS_ENABLED: expected true/false"));
    let env = [("CHAOS_INTERVAL", " "), ("FAILURE_STATE_FILE", state)];
    assert_eq!(
        load(&fx.inputs(FlagValues::default(), &env))
            .unwrap()
            .targets[0]
            .interval,
        DEFAULT_INTERVAL
    );
}

#[test]
fn read_only_commands_skip_the_writability_probe_but_not_the_directory_check() {
    let fx = Fixture::new();
    let mut inputs = fx.inputs(
        FlagValues::default(),
        &[("FAILURE_STATE_FILE", "/proc/chaos-state.json")],
    );
    assert!(
        error(&inputs).contains("directory /proc is not writable"),
        "{}",
        error(&inputs)
    );
    inputs.read_only = true;
    assert!(load(&inputs).is_ok());
    let mut inputs = fx.inputs(
        FlagValues::default(),
        &[("FAILURE_STATE_FILE", "/nonexistent-dir/s.json")],
    );
    inputs.read_only = true;
    assert!(error(&inputs).contains("does not exist"));
}

#[test]
fn durations_and_delays_are_capped() {
    let fx = Fixture::new();
    let state = fx.path("s.json");
    let env = [
        ("CHAOS_STARTUP_WAIT", "1e19"),
        ("FAILURE_STATE_FILE", state.to_str().unwrap()),
    ];
    assert!(error(&fx.inputs(FlagValues::default(), &env))
        .contains("longer than the limit of ten years"));
    let targets = fx.targets(
        "targets:\n  - name: a\n    state_file: {dir}/a.json\n    scenarios:\n      - { name: S, mode: slow, weight: 1, delay: { min: 1, max: 18446744073709551615 } }\n",
    );
    let flags = FlagValues {
        targets: Some(targets),
        ..FlagValues::default()
    };
    assert!(
        error(&fx.inputs(flags, &[])).contains("delay.max 18446744073709551615 is above the limit")
    );
}

#[test]
fn parse_bool_accepts_only_the_documented_spellings() {
    assert_eq!(parse_bool("true"), Ok(true));
    assert_eq!(parse_bool(" no "), Ok(false));
    assert!(parse_bool("on").is_err());
    assert!(parse_bool("").is_err());
}
