//! The one-shot commands on a Docker target ([`DockerOneShot`], its
//! [`OneShot`]): `validate` shows its selector and what it matches now
//! (`describe`); `status` what its containers are doing and which faults
//! are in effect (`look`); `inject` applies a fault through the daemon's
//! own [`super::DockerBackend`], holds it (`--for`, by default the
//! target's recovery) and undoes it (`inject`); `clear` and `recover` undo
//! what an engine left behind (`leftovers`).

mod describe;
pub mod inject;
mod leftovers;
pub mod look;

use std::sync::Arc;
use std::time::Duration;

use crate::backend::{InjectRequest, Location, Look, OneShot, OneShotContext, OneShotError};
use crate::docker::config::DockerSettings;

pub use leftovers::recover_leftovers;

/// What undoing Docker faults may take at shutdown, beyond a stop's grace:
/// helpers reverting their rules (a few hundred ms each, 16 at a time),
/// containers started and checked.
pub const UNDO_TIME: Duration = Duration::from_secs(12);

/// The one-shot operations on the Docker target configured with `docker`.
#[derive(Debug, Clone)]
pub struct DockerOneShot {
    docker: Arc<DockerSettings>,
}

impl DockerOneShot {
    /// The operations on the target configured with `docker`.
    pub fn new(docker: Arc<DockerSettings>) -> Self {
        DockerOneShot { docker }
    }
}

impl OneShot for DockerOneShot {
    fn location(&self) -> Location {
        Location {
            key: "docker",
            noun: "Docker",
            value: self.docker.target.selector.to_string(),
        }
    }

    fn describe(&self, context: &OneShotContext<'_>) -> bool {
        describe::describe(context.target, &self.docker)
    }

    fn look(&self, context: &OneShotContext<'_>, _now: f64) -> Look {
        look::look(
            context.target,
            &self.docker,
            context.ledger_dir,
            self.location(),
            true,
        )
    }

    fn inject(
        &self,
        context: &OneShotContext<'_>,
        request: &InjectRequest<'_>,
    ) -> Result<(), OneShotError> {
        inject::inject(context, &self.docker, request)
    }

    fn clear(&self, context: &OneShotContext<'_>) -> bool {
        leftovers::clear(context, &self.docker)
    }

    fn repairs_seen_in(&self) -> &'static str {
        "the Docker Engine's events"
    }

    /// The longest `stop` grace of its faults (or the default one, for a
    /// manual `inject stop` without a stop scenario), plus [`UNDO_TIME`].
    fn undo_time(&self) -> Option<Duration> {
        let longest_grace = self
            .docker
            .faults
            .iter()
            .filter_map(|(_, fault)| match fault {
                super::DockerFault::Stop { grace } => Some(*grace),
                _ => None,
            })
            .chain(std::iter::once(super::spec::DEFAULT_STOP_GRACE))
            .max()
            .unwrap_or(super::spec::DEFAULT_STOP_GRACE);
        Some(longest_grace + UNDO_TIME)
    }
}

/// A runtime for one command's Engine calls.
fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
}
