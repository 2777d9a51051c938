//! Behaviour tests: the real `chaos-engine` binary on temporary directories
//! with time-compressed schedules (sub-second intervals, safety floor off).
//! Shared helpers are in `helpers.rs`.

mod helpers;

mod commands;
mod invalid_config;
mod lifecycle;
mod reader_race;
