//! The `status` command's own look at each target's service: one probe per
//! target with a probe (all at once), read by the same rule as the engine's
//! (`crate::health`). `status` probes once, so a service reads `up`, `down`
//! or `degraded` by that one answer; `status --watch` on the state files
//! keeps each target's window across its looks. Targets without a probe
//! read `unknown`.

use std::collections::BTreeMap;

use futures_util::future::join_all;
use serde_json::json;

use crate::config::TargetSettings;
use crate::health::{Health, HealthWindow};
use crate::probe::{client, probe};

/// One target's health and why it is not up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ServiceHealth {
    /// By the rule of `crate::health`.
    pub(super) health: Health,
    /// Why it is not up (the latest failed probe's reason, or why unknown).
    pub(super) detail: Option<String>,
}

impl ServiceHealth {
    /// A target without a probe.
    fn no_probe() -> Self {
        ServiceHealth {
            health: Health::Unknown,
            detail: Some("no probe configured".to_owned()),
        }
    }

    /// ` · service down (Connection refused)`: appended to a status line.
    pub(super) fn suffix(&self) -> String {
        match &self.detail {
            Some(detail) => format!(" · service {} ({detail})", self.health),
            None => format!(" · service {}", self.health),
        }
    }

    /// Adds `health` and `health_detail` to a JSON status line.
    pub(super) fn add_to(&self, value: &mut serde_json::Value) {
        value["health"] = json!(self.health);
        value["health_detail"] = json!(self.detail);
    }
}

/// Each target's recent answers, by name, kept from one look to the next.
pub(super) type Windows = BTreeMap<String, HealthWindow>;

/// Probes every target that has a probe, at once, adds each answer to its
/// window in `windows` and answers every target's health, in order.
pub(super) async fn look(targets: &[TargetSettings], windows: &mut Windows) -> Vec<ServiceHealth> {
    let client = client();
    let answers = join_all(targets.iter().map(|target| {
        let client = client.clone();
        async move {
            match &target.probe {
                Some(settings) => Some(probe(&client, settings).await),
                None => None,
            }
        }
    }))
    .await;
    targets
        .iter()
        .zip(answers)
        .map(|(target, answer)| match answer {
            None => ServiceHealth::no_probe(),
            Some(outcome) => {
                let window = windows.entry(target.name.clone()).or_default();
                let health = window.record(outcome.sign(), outcome.failure());
                ServiceHealth {
                    health,
                    detail: window.detail().map(str::to_owned),
                }
            }
        })
        .collect()
}

/// Probes once (`status`): every target's health by one answer. Without any
/// probe configured, no runtime is started.
pub(super) fn look_once(targets: &[TargetSettings]) -> Vec<ServiceHealth> {
    if targets.iter().all(|target| target.probe.is_none()) {
        return targets.iter().map(|_| ServiceHealth::no_probe()).collect();
    }
    actix_rt::System::new().block_on(look(targets, &mut Windows::new()))
}
