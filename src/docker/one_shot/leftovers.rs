//! Undoing what engines left behind on Docker targets: `recover` and the
//! daemon's start (every dead engine's open faults), and `clear` on one
//! Docker target (its faults only). See `crate::docker::recover`.

use std::collections::BTreeSet;
use std::path::Path;

use crate::backend::OneShotContext;
use crate::docker::config::DockerSettings;
use crate::docker::recover::{recover, RecoverReport, Scope};
use crate::telemetry::Telemetry;

/// Undoes the faults engines that died left behind (`recover`, and the
/// daemon at start): the open faults of every dead engine's ledger in
/// `ledger_dir` and, with a journal, the journal's open `fault_applying`
/// records of engines older than the ledger, for the targets named in
/// `only` (all when `None`); the Engines of `dockers` (the configured
/// Docker targets) are swept for dead engines' helpers. The undoing is
/// appended to the journal of `telemetry`.
pub async fn recover_leftovers(
    ledger_dir: &Path,
    telemetry: &Telemetry,
    dockers: &[&DockerSettings],
    only: Option<&[&str]>,
) -> RecoverReport {
    let image = dockers
        .first()
        .map(|docker| docker.policy.net_image.clone())
        .unwrap_or_else(|| crate::docker::DockerPolicy::default().net_image);
    let scope = Scope {
        ledger_dir,
        journal_faults: telemetry
            .journal
            .path()
            .map_or(Ok(Vec::new()), crate::journal::open_faults::open_records),
        image: &image,
        only: only.map(|names| {
            names
                .iter()
                .map(|n| (*n).to_owned())
                .collect::<BTreeSet<_>>()
        }),
        // Each target's Engine, and those of a Swarm target's other nodes.
        hosts: dockers
            .iter()
            .flat_map(|docker| {
                let nodes = docker.target.swarm_nodes.iter().flat_map(|nodes| {
                    nodes
                        .values()
                        .map(|node| (Some(node.host.clone()), node.cert_path.clone()))
                });
                std::iter::once((docker.target.host.clone(), docker.target.cert_path.clone()))
                    .chain(nodes)
                    .collect::<Vec<_>>()
            })
            .collect(),
    };
    recover(&scope, telemetry).await
}

/// `clear --target NAME` on a Docker target: undoes what an engine left
/// behind on it (its network helpers, and open faults in the journal);
/// `false` (after printing why) when something could not be undone.
pub(super) fn clear(context: &OneShotContext<'_>, docker: &DockerSettings) -> bool {
    let name = context.target;
    let recovered = super::runtime().map(|runtime| {
        runtime.block_on(recover_leftovers(
            context.ledger_dir,
            context.recorder.telemetry(),
            &[docker],
            Some(&[name]),
        ))
    });
    let report = match recovered {
        Ok(report) => report,
        Err(err) => {
            eprintln!("error: {name}: {err}");
            return false;
        }
    };
    if let Some(unknown) = &report.unknown {
        eprintln!("note: {name}: {unknown}");
    }
    for note in &report.notes {
        say!("· {name}: {note}");
    }
    // Each line starts with its record's target, which is `name`.
    for line in &report.lines {
        say!("✓ {line}");
    }
    for error in &report.errors {
        eprintln!("error: {name}: {error}");
    }
    if report.lines.is_empty() && report.ok() && report.notes.is_empty() {
        say!("✓ {name} cleared (no fault in effect)");
    }
    report.ok()
}
