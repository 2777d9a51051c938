//! chaos-engine: injects weighted, scheduled failures into target services
//! through small JSON state files, then recovers them.
//!
//! Map of the crate:
//!
//! - [`config`]: flags, environment, `targets.yaml` and defaults merged into
//!   validated [`config::Settings`]; every bad value becomes a
//!   [`config::ConfigError`] naming where it came from.
//! - [`scenario`]: scenarios and the weighted [`scenario::Catalogue`].
//! - [`picker`]: reproducible per-target random streams ([`picker::PickStream`]).
//! - [`policy`]: coordination across targets (cap, jitter, backoff).
//! - [`outcome`]: how each failure ended (repaired, expired, ...) and why
//!   a cycle was skipped.
//! - [`windows`]: when chaos is allowed (weekday/hour windows in a time
//!   zone, blackouts).
//! - [`probe`]: steady-state HTTP probes that tell a failure from a repair.
//! - [`actors`]: the running engine: Supervisor, TargetActor, WeightedPicker,
//!   RecoveryActor, talking by typed messages.
//! - [`clock`]: wall-clock time for state-file timestamps.
//! - [`telemetry`]: what each event updates outside the actors: [`metrics`]
//!   (Prometheus), the audit [`journal`] and the status board.
//! - [`api`]: the optional HTTP control API (actix-web).
//! - [`logging`]: text or JSON log output.
//! - [`report`]: reads the audit journal back and reports how failures were
//!   repaired (text, JSON, SVG timeline, HTML).
//! - [`cli`] and [`commands`]: the command line and one module per command.
//!
//! The state-file protocol itself (record types, atomic writer, reader) is
//! the `chaos-state` crate, re-exported as [`state`].

pub mod actors;
pub mod api;
pub mod cli;
pub mod clock;
pub mod commands;
pub mod config;
pub mod journal;
pub mod logging;
pub mod metrics;
pub mod outcome;
pub mod picker;
pub mod policy;
pub mod probe;
pub mod report;
pub mod scenario;
pub mod telemetry;
pub mod weight_table;
pub mod windows;

pub use chaos_state as state;
