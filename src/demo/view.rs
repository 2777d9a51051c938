//! What the demo shows: event lines (a failure injected, what requests
//! now get, a crash and restart, a failure's end) and, on a terminal, a
//! block redrawn in place below them with each target's state and
//! traffic; otherwise a summary line per target every few seconds.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::Path;
use std::rc::Rc;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::{DemoSettings, DemoTarget};
use crate::clock::{Clock as _, SystemClock};
use crate::live::board::TargetLine;
use crate::live::{short_seconds, Screen};

/// Time between two summary lines when standard output is not a terminal.
const SUMMARY_EVERY: Duration = Duration::from_secs(5);

/// Width of the name column.
const NAME_WIDTH: usize = 8;

/// The event lines, shared by the traffic tasks and the main loop.
#[derive(Debug, Clone)]
pub struct Events(Rc<RefCell<Shared>>);

#[derive(Debug)]
struct Shared {
    screen: Screen,
    started: Instant,
}

impl Events {
    /// Event lines on standard output, timed from now.
    pub fn started_now() -> Self {
        Events(Rc::new(RefCell::new(Shared {
            screen: Screen::stdout(),
            started: Instant::now(),
        })))
    }

    /// `  +12.3s  orders    TEXT`.
    pub fn say(&self, who: &str, text: &str) {
        let mut shared = self.0.borrow_mut();
        let elapsed = shared.started.elapsed().as_secs_f64();
        let line = format!("{:>+7.1}s  {who:<NAME_WIDTH$}  {text}", elapsed);
        shared.screen.line(&line);
    }

    /// A line without time or name.
    pub fn plain(&self, text: &str) {
        self.0.borrow_mut().screen.line(text);
    }

    fn redraw(&self, lines: &[String]) {
        self.0.borrow_mut().screen.redraw(lines);
    }

    fn is_terminal(&self) -> bool {
        self.0.borrow().screen.is_terminal()
    }

    fn finish(&self) {
        self.0.borrow_mut().screen.finish();
    }
}

/// The live view of one demo run.
#[derive(Debug)]
pub struct View {
    /// Where events go.
    pub events: Events,
    duration: Duration,
    seed: u64,
    /// Each target's last line and its `/status` entry.
    last: BTreeMap<String, (TargetLine, Value)>,
    last_summary: Instant,
}

impl View {
    /// Says what the demo is about to do.
    pub fn new(settings: &DemoSettings, dir: &Path) -> Self {
        let events = Events::started_now();
        events.plain(&format!(
            "chaos-engine demo: two target services, the engine on a compressed clock \
             (seed {}), steady traffic; stops after {} or on Ctrl-C",
            settings.seed,
            humantime::format_duration(settings.duration)
        ));
        events.plain(&format!(
            "working directory {} (removed at the end)",
            dir.display()
        ));
        View {
            events,
            duration: settings.duration,
            seed: settings.seed,
            last: BTreeMap::new(),
            last_summary: Instant::now(),
        }
    }

    /// Reports what changed in the engine's `/status`, then redraws (on a
    /// terminal) or prints summaries when due.
    pub fn update(&mut self, status: Option<&Value>, targets: &mut [DemoTarget]) {
        let now = SystemClock.unix_now();
        let entries = status
            .and_then(|s| s["targets"].as_array())
            .cloned()
            .unwrap_or_default();
        for entry in entries {
            let line = TargetLine::from_status(&entry, now);
            let before = self.last.get(&line.name).map(|(line, _)| line);
            if line.failure_id.is_some()
                && line.failure_id != before.and_then(|b| b.failure_id.clone())
            {
                self.events
                    .say(&line.name, &injected(&entry["failure"], now));
            }
            if line.last_id.is_some() && line.last_id != before.and_then(|b| b.last_id.clone()) {
                if let Some(last) = &line.last {
                    self.events.say(&line.name, last);
                }
            }
            self.last.insert(line.name.clone(), (line, entry));
        }
        if self.events.is_terminal() {
            let block = self.block(targets);
            self.events.redraw(&block);
        } else if self.last_summary.elapsed() >= SUMMARY_EVERY {
            self.last_summary = Instant::now();
            for target in targets.iter() {
                let mode = self
                    .last
                    .get(target.name)
                    .map_or("starting", |(line, _)| line.mode.as_str())
                    .to_owned();
                let traffic = target.traffic.borrow_mut().summary();
                self.events.say(
                    target.name,
                    &format!(
                        "[{mode}] last 5s: {traffic} · restarts: {}",
                        target.restarts
                    ),
                );
            }
        }
    }

    /// The block redrawn on a terminal.
    fn block(&self, targets: &[DemoTarget]) -> Vec<String> {
        let elapsed = self
            .events
            .0
            .borrow()
            .started
            .elapsed()
            .min(self.duration)
            .as_secs_f64();
        let mut lines = vec![
            String::new(),
            format!(
                "── chaos-engine demo · {} of {} · seed {} · Ctrl-C stops it ──",
                short_seconds(elapsed),
                short_seconds(self.duration.as_secs_f64()),
                self.seed
            ),
        ];
        for target in targets {
            let engine_says = match self.last.get(target.name) {
                Some((line, _)) => line.render(NAME_WIDTH),
                None => format!("{:<NAME_WIDTH$}  waiting for the engine", target.name),
            };
            lines.push(engine_says);
            let process = match target.down_since {
                Some(_) => "down, restarting".to_owned(),
                None => format!("pid {}", target.process.pid()),
            };
            lines.push(format!(
                "{:<NAME_WIDTH$}  requests, last 5s: {} · restarts: {} · {process} · port {}",
                "",
                target.traffic.borrow_mut().summary(),
                target.restarts,
                target.port
            ));
        }
        lines
    }

    /// Leaves the live block, drawn once more, on screen and says why the
    /// demo stops.
    pub fn finish(&mut self, stopped_by: &str, targets: &[DemoTarget]) {
        if self.events.is_terminal() {
            let block = self.block(targets);
            self.events.redraw(&block);
        }
        self.events.finish();
        self.events.plain(&format!("stopping ({stopped_by})"));
    }

    /// One line per target: what happened over the whole run.
    pub fn totals(&self, targets: &[DemoTarget]) {
        for target in targets {
            let injections = self
                .last
                .get(target.name)
                .and_then(|(_, entry)| entry["injections"].as_u64())
                .unwrap_or(0);
            let traffic = target.traffic.borrow();
            self.events.say(
                target.name,
                &format!(
                    "in all: {injections} failure{} injected; {} requests: {} got HTTP 500, \
                     {} were slow, {} found it down; restarts: {}",
                    if injections == 1 { "" } else { "s" },
                    traffic.sent,
                    traffic.total_500,
                    traffic.total_slow,
                    traffic.total_down,
                    target.restarts
                ),
            );
        }
    }
}

/// `injected SLOWDOWN (slow, delay 2s), ends in 3.5s`.
fn injected(failure: &Value, now: f64) -> String {
    let scenario = failure["scenario"].as_str().unwrap_or("?");
    let mode = failure["mode"].as_str().unwrap_or("?");
    let delay = match failure["delay"].as_u64() {
        Some(delay) if delay > 0 => format!(", delay {delay}s"),
        _ => String::new(),
    };
    let ends = failure["expires_at"]
        .as_f64()
        .map(|at| format!(", ends in {}", short_seconds(at - now)))
        .unwrap_or_default();
    format!("injected {scenario} ({mode}{delay}){ends}")
}
