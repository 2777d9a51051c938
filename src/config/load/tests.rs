//! Unit tests of merging and validation, on temporary directories.
//! Compiled only under `#[cfg(test)]` (see `mod tests` in `load.rs`).

use super::*;
use crate::config::setting::{SettingId as Id, SettingValues};

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

    /// Inputs as the command line hands them over (a flag beats the
    /// variable of the same setting).
    fn inputs(&self, flags: &[(Id, &str)], env: &[(Id, &str)]) -> ConfigInputs {
        ConfigInputs {
            flags: SettingValues::from_pairs(flags, env),
            ..ConfigInputs::default()
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
    let env = [(Id::StateFile, state.to_str().unwrap())];
    let settings = load(&fx.inputs(&[], &env)).unwrap();
    assert!(settings.enabled);
    assert!(!settings.dry_run);
    assert_eq!(settings.seed, None);
    assert_eq!(settings.min_interval, Duration::from_secs(60));
    assert_eq!(settings.targets.len(), 1);
    let target = &settings.targets[0];
    assert_eq!(target.name, "target-app");
    assert_eq!(target.state_file(), Some(state.as_path()));
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
    let targets_text = targets.to_str().unwrap();
    let flags = [(Id::Targets, targets_text), (Id::Recovery, "2")];
    let env = [(Id::Interval, "50"), (Id::Recovery, "5")];
    let settings = load(&fx.inputs(&flags, &env)).unwrap();
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
        let env = [(Id::Enabled, text), (Id::StateFile, state)];
        assert_eq!(load(&fx.inputs(&[], &env)).unwrap().enabled, expected);
    }
    let env = [
        (Id::Seed, "42"),
        (Id::LogFormat, "json"),
        (Id::DryRun, "true"),
        (Id::StateFile, state),
    ];
    let settings = load(&fx.inputs(&[], &env)).unwrap();
    assert_eq!(settings.seed, Some(42));
    assert_eq!(settings.log_format, LogFormat::Json);
    assert!(settings.dry_run);
}

#[test]
fn relative_state_files_resolve_against_the_targets_file() {
    let fx = Fixture::new();
    let targets = fx.targets("targets:\n  - name: a\n    state_file: a.json\n");
    let flags = [(Id::Targets, targets.to_str().unwrap())];
    let settings = load(&fx.inputs(&flags, &[])).unwrap();
    assert_eq!(
        settings.targets[0].state_file(),
        Some(fx.path("a.json").as_path())
    );
}

#[test]
fn slow_scenarios_without_delay_get_the_default_range() {
    let fx = Fixture::new();
    let targets = fx.targets(
        "targets:\n  - name: a\n    state_file: {dir}/a.json\n    scenarios:\n      - { name: S, mode: slow, weight: 1 }\n      - { name: P, mode: partition, weight: 1 }\n",
    );
    let flags = [(Id::Targets, targets.to_str().unwrap())];
    let settings = load(&fx.inputs(&flags, &[])).unwrap();
    let scenarios = settings.targets[0].catalogue.scenarios();
    assert_eq!(scenarios[0].delay, Some(DEFAULT_SLOW_DELAY));
    assert_eq!(scenarios[1].delay, None);
}

#[test]
fn control_rate_category_and_fix_come_from_the_targets_file() {
    let fx = Fixture::new();
    let targets = fx.targets(
        "policy:\n  control_rate: 0.25\ntargets:\n  - name: a\n    state_file: {dir}/a.json\n    scenarios:\n      - { name: C, mode: crash, weight: 1, category: availability, fix: [restart, failover] }\n      - { name: P, mode: partition, weight: 1 }\n",
    );
    let flags = [(Id::Targets, targets.to_str().unwrap())];
    let settings = load(&fx.inputs(&flags, &[])).unwrap();
    assert_eq!(settings.policy.control_rate, 0.25);
    assert!(settings
        .policy
        .to_string()
        .contains("25% of cycles are control windows"));
    let scenarios = settings.targets[0].catalogue.scenarios();
    assert_eq!(scenarios[0].category.as_deref(), Some("availability"));
    assert_eq!(scenarios[0].fix, ["restart", "failover"]);
    assert_eq!(
        (scenarios[1].category.as_ref(), scenarios[1].fix.len()),
        (None, 0)
    );
    // Without it: no control windows.
    let state = fx.path("state.json");
    let env = [(Id::StateFile, state.to_str().unwrap())];
    assert_eq!(
        load(&fx.inputs(&[], &env)).unwrap().policy.control_rate,
        0.0
    );
}

/// One invalid case: targets.yaml text (or None for single-target), extra
/// env, and the fragment the error must contain.
type InvalidCase = (Option<String>, Vec<(Id, &'static str)>, &'static str);

#[test]
fn invalid_configurations_name_their_source() {
    let fx = Fixture::new();
    let ok_target = "targets:\n  - name: a\n    state_file: {dir}/a.json\n";
    let cases: Vec<InvalidCase> = vec![
        (None, vec![(Id::Interval, "soon")], "CHAOS_INTERVAL: invalid duration `soon`"),
        (None, vec![(Id::Enabled, "maybe")], "CHAOS_ENABLED: expected true/false"),
        (None, vec![(Id::Seed, "-1")], "CHAOS_SEED: seed must be a whole number"),
        (None, vec![(Id::LogFormat, "xml")], "CHAOS_LOG_FORMAT: log format must be"),
        (None, vec![(Id::Interval, "45s")], "CHAOS_INTERVAL: interval 45s of target target-app is below the safety floor min_interval 60s"),
        (None, vec![(Id::Interval, "0s")], "CHAOS_INTERVAL: interval must be greater than 0"),
        (None, vec![(Id::Interval, "-30")], "CHAOS_INTERVAL: negative duration"),
        (None, vec![(Id::Interval, "30"), (Id::Recovery, "0")], "CHAOS_RECOVERY_PERIOD: recovery must be greater than 0"),
        (None, vec![(Id::Enabled, "tru")], "CHAOS_ENABLED: expected true/false"),
        (None, vec![(Id::DryRun, " ")], "CHAOS_DRY_RUN: expected true/false"),
        (None, vec![(Id::Recovery, "200")], "CHAOS_RECOVERY_PERIOD: recovery 200s must be shorter than the interval 180s"),
        (None, vec![(Id::Recovery, "0")], "CHAOS_RECOVERY_PERIOD: recovery must be greater than 0"),
        (None, vec![(Id::StateFile, "/nonexistent-dir/x.json")], "FAILURE_STATE_FILE: directory /nonexistent-dir does not exist"),
        (Some("targets: []\n".into()), vec![], "targets.yaml:1:1: targets: no targets"),
        (Some(format!("{ok_target}  - name: a\n    state_file: {{dir}}/b.json\n")), vec![], "targets.yaml:4:5: targets[1].name: duplicate target name a"),
        (Some(format!("{ok_target}  - name: b\n    state_file: {{dir}}/./a.json\n")), vec![], "targets.yaml:5:5: targets[1].state_file: same file as targets[0]"),
        (Some(format!("{ok_target}    recovery: -3\n")), vec![], "targets[0].recovery: negative duration"),
        (Some(format!("defaults:\n  scenarios:\n    - {{ name: X, mode: crash, weight: 0 }}\n{ok_target}")), vec![], "defaults.scenarios: all weights are zero"),
        (Some(format!("defaults:\n  scenarios:\n    - {{ name: X, mode: crash, weight: .inf }}\n{ok_target}")), vec![], "targets.yaml:3:31: defaults.scenarios[0].weight: weight must be a finite number"),
        (Some(format!("defaults:\n  scenarios:\n    - {{ name: X, mode: slow, weight: 1, delay: {{ min: 9, max: 3 }} }}\n{ok_target}")), vec![], "defaults.scenarios[0].delay: delay.min 9 is greater than delay.max 3"),
        (Some(format!("{ok_target}    interval: 10s\n    recovery: 10s\n")), vec![(Id::MinInterval, "0")], "targets[0].recovery: recovery 10s must be shorter than the interval 10s of target a (interval set by targets[0].interval"),
        (Some("targets:\n  - name: a\n    state_file: {dir}\n".into()), vec![], "targets[0].state_file:"),
    ];
    for (yaml, env, expected) in cases {
        let targets = yaml.as_deref().map(|yaml| fx.targets(yaml));
        let targets = targets.as_ref().map(|t| t.to_str().unwrap());
        let flags: Vec<(Id, &str)> = targets.map(|t| (Id::Targets, t)).into_iter().collect();
        let mut env = env.clone();
        let default_state = fx.path("default.json");
        let default_state = default_state.to_str().unwrap().to_owned();
        if !env.iter().any(|(k, _)| *k == Id::StateFile) {
            env.push((Id::StateFile, &default_state));
        }
        let message = error(&fx.inputs(&flags, &env));
        let message = message.replace(&fx.dir.path().display().to_string(), "");
        let message = message.trim_start_matches('/').to_owned();
        assert!(
            message.contains(expected),
            "expected `{expected}` in `{message}`"
        );
    }
}

#[test]
fn an_empty_chaos_enabled_disables_with_a_warning_other_empty_variables_are_unset() {
    let fx = Fixture::new();
    let state = fx.path("s.json");
    let state = state.to_str().unwrap();
    let env = [(Id::Enabled, ""), (Id::StateFile, state)];
    let settings = load(&fx.inputs(&[], &env)).unwrap();
    assert!(!settings.enabled);
    assert_eq!(settings.warnings.len(), 1, "{:?}", settings.warnings);
    assert_eq!(settings.warnings[0].origin, Origin::Env("CHAOS_ENABLED"));
    assert!(settings.warnings[0].message.contains("chaos is disabled"));
    // The flag is ours, not the original's: blank is an error there.
    let flags = [(Id::Enabled, "")];
    assert!(error(&fx.inputs(&flags, &[(Id::StateFile, state)]))
        .starts_with("--enabled: expected true/false"));
    let env = [(Id::Enabled, "true"), (Id::StateFile, state)];
    assert!(load(&fx.inputs(&[], &env)).unwrap().warnings.is_empty());
    let env = [(Id::Interval, " "), (Id::StateFile, state)];
    assert_eq!(
        load(&fx.inputs(&[], &env)).unwrap().targets[0].interval,
        DEFAULT_INTERVAL
    );
}

#[test]
fn a_whole_number_of_seconds_in_chaos_interval_runs_whatever_the_floor_and_recovery() {
    let fx = Fixture::new();
    let state = fx.path("s.json");
    let state = state.to_str().unwrap();
    let load_env = |env: &[(Id, &str)], flags: &[(Id, &str)]| {
        let mut env = env.to_vec();
        env.push((Id::StateFile, state));
        load(&fx.inputs(flags, &env))
    };
    // The original's CHAOS_INTERVAL=30 with its 30 s recovery: below the
    // floor and not longer than the recovery, two warnings.
    let settings = load_env(&[(Id::Interval, "30")], &[]).unwrap();
    assert_eq!(settings.targets[0].interval, Duration::from_secs(30));
    let warnings: Vec<String> = settings.warnings.iter().map(|w| w.to_string()).collect();
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert!(warnings[0].starts_with("CHAOS_INTERVAL: interval 30s of target target-app is below the safety floor min_interval 60s"));
    assert!(warnings[1].contains("the next injection starts 30s after each clear, a cycle of 60s"));
    // With the floor off, only the cycle is worth a word.
    let settings = load_env(&[(Id::Interval, "30"), (Id::MinInterval, "0")], &[]).unwrap();
    assert_eq!(settings.warnings.len(), 1, "{:?}", settings.warnings);
    // Above the floor and the recovery: the original's 60 runs unchanged.
    assert!(load_env(&[(Id::Interval, "60")], &[])
        .unwrap()
        .warnings
        .is_empty());
    let settings = load_env(&[(Id::Interval, " 45 ")], &[]).unwrap();
    assert_eq!(settings.warnings.len(), 1, "{:?}", settings.warnings);
    // 0, as the original ran it: the next injection at each clear.
    let settings = load_env(&[(Id::Interval, "0")], &[]).unwrap();
    assert_eq!(settings.targets[0].interval, Duration::ZERO);
    let warnings: Vec<String> = settings.warnings.iter().map(|w| w.to_string()).collect();
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert!(warnings[1].contains("the next injection starts at each clear, a cycle of 30s"));
    // Our own forms of 0 keep the error.
    for (env, flags) in [
        (vec![(Id::Interval, "0s")], vec![]),
        (vec![(Id::Interval, "0.0")], vec![]),
        (vec![], vec![(Id::Interval, "0")]),
    ] {
        let err = load_env(&env, &flags).unwrap_err().to_string();
        assert!(
            err.ends_with("interval must be greater than 0"),
            "{env:?} {flags:?}: {err}"
        );
    }
    // So does 0 in the targets file, as the default or a target's own.
    for (yaml, env) in [
        (
            "defaults: { interval: 0 }\ntargets:\n  - { name: app, state_file: '{dir}/app.json' }\n",
            vec![],
        ),
        (
            "targets:\n  - { name: app, state_file: '{dir}/app.json', interval: 0 }\n",
            vec![(Id::Interval, "0")],
        ),
    ] {
        let targets = fx.targets(yaml);
        let flags = [(Id::Targets, targets.to_str().unwrap())];
        let err = load_env(&env, &flags).unwrap_err().to_string();
        assert!(err.ends_with("interval must be greater than 0"), "{err}");
    }
    // Our own forms keep the rules: a unit, a fraction, the flag, the file.
    for (env, flags) in [
        (vec![(Id::Interval, "30s")], vec![]),
        (vec![(Id::Interval, "30.0")], vec![]),
        (vec![], vec![(Id::Interval, "30")]),
        (vec![(Id::Interval, "900")], vec![(Id::Interval, "30")]),
    ] {
        let err = load_env(&env, &flags).unwrap_err().to_string();
        assert!(
            err.contains("below the safety floor"),
            "{env:?} {flags:?}: {err}"
        );
    }
    let targets = fx.targets(
        "defaults: { interval: 30s }\ntargets:\n  - { name: app, state_file: '{dir}/app.json' }\n",
    );
    let flags = [(Id::Targets, targets.to_str().unwrap())];
    assert!(load_env(&[(Id::MinInterval, "0")], &flags)
        .unwrap_err()
        .to_string()
        .contains("recovery 30s must be shorter than the interval 30s"));
    // CHAOS_INTERVAL sets the file's default; a target's own interval wins
    // and is checked as usual.
    let targets = fx.targets(
        "targets:\n  - { name: app, state_file: '{dir}/app.json' }\n  - { name: db, state_file: '{dir}/db.json', interval: 20s }\n",
    );
    let flags = [(Id::Targets, targets.to_str().unwrap())];
    let err = load_env(&[(Id::Interval, "30")], &flags)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("targets[1].interval: interval 20s of target db is below"),
        "{err}"
    );
    let targets = fx.targets(
        "targets:\n  - { name: app, state_file: '{dir}/app.json' }\n  - { name: db, state_file: '{dir}/db.json', interval: 90s }\n",
    );
    let flags = [(Id::Targets, targets.to_str().unwrap())];
    let settings = load_env(&[(Id::Interval, "30")], &flags).unwrap();
    assert!(settings
        .warnings
        .iter()
        .all(|w| w.message.contains("target app ")));
    assert_eq!(settings.warnings.len(), 2);
}

#[test]
fn read_only_commands_skip_the_writability_probe_but_not_the_directory_check() {
    let fx = Fixture::new();
    let mut inputs = fx.inputs(&[], &[(Id::StateFile, "/proc/chaos-state.json")]);
    assert!(
        error(&inputs).contains("directory /proc is not writable"),
        "{}",
        error(&inputs)
    );
    inputs.read_only = true;
    assert!(load(&inputs).is_ok());
    let mut inputs = fx.inputs(&[], &[(Id::StateFile, "/nonexistent-dir/s.json")]);
    inputs.read_only = true;
    assert!(error(&inputs).contains("does not exist"));
}

#[test]
fn one_shot_commands_leave_the_schedule_checks_to_run_and_validate() {
    let fx = Fixture::new();
    let targets = fx.targets(
        "defaults: { interval: 10s, recovery: 20s }\ntargets:\n  - { name: app, state_file: '{dir}/app.json' }\n",
    );
    let targets = targets.to_str().unwrap();
    // A long recovery for one injection, on a file whose interval is under
    // the floor: the schedule is wrong, but no schedule is kept.
    let mut inputs = fx.inputs(&[(Id::Targets, targets), (Id::Recovery, "5m")], &[]);
    assert!(
        error(&inputs).contains("below the safety floor"),
        "{}",
        error(&inputs)
    );
    inputs.one_shot = true;
    let settings = load(&inputs).unwrap();
    assert_eq!(settings.targets[0].recovery, Duration::from_secs(300));
    // A zero recovery is still refused: an injection would expire at once.
    inputs.flags = SettingValues::from_pairs(&[(Id::Targets, targets), (Id::Recovery, "0")], &[]);
    assert!(
        error(&inputs).starts_with("--recovery: recovery must be greater than 0"),
        "{}",
        error(&inputs)
    );
}

#[test]
fn durations_and_delays_are_capped() {
    let fx = Fixture::new();
    let state = fx.path("s.json");
    let env = [
        (Id::StartupWait, "1e19"),
        (Id::StateFile, state.to_str().unwrap()),
    ];
    assert!(error(&fx.inputs(&[], &env)).contains("longer than the limit of ten years"));
    let targets = fx.targets(
        "targets:\n  - name: a\n    state_file: {dir}/a.json\n    scenarios:\n      - { name: S, mode: slow, weight: 1, delay: { min: 1, max: 18446744073709551615 } }\n",
    );
    let flags = [(Id::Targets, targets.to_str().unwrap())];
    assert!(error(&fx.inputs(&flags, &[]))
        .contains("delay.max 18446744073709551615 is above the limit"));
}

#[test]
fn parse_bool_accepts_only_the_documented_spellings() {
    assert_eq!(parse_bool("true"), Ok(true));
    assert_eq!(parse_bool(" no "), Ok(false));
    assert!(parse_bool("on").is_err());
    assert!(parse_bool("").is_err());
}

#[test]
fn policy_blind_is_read_and_checked_against_the_tokens() {
    let fx = Fixture::new();
    let file = |blind: &str| {
        fx.targets(&format!(
            "policy:\n  blind: {blind}\ntargets:\n  - {{ name: a, state_file: '{{dir}}/a.json' }}\n"
        ))
        .display()
        .to_string()
    };
    let inputs = |path: &str, api: Option<&str>, agent: Option<&str>| ConfigInputs {
        api_token: api.map(str::to_owned),
        agent_token: agent.map(str::to_owned),
        ..fx.inputs(&[(Id::Targets, path), (Id::Http, "127.0.0.1:0")], &[])
    };
    let on = file("true");
    let settings = load(&inputs(&on, Some("c"), None)).unwrap();
    assert!(settings.blind && settings.agent_token.is_none());
    let err = error(&inputs(&on, None, None));
    assert!(
        err.contains("policy.blind") && err.contains("needs CHAOS_API_TOKEN"),
        "{err}"
    );

    let off = file("false");
    assert!(!load(&inputs(&off, None, None)).unwrap().blind);
    let err = error(&inputs(&off, Some("c"), Some("a")));
    assert!(
        err.contains(": policy.blind: ") && err.contains("CHAOS_AGENT_TOKEN"),
        "{err}"
    );
    let err = error(&inputs(&off, Some("same"), Some("same")));
    assert!(
        err.starts_with("CHAOS_AGENT_TOKEN: CHAOS_AGENT_TOKEN must differ from CHAOS_API_TOKEN"),
        "{err}"
    );
}

#[test]
fn docker_values_at_their_bounds_load_and_unquoted_names_keep_their_text() {
    use crate::docker::{DockerFault, Selector};
    let fx = Fixture::new();
    let targets = fx.targets(
        "targets:\n  - name: one\n    docker: { container: 0123 }\n    scenarios:\n      \
         - { name: K, mode: kill, weight: 1, signal: 9 }\n      \
         - { name: A, mode: kill, weight: 1, signal: iot }\n      \
         - { name: S, mode: stop, weight: 1, grace: 5m }\n      \
         - { name: N, mode: network, weight: 1, network: { loss: 0.01%, rate: 3400gbit, delay: 10ms, jitter: 10ms } }\n  \
         - name: two\n    docker: { labels: { advx: 1, com.example.v: 1.50 }, host: 'tcp://[::1]:2375' }\n    \
         scenarios: [{ name: P, mode: pause, weight: 1 }]\n",
    );
    let flags = [(Id::Targets, targets.to_str().unwrap())];
    let settings = load(&fx.inputs(&flags, &[])).unwrap();
    let one = settings.target("one").unwrap().docker().unwrap();
    // YAML reads 0123 as a number, but the text reaches the selector as
    // written: a container may be called 0123.
    assert_eq!(one.target.selector, Selector::Container("0123".into()));
    let faults: Vec<&DockerFault> = one.faults.iter().map(|(_, fault)| fault).collect();
    assert_eq!(
        faults[..3],
        [
            &DockerFault::Kill { signal: "9".into() },
            &DockerFault::Kill {
                signal: "SIGABRT".into()
            },
            &DockerFault::Stop {
                grace: crate::docker::spec::MAX_STOP_GRACE
            },
        ]
    );
    let two = settings.target("two").unwrap().docker().unwrap();
    assert_eq!(
        two.target.selector,
        Selector::Labels(
            [("advx", "1"), ("com.example.v", "1.50")]
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .into()
        )
    );
}

#[test]
fn a_label_written_key_equals_value_is_located_in_block_form_too() {
    let fx = Fixture::new();
    let targets = fx.targets(
        "targets:\n  - name: cache\n    docker:\n      labels:\n        advx=1:\n    \
         scenarios: [{ name: P, mode: pause, weight: 1 }]\n",
    );
    let flags = [(Id::Targets, targets.to_str().unwrap())];
    let err = error(&fx.inputs(&flags, &[]));
    assert!(
        err.ends_with(
            "targets.yaml:5:9: targets[0].docker.labels.advx=1: `advx=1` is not a label key: \
             write the label as `labels: { advx: \"1\" }`"
        ),
        "{err}"
    );
}

#[test]
fn the_journal_cap_and_the_findings_limit_have_defaults_and_can_be_turned_off() {
    let fx = Fixture::new();
    let state = fx.path("state.json");
    let state = state.to_str().unwrap();
    let settings = load(&fx.inputs(&[], &[(Id::StateFile, state)])).unwrap();
    assert_eq!(settings.journal_max, Some(64 * 1024 * 1024));
    assert_eq!(
        settings.findings_rate,
        Some(crate::config::rate::Rate {
            count: 20,
            per: Duration::from_secs(2)
        })
    );
    let settings = load(&fx.inputs(
        &[(Id::JournalMax, "1KiB"), (Id::FindingsRate, "3/1m")],
        &[(Id::StateFile, state), (Id::JournalMax, "off")],
    ))
    .unwrap();
    assert_eq!(
        settings.journal_max,
        Some(1024),
        "the flag beats the variable"
    );
    assert_eq!(
        settings.findings_rate.map(|r| r.to_string()).as_deref(),
        Some("3/60s")
    );
    let off = load(&fx.inputs(
        &[],
        &[
            (Id::StateFile, state),
            (Id::JournalMax, "off"),
            (Id::FindingsRate, "OFF"),
        ],
    ))
    .unwrap();
    assert_eq!((off.journal_max, off.findings_rate), (None, None));
    for (id, value, expected) in [
        (
            Id::JournalMax,
            "lots",
            "CHAOS_JOURNAL_MAX: invalid size `lots`",
        ),
        (
            Id::JournalMax,
            "0",
            "CHAOS_JOURNAL_MAX: size `0` is 0 bytes",
        ),
        (
            Id::FindingsRate,
            "10",
            "CHAOS_FINDINGS_RATE: invalid rate `10`",
        ),
        (
            Id::FindingsRate,
            "0/1s",
            "CHAOS_FINDINGS_RATE: rate `0/1s` allows nothing",
        ),
    ] {
        let message = error(&fx.inputs(&[], &[(Id::StateFile, state), (id, value)]));
        assert!(message.starts_with(expected), "{message}");
    }
}

#[test]
fn a_swarm_target_breaks_its_services_tasks_as_containers_and_drains_and_scales() {
    use crate::docker::{DockerFault, Selector};
    use crate::swarm::SwarmFault;
    let fx = Fixture::new();
    let targets = fx.targets(
        "targets:\n  - name: api\n    swarm: { service: shop_api, pick: all }\n    scenarios:\n      \
         - { name: KILL_TASK, mode: kill, weight: 2 }\n      \
         - { name: DRAIN, mode: drain, weight: 1 }\n      \
         - { name: SCALE_1, mode: scale, weight: 1, replicas: 1 }\n      \
         - { name: SCALE_0, mode: scale, weight: 1 }\n",
    );
    let flags = [(Id::Targets, targets.to_str().unwrap())];
    let settings = load(&fx.inputs(&flags, &[])).unwrap();
    let api = settings.target("api").unwrap();
    let crate::config::TargetKind::Swarm(swarm) = &api.kind else {
        panic!("not a Swarm target: {:?}", api.kind);
    };
    assert_eq!(
        swarm.service,
        crate::swarm::config::ServiceSelector::Name("shop_api".to_owned())
    );
    assert_eq!(
        swarm.docker.target.selector,
        Selector::Labels(
            [(
                "com.docker.swarm.service.name".to_owned(),
                "shop_api".to_owned()
            )]
            .into()
        )
    );
    assert_eq!(swarm.docker.target.pick, crate::docker::BlastRadius::All);
    // Only the container modes reach the Docker backend.
    assert_eq!(
        swarm.docker.faults,
        [(
            "KILL_TASK".to_owned(),
            DockerFault::Kill {
                signal: "SIGKILL".into()
            }
        )]
    );
    let faults: Vec<&SwarmFault> = swarm.faults.iter().map(|(_, fault)| fault).collect();
    assert_eq!(
        faults[1..],
        [
            &SwarmFault::Drain,
            &SwarmFault::Scale { replicas: 1 },
            &SwarmFault::Scale { replicas: 0 },
        ]
    );
    assert_eq!(api.state_file(), None);
    assert!(api.docker().is_none());
}

#[test]
fn a_swarm_target_may_name_its_service_by_labels_found_at_each_use() {
    use crate::docker::Selector;
    use crate::swarm::config::ServiceSelector;
    let fx = Fixture::new();
    let targets = fx.targets(
        "targets:\n  - name: api\n    swarm: { labels: { tier: api, team: shop } }\n    \
         scenarios: [{ name: P, mode: pause, weight: 1 }]\n",
    );
    let flags = [(Id::Targets, targets.to_str().unwrap())];
    let settings = load(&fx.inputs(&flags, &[])).unwrap();
    let crate::config::TargetKind::Swarm(swarm) = &settings.target("api").unwrap().kind else {
        panic!("not a Swarm target");
    };
    let labels: std::collections::BTreeMap<String, String> = [
        ("team".to_owned(), "shop".to_owned()),
        ("tier".to_owned(), "api".to_owned()),
    ]
    .into();
    assert_eq!(swarm.service, ServiceSelector::Labels(labels.clone()));
    assert_eq!(swarm.service.to_string(), "labelled team=shop, tier=api");
    assert_eq!(
        swarm.docker.target.selector,
        Selector::SwarmServiceLabels(labels)
    );
}

#[test]
fn swarm_keys_are_checked_where_they_are_written() {
    let fx = Fixture::new();
    let cases = [
        (
            "  - name: api\n    swarm: { host: 'tcp://127.0.0.1:2375' }\n    scenarios: [{ name: K, mode: kill, weight: 1 }]\n",
            "targets[0].swarm: ",
            "target api: say which service's tasks it breaks: `service` (its name) or `labels` \
             (its service labels)",
        ),
        (
            "  - name: api\n    swarm: { service: s, labels: { tier: api } }\n    scenarios: [{ name: K, mode: kill, weight: 1 }]\n",
            "targets[0].swarm.labels",
            "target api: give one of `service` and `labels`, not service and labels",
        ),
        (
            "  - name: api\n    swarm: { labels: {} }\n    scenarios: [{ name: K, mode: kill, weight: 1 }]\n",
            "targets[0].swarm.labels",
            "give at least one label",
        ),
        (
            "  - name: api\n    swarm: { labels: { tier: } }\n    scenarios: [{ name: K, mode: kill, weight: 1 }]\n",
            "targets[0].swarm.labels.tier",
            "label `tier` has no value",
        ),
        (
            "  - name: api\n    swarm: { labels: { tier=api: } }\n    scenarios: [{ name: K, mode: kill, weight: 1 }]\n",
            "targets[0].swarm.labels.tier=api",
            "`tier=api` is not a label key: write the label as `labels: { tier: \"api\" }`",
        ),
        (
            "  - name: api\n    swarm: { service: s }\n    scenarios: [{ name: X, mode: slow, weight: 1 }]\n",
            "targets[0].scenarios[0].mode",
            "target api is a Swarm target: scenario X has mode `slow`; the modes of a Swarm \
             target are kill, stop, pause, network, partition, drain, scale",
        ),
        (
            "  - name: api\n    swarm: { service: s }\n    scenarios: [{ name: D, mode: drain, weight: 1, replicas: 2 }]\n",
            "targets[0].scenarios[0].replicas",
            "`replicas` is for mode scale; scenario D has mode drain",
        ),
        (
            "  - name: api\n    swarm: { service: s }\n    scenarios: [{ name: D, mode: scale, weight: 1, signal: 9 }]\n",
            "targets[0].scenarios[0].signal",
            "`signal` is not a setting of mode scale (scenario D)",
        ),
        (
            "  - name: api\n    swarm: { service: s }\n",
            "targets[0]: ",
            "target api is a Swarm target, which has no built-in scenarios",
        ),
        (
            "  - name: api\n    docker: { service: s }\n    swarm: { service: s }\n    scenarios: [{ name: K, mode: kill, weight: 1 }]\n",
            "targets[0].swarm",
            "target api has both `docker` and `swarm`: give one of `state_file`, `docker` and `swarm`",
        ),
        (
            "  - name: api\n    docker: { service: s }\n    scenarios: [{ name: K, mode: kill, weight: 1, replicas: 2 }]\n",
            "targets[0].scenarios[0].replicas",
            "`replicas` is a Swarm scale setting",
        ),
        (
            "  - name: api\n    state_file: /tmp/x.json\n    scenarios: [{ name: K, mode: crash, weight: 1, replicas: 2 }]\n",
            "targets[0].scenarios[0].replicas",
            "`replicas` is a Swarm scale setting",
        ),
    ];
    for (target, key, message) in cases {
        let targets = fx.targets(&format!("targets:\n{target}"));
        let flags = [(Id::Targets, targets.to_str().unwrap())];
        let err = error(&fx.inputs(&flags, &[]));
        assert!(
            err.contains(key) && err.contains(message),
            "{target}: {err}"
        );
    }
}

#[test]
fn policy_swarm_nodes_gives_each_nodes_engine_checked_where_it_is_written() {
    use crate::docker::swarm_nodes::NodeEngine;
    let fx = Fixture::new();
    let target = "targets:\n  - name: api\n    swarm: { service: s }\n    scenarios: [{ name: K, mode: kill, weight: 1 }]\n";
    let targets = fx.targets(&format!(
        "policy:\n  swarm:\n    nodes:\n      node2: tcp://10.0.0.2:2375\n      node3: {{ host: 'tcp://10.0.0.3:2375' }}\n{target}"
    ));
    let flags = [(Id::Targets, targets.to_str().unwrap())];
    let settings = load(&fx.inputs(&flags, &[])).unwrap();
    let crate::config::TargetKind::Swarm(swarm) = &settings.target("api").unwrap().kind else {
        panic!("not a Swarm target");
    };
    let engine = |host: &str| NodeEngine {
        host: host.to_owned(),
        cert_path: None,
    };
    assert_eq!(
        swarm.docker.target.swarm_nodes.as_deref(),
        Some(&std::collections::BTreeMap::from([
            ("node2".to_owned(), engine("tcp://10.0.0.2:2375")),
            ("node3".to_owned(), engine("tcp://10.0.0.3:2375")),
        ]))
    );
    let cases = [
        (
            "      node2: 'tcp://'\n",
            "policy.swarm.nodes.node2",
            "tcp://",
        ),
        (
            "      node2: { cert_path: certs }\n",
            "policy.swarm.nodes.node2.cert_path",
            "`cert_path` is the certificate directory of `host`",
        ),
        (
            "      node2: {}\n",
            "policy.swarm.nodes.node2",
            "node node2 needs `host`, the address of its Engine",
        ),
        (
            "      node2: { host: 'tcp://10.0.0.2:2376', cert_path: missing }\n",
            "policy.swarm.nodes.node2.cert_path",
            "cannot read",
        ),
    ];
    for (nodes, key, message) in cases {
        let targets = fx.targets(&format!("policy:\n  swarm:\n    nodes:\n{nodes}{target}"));
        let flags = [(Id::Targets, targets.to_str().unwrap())];
        let err = error(&fx.inputs(&flags, &[]));
        assert!(err.contains(key) && err.contains(message), "{nodes}: {err}");
    }
}

#[test]
fn policy_docker_delay_with_reaches_every_network_fault_and_is_checked() {
    use crate::docker::spec::DelayWith;
    use crate::docker::DockerFault;
    let fx = Fixture::new();
    let target = "targets:\n  - name: one\n    docker: { container: web }\n    scenarios:\n      \
                  - { name: N, mode: network, weight: 1, network: { delay: 300ms } }\n";
    for (written, expected) in [
        ("", DelayWith::Auto),
        ("  docker: { delay_with: netem }\n", DelayWith::Netem),
        ("  docker: { delay_with: delayer }\n", DelayWith::Delayer),
    ] {
        let targets = fx.targets(&format!("policy:\n  min_interval: 0\n{written}{target}"));
        let flags = [(Id::Targets, targets.to_str().unwrap())];
        let settings = load(&fx.inputs(&flags, &[])).unwrap();
        let one = settings.target("one").unwrap().docker().unwrap();
        let DockerFault::Network(network) = &one.faults[0].1 else {
            panic!("not a network fault");
        };
        assert_eq!(network.delay_by, expected, "{written}");
    }
    let targets = fx.targets(&format!(
        "policy:\n  docker: {{ delay_with: tc }}\n{target}"
    ));
    let flags = [(Id::Targets, targets.to_str().unwrap())];
    let err = error(&fx.inputs(&flags, &[]));
    assert!(
        err.contains("policy.docker.delay_with")
            && err.contains("`tc` is not a way to delay: give auto, netem, delayer"),
        "{err}"
    );
}
