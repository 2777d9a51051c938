//! chaos-engine: injects weighted, scheduled failures into target services
//! through small JSON state files, then recovers them.
//!
//! Map of the crate (modules in `code` are internal to it):
//!
//! - [`config`]: flags, environment, `targets.yaml` and defaults merged into
//!   validated [`config::Settings`]; every bad value becomes a
//!   [`config::ConfigError`] naming where it came from.
//! - `input`: where a configuration value came from and what is wrong with
//!   it (the error type, durations), below `config` and the backends' own
//!   configuration (`docker::config`).
//! - [`scenario`]: scenarios and the weighted [`scenario::Catalogue`];
//!   `weight_table`: how a draw picks among weights.
//! - [`picker`]: reproducible per-target random streams ([`picker::PickStream`]).
//! - `policy`: coordination across targets (cap, jitter, backoff).
//! - `outcome`: each injected failure, how it ended (repaired, expired,
//!   ...) and why a cycle was skipped.
//! - `windows`: when chaos is allowed (weekday/hour windows in a time
//!   zone, blackouts).
//! - `probe`: steady-state HTTP probes that tell a failure from a repair.
//! - `health`: a service's health (`up`, `down`, `degraded`, `unknown`)
//!   from its latest probe answers.
//! - [`state_files`]: the engine's state-file writes (at once, or queued in
//!   batches off the actors' thread) and the batched syncs to disk.
//! - [`backend`]: the seam every backend (state files, Docker, ...) plugs
//!   into, and the neutral names of what a fault hit.
//! - [`registry`]: which backend each kind of target goes through, for the
//!   running engine and for the one-shot commands (the one place that
//!   matches on the kind).
//! - [`swarm`]: Swarm targets, a service's tasks broken through the
//!   manager's Docker Engine.
//! - [`actors`]: the running engine: Supervisor, TargetActor, WeightedPicker,
//!   RecoveryActor, talking by typed messages.
//! - [`clock`]: wall-clock time for state-file timestamps, and durations
//!   shown as users write them.
//! - `size`: sizes in bytes as users write them (`--journal-max`).
//! - [`telemetry`]: what each event updates outside the actors: `metrics`
//!   (Prometheus), the audit [`journal`], the status board and the
//!   [`timeline`] of recent events.
//! - `api`: the optional HTTP control API (actix-web).
//! - `logging`: text or JSON log output.
//! - `live`: the live terminal view shared by `demo` and `status --watch`.
//! - `demo`: `chaos-engine demo`, the engine on two local targets under
//!   steady traffic, with its processes, traffic and live view.
//! - `report`: reads the audit journal back and reports how failures were
//!   repaired (text, JSON, SVG timeline, HTML).
//! - `output_file`: report files written whole (a temporary file renamed
//!   over the path).
//! - [`render`]: what report, score and the dashboard draw with: the
//!   swatch each scenario of a run is drawn with (everywhere), escaping
//!   for SVG and HTML, and the style sheets of the HTML pages.
//! - `score`: scores the responders' findings against the journal's
//!   incidents and control windows (`score`, `labels`).
//! - `console`: command output that survives a closed pipe (`say!`).
//! - `cli` and [`commands`]: the command line and one module per command
//!   ([`commands::main`] is the binary's entry point).
//!
//! The public modules are those the binary and the integration tests
//! need; everything else is `pub(crate)`.
//!
//! The state-file protocol itself (record types, atomic writer, reader) is
//! the `chaos-state` crate, re-exported as [`state`].

// First, so that its `say!` macro is in scope in every module after it.
#[macro_use]
pub(crate) mod console;

pub mod actors;
pub(crate) mod api;
pub mod backend;
pub(crate) mod cli;
pub mod clock;
pub mod commands;
pub mod config;
pub(crate) mod demo;
pub mod docker;
pub(crate) mod health;
pub(crate) mod input;
pub mod journal;
pub(crate) mod live;
pub(crate) mod logging;
pub(crate) mod metrics;
pub(crate) mod outcome;
pub(crate) mod output_file;
pub mod picker;
pub(crate) mod policy;
pub(crate) mod probe;
pub mod registry;
pub mod render;
pub(crate) mod report;
pub mod scenario;
pub(crate) mod score;
pub(crate) mod size;
pub mod state_files;
pub mod swarm;
pub mod telemetry;
pub mod timeline;
pub(crate) mod weight_table;
pub(crate) mod windows;

pub use chaos_state as state;
