//! The dashboard's health badge and card layout in headless Chromium,
//! against the real engine: a target whose port refuses reads `down` and a
//! live `chaos-target` reads `up` (each apart from the state file's mode,
//! `healthy` for both); the two cards share the page's width; the long
//! skip message of the refused probe wraps inside its card and is whole in
//! its tooltip.
//!
//! Without a `chromium` binary the test prints a notice and passes, unless
//! `CHAOS_REQUIRE_CHROMIUM=1` (set by `.ci/run`), where it fails.

use std::time::Duration;

use crate::devtools::Browser;
use crate::helpers::{start_with_api, wait_until, Workspace};
use crate::http;
use crate::report_browser::chromium;
use crate::target_harness::{unused_port, LoneService};

const TIMEOUT: Duration = Duration::from_secs(60);

/// `web` probes a live service; `db` probes a port that refuses and runs
/// its first cycle at once (skipped: unhealthy); nothing is injected.
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
    startup_wait: 0s
    probe: { url: 'http://127.0.0.1:{db}/orders/a_long_path_that_makes_the_skip_message_longer_than_its_column_and_does_not_break_anywhere', period: 0.2s, timeout: 5s }
";

/// `document.querySelector` of one target's card (and more).
fn on_card(name: &str, rest: &str) -> String {
    format!("document.querySelector('.card[data-target={name}] {rest}')")
}

#[test]
fn the_health_badge_says_down_for_a_refusing_port_and_up_for_a_live_service() {
    let Some(binary) = chromium("the dashboard's health badge") else {
        return;
    };
    let ws = Workspace::new();
    let web = LoneService::start("web", &ws.path("web.json"));
    let targets = ws.targets(
        &TARGETS
            .replace("{web}", &web.port.to_string())
            .replace("{db}", &unused_port().to_string()),
    );
    let (_engine, port) = start_with_api(&["--targets", targets.to_str().unwrap()], &[]);
    wait_until(TIMEOUT, "db's skipped cycle on /status", || {
        let status = http::get(port, "/status", TIMEOUT).unwrap().json();
        status["targets"]
            .as_array()
            .is_some_and(|t| t.iter().any(|t| t["last_skip"].is_object()))
    });

    let mut browser = Browser::launch(&binary);
    let mut page = browser.page();
    page.navigate(&format!("http://127.0.0.1:{port}/"));
    for (name, health) in [("db", "down"), ("web", "up")] {
        let badge = on_card(name, "[data-field=health]");
        page.wait_for(
            &format!("{name}'s health badge to say {health}"),
            &format!("{badge} && {badge}.textContent === {health:?}"),
            "document.getElementById('targets').innerText",
        );
        let class = page.evaluate(&format!("{badge}.className"));
        assert_eq!(class, format!("badge health {health}"));
        // The fault is another badge: no failure on either.
        let mode = page.evaluate(&format!(
            "{}.textContent",
            on_card(name, "[data-field=mode]")
        ));
        assert_eq!(mode, "healthy");
    }
    let detail = page.evaluate(&format!(
        "{}.textContent",
        on_card("db", "[data-field=health-detail]")
    ));
    let detail = detail.as_str().unwrap();
    assert!(
        detail.starts_with("down for ") && detail.contains("connection refused (target down)"),
        "{detail}"
    );
    assert!(page
        .evaluate(&format!(
            "{}.classList.contains('service-down')",
            on_card("db", "")
        ))
        .as_bool()
        .unwrap());

    // Layout: the two cards fill the row (no empty columns beside them).
    let filled = page.evaluate(
        "(() => { const row = document.getElementById('targets').getBoundingClientRect(); \
         const cards = [...document.querySelectorAll('.card')].map((c) => c.getBoundingClientRect()); \
         return Math.max(...cards.map((c) => c.right)) - Math.min(...cards.map((c) => c.left)) \
           >= row.width * 0.95; })()",
    );
    assert_eq!(filled, true, "the cards use the page's width");
    // The long skip message stays inside its card, cut or wrapped, and is
    // whole in its tooltip.
    let skip = on_card("db", "[data-field=skip]");
    page.wait_for(
        "db's skip message",
        &format!("{skip}.textContent.includes('a_long_path')"),
        "document.getElementById('targets').innerText",
    );
    let inside = page.evaluate(&format!(
        "(() => {{ const s = {skip}; const card = s.closest('.card').getBoundingClientRect(); \
         const box = s.getBoundingClientRect(); \
         return box.right <= card.right && s.scrollWidth <= s.clientWidth && s.title === s.textContent; }})()"
    ));
    assert_eq!(inside, true, "the skip message overflows its card");

    assert!(
        page.exceptions.is_empty(),
        "the page threw: {:?}",
        page.exceptions
    );
}
