//! Each target's service health from its probe, on a real `chaos-target`
//! process that is stopped and started again, with no failure scheduled:
//! `GET /status` says `up`, then `down` once the port refuses, then `up`
//! again; a port nobody listens on is `down`; a target without a probe is
//! `unknown`. `status` and `status --watch` say the same.

use std::time::Duration;

use serde_json::Value;

use crate::helpers::{run_once, start_with_api, wait_until, Workspace};
use crate::http;
use crate::live_output::LiveOutput;
use crate::target_harness::{unused_port, LoneService};

const TIMEOUT: Duration = Duration::from_secs(60);

/// `web` probes the live service, `db` a port that refuses, `plain` has
/// no probe; nothing is injected for ten minutes.
const TARGETS: &str = "\
defaults:
  interval: 900s
  recovery: 600s
  startup_wait: 600s
policy:
  min_interval: 0s
targets:
  - name: web
    state_file: '{dir}/web.json'
    probe: { url: 'http://127.0.0.1:{web}/orders', period: 0.2s, timeout: 5s }
  - name: db
    state_file: '{dir}/db.json'
    probe: { url: 'http://127.0.0.1:{db}/orders', period: 0.2s, timeout: 5s }
  - name: plain
    state_file: '{dir}/plain.json'
";

/// The `/status` entry of `name` (null until the target is on the board).
fn entry(port: u16, name: &str) -> Value {
    let status = http::get(port, "/status", TIMEOUT).unwrap();
    assert_eq!(status.status, 200, "{}", status.body);
    status.json()["targets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == name)
        .cloned()
        .unwrap_or(Value::Null)
}

/// Waits until `name`'s health is `health`; answers its entry then.
fn wait_for_health(port: u16, name: &str, health: &str) -> Value {
    let mut seen = Value::Null;
    wait_until(TIMEOUT, &format!("{name} to be {health}"), || {
        seen = entry(port, name);
        seen["health"] == health
    });
    seen
}

#[test]
fn a_service_that_stops_answering_reads_down_then_up_when_it_is_back() {
    let ws = Workspace::new();
    let mut web = LoneService::start("web", &ws.path("web.json"));
    let refusing = unused_port();
    let targets = ws.targets(
        &TARGETS
            .replace("{web}", &web.port.to_string())
            .replace("{db}", &refusing.to_string()),
    );
    let (engine, port) = start_with_api(&["--targets", targets.to_str().unwrap()], &[]);

    let up = wait_for_health(port, "web", "up");
    assert!(up["health_detail"].is_null(), "{up}");
    assert_eq!(up["mode"], "healthy");
    let down = wait_for_health(port, "db", "down");
    assert!(
        down["health_detail"]
            .as_str()
            .is_some_and(|d| d.contains("connection refused (target down)")),
        "{down}"
    );
    assert_eq!(down["mode"], "healthy", "no fault, and yet down");
    let plain = entry(port, "plain");
    assert_eq!(
        (&plain["health"], &plain["health_detail"]),
        (&Value::from("unknown"), &Value::from("no probe configured")),
        "{plain}"
    );

    // `status` probes for itself and says the same.
    let env = [("CHAOS_TARGETS_FILE", targets.to_str().unwrap())];
    let text = run_once(&["status"], &env);
    assert!(text.status.success(), "{text:?}");
    let text = String::from_utf8(text.stdout).unwrap();
    let line = |name: &str| {
        text.lines()
            .find(|l| l.starts_with(&format!("{name}: ")))
            .unwrap_or_else(|| panic!("{name} in {text}"))
            .to_owned()
    };
    assert!(line("web").ends_with(" · service up"), "{text}");
    assert!(
        line("db").contains(" · service down (")
            && line("db").contains("connection refused (target down)"),
        "{text}"
    );
    assert!(
        line("plain").ends_with(" · service unknown (no probe configured)"),
        "{text}"
    );
    let json = run_once(&["status", "--json"], &env);
    let healths: Vec<(String, String)> = String::from_utf8(json.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            (
                v["target"].as_str().unwrap().to_owned(),
                v["health"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        healths,
        [
            ("web".to_owned(), "up".to_owned()),
            ("db".to_owned(), "down".to_owned()),
            ("plain".to_owned(), "unknown".to_owned())
        ]
    );

    // The live view on the engine's API shows it too.
    let address = format!("127.0.0.1:{port}");
    let mut watch = LiveOutput::start(
        &["status", "--watch", "--http", &address],
        ws.dir.path(),
        &[],
    );
    // Names are padded to the longest, `plain`.
    let row = |name: &str, health: &str| format!("{name:<5}  service {health}");
    watch.wait_for_line(TIMEOUT, &row("db", "down"));

    // The service stops: down (through degraded), with no fault in sight.
    web.stop();
    let down = wait_for_health(port, "web", "down");
    assert_eq!(down["mode"], "healthy");
    assert!(down["health_since"].as_f64().unwrap() > up["health_since"].as_f64().unwrap());
    let web_line = watch.wait_for_line(TIMEOUT, &row("web", "down"));
    assert!(web_line.contains("healthy"), "{web_line}");

    // It comes back on the same port: up again.
    web.restart();
    wait_for_health(port, "web", "up");
    watch.wait_for_line(TIMEOUT, &row("web", "up"));
    watch.signal(rustix::process::Signal::INT);
    assert!(watch.wait(TIMEOUT).success());

    // Every change was logged, in order, each once.
    let changes: Vec<String> = engine
        .events()
        .iter()
        .filter(|e| e["target"] == "web" && e["health"].is_string())
        .map(|e| e["health"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        changes,
        ["up", "degraded", "down", "degraded", "up"],
        "{changes:?}"
    );
}
