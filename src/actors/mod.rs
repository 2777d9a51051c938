//! The running engine: four kinds of actor on one actix system.
//!
//! ```text
//! Supervisor ──starts──► TargetActor × N     one per target: its state file, its schedule
//!                          │ NextPick ──────► WeightedPicker   one seeded stream per target
//!                          │ Injected ──────► RecoveryActor    every active failure and its deadline
//!                          ◄──── Recover ─────┘
//! SIGTERM/SIGINT ─► Drain ─► Supervisor ─► Drain ─► every TargetActor (acks after writing healthy)
//! SIGHUP, HTTP API ─► Reload / PauseTargets / ResumeTargets / InjectInto / ClearTargets ─► Supervisor ─► targets
//! ```
//!
//! Each TargetActor's decisions are a pure state machine
//! ([`target::core`]); its effects go through a [`target::FaultBackend`]
//! (the state file today). A reload's changes are worked out by a pure
//! function (`reload_plan`) before the Supervisor carries them out.
//!
//! Actors talk only by the typed messages defined next to the actor that
//! handles them. Handlers never block beyond the small atomic write of one
//! state file and never panic: errors are logged values.

pub mod control;
pub mod picker;
pub mod recovery;
mod reload_plan;
pub mod supervisor;
pub mod target;

pub use control::{ControlError, ManualInjection};
pub use picker::{NextPick, WeightedPicker};
pub use recovery::{ActiveFailures, FailureEnded, Injected, RecoveryActor};
pub use supervisor::{
    ClearTargets, Drain, DrainReport, FanOutReport, InjectInto, PauseTargets, Ping, Reload,
    ReloadError, ReloadReport, ResumeTargets, Supervisor,
};
pub use target::{DrainTarget, Recover, TargetActor};
