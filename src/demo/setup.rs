//! What the demo sets up: the two targets (their names, paths and
//! processes) and the engine's targets file on a compressed clock.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::process::{own_command, ChildProcess};

/// The demo's targets: name and the path its traffic and probe ask for.
pub const TARGETS: [(&str, &str); 2] = [("orders", "/orders"), ("products", "/products")];

/// How long a child gets to say it listens.
pub const START_TIMEOUT: Duration = Duration::from_secs(30);

/// The engine's targets file: every failure mode on both targets,
/// seconds instead of minutes. The second target starts later so the two
/// take turns; with [`super::DEFAULT_SEED`] (`preview --seed 40` shows it)
/// orders gets CRASH, SLOWDOWN, CONFIG_ERROR and products CONFIG_ERROR,
/// CRASH, SLOWDOWN, so every mode shows within about 10 s and on both
/// targets within about 20 s.
pub fn targets_file(dir: &Path, ports: &[u16]) -> String {
    let mut yaml = String::from(
        "defaults:
  interval: 7s
  recovery: 3500ms
  startup_wait: 1s
  scenarios:
    - { name: CRASH, mode: crash, weight: 1 }
    - { name: SLOWDOWN, mode: slow, weight: 1, delay: { min: 1, max: 3 } }
    - { name: CONFIG_ERROR, mode: config_error, weight: 1 }
policy:
  min_interval: 0
  max_concurrent_failures: 2
  jitter: 0
targets:
",
    );
    for (index, ((name, path), port)) in TARGETS.iter().zip(ports).enumerate() {
        let state_file = state_file(dir, name);
        yaml.push_str(&format!(
            "  - name: {name}\n    state_file: {:?}\n    probe: {{ url: \"http://127.0.0.1:{port}{path}\", timeout: 1s, period: 250ms }}\n",
            state_file.display().to_string()
        ));
        if index > 0 {
            yaml.push_str("    startup_wait: 4500ms\n");
        }
    }
    yaml
}

/// Where target `name` reads its failures.
pub fn state_file(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!("{name}.state.json"))
}

/// Starts target `name` on `port` (0: a free one) with its state file.
pub fn start_target(
    executable: &PathBuf,
    dir: &Path,
    name: &str,
    port: u16,
) -> std::io::Result<ChildProcess> {
    let args = [
        "demo-target".to_owned(),
        "--bind".to_owned(),
        "127.0.0.1".to_owned(),
        "--port".to_owned(),
        port.to_string(),
        "--service-name".to_owned(),
        name.to_owned(),
        "--state-file".to_owned(),
        state_file(dir, name).display().to_string(),
        "--workers".to_owned(),
        "2".to_owned(),
    ];
    ChildProcess::spawn(own_command(executable, &args))
}

/// Starts `chaos-engine run` on the targets file, its journal and an API
/// on a free loopback port.
pub fn start_engine(
    executable: &PathBuf,
    targets: &Path,
    journal: &Path,
    seed: u64,
) -> std::io::Result<ChildProcess> {
    let args = [
        "run".to_owned(),
        "--targets".to_owned(),
        targets.display().to_string(),
        "--journal".to_owned(),
        journal.display().to_string(),
        "--http".to_owned(),
        "127.0.0.1:0".to_owned(),
        "--seed".to_owned(),
        seed.to_string(),
        "--log-format".to_owned(),
        "json".to_owned(),
    ];
    ChildProcess::spawn(own_command(executable, &args))
}

/// Waits until `process` says which port it listens on; on failure, says
/// why with its last lines of output.
pub async fn port_of(process: &mut ChildProcess, what: &str) -> Result<u16, String> {
    let deadline = Instant::now() + START_TIMEOUT;
    loop {
        if let Some(port) = process.port() {
            return Ok(port);
        }
        let ended = process.exited();
        if ended.is_some() || Instant::now() > deadline {
            let why = match ended {
                Some(status) => format!("exited ({status})"),
                None => format!("did not listen within {}s", START_TIMEOUT.as_secs()),
            };
            return Err(format!(
                "{what} {why}; its last output:\n{}",
                process.last_lines().join("\n")
            ));
        }
        actix_rt::time::sleep(Duration::from_millis(20)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_targets_file_is_a_valid_configuration() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("targets.yaml");
        std::fs::write(&path, targets_file(dir.path(), &[4001, 4002])).unwrap();
        let mut values = crate::config::SettingValues::default();
        values.set(
            crate::config::SettingId::Targets,
            crate::config::Source::Flag,
            path.display().to_string(),
        );
        let settings = crate::config::load(&crate::config::ConfigInputs {
            flags: values,
            ..crate::config::ConfigInputs::default()
        })
        .unwrap();
        let names: Vec<_> = settings.targets.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["orders", "products"]);
    }
}
