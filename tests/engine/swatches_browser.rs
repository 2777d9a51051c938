//! Scenario swatches and the dashboard's scenario picker in headless
//! Chromium, against the real engine: six custom scenarios on two
//! state-file targets are injected by picking them from each target's own
//! list, and the dashboard's timeline and the HTML report of the run's
//! journal both draw them with six distinct fills, the same fill for each
//! scenario in both. On a non-loopback address without a token the page
//! says up front that the controls are disabled and how to enable them.
//!
//! Without a `chromium` binary the tests print a notice and pass, unless
//! `CHAOS_REQUIRE_CHROMIUM=1` (set by `.ci/run`), where they fail.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use serde_json::Value;

use crate::devtools::{Browser, Page};
use crate::helpers::{read_state, run_once, wait_until, Engine, Workspace};
use crate::http;
use crate::report_browser::chromium;

const TOKEN: &str = "pick3r";

/// True once the page (not the blank tab before it) has filled the picker
/// with a target's three scenarios.
const PICKER_FILLED: &str = "(() => { const p = document.getElementById('inject-scenario'); \
                             return p !== null && p.options.length === 3; })()";
const TIMEOUT: Duration = Duration::from_secs(60);

/// Two targets with three custom scenarios each; nothing scheduled for
/// ten minutes, so every failure is one the test picked.
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
    scenarios:
      - { name: PAUSE, mode: pause, weight: 1 }
      - { name: PARTITION, mode: network_partition, weight: 1 }
      - { name: DISK_FULL, mode: disk_full, weight: 1 }
  - name: db
    state_file: '{dir}/db.json'
    scenarios:
      - { name: LOCK_TIMEOUT, mode: lock_timeout, weight: 1 }
      - { name: MEMORY_LEAK, mode: memory_leak, weight: 1, delay: { min: 3, max: 9 } }
      - { name: CLOCK_SKEW, mode: clock_skew, weight: 1 }
";

/// Each target's scenarios as the picker labels them, in configured order.
const OFFERED: [(&str, &str); 2] = [
    (
        "web",
        "PAUSE (pause), PARTITION (network_partition), DISK_FULL (disk_full)",
    ),
    (
        "db",
        "LOCK_TIMEOUT (lock_timeout), MEMORY_LEAK (memory_leak, delay 3–9 s), CLOCK_SKEW (clock_skew)",
    ),
];

/// The `/status` entry of `name`.
fn target(port: u16, name: &str) -> Value {
    let response = http::get(port, "/status", TIMEOUT).unwrap();
    assert_eq!(response.status, 200, "{}", response.body);
    response.json()["targets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == name)
        .cloned()
        .unwrap_or_else(|| panic!("{name} in /status"))
}

/// Chooses `target` and `scenario` in the inject form, clicks Inject and
/// waits for the page's answer.
fn pick_and_inject(page: &mut Page, target: &str, scenario: &str) -> String {
    page.evaluate(&format!(
        "(() => {{ const t = document.getElementById('inject-target'); t.value = {target:?}; \
         t.dispatchEvent(new Event('change')); }})()"
    ));
    let offered = page.evaluate(
        "[...document.getElementById('inject-scenario').options].map((o) => o.textContent).join(', ')",
    );
    let expected = OFFERED.iter().find(|(t, _)| *t == target).unwrap().1;
    assert_eq!(offered, expected, "{target}'s own scenarios are offered");
    page.evaluate(&format!(
        "document.getElementById('inject-scenario').value = {scenario:?}; \
         document.getElementById('answer').textContent = ''; \
         document.getElementById('inject-button').click()"
    ));
    let answer = page.wait_for(
        &format!("the answer to injecting {scenario}"),
        "(() => { const a = document.getElementById('answer'); \
         return a.className !== 'answer ' && a.textContent.includes(':') ? a.textContent : null; })()",
        "document.getElementById('answer').outerHTML",
    );
    answer.as_str().unwrap_or_default().to_owned()
}

/// Each failure bar's scenario and fill, as drawn by the page in `root`
/// (a selector), with every pattern a fill refers to checked to exist.
fn drawn_fills(page: &mut Page, bars: &str) -> BTreeMap<String, String> {
    let found = page.evaluate(&format!(
        "JSON.stringify([...document.querySelectorAll({bars:?})].map((r) => {{ \
           const fill = r.getAttribute('fill'); \
           const id = /^url\\(#(.+)\\)$/.exec(fill); \
           const defined = !id || (document.getElementById(id[1]) || {{}}).tagName === 'pattern'; \
           return [r.dataset.scenario, fill, defined]; }}))"
    ));
    let rows: Vec<(String, String, bool)> = serde_json::from_str(found.as_str().unwrap()).unwrap();
    let mut fills = BTreeMap::new();
    for (scenario, fill, defined) in rows {
        assert!(
            defined,
            "{scenario}'s fill {fill} refers to a pattern the page defines"
        );
        let previous = fills.insert(scenario.clone(), fill.clone());
        assert!(
            previous.is_none() || previous.as_deref() == Some(fill.as_str()),
            "{scenario} drawn in two fills"
        );
    }
    fills
}

#[test]
fn six_scenarios_picked_on_the_dashboard_get_six_swatches_there_and_in_the_report() {
    let Some(binary) = chromium("scenario swatches in a browser") else {
        return;
    };
    let ws = Workspace::new();
    let targets = ws.targets(TARGETS);
    let journal = ws.path("journal.jsonl");
    let mut engine = Engine::start(
        &[
            "--http",
            "127.0.0.1:0",
            "--targets",
            targets.to_str().unwrap(),
            "--journal",
            journal.to_str().unwrap(),
        ],
        &[("CHAOS_API_TOKEN", TOKEN)],
    );
    let port = engine.api_port();
    wait_until(TIMEOUT, "both targets on the board", || {
        ["web", "db"].iter().all(|name| {
            http::get(port, "/status", TIMEOUT)
                .unwrap()
                .body
                .contains(name)
        })
    });
    let mut browser = Browser::launch(&binary);
    let mut page = browser.page();
    page.navigate(&format!("http://127.0.0.1:{port}/"));
    page.wait_for(
        "the picker filled with the first target's scenarios",
        PICKER_FILLED,
        "document.getElementById('controls').innerHTML",
    );
    page.evaluate(&format!(
        "(() => {{ const t = document.getElementById('token'); t.value = {TOKEN:?}; \
         t.dispatchEvent(new Event('input')); }})()"
    ));

    // Each scenario, picked from its target's list, is injected: the
    // state file and /status say so. Then it is cleared for the next one.
    let picks = [
        ("db", "CLOCK_SKEW", "clock_skew"),
        ("web", "PAUSE", "pause"),
        ("web", "DISK_FULL", "disk_full"),
        ("db", "LOCK_TIMEOUT", "lock_timeout"),
        ("web", "PARTITION", "network_partition"),
        ("db", "MEMORY_LEAK", "memory_leak"),
    ];
    for (name, scenario, mode) in picks {
        let answer = pick_and_inject(&mut page, name, scenario);
        assert!(
            answer.contains(&format!("injected {scenario} ({mode}) into {name}")),
            "{answer}"
        );
        let state = read_state(&ws.path(&format!("{name}.json"))).unwrap();
        assert_eq!(
            (state["mode"].as_str(), state["scenario"].as_str()),
            (Some(mode), Some(scenario)),
            "{state}"
        );
        assert_eq!(target(port, name)["failure"]["scenario"], scenario);
        let cleared = http::post_json_with(
            port,
            &format!("/clear?target={name}"),
            "",
            Some(TOKEN),
            TIMEOUT,
        )
        .unwrap();
        assert_eq!(cleared.status, 200, "{}", cleared.body);
    }
    let delay = journal_delay(&journal, "MEMORY_LEAK");
    assert!(
        (3..=9).contains(&delay),
        "the scenario drew its own delay: {delay}"
    );

    // The dashboard draws six bars in six distinct fills, each the one
    // /timeline assigns to its scenario.
    page.wait_for(
        "six ended bars on the timeline",
        "document.querySelectorAll('#timeline rect.ended').length === 6",
        "document.getElementById('timeline').innerHTML",
    );
    let dashboard = drawn_fills(&mut page, "#timeline rect.failure");
    assert_eq!(dashboard.len(), 6, "{dashboard:?}");
    let distinct: BTreeSet<&String> = dashboard.values().collect();
    assert_eq!(distinct.len(), 6, "six distinct fills: {dashboard:?}");
    assert!(
        distinct.iter().any(|fill| fill.starts_with("url(#")),
        "beyond the four free colours, patterns: {dashboard:?}"
    );
    let timeline = http::get(port, "/timeline", TIMEOUT).unwrap().json();
    let assigned: BTreeMap<String, String> = timeline["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["scenario"].as_str().unwrap().to_owned(),
                s["fill"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    for (scenario, fill) in &dashboard {
        assert_eq!(assigned.get(scenario), Some(fill), "{scenario}");
    }
    // Configured order, not the order the picks came in.
    assert_eq!(assigned["PAUSE"], "#e69f00");
    assert_eq!(assigned["CLOCK_SKEW"], "url(#chaos-swatch-56b4e9-dots)");
    // The legend shows the same swatches.
    let legend_fills = page.evaluate(
        "JSON.stringify(Object.fromEntries([...document.querySelectorAll('#legend .swatch')]\
         .map((s) => [s.dataset.scenario, s.querySelector('rect').getAttribute('fill')])))",
    );
    let legend_fills: BTreeMap<String, String> =
        serde_json::from_str(legend_fills.as_str().unwrap()).unwrap();
    assert_eq!(
        legend_fills, dashboard,
        "the legend's samples match the bars"
    );
    assert!(
        page.exceptions.is_empty(),
        "the page threw: {:?}",
        page.exceptions
    );

    // The report of the run's journal, in the same browser: the same six
    // fills for the same scenarios.
    engine.terminate();
    let report = ws.path("report.html");
    let output = run_once(
        &[
            "report",
            "--journal",
            journal.to_str().unwrap(),
            "--format",
            "html",
            "--out",
            report.to_str().unwrap(),
        ],
        &[],
    );
    assert!(output.status.success(), "{output:?}");
    page.navigate(&format!("file://{}", report.display()));
    page.wait_for(
        "the report's bars",
        "document.querySelectorAll('rect.failure').length === 6",
        "document.body.innerHTML.slice(0, 2000)",
    );
    let reported = drawn_fills(&mut page, "rect.failure");
    assert_eq!(reported, dashboard, "the report draws as the dashboard did");
    drop(browser);
}

/// The delay the journal's `injected` line of `scenario` records.
fn journal_delay(journal: &std::path::Path, scenario: &str) -> u64 {
    crate::helpers::journal_events(journal, "injected")
        .iter()
        .find(|e| e["scenario"] == scenario)
        .and_then(|e| e["delay"].as_u64())
        .unwrap_or_else(|| panic!("{scenario}'s injection in the journal"))
}

#[test]
fn without_a_token_off_loopback_the_dashboard_says_how_to_enable_the_controls() {
    let Some(binary) = chromium("the disabled-controls note in a browser") else {
        return;
    };
    let ws = Workspace::new();
    let targets = ws.targets(TARGETS);
    let engine = Engine::start(
        &[
            "--http",
            "0.0.0.0:0",
            "--targets",
            targets.to_str().unwrap(),
        ],
        &[],
    );
    let port = engine.api_port();
    let mut browser = Browser::launch(&binary);
    let mut page = browser.page();
    page.navigate(&format!("http://127.0.0.1:{port}/"));
    let note = page.wait_for(
        "the note about the disabled controls",
        "(() => { const n = document.getElementById('control-note'); \
         return n && !n.hidden ? n.textContent : null; })()",
        "document.getElementById('controls').innerHTML",
    );
    let note = note.as_str().unwrap();
    assert!(
        note.starts_with("Controls are disabled") && note.contains("CHAOS_API_TOKEN="),
        "{note}"
    );
    // A click still answers, with the engine's own explanation.
    page.wait_for(
        "the picker filled",
        PICKER_FILLED,
        "document.getElementById('controls').innerHTML",
    );
    let answer = pick_and_inject(&mut page, "db", "LOCK_TIMEOUT");
    assert!(
        answer.contains("HTTP 403") && answer.contains("Set CHAOS_API_TOKEN"),
        "{answer}"
    );
    assert_eq!(read_state(&ws.path("db.json")).unwrap()["mode"], "healthy");
}
