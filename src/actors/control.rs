//! The vocabulary of runtime control (pause, resume, inject now, clear,
//! reload), shared by the actors that carry it out and the HTTP API that
//! asks for it.

/// Why a control request was refused. The HTTP API maps each kind to a
/// status code (400, 404, 409, 500).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ControlError {
    /// The request is malformed or contradicts itself.
    #[error("{0}")]
    BadRequest(String),
    /// No such target or scenario.
    #[error("{0}")]
    NotFound(String),
    /// The request is valid but the engine's state forbids it (e.g. chaos
    /// disabled, dry run).
    #[error("{0}")]
    Conflict(String),
    /// Carrying it out failed (e.g. the state file could not be written).
    #[error("{0}")]
    Failed(String),
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
