//! The dashboard at `GET /` in headless Chromium, against the real engine:
//! it shows every target, follows an injection made through the API, and
//! its buttons are refused without the token and work with it (checked on
//! `/status`, not only on the page).
//!
//! Without a `chromium` binary the test prints a notice and passes, unless
//! `CHAOS_REQUIRE_CHROMIUM=1` (set by `.ci/run`), where it fails.

use std::time::Duration;

use serde_json::Value;

use crate::devtools::{Browser, Page};
use crate::helpers::{start_with_api, wait_until, Workspace};
use crate::http;
use crate::report_browser::chromium;

const TOKEN: &str = "s3cret";
const TIMEOUT: Duration = Duration::from_secs(60);

/// Three targets; nothing scheduled for ten minutes, so every failure is ours.
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
  - name: orders
    state_file: '{dir}/orders.json'
  - name: db
    state_file: '{dir}/db.json'
";

fn status(port: u16) -> Value {
    let response = http::get(port, "/status", TIMEOUT).unwrap();
    assert_eq!(response.status, 200, "{}", response.body);
    response.json()
}

/// The `/status` entry of `name`.
fn target(port: u16, name: &str) -> Value {
    status(port)["targets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == name)
        .cloned()
        .unwrap_or_else(|| panic!("{name} in /status"))
}

/// What the page's answer region says, and how (`ok` or `error`).
const ANSWER: &str = "document.getElementById('answer').className + ': ' + \
                      document.getElementById('answer').textContent";

/// Clicks the element `selector` and waits until the answer region shows
/// a new answer of class `kind` containing `expected`.
fn click_and_read_answer(page: &mut Page, selector: &str, kind: &str, expected: &str) -> String {
    page.evaluate("document.getElementById('answer').textContent = ''");
    page.evaluate(&format!("document.querySelector({selector:?}).click()"));
    let wanted = format!("answer {kind}");
    let shown = page.wait_for(
        &format!("the answer to {selector}"),
        &format!(
            "(() => {{ const a = document.getElementById('answer'); \
             return a.className === {wanted:?} && a.textContent.includes({expected:?}) \
             ? a.textContent : null; }})()"
        ),
        ANSWER,
    );
    shown.as_str().unwrap_or_default().to_owned()
}

/// A field of a target's card, as shown.
fn card_field(page: &mut Page, name: &str, field: &str) -> String {
    page.evaluate(&format!(
        "document.querySelector('.card[data-target={name}] [data-field={field}]').textContent"
    ))
    .as_str()
    .unwrap_or_default()
    .to_owned()
}

#[test]
fn the_dashboard_follows_the_engine_and_its_buttons_need_the_token() {
    let Some(binary) = chromium("the dashboard in a browser") else {
        return;
    };
    let ws = Workspace::new();
    let targets = ws.targets(TARGETS);
    let (_engine, port) = start_with_api(
        &["--targets", targets.to_str().unwrap()],
        &[("CHAOS_API_TOKEN", TOKEN)],
    );
    wait_until(TIMEOUT, "every target on the board", || {
        status(port)["targets"].as_array().map(Vec::len) == Some(3)
    });
    let mut browser = Browser::launch(&binary);
    let mut page = browser.page();
    let url = format!("http://127.0.0.1:{port}/");
    page.navigate(&url);

    // Every target, in name order, with its state and next injection.
    let names = page.wait_for(
        "a card per target",
        "(() => { const c = [...document.querySelectorAll('.card')]; \
         return c.length === 3 ? c.map((e) => e.dataset.target).join(',') : null; })()",
        "document.body.innerText",
    );
    assert_eq!(names, "db,orders,web");
    for name in ["db", "orders", "web"] {
        assert_eq!(card_field(&mut page, name, "mode"), "healthy");
        assert_eq!(card_field(&mut page, name, "failure"), "none");
    }
    let raw_status = http::get(port, "/status", TIMEOUT).unwrap().body;
    let seed = raw_status
        .split("\"seed\":")
        .nth(1)
        .and_then(|rest| rest.split(',').next())
        .unwrap()
        .to_owned();
    let run = page.evaluate("document.getElementById('run').textContent");
    assert!(
        run.as_str().unwrap().contains(&format!("seed {seed}")),
        "the whole 64-bit seed is shown: {run}"
    );
    page.wait_for(
        "the next injection's countdown",
        "document.querySelector('.card[data-target=web] [data-field=next]').textContent.startsWith('in ')",
        "document.querySelector('.card[data-target=web]').innerText",
    );

    // An injection through the API shows on the page: card and timeline.
    let injected = http::post_json_with(
        port,
        "/inject",
        r#"{"target": "web", "mode": "slow", "delay": 7}"#,
        Some(TOKEN),
        TIMEOUT,
    )
    .unwrap();
    assert_eq!(injected.status, 200, "{}", injected.body);
    page.wait_for(
        "the failure on web's card",
        "(() => { const f = document.querySelector('.card[data-target=web] [data-field=failure]').textContent; \
         return f.includes('(slow, delay 7 s)') && /ends in \\d/.test(f); })()",
        "document.querySelector('.card[data-target=web]').innerText",
    );
    assert_eq!(card_field(&mut page, "web", "mode"), "slow");
    page.wait_for(
        "web's failure bar on the timeline",
        "document.querySelectorAll('.lane[data-target=web] rect.failure').length === 1",
        "document.getElementById('timeline').innerHTML",
    );
    // The bar has the colour the report gives its scenario, which the
    // timeline's event carries.
    let timeline = http::get(port, "/timeline", TIMEOUT).unwrap().json();
    let event = timeline["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "injected" && e["target"] == "web")
        .cloned()
        .unwrap_or_else(|| panic!("web's injection in {timeline}"));
    let colour = event["colour"].as_str().unwrap().to_owned();
    assert!(colour.starts_with('#') && colour.len() == 7, "{event}");
    assert_eq!(
        page.evaluate(
            "document.querySelector('.lane[data-target=web] rect.failure').getAttribute('fill')"
        ),
        colour.as_str()
    );

    // Without the token, the page says what is missing, pause is refused
    // and nothing is paused.
    assert_eq!(page.evaluate("document.getElementById('token').value"), "");
    assert_eq!(
        page.evaluate("document.getElementById('control-note').hidden ? '' : document.getElementById('control-note').textContent"),
        "Controls need the API token: type the engine's CHAOS_API_TOKEN above."
    );
    let refused = click_and_read_answer(&mut page, "#pause-all", "error", "HTTP 401");
    assert!(refused.contains("Authorization: Bearer"), "{refused}");
    let now = status(port);
    assert_eq!(now["paused"], false, "{now}");
    assert_eq!(
        target(port, "web")["mode"],
        "slow",
        "the failure is still on"
    );

    // With the token typed in, pause and resume work.
    page.evaluate(&format!(
        "(() => {{ const t = document.getElementById('token'); t.value = {TOKEN:?}; \
         t.dispatchEvent(new Event('input')); }})()"
    ));
    assert_eq!(
        page.evaluate("document.getElementById('control-note').hidden"),
        true,
        "the note goes once a token is typed"
    );
    let paused = click_and_read_answer(&mut page, "#pause-all", "ok", "paused db, orders, web");
    assert_eq!(paused, "Pause all: paused db, orders, web");
    let now = status(port);
    assert_eq!(now["paused"], true, "{now}");
    assert_eq!(target(port, "web")["mode"], "healthy", "a pause clears");
    page.wait_for(
        "the page to show the pause",
        "document.getElementById('run').textContent.includes('all paused') && \
         document.querySelector('.card[data-target=db] [data-field=paused]').textContent === 'schedule paused'",
        "document.body.innerText",
    );
    page.wait_for(
        "web's bar to end on the timeline",
        "document.querySelectorAll('.lane[data-target=web] rect.ended').length === 1",
        "document.getElementById('timeline').innerHTML",
    );
    click_and_read_answer(&mut page, "#resume-all", "ok", "resumed db, orders, web");
    assert_eq!(status(port)["paused"], false);

    // The token stays for this tab: a reload keeps it.
    page.navigate(&url);
    page.wait_for(
        "the reloaded page",
        "document.querySelectorAll('.card').length === 3",
        "document.body.innerText",
    );
    assert_eq!(
        page.evaluate("document.getElementById('token').value"),
        TOKEN
    );

    // Inject from the form (the target's own scenarios, here the default
    // catalogue), then clear that one target from its card.
    page.evaluate(
        "(() => { const t = document.getElementById('inject-target'); t.value = 'orders'; \
         t.dispatchEvent(new Event('change')); \
         document.getElementById('inject-scenario').value = 'CRASH'; })()",
    );
    let offered = page.evaluate(
        "[...document.getElementById('inject-scenario').options].map((o) => o.textContent).join(', ')",
    );
    assert_eq!(
        offered,
        "CRASH (crash), SLOWDOWN (slow, delay 10–30 s), CONFIG_ERROR (config_error)"
    );
    let answer = click_and_read_answer(&mut page, "#inject-button", "ok", "injected");
    assert!(
        answer.contains("injected CRASH (crash) into orders"),
        "{answer}"
    );
    assert_eq!(target(port, "orders")["failure"]["mode"], "crash");
    assert_eq!(target(port, "db")["mode"], "healthy");
    page.wait_for(
        "orders failing on its card",
        "document.querySelector('.card[data-target=orders]').classList.contains('failing')",
        "document.querySelector('.card[data-target=orders]').innerText",
    );
    click_and_read_answer(
        &mut page,
        ".card[data-target=orders] [data-action=clear]",
        "ok",
        "cleared orders",
    );
    let orders = target(port, "orders");
    assert!(
        orders["mode"] == "healthy" && orders["failure"].is_null(),
        "{orders}"
    );
    page.wait_for(
        "the outcome on orders' card",
        "document.querySelector('.card[data-target=orders] [data-field=outcome]').textContent.includes('ended by manual')",
        "document.querySelector('.card[data-target=orders]').innerText",
    );

    // One target's pause leaves the others running.
    click_and_read_answer(
        &mut page,
        ".card[data-target=db] [data-action=pause]",
        "ok",
        "paused db",
    );
    let paused: Vec<(String, bool)> = status(port)["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["name"].as_str().unwrap().to_owned(), t["paused"] == true))
        .collect();
    assert_eq!(
        paused,
        [
            ("db".to_owned(), true),
            ("orders".to_owned(), false),
            ("web".to_owned(), false)
        ]
    );

    // Clear all ends a failure injected elsewhere.
    let crash = http::post_json_with(
        port,
        "/inject",
        r#"{"target": "web", "mode": "crash"}"#,
        Some(TOKEN),
        TIMEOUT,
    )
    .unwrap();
    assert_eq!(crash.status, 200, "{}", crash.body);
    click_and_read_answer(&mut page, "#clear-all", "ok", "cleared");
    assert_eq!(target(port, "web")["mode"], "healthy");

    assert!(
        page.exceptions.is_empty(),
        "the page threw: {:?}",
        page.exceptions
    );
}
