//! `chaos-engine demo`: chaos a newcomer can watch. Two reference targets
//! (this executable's hidden `demo-target`) on free loopback ports, the
//! engine (`run`, a child process too) on them with a compressed clock,
//! steady traffic to both, and a live view of what the engine says and
//! what the requests get. The demo is the targets' restart policy: a
//! target that exits (a crash) is started again on its port. It stops
//! after `--duration` or on Ctrl-C (SIGINT), SIGTERM or SIGHUP (the
//! terminal closed), all three alike: it stops the engine (which writes the
//! targets healthy) and the targets, restarted ones included, writes the
//! HTML report of the run and removes its temporary directory.
//!
//! - [`process`]: the child processes.
//! - [`setup`]: the targets file and how each child is started.
//! - [`traffic`]: the requests and what they get.
//! - [`view`]: the live view and the event lines.

pub mod process;
pub mod setup;
pub mod traffic;
pub mod view;

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::signal::unix::{signal, SignalKind};

use crate::output_file::write_whole;
use crate::report::{self, stats::Table, zone::ReportZone};
use process::ChildProcess;
use traffic::TrafficLog;
use view::{Events, View};

/// The default seed: every failure mode within about 10 s (see
/// [`setup::targets_file`]).
pub const DEFAULT_SEED: u64 = 40;

/// What a demo run is asked for (the command line's `demo` flags).
#[derive(Debug, Clone)]
pub struct DemoSettings {
    /// How long the demo runs before it stops by itself.
    pub duration: Duration,
    /// Where the HTML report of the run is written (replaced whole).
    pub report: PathBuf,
    /// Seeds the engine's picks.
    pub seed: u64,
}

/// Time between two requests to one target.
const REQUEST_EVERY: Duration = Duration::from_millis(300);

/// Time between two looks at the engine's `/status` and the processes.
const TICK: Duration = Duration::from_millis(250);

/// How long a target that exited stays down before the demo starts it
/// again.
const RESTART_AFTER: Duration = Duration::from_secs(1);

/// How long the engine and the targets get to exit after SIGTERM.
const STOP_GRACE: Duration = Duration::from_secs(10);

/// One demo target: its process, port, restarts and traffic.
pub struct DemoTarget {
    /// Its name, in the engine's configuration too.
    pub name: &'static str,
    /// What its traffic asks for.
    pub path: &'static str,
    /// Its port (kept across restarts).
    pub port: u16,
    /// The running process.
    pub process: ChildProcess,
    /// How many times the demo started it again.
    pub restarts: u32,
    /// Since when it is down (exited, not yet started again).
    pub down_since: Option<Instant>,
    /// What its requests got.
    pub traffic: Rc<RefCell<TrafficLog>>,
}

/// Runs the demo; why it failed, for the command to print. What it did
/// (and that the report was written) goes to standard output as it
/// happens.
pub fn run(settings: &DemoSettings) -> Result<(), String> {
    let executable = std::env::current_exe()
        .map_err(|err| format!("cannot find the running executable: {err}"))?;
    let dir = tempfile::Builder::new()
        .prefix("chaos-demo-")
        .tempdir()
        .map_err(|err| format!("cannot create a temporary directory: {err}"))?;
    let shown_dir = dir.path().display().to_string();
    let system = actix_rt::System::new();
    let outcome = system.block_on(run_in(settings, &executable, dir.path()));
    let removed = dir.close();
    let events = Events::started_now();
    match removed {
        Ok(()) => events.plain(&format!("removed {shown_dir}")),
        Err(err) => events.plain(&format!("could not remove {shown_dir}: {err}")),
    }
    let report = outcome?;
    events.plain(&format!("report written to {}", report.display()));
    Ok(())
}

/// Everything between the temporary directory's creation and removal;
/// the report's path, or why the demo failed.
async fn run_in(
    settings: &DemoSettings,
    executable: &PathBuf,
    dir: &Path,
) -> Result<PathBuf, String> {
    let signal_error = |err: std::io::Error| format!("cannot handle signals: {err}");
    let mut interrupt = signal(SignalKind::interrupt()).map_err(signal_error)?;
    let mut terminate = signal(SignalKind::terminate()).map_err(signal_error)?;
    // Closing the terminal sends SIGHUP: the same clean end as Ctrl-C, not
    // the default of dying on the spot with the children left running.
    let mut hangup = signal(SignalKind::hangup()).map_err(signal_error)?;
    let mut view = View::new(settings, dir);

    let mut targets = Vec::new();
    for (name, path) in setup::TARGETS {
        let mut process = setup::start_target(executable, dir, name, 0)
            .map_err(|err| format!("cannot start target {name}: {err}"))?;
        let port = setup::port_of(&mut process, &format!("target {name}")).await?;
        view.events.say(
            name,
            &format!(
                "started (pid {}) on http://127.0.0.1:{port}{path}",
                process.pid()
            ),
        );
        targets.push(DemoTarget {
            name,
            path,
            port,
            process,
            restarts: 0,
            down_since: None,
            traffic: Rc::default(),
        });
    }

    let ports: Vec<u16> = targets.iter().map(|t| t.port).collect();
    let targets_file = dir.join("targets.yaml");
    std::fs::write(&targets_file, setup::targets_file(dir, &ports))
        .map_err(|err| format!("{}: {err}", targets_file.display()))?;
    let journal = dir.join("journal.jsonl");
    let mut engine = setup::start_engine(executable, &targets_file, &journal, settings.seed)
        .map_err(|err| format!("cannot start the engine: {err}"))?;
    let api = setup::port_of(&mut engine, "the engine").await?;
    view.events.say(
        "engine",
        &format!(
            "started (pid {}), seed {}, API on http://127.0.0.1:{api}/status",
            engine.pid(),
            settings.seed
        ),
    );

    let running = Rc::new(std::cell::Cell::new(true));
    let status: Rc<RefCell<Option<Value>>> = Rc::default();
    actix_rt::spawn(poll_status(api, Rc::clone(&status), Rc::clone(&running)));
    for target in &targets {
        let url = format!("http://127.0.0.1:{}{}", target.port, target.path);
        actix_rt::spawn(send_traffic(
            url,
            Rc::clone(&target.traffic),
            view.events.clone(),
            target.name,
            Rc::clone(&running),
        ));
    }

    let deadline = Instant::now() + settings.duration;
    let stopped_by = loop {
        tokio::select! {
            _ = actix_rt::time::sleep(TICK) => {}
            _ = interrupt.recv() => break "Ctrl-C",
            _ = terminate.recv() => break "SIGTERM",
            _ = hangup.recv() => break "SIGHUP",
        }
        if Instant::now() >= deadline {
            break "the end of --duration";
        }
        if let Some(status) = engine.exited() {
            running.set(false);
            return Err(format!(
                "the engine exited ({status}); its last output:\n{}",
                engine.last_lines().join("\n")
            ));
        }
        for target in &mut targets {
            restart_if_exited(executable, dir, target, &view.events);
        }
        let latest = status.borrow().clone();
        view.update(latest.as_ref(), &mut targets);
    };
    running.set(false);
    view.finish(stopped_by, &targets);

    match engine.stop(STOP_GRACE) {
        Some(status) => view.events.say(
            "engine",
            &format!("stopped ({status}); state files healthy"),
        ),
        None => view.events.say("engine", "could not be stopped"),
    }
    let report = write_report(&journal, &settings.report, settings.seed);
    for target in &mut targets {
        target.process.stop(STOP_GRACE);
        view.events.say(target.name, "stopped");
    }
    view.totals(&targets);
    report
        .map(|()| std::path::absolute(&settings.report).unwrap_or_else(|_| settings.report.clone()))
}

/// The demo as the targets' restart policy: a target that exited (a
/// crash) starts again on its port [`RESTART_AFTER`] later, so its traffic
/// sees it down, as it would under a real supervisor.
fn restart_if_exited(executable: &PathBuf, dir: &Path, target: &mut DemoTarget, events: &Events) {
    match target.down_since {
        None => {
            if let Some(status) = target.process.exited() {
                target.down_since = Some(Instant::now());
                events.say(
                    target.name,
                    &format!(
                        "exited ({status}); restarting in {}s",
                        RESTART_AFTER.as_secs()
                    ),
                );
            }
        }
        Some(since) if since.elapsed() >= RESTART_AFTER => {
            match setup::start_target(executable, dir, target.name, target.port) {
                Ok(process) => {
                    target.restarts += 1;
                    target.down_since = None;
                    events.say(
                        target.name,
                        &format!(
                            "restarted (pid {}, restart {})",
                            process.pid(),
                            target.restarts
                        ),
                    );
                    target.process = process;
                }
                Err(err) => {
                    // Tried again after another RESTART_AFTER.
                    target.down_since = Some(Instant::now());
                    events.say(target.name, &format!("could not restart it: {err}"));
                }
            }
        }
        Some(_) => {}
    }
}

/// Reads the engine's `GET /status` every [`TICK`] while the demo runs.
async fn poll_status(
    port: u16,
    latest: Rc<RefCell<Option<Value>>>,
    running: Rc<std::cell::Cell<bool>>,
) {
    let client = awc::Client::builder()
        .timeout(Duration::from_secs(2))
        .finish();
    let url = format!("http://127.0.0.1:{port}/status");
    while running.get() {
        if let Ok(mut response) = client.get(url.as_str()).send().await {
            if let Ok(body) = response.json::<Value>().limit(4 * 1024 * 1024).await {
                *latest.borrow_mut() = Some(body);
            }
        }
        actix_rt::time::sleep(TICK).await;
    }
}

/// One request every [`REQUEST_EVERY`], each in its own task, while the
/// demo runs; a change in what the requests get is an event.
async fn send_traffic(
    url: String,
    log: Rc<RefCell<TrafficLog>>,
    events: Events,
    name: &'static str,
    running: Rc<std::cell::Cell<bool>>,
) {
    let client = Rc::new(awc::Client::builder().disable_redirects().finish());
    while running.get() {
        let (client, url, log, events, running) = (
            Rc::clone(&client),
            url.clone(),
            Rc::clone(&log),
            events.clone(),
            Rc::clone(&running),
        );
        actix_rt::spawn(async move {
            let (answer, latency) = traffic::request(&client, &url).await;
            if !running.get() {
                return;
            }
            let changed = log.borrow_mut().record(answer, latency);
            if let Some((condition, before)) = changed {
                events.say(name, &condition.describe(before, latency));
            }
        });
        actix_rt::time::sleep(REQUEST_EVERY).await;
    }
}

/// Writes the HTML report of the run's journal to `out`, times in the
/// local zone.
fn write_report(journal: &Path, out: &Path, seed: u64) -> Result<(), String> {
    let summary = report::load(journal).map_err(|err| format!("cannot read the journal: {err}"))?;
    let table = Table::from_summary(&summary);
    // The person watching reads clock times in their own zone; UTC when
    // this machine's zone cannot be found.
    let zone = ReportZone::parse("local").unwrap_or_else(|_| ReportZone::utc());
    let page = report::html::render(
        &format!("chaos-engine demo, seed {seed}"),
        &summary,
        &table,
        &zone,
        None,
    );
    write_whole(out, page.as_bytes())
        .map_err(|err| format!("{}: cannot write the report: {err}", out.display()))
}
