//! Bad input: exit 2, a message naming where the value came from, and no
//! state file created or changed.

use std::path::Path;

use crate::helpers::{make_fifo, run_once, Workspace};

/// An existing state file every case must leave byte-for-byte unchanged.
const ORIGINAL: &[u8] = b"{\"mode\": \"slow\", \"delay\": 12}\n";

/// A valid target list to build broken files around.
const TARGETS: &str = "targets:\n  - name: app\n    state_file: {dir}/state.json\n";

/// A Docker target to append scenarios to (its `scenarios:` is line 6).
const DOCKER: &str = "  - name: cache\n    docker: { service: cache }\n    scenarios:\n";

struct Case {
    name: &'static str,
    /// targets.yaml content, or `None` to run single-target.
    yaml: Option<String>,
    env: Vec<(&'static str, String)>,
    args: Vec<String>,
    /// Text the error message must contain (`{dir}` is the workspace).
    expected: &'static str,
}

fn file_case(name: &'static str, yaml: String, expected: &'static str) -> Case {
    Case {
        name,
        yaml: Some(yaml),
        env: vec![],
        args: vec![],
        expected,
    }
}

fn cases(dir: &Path) -> Vec<Case> {
    let state = dir.join("state.json").display().to_string();
    vec![
        file_case(
            "unknown key",
            format!("{TARGETS}    intervall: 5s\n"),
            "targets.yaml:4:5: targets[0].intervall: unknown field `intervall`",
        ),
        file_case(
            "merge key",
            "defaults: &d { interval: 60s }\ntargets:\n  - name: app\n    state_file: {dir}/state.json\n    <<: *d\n".into(),
            "targets.yaml:5:5: targets[0].<<: unknown field `<<`",
        ),
        file_case(
            "duplicate key",
            "targets:\n  - name: app\n    name: other\n    state_file: {dir}/state.json\n".into(),
            "targets.yaml:3:5: targets[0].name: duplicate key `name`",
        ),
        file_case(
            "duplicate target name",
            format!("{TARGETS}  - name: app\n    state_file: {{dir}}/other.json\n"),
            "targets.yaml:4:5: targets[1].name: duplicate target name app (also targets[0])",
        ),
        file_case(
            "duplicate state file",
            format!("{TARGETS}  - name: db\n    state_file: {{dir}}/../{}/state.json\n", dir.file_name().unwrap().to_str().unwrap()),
            "targets.yaml:5:5: targets[1].state_file: same file as targets[0] ({dir}/state.json)",
        ),
        file_case("empty target list", "targets: []\n".into(), "targets.yaml:1:1: targets: no targets"),
        file_case(
            "negative duration",
            format!("defaults:\n  recovery: -5\n{TARGETS}"),
            "targets.yaml:2:13: defaults.recovery: negative duration -5",
        ),
        file_case(
            "zero interval",
            format!("{TARGETS}    interval: 0s\n"),
            "targets.yaml:4:5: targets[0].interval: interval must be greater than 0",
        ),
        file_case(
            "non-finite weight",
            format!("defaults:\n  scenarios:\n    - {{ name: A, mode: crash, weight: .nan }}\n{TARGETS}"),
            "targets.yaml:3:31: defaults.scenarios[0].weight: weight must be a finite number >= 0, got NaN",
        ),
        file_case(
            "negative weight",
            format!("{TARGETS}    scenarios:\n      - {{ name: A, mode: crash, weight: -1 }}\n"),
            "targets.yaml:5:33: targets[0].scenarios[0].weight: weight must be a finite number >= 0, got -1",
        ),
        file_case(
            "all weights zero",
            format!("{TARGETS}    scenarios:\n      - {{ name: A, mode: crash, weight: 0 }}\n      - {{ name: B, mode: slow, weight: 0.0 }}\n"),
            "targets.yaml:4:5: targets[0].scenarios: all weights are zero",
        ),
        file_case(
            "delay min above max",
            format!("{TARGETS}    scenarios:\n      - {{ name: S, mode: slow, weight: 1, delay: {{ min: 30, max: 10 }} }}\n"),
            "targets[0].scenarios[0].delay: delay.min 30 is greater than delay.max 10",
        ),
        file_case(
            "recovery not shorter than interval",
            format!("defaults:\n  interval: 120s\n{TARGETS}    recovery: 2m\n"),
            "targets.yaml:6:5: targets[0].recovery: recovery 120s must be shorter than the interval 120s of target app (interval set by defaults.interval",
        ),
        file_case(
            "interval below the floor",
            format!("policy:\n  min_interval: 90s\n{TARGETS}    interval: 80s\n"),
            "targets.yaml:6:5: targets[0].interval: interval 80s of target app is below the safety floor min_interval 90s (set by policy.min_interval",
        ),
        file_case(
            "state file directory missing",
            "targets:\n  - name: app\n    state_file: {dir}/missing/state.json\n".into(),
            "targets.yaml:3:5: targets[0].state_file: directory {dir}/missing does not exist",
        ),
        file_case(
            "scenario name too long",
            format!("defaults:\n  scenarios:\n    - {{ name: {}, mode: crash, weight: 1 }}\n{TARGETS}", "N".repeat(65)),
            "defaults.scenarios[0].name: a scenario name is printable text of at most 64 bytes",
        ),
        file_case(
            "mode too long",
            format!("defaults:\n  scenarios:\n    - {{ name: LONG, mode: {}, weight: 1 }}\n{TARGETS}", "m".repeat(65)),
            "defaults.scenarios[0].mode: mode is 65 bytes long; at most 64",
        ),
        file_case(
            "collections nested too deep for the parser",
            format!("targets: {}{}\n", "[".repeat(40), "]".repeat(40)),
            "targets.yaml:1:42: collections nested more than 32 deep",
        ),
        file_case(
            "state file path with a trailing slash",
            "targets:\n  - name: app\n    state_file: {dir}/state.json/\n".into(),
            "targets.yaml:3:5: targets[0].state_file: `{dir}/state.json/` is not a file path",
        ),
        file_case(
            "state file path with a NUL byte",
            "targets:\n  - name: app\n    state_file: \"{dir}/sta\\0te.json\"\n".into(),
            "targets[0].state_file: `{dir}/sta\0te.json` contains a NUL byte",
        ),
        file_case(
            "state file name too long for its temporary file",
            format!("targets:\n  - name: app\n    state_file: {{dir}}/{}.json\n", "a".repeat(245)),
            "targets.yaml:3:5: targets[0].state_file: the file name is 250 bytes; with the 12 bytes its temporary file adds it passes the 255-byte limit on a file name",
        ),
        file_case(
            "state file is a directory",
            "targets:\n  - name: app\n    state_file: {dir}\n".into(),
            "targets.yaml:3:5: targets[0].state_file: {dir} is a directory, not a file",
        ),
        file_case(
            "yaml syntax error",
            "targets:\n  - name: [app\n".into(),
            "targets.yaml:",
        ),
        file_case(
            "probe over https",
            format!("{TARGETS}    probe: {{ url: \"https://app/health\" }}\n"),
            "targets.yaml:4:14: targets[0].probe.url: `https://app/health`: only http:// probes are supported, got https://",
        ),
        file_case(
            "probe timeout zero",
            format!("{TARGETS}    probe: {{ url: \"http://app/health\", timeout: 0s }}\n"),
            "targets[0].probe.timeout: probe timeout must be greater than 0",
        ),
        file_case(
            "jitter above one",
            format!("policy:\n  jitter: 1.5\n{TARGETS}"),
            "targets.yaml:2:3: policy.jitter: jitter is a fraction of the interval from 0 to 1 (0.2 adds up to 20%), got 1.5",
        ),
        file_case(
            "control rate above one",
            format!("policy:\n  control_rate: 1.5\n{TARGETS}"),
            "targets.yaml:2:3: policy.control_rate: control_rate is the fraction of scheduled cycles that inject nothing, from 0 to 1 (0.2: one cycle in five), got 1.5",
        ),
        file_case(
            "negative control rate",
            format!("policy:\n  control_rate: -0.1\n{TARGETS}"),
            "targets.yaml:2:3: policy.control_rate: control_rate is the fraction",
        ),
        file_case(
            "empty scenario category",
            format!("{TARGETS}    scenarios:\n      - {{ name: C, mode: crash, weight: 1, category: '' }}\n"),
            "targets.yaml:5:44: targets[0].scenarios[0].category: empty value",
        ),
        file_case(
            "oversize fix",
            format!("{TARGETS}    scenarios:\n      - {{ name: C, mode: crash, weight: 1, fix: [restart, {}] }}\n", "x".repeat(65)),
            "targets[0].scenarios[0].fix: `xxxxxxxxxxxxxxxx...` is 65 bytes long; at most 64",
        ),
        file_case(
            "unknown capped behaviour",
            format!("policy:\n  max_concurrent_failures: 2\n  when_capped: queue\n{TARGETS}"),
            "targets.yaml:3:3: policy.when_capped: expected `wait` or `skip`, got `queue`",
        ),
        file_case(
            "when_capped without a cap",
            format!("policy:\n  when_capped: wait\n{TARGETS}"),
            "targets.yaml:2:3: policy.when_capped: when_capped says what a target does at the cap, but no cap is set",
        ),
        file_case(
            "probe expecting an interim status",
            format!("{TARGETS}    probe: {{ url: \"http://app/health\", expect_status: 101 }}\n"),
            "targets[0].probe.expect_status: a final HTTP status is from 200 to 599, got 101",
        ),
        file_case(
            "backoff factor below one",
            format!("policy:\n  backoff: {{ above: 2, factor: 0.5 }}\n{TARGETS}"),
            "policy.backoff.factor: the backoff factor multiplies intervals: from 1 to 1000, got 0.5",
        ),
        file_case(
            "unknown time zone",
            format!("policy:\n  windows:\n    time_zone: Mars/Olympus\n{TARGETS}"),
            "targets.yaml:3:5: policy.windows.time_zone: unknown time zone `Mars/Olympus`",
        ),
        Case {
            name: "cap of zero from the environment",
            yaml: None,
            env: vec![("CHAOS_MAX_CONCURRENT_FAILURES", "0".into()), ("FAILURE_STATE_FILE", state.clone())],
            args: vec![],
            expected: "CHAOS_MAX_CONCURRENT_FAILURES: max_concurrent_failures must be at least 1",
        },
        Case {
            name: "jitter flag that is not a number",
            yaml: None,
            env: vec![("FAILURE_STATE_FILE", state.clone())],
            args: vec!["--jitter".into(), "some".into()],
            expected: "--jitter: expected a fraction from 0 to 1, got `some`",
        },
        Case {
            name: "bad boolean in the environment",
            yaml: None,
            env: vec![("CHAOS_ENABLED", "maybe".into()), ("FAILURE_STATE_FILE", state.clone())],
            args: vec![],
            expected: "CHAOS_ENABLED: expected true/false, 1/0 or yes/no, got `maybe`",
        },
        Case {
            // An empty CHAOS_ENABLED disables with a warning (drop_in.rs);
            // an empty CHAOS_DRY_RUN is bad input.
            name: "empty boolean in the environment",
            yaml: None,
            env: vec![("CHAOS_DRY_RUN", String::new()), ("FAILURE_STATE_FILE", state.clone())],
            args: vec![],
            expected: "CHAOS_DRY_RUN: expected true/false, 1/0 or yes/no, got ``",
        },
        Case {
            name: "bad dry-run variable (the flag is a switch)",
            yaml: None,
            env: vec![("CHAOS_DRY_RUN", "perhaps".into()), ("FAILURE_STATE_FILE", state.clone())],
            args: vec![],
            expected: "CHAOS_DRY_RUN: expected true/false, 1/0 or yes/no, got `perhaps`",
        },
        Case {
            name: "bad duration in the environment",
            yaml: None,
            env: vec![("CHAOS_STARTUP_WAIT", "later".into()), ("FAILURE_STATE_FILE", state.clone())],
            args: vec![],
            expected: "CHAOS_STARTUP_WAIT: invalid duration `later`",
        },
        Case {
            name: "bad seed flag beats a good variable",
            yaml: None,
            env: vec![("CHAOS_SEED", "7".into()), ("FAILURE_STATE_FILE", state.clone())],
            args: vec!["--seed".into(), "x".into()],
            expected: "--seed: seed must be a whole number from 0 to 2^64-1, got `x`",
        },
        Case {
            name: "bad duration flag",
            yaml: None,
            env: vec![("FAILURE_STATE_FILE", state.clone())],
            args: vec!["--interval".into(), "often".into()],
            expected: "--interval: invalid duration `often`",
        },
        Case {
            // A whole number of seconds runs, as the original service's did
            // (drop_in.rs); our own forms keep the floor.
            name: "interval with a unit below the default floor from the environment",
            yaml: None,
            env: vec![("CHAOS_INTERVAL", "45s".into()), ("FAILURE_STATE_FILE", state.clone())],
            args: vec![],
            expected: "CHAOS_INTERVAL: interval 45s of target target-app is below the safety floor min_interval 60s (set by the built-in default min_interval)",
        },
        Case {
            name: "missing targets file",
            yaml: None,
            env: vec![("CHAOS_TARGETS_FILE", dir.join("nope.yaml").display().to_string())],
            args: vec![],
            expected: "CHAOS_TARGETS_FILE: cannot read {dir}/nope.yaml",
        },
        file_case(
            "a Docker target with a state-file mode",
            format!("{TARGETS}{DOCKER}      - {{ name: C, mode: crash, weight: 1 }}\n"),
            "targets.yaml:7:20: targets[1].scenarios[0].mode: target cache is a Docker target: scenario C has mode `crash`; the modes of a Docker target are kill, stop, pause, network, partition",
        ),
        file_case(
            "a Docker target with a Swarm-only mode",
            format!("{TARGETS}{DOCKER}      - {{ name: D, mode: drain, weight: 1 }}\n"),
            "targets.yaml:7:20: targets[1].scenarios[0].mode: mode drain needs a `swarm:` target",
        ),
        file_case(
            "a Docker target without scenarios",
            format!("{TARGETS}  - name: cache\n    docker: {{ service: cache }}\n"),
            "targets.yaml:4:5: targets[1]: target cache is a Docker target, which has no built-in scenarios",
        ),
        file_case(
            "a target with a state file and containers",
            format!("{TARGETS}    docker: {{ service: cache }}\n"),
            "targets.yaml:4:5: targets[0].docker: target app has both `state_file` and `docker`",
        ),
        file_case(
            "a target with neither a state file nor containers",
            format!("{TARGETS}  - name: lost\n"),
            "targets.yaml:4:5: targets[1]: target lost needs `state_file` (an app that reads it), `docker` (containers to break) or `swarm`",
        ),
        file_case(
            "a Docker target with two selectors",
            format!("{TARGETS}  - name: cache\n    docker: {{ service: cache, container: c1 }}\n    scenarios: [{{ name: P, mode: pause, weight: 1 }}]\n"),
            "targets.yaml:5:31: targets[1].docker.container: target cache: give one of `service`, `container` and `labels`, not service and container",
        ),
        file_case(
            "a loss above 100%",
            format!("{TARGETS}{DOCKER}      - {{ name: L, mode: network, weight: 1, network: {{ loss: 150% }} }}\n"),
            "targets.yaml:7:57: targets[1].scenarios[0].network.loss: expected a percentage above 0 and at most 100, e.g. 30%, got `150%`",
        ),
        file_case(
            "jitter without delay",
            format!("{TARGETS}{DOCKER}      - {{ name: J, mode: network, weight: 1, network: {{ jitter: 5ms }} }}\n"),
            "targets.yaml:7:57: targets[1].scenarios[0].network.jitter: `jitter` varies a `delay`; give `delay` too",
        ),
        file_case(
            "a network scenario that degrades nothing",
            format!("{TARGETS}{DOCKER}      - {{ name: N, mode: network, weight: 1 }}\n"),
            "targets.yaml:7:9: targets[1].scenarios[0]: scenario N has mode network: say what to degrade with `network:`",
        ),
        file_case(
            "a Docker Engine over https:// without certificates",
            format!("{TARGETS}  - name: cache\n    docker: {{ service: cache, host: 'https://h:2376' }}\n    scenarios: [{{ name: P, mode: pause, weight: 1 }}]\n"),
            "targets.yaml:5:31: targets[1].docker.host: `https://h:2376` speaks TLS: give `cert_path`, the directory of its ca.pem, cert.pem and key.pem",
        ),
        file_case(
            "a certificate directory that is not there, relative to the targets file",
            format!("{TARGETS}  - name: cache\n    docker: {{ service: cache, host: 'tcp://h:2376', cert_path: nocerts }}\n    scenarios: [{{ name: P, mode: pause, weight: 1 }}]\n"),
            "targets.yaml:5:53: targets[1].docker.cert_path: cannot read {dir}/nocerts: ",
        ),
        file_case(
            "a certificate directory without its three files",
            format!("{TARGETS}  - name: cache\n    docker: {{ service: cache, host: 'tcp://h:2376', cert_path: . }}\n    scenarios: [{{ name: P, mode: pause, weight: 1 }}]\n"),
            "targets.yaml:5:53: targets[1].docker.cert_path: {dir}/. must hold ca.pem, cert.pem and key.pem (the CA, the client's certificate and key, as `docker --tlsverify` reads them): there is no ca.pem, no cert.pem, no key.pem",
        ),
        file_case(
            "a certificate directory without a host",
            format!("{TARGETS}  - name: cache\n    docker: {{ service: cache, cert_path: . }}\n    scenarios: [{{ name: P, mode: pause, weight: 1 }}]\n"),
            "targets.yaml:5:31: targets[1].docker.cert_path: `cert_path` is the certificate directory of `host`: give `host: tcp://HOST:2376` too",
        ),
        file_case(
            "a certificate directory for a plain HTTP Engine",
            format!("{TARGETS}  - name: cache\n    swarm: {{ service: api, host: 'http://h:2375', cert_path: . }}\n    scenarios: [{{ name: P, mode: pause, weight: 1 }}]\n"),
            "targets.yaml:5:51: targets[1].swarm.cert_path: `cert_path` is for TLS, spoken to tcp:// and https:// addresses; `host` is `http://h:2375`",
        ),
        file_case(
            "a bad blast radius",
            format!("{TARGETS}  - name: cache\n    docker: {{ service: cache, pick: some }}\n    scenarios: [{{ name: P, mode: pause, weight: 1 }}]\n"),
            "targets.yaml:5:31: targets[1].docker.pick: expected one, all, a count (2) or a percentage (\"50%\"), got `some`",
        ),
        file_case(
            "a Docker fault key on a state-file target",
            format!("{TARGETS}    scenarios: [{{ name: L, mode: lossy, weight: 1, network: {{ loss: 5% }} }}]\n"),
            "targets.yaml:4:52: targets[0].scenarios[0].network: `network` is a Docker fault setting",
        ),
        file_case(
            "a signal that is no signal",
            format!("{TARGETS}{DOCKER}      - {{ name: K, mode: kill, weight: 1, signal: SIGNOPE }}\n"),
            "targets.yaml:7:43: targets[1].scenarios[0].signal: `SIGNOPE` is not a signal",
        ),
        file_case(
            "a kill signal that stops the process instead of ending it",
            format!("{TARGETS}{DOCKER}      - {{ name: K, mode: kill, weight: 1, signal: SIGSTOP }}\n"),
            "targets.yaml:7:43: targets[1].scenarios[0].signal: `SIGSTOP` stops the process instead of ending it: stopping a process is the `pause` mode",
        ),
        file_case(
            "a kill signal the process ignores by default",
            format!("{TARGETS}{DOCKER}      - {{ name: K, mode: kill, weight: 1, signal: WINCH }}\n"),
            "targets.yaml:7:43: targets[1].scenarios[0].signal: `WINCH` is ignored by default, so the process would not end",
        ),
        file_case(
            "a rate tc refuses",
            format!("{TARGETS}{DOCKER}      - {{ name: R, mode: network, weight: 1, network: {{ rate: 5000000gbit }} }}\n"),
            "targets.yaml:7:57: targets[1].scenarios[0].network.rate: expected a rate from 8bit to 3400gbit",
        ),
        file_case(
            "a loss too small to drop anything",
            format!("{TARGETS}{DOCKER}      - {{ name: L, mode: network, weight: 1, network: {{ loss: 0.00001% }} }}\n"),
            "targets.yaml:7:57: targets[1].scenarios[0].network.loss: `0.00001%` is below 0.01%",
        ),
        file_case(
            "jitter larger than the delay",
            format!("{TARGETS}{DOCKER}      - {{ name: J, mode: network, weight: 1, network: {{ delay: 10ms, jitter: 50s }} }}\n"),
            "targets.yaml:7:70: targets[1].scenarios[0].network.jitter: `jitter` 50s is larger than `delay` 10ms",
        ),
        file_case(
            "a stop grace of years",
            format!("{TARGETS}{DOCKER}      - {{ name: S, mode: stop, weight: 1, grace: 9y }}\n"),
            "targets.yaml:7:43: targets[1].scenarios[0].grace: `grace` is whole seconds from 0 to 300s (5 minutes)",
        ),
        file_case(
            "an Engine port out of range",
            format!("{TARGETS}  - name: cache\n    docker: {{ service: cache, host: 'tcp://127.0.0.1:99999' }}\n    scenarios: [{{ name: P, mode: pause, weight: 1 }}]\n"),
            "targets.yaml:5:31: targets[1].docker.host: `tcp://127.0.0.1:99999` is not a Docker Engine address (port 99999 is not from 1 to 65535)",
        ),
        file_case(
            "a label written as key=value",
            format!("{TARGETS}  - name: cache\n    docker: {{ labels: {{ advx=1 }} }}\n    scenarios: [{{ name: P, mode: pause, weight: 1 }}]\n"),
            "targets.yaml:5:25: targets[1].docker.labels.advx=1: `advx=1` is not a label key: write the label as `labels: { advx: \"1\" }`",
        ),
        file_case(
            "a Compose project name Compose cannot have",
            format!("{TARGETS}  - name: cache\n    docker: {{ service: cache, project: Shop }}\n    scenarios: [{{ name: P, mode: pause, weight: 1 }}]\n"),
            "targets.yaml:5:31: targets[1].docker.project: `Shop` is not a Compose project name: lowercase letters, digits, `-` and `_`, starting with a letter or digit (e.g. `project: shop`); `project: \"*\"` reaches every project, and without `project` the engine keeps to its own",
        ),
        file_case(
            "a container name Docker cannot have",
            format!("{TARGETS}  - name: cache\n    docker: {{ container: 'my app' }}\n    scenarios: [{{ name: P, mode: pause, weight: 1 }}]\n"),
            "targets.yaml:5:15: targets[1].docker.container: `my app` cannot be a container name or id",
        ),
        Case {
            name: "state file flag with a targets file",
            yaml: Some(TARGETS.into()),
            env: vec![],
            args: vec!["--state-file".into(), state.clone()],
            expected: "--state-file {dir}/state.json: cannot be combined with --targets",
        },
    ]
}

#[test]
fn every_invalid_configuration_exits_2_names_its_source_and_touches_nothing() {
    let mut count = 0;
    for command in ["run", "validate"] {
        let ws = Workspace::new();
        let dir = ws.dir.path().to_owned();
        for case in cases(&dir) {
            let state = ws.path("state.json");
            std::fs::write(&state, ORIGINAL).unwrap();
            let mut args: Vec<String> = vec![command.into()];
            if let Some(yaml) = &case.yaml {
                args.push("--targets".into());
                args.push(ws.targets(yaml).display().to_string());
            }
            args.extend(case.args.iter().cloned());
            let env: Vec<(&str, &str)> = case.env.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let before: Vec<_> = listing(&dir);

            let output = run_once(&args, &env);

            let stderr = String::from_utf8_lossy(&output.stderr);
            let expected = case.expected.replace("{dir}", dir.to_str().unwrap());
            assert_eq!(
                output.status.code(),
                Some(2),
                "{command} / {}: {stderr}",
                case.name
            );
            assert!(
                stderr.contains(&expected),
                "{command} / {}:\nexpected: {expected}\nstderr:   {stderr}",
                case.name
            );
            assert!(stderr.starts_with("error: "), "{}: {stderr}", case.name);
            assert_eq!(
                std::fs::read(&state).unwrap(),
                ORIGINAL,
                "{}: state file changed",
                case.name
            );
            assert_eq!(listing(&dir), before, "{}: files created", case.name);
            assert!(output.stdout.is_empty(), "{}: printed to stdout", case.name);
            count += 1;
        }
    }
    assert!(count >= 2 * 12);
}

/// The Docker fault values `inject` must refuse as `run` and `validate` do.
const DOCKER_VALUE_CASES: [&str; 9] = [
    "a kill signal that stops the process instead of ending it",
    "a kill signal the process ignores by default",
    "a rate tc refuses",
    "a loss too small to drop anything",
    "jitter larger than the delay",
    "a stop grace of years",
    "an Engine port out of range",
    "a label written as key=value",
    "a container name Docker cannot have",
];

#[test]
fn inject_refuses_docker_fault_values_before_touching_anything() {
    let ws = Workspace::new();
    let dir = ws.dir.path().to_owned();
    let state = ws.path("state.json");
    let selected: Vec<Case> = cases(&dir)
        .into_iter()
        .filter(|case| DOCKER_VALUE_CASES.contains(&case.name))
        .collect();
    assert_eq!(selected.len(), DOCKER_VALUE_CASES.len());
    for case in selected {
        std::fs::write(&state, ORIGINAL).unwrap();
        let yaml = case.yaml.as_deref().unwrap();
        let targets = ws.targets(yaml).display().to_string();
        let before = listing(&dir);
        let output = run_once(
            &[
                "inject",
                "pause",
                "--target",
                "cache",
                "--targets",
                &targets,
            ],
            &[],
        );
        let stderr = String::from_utf8_lossy(&output.stderr);
        let expected = case.expected.replace("{dir}", dir.to_str().unwrap());
        assert_eq!(output.status.code(), Some(2), "{}: {stderr}", case.name);
        assert!(
            stderr.contains(&expected),
            "{}:\nexpected: {expected}\nstderr:   {stderr}",
            case.name
        );
        assert_eq!(std::fs::read(&state).unwrap(), ORIGINAL, "{}", case.name);
        assert_eq!(listing(&dir), before, "{}: files created", case.name);
        assert!(output.stdout.is_empty(), "{}: printed to stdout", case.name);
    }
}

#[test]
fn a_flag_hides_a_bad_variable_and_a_blank_variable_is_unset() {
    let ws = Workspace::new();
    let state = ws.path("state.json").display().to_string();
    /// Arguments and variables of a valid invocation.
    type Valid<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)]);
    let cases: [Valid; 3] = [
        (
            &["validate", "--interval", "200"],
            &[("CHAOS_INTERVAL", "often")],
        ),
        (
            &["validate"],
            &[("CHAOS_INTERVAL", " "), ("CHAOS_SEED", "")],
        ),
        (&["validate", "--dry-run"], &[("CHAOS_DRY_RUN", "perhaps")]),
    ];
    for (args, env) in cases {
        let mut env = env.to_vec();
        env.push(("FAILURE_STATE_FILE", &state));
        let output = run_once(args, &env);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{args:?} {env:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn a_fifo_socket_or_device_as_state_file_is_refused_and_left_alone() {
    let ws = Workspace::new();
    let fifo = ws.path("fifo.json");
    make_fifo(&fifo);
    let socket_path = ws.path("socket.json");
    let _socket = std::os::unix::net::UnixListener::bind(&socket_path).unwrap();
    let cases = [(&fifo, "a FIFO"), (&socket_path, "a socket")];
    for (path, kind) in cases {
        let shown = path.display().to_string();
        for command in [
            &["validate"][..],
            &["clear"],
            &["inject", "crash"],
            &["run"],
        ] {
            let output = run_once(command, &[("FAILURE_STATE_FILE", shown.as_str())]);
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert_eq!(
                output.status.code(),
                Some(2),
                "{command:?} on {kind}: {stderr}"
            );
            assert!(
                stderr.contains(&format!(
                    "FAILURE_STATE_FILE: {shown} is {kind}, not a regular file"
                )),
                "{command:?}: {stderr}"
            );
            let file_type = std::fs::symlink_metadata(path).unwrap().file_type();
            assert!(
                !file_type.is_file(),
                "{command:?} replaced {kind} with a file"
            );
        }
    }
    // Only `validate` here: a regression must never get to replace the
    // machine's /dev/null.
    let output = run_once(&["validate"], &[("FAILURE_STATE_FILE", "/dev/null")]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("/dev/null is a character device, not a regular file"),
        "{stderr}"
    );
    // A symlink is fine: the rename replaces the link, not its target.
    let link = ws.path("link.json");
    std::os::unix::fs::symlink("/dev/null", &link).unwrap();
    let output = run_once(
        &["validate"],
        &[("FAILURE_STATE_FILE", link.to_str().unwrap())],
    );
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn a_targets_file_that_is_a_fifo_or_too_large_is_refused_unread() {
    let ws = Workspace::new();
    let fifo = ws.path("fifo.yaml");
    make_fifo(&fifo);
    let large = ws.path("large.yaml");
    let file = std::fs::File::create(&large).unwrap();
    file.set_len(16 * 1024 * 1024 + 1).unwrap();
    for (path, why) in [
        (&fifo, "it is a FIFO, not a regular file".to_owned()),
        (
            &large,
            "it is 16777217 bytes, more than the 16 MiB a targets file may have".to_owned(),
        ),
    ] {
        let shown = path.display().to_string();
        // Before this check, `validate` on the FIFO waited for a writer.
        let output = run_once(&["validate"], &[("CHAOS_TARGETS_FILE", shown.as_str())]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.contains(&format!("CHAOS_TARGETS_FILE: cannot read {shown}: {why}")),
            "{stderr}"
        );
    }
}
