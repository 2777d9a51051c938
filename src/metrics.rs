//! Prometheus metrics (prometheus-client), served as text on `GET /metrics`.
//!
//! All values are atomics: actors update them directly and the HTTP workers
//! encode them without touching the actor thread.

use std::sync::atomic::AtomicU64;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::metrics::info::Info;
use prometheus_client::registry::Registry;

/// `target` and `scenario`.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ScenarioLabels {
    /// The target's name.
    pub target: String,
    /// The scenario's name.
    pub scenario: String,
}

/// `target` and `reason`.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ReasonLabels {
    /// The target's name.
    pub target: String,
    /// Why the failure ended: `recovery`, `manual`, `shutdown`, `reload`,
    /// `replaced` (another writer or a newer injection took over the file)
    /// or `abandoned` (a removed target whose file could not be cleared).
    pub reason: String,
}

/// `target` and `ended_by`.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct EndedByLabels {
    /// The target's name.
    pub target: String,
    /// `repair`, `recovery` (expired), `manual` or `shutdown`.
    pub ended_by: String,
}

/// The time-to-repair histogram family (seconds).
pub type RepairHistogram = Family<TargetLabels, Histogram, fn() -> Histogram>;

fn repair_histogram() -> Histogram {
    // 0.25 s to about 17 min, doubling.
    Histogram::new(exponential_buckets(0.25, 2.0, 13))
}

/// `target` alone.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct TargetLabels {
    /// The target's name.
    pub target: String,
}

impl TargetLabels {
    /// Labels for `target`.
    pub fn of(target: &str) -> Self {
        TargetLabels {
            target: target.to_owned(),
        }
    }
}

/// Every metric the engine exports.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    /// `chaos_injections_total{target,scenario}`
    pub injections: Family<ScenarioLabels, Counter>,
    /// `chaos_recoveries_total{target,reason}`
    pub recoveries: Family<ReasonLabels, Counter>,
    /// `chaos_active_failures`
    pub active_failures: Gauge,
    /// `chaos_state_write_errors_total{target}`
    pub write_errors: Family<TargetLabels, Counter>,
    /// `chaos_next_injection_timestamp_seconds{target}`
    pub next_injection: Family<TargetLabels, Gauge<f64, AtomicU64>>,
    /// `chaos_paused{target}`: 1 while the target's schedule is paused.
    pub paused: Family<TargetLabels, Gauge>,
    /// `chaos_skipped_cycles_total{target,reason}`
    pub skipped: Family<ReasonLabels, Counter>,
    /// `chaos_failures_ended_total{target,ended_by}`
    pub ended: Family<EndedByLabels, Counter>,
    /// `chaos_time_to_repair_seconds{target}`
    pub time_to_repair: RepairHistogram,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// A registry with every metric registered.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("chaos");
        let injections = Family::<ScenarioLabels, Counter>::default();
        let recoveries = Family::<ReasonLabels, Counter>::default();
        let active_failures = Gauge::default();
        let write_errors = Family::<TargetLabels, Counter>::default();
        let next_injection = Family::<TargetLabels, Gauge<f64, AtomicU64>>::default();
        let paused = Family::<TargetLabels, Gauge>::default();
        let skipped = Family::<ReasonLabels, Counter>::default();
        let ended = Family::<EndedByLabels, Counter>::default();
        let time_to_repair: RepairHistogram = Family::new_with_constructor(repair_histogram);
        registry.register("injections", "Failures injected", injections.clone());
        registry.register(
            "recoveries",
            "Failures ended, by reason",
            recoveries.clone(),
        );
        registry.register(
            "active_failures",
            "Failures active now",
            active_failures.clone(),
        );
        registry.register(
            "state_write_errors",
            "State-file writes that failed",
            write_errors.clone(),
        );
        registry.register(
            "next_injection_timestamp_seconds",
            "When the next injection is planned (Unix time; 0 while paused or disabled)",
            next_injection.clone(),
        );
        registry.register(
            "paused",
            "1 while the target's schedule is paused",
            paused.clone(),
        );
        registry.register(
            "skipped_cycles",
            "Scheduled cycles that injected nothing, by reason (unhealthy, cap, window, blackout)",
            skipped.clone(),
        );
        registry.register(
            "failures_ended",
            "Failures ended, by cause (repair, recovery = expired, manual, shutdown)",
            ended.clone(),
        );
        registry.register(
            "time_to_repair_seconds",
            "Time from injection to repair, for repaired failures",
            time_to_repair.clone(),
        );
        registry.register(
            "build",
            "chaos-engine build",
            Info::new(vec![("version", env!("CARGO_PKG_VERSION"))]),
        );
        Metrics {
            registry,
            injections,
            recoveries,
            active_failures,
            write_errors,
            next_injection,
            paused,
            skipped,
            ended,
            time_to_repair,
        }
    }

    /// The Prometheus text exposition of every metric.
    pub fn encode(&self) -> String {
        let mut text = String::new();
        // Encoding into a String cannot fail (fmt::Write for String is infallible).
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.registry);
        text
    }

    /// Forgets a target's per-target series (removed on reload).
    pub fn forget_target(&self, target: &str) {
        let labels = TargetLabels::of(target);
        self.next_injection.remove(&labels);
        self.paused.remove(&labels);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_the_documented_names() {
        let metrics = Metrics::new();
        metrics
            .injections
            .get_or_create(&ScenarioLabels {
                target: "app".into(),
                scenario: "CRASH".into(),
            })
            .inc();
        metrics.active_failures.set(1);
        let text = metrics.encode();
        for line in [
            r#"chaos_injections_total{target="app",scenario="CRASH"} 1"#,
            "chaos_active_failures 1",
            r#"chaos_build_info{version=""#,
        ] {
            assert!(text.contains(line), "missing {line} in\n{text}");
        }
    }
}
