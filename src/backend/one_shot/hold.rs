//! [`HoldWaiter`]: how a one-shot injection holds its failure for `--for`
//! and undoes it early on SIGTERM or SIGINT.

use std::time::Duration;

use tokio::signal::unix::{signal, Signal, SignalKind};

/// A timer runtime with SIGTERM and SIGINT handlers already installed
/// (before the failure is applied, so that an early signal still undoes
/// it).
pub struct HoldWaiter {
    runtime: tokio::runtime::Runtime,
    terminate: Signal,
    interrupt: Signal,
}

impl HoldWaiter {
    /// The runtime and its handlers.
    pub fn install() -> std::io::Result<Self> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let (terminate, interrupt) = runtime.block_on(async {
            Ok::<_, std::io::Error>((
                signal(SignalKind::terminate())?,
                signal(SignalKind::interrupt())?,
            ))
        })?;
        Ok(HoldWaiter {
            runtime,
            terminate,
            interrupt,
        })
    }

    /// Runs `work` to completion on this runtime.
    pub fn block_on<F: std::future::Future>(&self, work: F) -> F::Output {
        self.runtime.block_on(work)
    }

    /// Waits `hold`, or until SIGTERM or SIGINT.
    pub fn wait(&mut self, hold: Duration) {
        self.runtime.block_on(async {
            tokio::select! {
                _ = tokio::time::sleep(hold) => {}
                _ = self.terminate.recv() => say!("Received SIGTERM: clearing now"),
                _ = self.interrupt.recv() => say!("Received SIGINT: clearing now"),
            }
        });
    }
}
