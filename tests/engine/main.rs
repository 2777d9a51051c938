//! Behaviour tests: the real `chaos-engine` binary on temporary directories
//! with time-compressed schedules (sub-second intervals, safety floor off).
//! Shared helpers are in `helpers.rs`.

mod devtools;
mod helpers;
mod http;
mod live_output;
mod target_harness;

mod api;
mod blind;
mod commands;
mod control;
mod coordination;
mod dashboard_browser;
mod dashboard_health_browser;
mod demo;
mod drop_in;
mod durability;
mod end_to_end;
mod hostile_files;
mod invalid_config;
mod journal_rotation;
mod lifecycle;
mod mcp;
mod mcp_config;
mod reader_race;
mod reload;
mod repair;
mod report;
mod report_browser;
mod report_recover;
mod responders;
mod score;
mod seeds;
mod service_health;
mod status_watch;
mod stuck_target;
mod swatches_browser;
mod target_service;
