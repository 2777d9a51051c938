//! Why a backend could not carry out an effect: one error type for every
//! backend, carrying the backend's own error as its boxed source (a state
//! file's write error, a Docker Engine error, ...).

use std::error::Error;
use std::fmt;

/// A backend's effect that failed. Shown as its source's message.
#[derive(Debug)]
pub struct BackendError {
    could_not: &'static str,
    source: Box<dyn Error + Send + Sync + 'static>,
}

impl BackendError {
    /// `source`, from a backend that, applying a failure, `could_not` do
    /// what it does (`write the failure state`, `apply the fault`).
    pub fn new(could_not: &'static str, source: impl Error + Send + Sync + 'static) -> Self {
        BackendError {
            could_not,
            source: Box::new(source),
        }
    }

    /// The backend's own error, if it is an `E` (a test, or a caller that
    /// knows the backend, may look at it).
    pub fn downcast_ref<E: Error + 'static>(&self) -> Option<&E> {
        self.source.downcast_ref::<E>()
    }

    /// What the backend could not do when a failure was applied, for the
    /// log line (`could not {could_not}; retrying at the next tick`).
    pub fn could_not(&self) -> &'static str {
        self.could_not
    }
}

impl fmt::Display for BackendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.source, f)
    }
}

impl Error for BackendError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        Some(self.source.as_ref())
    }
}
