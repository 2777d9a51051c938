//! The vocabulary of runtime control (pause, resume, inject now, clear,
//! reload), shared by the actors that carry it out and the HTTP API that
//! asks for it.

use std::fmt;

/// Why a control request was refused. The HTTP API maps each kind to a
/// status code (400, 404, 409, 500).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ControlError {
    /// The request is malformed or contradicts itself.
    BadRequest(String),
    /// No such target or scenario.
    NotFound(String),
    /// The request is valid but the engine's state forbids it (e.g. chaos
    /// disabled, dry run).
    Conflict(String),
    /// Carrying it out failed (e.g. the state file could not be written).
    Failed(String),
}

impl fmt::Display for ControlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ControlError::BadRequest(m)
            | ControlError::NotFound(m)
            | ControlError::Conflict(m)
            | ControlError::Failed(m) => f.write_str(m),
        }
    }
}

/// What to inject by hand: a scenario of the target's catalogue, or a mode
/// (with an optional delay).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ManualInjection {
    /// A scenario by name; its delay is drawn from its range.
    Scenario(String),
    /// A mode; `delay` as for `chaos-engine inject`.
    Mode {
        /// `crash`, `slow`, `config_error` or a custom mode.
        mode: String,
        /// Whole seconds; for `slow` drawn from the target's range when absent.
        delay: Option<u64>,
    },
}
