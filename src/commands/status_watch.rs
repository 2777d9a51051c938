//! `chaos-engine status --watch`: the live view of every target, once a
//! second until Ctrl-C. With `--http ADDR` (or `CHAOS_HTTP_ADDR`) it reads
//! the running engine's `GET /status` (the service's health, state, active
//! failure and its countdown, next injection, last outcome); otherwise it
//! reads the state files and probes as `status` does, keeping each
//! target's recent probe answers from one look to the next. Redrawn in place on a terminal; otherwise one
//! line per target when what it shows changes.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use serde_json::Value;
use tokio::signal::unix::{signal, SignalKind};

use super::service_health::{self, Windows};
use crate::cli::{StatusArgs, EXIT_FAILURE};
use crate::clock::{Clock as _, SystemClock};
use crate::config::{SettingId, Settings};
use crate::live::board::lines_from_status;
use crate::live::Screen;

/// Time between two looks.
const REFRESH: Duration = Duration::from_secs(1);

/// How long one `GET /status` may take.
const API_TIMEOUT: Duration = Duration::from_secs(2);

/// What is watched.
enum Watched {
    /// The engine's API at this address.
    Api(SocketAddr),
    /// The configured targets' state files (boxed: the settings are large).
    Files(Box<Settings>),
}

/// One target at one look.
struct Row {
    /// The target's name.
    name: String,
    /// What a plain-line view reports a change of.
    key: String,
    /// The line shown.
    line: String,
}

/// One look: a row per target, or why nothing could be read.
type Look = Result<Vec<Row>, String>;

/// Watches until Ctrl-C or SIGTERM (exit 0).
pub fn execute(args: &StatusArgs) -> ExitCode {
    let watched = match super::healthcheck::api_address(args.config.values()) {
        Ok(Some(addr)) => Watched::Api(addr),
        Ok(None) => {
            let config = args.config.without(SettingId::Http);
            match super::load_settings_without_selector(&config, super::Access::ReadsOnly) {
                Ok(settings) => Watched::Files(Box::new(settings)),
                Err(code) => return code,
            }
        }
        Err(message) => return super::usage_error(&message),
    };
    actix_rt::System::new().block_on(watch(watched))
}

async fn watch(watched: Watched) -> ExitCode {
    let signal_error = |err: std::io::Error| {
        eprintln!("error: cannot handle signals: {err}");
        ExitCode::from(EXIT_FAILURE)
    };
    let mut interrupt = match signal(SignalKind::interrupt()) {
        Ok(stream) => stream,
        Err(err) => return signal_error(err),
    };
    let mut terminate = match signal(SignalKind::terminate()) {
        Ok(stream) => stream,
        Err(err) => return signal_error(err),
    };
    let client = awc::Client::builder().timeout(API_TIMEOUT).finish();
    let (title, what) = match &watched {
        Watched::Api(addr) => (
            format!("chaos-engine status --watch: the engine at http://{addr}"),
            format!("the engine at http://{addr}"),
        ),
        Watched::Files(_) => (
            "chaos-engine status --watch: the state files".to_owned(),
            "the state files".to_owned(),
        ),
    };
    let mut screen = Screen::stdout();
    let mut shown: BTreeMap<String, String> = BTreeMap::new();
    let mut failing: Option<String> = None;
    let mut windows = Windows::new();
    if !screen.is_terminal() {
        screen.line(&format!("{title} (Ctrl-C stops)"));
    }
    loop {
        let look = match &watched {
            Watched::Api(addr) => look_at_api(&client, *addr).await,
            Watched::Files(settings) => Ok(look_at_files(settings, &mut windows).await),
        };
        match look {
            Ok(lines) => {
                if failing.take().is_some() && !screen.is_terminal() {
                    screen.line(&format!("{what} answers again"));
                }
                if screen.is_terminal() {
                    let mut block = vec![format!("{title} · Ctrl-C stops"), String::new()];
                    block.extend(lines.iter().map(|row| row.line.clone()));
                    screen.redraw(&block);
                } else {
                    for row in lines {
                        if shown.get(&row.name) != Some(&row.key) {
                            screen.line(&row.line);
                            shown.insert(row.name, row.key);
                        }
                    }
                }
            }
            Err(why) => {
                let message = format!("{what} is not answering ({why}); trying again every second");
                if screen.is_terminal() {
                    screen.redraw(&[
                        format!("{title} · Ctrl-C stops"),
                        String::new(),
                        message.clone(),
                    ]);
                } else if failing.as_ref() != Some(&message) {
                    screen.line(&message);
                }
                failing = Some(message);
            }
        }
        tokio::select! {
            _ = actix_rt::time::sleep(REFRESH) => {}
            _ = interrupt.recv() => break,
            _ = terminate.recv() => break,
        }
    }
    screen.finish();
    ExitCode::SUCCESS
}

async fn look_at_api(client: &awc::Client, addr: SocketAddr) -> Look {
    let url = format!("http://{addr}/status");
    let mut response = client
        .get(url.as_str())
        .send()
        .await
        .map_err(|err| err.to_string())?;
    if !response.status().is_success() {
        return Err(format!("GET /status answered {}", response.status()));
    }
    let status: Value = response
        .json()
        .limit(4 * 1024 * 1024)
        .await
        .map_err(|err| format!("GET /status: {err}"))?;
    let lines = lines_from_status(&status, SystemClock.unix_now());
    let width = lines.iter().map(|l| l.name.len()).max().unwrap_or(0);
    Ok(lines
        .iter()
        .map(|line| Row {
            name: line.name.clone(),
            key: line.change_key(),
            line: line.render(width),
        })
        .collect())
}

async fn look_at_files(settings: &Settings, windows: &mut Windows) -> Vec<Row> {
    let healths = service_health::look(&settings.targets, windows).await;
    let now = SystemClock.unix_now();
    let recorder = super::no_recorder();
    settings
        .targets
        .iter()
        .zip(healths)
        .map(|(target, health)| {
            let context = super::one_shot_context(settings, target, &recorder);
            let look = crate::registry::one_shot(target).look(&context, now);
            Row {
                name: target.name.clone(),
                key: format!("{}|{}", look.change_key, health.health),
                line: look.line + &health.suffix(),
            }
        })
        .collect()
}
