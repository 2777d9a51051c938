//! The Supervisor: starts the WeightedPicker, the RecoveryActor and one
//! TargetActor per configured target, and on [`Drain`] asks every target to
//! write its state file healthy, collecting their acknowledgements.

use std::collections::HashMap;

use actix::{Actor, Addr, Context, Handler, Message, ResponseFuture};
use tracing::info;

use super::picker::WeightedPicker;
use super::recovery::RecoveryActor;
use super::target::{DrainTarget, RunMode, TargetActor};
use crate::clock::SharedClock;
use crate::config::Settings;
use crate::picker::PickStream;

/// Owns the other actors' addresses.
pub struct Supervisor {
    settings: Settings,
    seed: u64,
    clock: SharedClock,
    targets: Vec<(String, Addr<TargetActor>)>,
}

impl Supervisor {
    /// A supervisor for `settings`, drawing picks from `seed`.
    pub fn new(settings: Settings, seed: u64, clock: SharedClock) -> Self {
        Supervisor {
            settings,
            seed,
            clock,
            targets: Vec::new(),
        }
    }
}

impl Actor for Supervisor {
    type Context = Context<Self>;

    fn started(&mut self, _ctx: &mut Context<Self>) {
        let streams: HashMap<String, PickStream> = self
            .settings
            .targets
            .iter()
            .map(|t| {
                (
                    t.name.clone(),
                    PickStream::new(self.seed, &t.name, &t.catalogue),
                )
            })
            .collect();
        let picker = WeightedPicker::new(streams).start();
        let recovery = RecoveryActor::default().start();
        let mode = RunMode {
            enabled: self.settings.enabled,
            dry_run: self.settings.dry_run,
        };
        for target in &self.settings.targets {
            if !target.catalogue.weights_sum_to_one() {
                info!(
                    target = %target.name,
                    "Scenario weights normalised: {}",
                    target.catalogue.describe_probabilities()
                );
            }
            let actor = TargetActor::new(
                target.clone(),
                mode,
                self.clock.clone(),
                picker.clone(),
                recovery.clone(),
            );
            self.targets.push((target.name.clone(), actor.start()));
        }
    }
}

/// The outcome of a drain: targets written healthy and those that failed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct DrainReport {
    /// Targets whose state file was written healthy.
    pub cleared: usize,
    /// `target: error` for each target that could not be cleared.
    pub failed: Vec<String>,
}

/// Clear every target and stop its schedule.
#[derive(Debug, Message)]
#[rtype(result = "DrainReport")]
pub struct Drain;

impl Handler<Drain> for Supervisor {
    type Result = ResponseFuture<DrainReport>;

    fn handle(&mut self, _msg: Drain, _ctx: &mut Context<Self>) -> Self::Result {
        let targets = self.targets.clone();
        Box::pin(async move {
            let mut report = DrainReport::default();
            // Send every request first, then collect: the targets work
            // through their mailboxes while we wait.
            let pending: Vec<_> = targets
                .iter()
                .map(|(name, addr)| (name.clone(), addr.send(DrainTarget)))
                .collect();
            for (name, reply) in pending {
                match reply.await {
                    Ok(Ok(())) => report.cleared += 1,
                    Ok(Err(err)) => report.failed.push(err),
                    Err(err) => report.failed.push(format!("{name}: {err}")),
                }
            }
            report
        })
    }
}
