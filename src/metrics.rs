//! Prometheus metrics (prometheus-client), served as text on `GET /metrics`.
//!
//! All values are atomics: actors update them directly and the HTTP workers
//! encode them without touching the actor thread.
//!
//! The per-target families are [`SeriesMap`]s rather than prometheus-client
//! `Family`s: an engine has a few series per target, and a `Family` series
//! costs two label strings and an `Arc` of its own besides its table slot
//! (about 190 bytes, 15 MiB at 10,000 targets). A `SeriesMap` keeps each
//! value inline, its label values shared ([`LabelText`]: one allocation per
//! target name, however many series it has) and its series in label order.
//! The text is encoded by prometheus-client as before: same names, help,
//! types and labels; the series of a family come sorted by their labels.

use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use prometheus_client::encoding::{
    EncodeLabelSet, EncodeLabelValue, EncodeMetric, LabelValueEncoder, MetricEncoder,
};
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::{ConstGauge, Gauge};
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::metrics::info::Info;
use prometheus_client::metrics::MetricType;
use prometheus_client::registry::Registry;

/// A label value, shared by every series that carries it.
///
/// An `Arc<String>`, not an `Arc<str>`: a thin pointer, half the size, and
/// every target has about ten series whose keys hold one or two of these.
#[derive(Debug, Clone, Hash, PartialEq, Eq, PartialOrd, Ord)]
pub struct LabelText(Arc<String>);

/// A stored label text, found by `&str` in [`Metrics`]'s set of texts.
#[derive(Debug, PartialEq, Eq, Hash)]
struct StoredText(Arc<String>);

impl std::borrow::Borrow<str> for StoredText {
    fn borrow(&self) -> &str {
        // `String` hashes and compares as its `str` does, as `Borrow` needs.
        self.0.as_str()
    }
}

impl LabelText {
    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl EncodeLabelValue for LabelText {
    fn encode(&self, encoder: &mut LabelValueEncoder) -> Result<(), std::fmt::Error> {
        EncodeLabelValue::encode(&self.as_str(), encoder)
    }
}

/// `target` and `scenario`.
#[derive(Debug, Clone, Hash, PartialEq, Eq, PartialOrd, Ord, EncodeLabelSet)]
pub struct ScenarioLabels {
    /// The target's name.
    pub target: LabelText,
    /// The scenario's name.
    pub scenario: LabelText,
}

/// `target` and `reason`.
#[derive(Debug, Clone, Hash, PartialEq, Eq, PartialOrd, Ord, EncodeLabelSet)]
pub struct ReasonLabels {
    /// The target's name.
    pub target: LabelText,
    /// Why the failure ended: `recovery`, `manual`, `shutdown`, `reload`,
    /// `replaced` (another writer or a newer injection took over the file)
    /// or `abandoned` (a removed target whose file could not be cleared).
    pub reason: LabelText,
}

/// `target` and `ended_by`.
#[derive(Debug, Clone, Hash, PartialEq, Eq, PartialOrd, Ord, EncodeLabelSet)]
pub struct EndedByLabels {
    /// The target's name.
    pub target: LabelText,
    /// `repair`, `recovery` (expired), `manual` or `shutdown`.
    pub ended_by: LabelText,
}

/// `target` alone.
#[derive(Debug, Clone, Hash, PartialEq, Eq, PartialOrd, Ord, EncodeLabelSet)]
pub struct TargetLabels {
    /// The target's name.
    pub target: LabelText,
}

/// The time-to-repair histogram family (seconds).
pub type RepairHistogram = Family<TargetLabels, Histogram, fn() -> Histogram>;

fn repair_histogram() -> Histogram {
    // 0.25 s to about 17 min, doubling.
    Histogram::new(exponential_buckets(0.25, 2.0, 13))
}

/// The value of one series of a [`SeriesMap`], and how it is encoded.
pub trait SeriesValue: Default + std::fmt::Debug + Send + Sync + 'static {
    /// Counter or gauge.
    const TYPE: MetricType;
    /// Encodes the value as prometheus-client encodes its own metric.
    fn encode(&self, encoder: MetricEncoder) -> Result<(), std::fmt::Error>;
}

/// A counter's value.
#[derive(Debug, Default)]
pub struct Count(AtomicU64);

impl Count {
    /// Adds one.
    pub fn inc(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

impl SeriesValue for Count {
    const TYPE: MetricType = MetricType::Counter;
    fn encode(&self, encoder: MetricEncoder) -> Result<(), std::fmt::Error> {
        ConstCounter::new(self.0.load(Ordering::Relaxed)).encode(encoder)
    }
}

/// A whole-number gauge's value.
#[derive(Debug, Default)]
pub struct Level(AtomicI64);

impl Level {
    /// Sets the value.
    pub fn set(&self, value: i64) {
        self.0.store(value, Ordering::Relaxed);
    }
}

impl SeriesValue for Level {
    const TYPE: MetricType = MetricType::Gauge;
    fn encode(&self, encoder: MetricEncoder) -> Result<(), std::fmt::Error> {
        ConstGauge::new(self.0.load(Ordering::Relaxed)).encode(encoder)
    }
}

/// A floating-point gauge's value (its bits).
#[derive(Debug, Default)]
pub struct Reading(AtomicU64);

impl Reading {
    /// Sets the value.
    pub fn set(&self, value: f64) {
        self.0.store(value.to_bits(), Ordering::Relaxed);
    }
}

impl SeriesValue for Reading {
    const TYPE: MetricType = MetricType::Gauge;
    fn encode(&self, encoder: MetricEncoder) -> Result<(), std::fmt::Error> {
        ConstGauge::new(f64::from_bits(self.0.load(Ordering::Relaxed))).encode(encoder)
    }
}

/// A metric family: one value per label set, created on first use.
#[derive(Debug)]
pub struct SeriesMap<L, V> {
    series: Arc<RwLock<BTreeMap<L, V>>>,
}

impl<L, V> Clone for SeriesMap<L, V> {
    fn clone(&self) -> Self {
        SeriesMap {
            series: Arc::clone(&self.series),
        }
    }
}

impl<L, V> Default for SeriesMap<L, V> {
    fn default() -> Self {
        SeriesMap {
            series: Arc::new(RwLock::new(BTreeMap::new())),
        }
    }
}

impl<L: Ord + Clone, V: SeriesValue> SeriesMap<L, V> {
    /// Runs `change` on the series of `labels`, creating it first if needed.
    pub fn with<R>(&self, labels: &L, change: impl FnOnce(&V) -> R) -> R {
        {
            let series = self.series.read().unwrap_or_else(PoisonError::into_inner);
            if let Some(value) = series.get(labels) {
                return change(value);
            }
        }
        let mut series = self.series.write().unwrap_or_else(PoisonError::into_inner);
        change(series.entry(labels.clone()).or_default())
    }

    /// Creates the series of `labels` (at its zero value) if it does not exist.
    pub fn create(&self, labels: &L) {
        self.with(labels, |_| ());
    }

    /// Rebuilds the map from its sorted series, every B-tree node full
    /// (see [`Metrics::compact`]).
    pub fn compact(&self) {
        let mut series = self.series.write().unwrap_or_else(PoisonError::into_inner);
        *series = std::mem::take(&mut *series).into_iter().collect();
    }

    /// Removes the series of `labels`.
    pub fn remove(&self, labels: &L) {
        self.series
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(labels);
    }
}

impl<L, V> EncodeMetric for SeriesMap<L, V>
where
    L: EncodeLabelSet + std::fmt::Debug + Send + Sync + 'static,
    V: SeriesValue,
{
    fn encode(&self, mut encoder: MetricEncoder) -> Result<(), std::fmt::Error> {
        let series = self.series.read().unwrap_or_else(PoisonError::into_inner);
        for (labels, value) in series.iter() {
            value.encode(encoder.encode_family(labels)?)?;
        }
        Ok(())
    }

    fn metric_type(&self) -> MetricType {
        V::TYPE
    }

    fn is_empty(&self) -> bool {
        self.series
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .is_empty()
    }
}

/// Every metric the engine exports.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    /// Every label value in use, each stored once.
    texts: Mutex<HashSet<StoredText>>,
    /// `chaos_injections_total{target,scenario}`
    pub injections: SeriesMap<ScenarioLabels, Count>,
    /// `chaos_recoveries_total{target,reason}`
    pub recoveries: SeriesMap<ReasonLabels, Count>,
    /// `chaos_active_failures`
    pub active_failures: Gauge,
    /// `chaos_state_write_errors_total{target}`
    pub write_errors: SeriesMap<TargetLabels, Count>,
    /// `chaos_next_injection_timestamp_seconds{target}`
    pub next_injection: SeriesMap<TargetLabels, Reading>,
    /// `chaos_paused{target}`: 1 while the target's schedule is paused.
    pub paused: SeriesMap<TargetLabels, Level>,
    /// `chaos_skipped_cycles_total{target,reason}`
    pub skipped: SeriesMap<ReasonLabels, Count>,
    /// `chaos_failures_ended_total{target,ended_by}`
    pub ended: SeriesMap<EndedByLabels, Count>,
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
        let injections = SeriesMap::<ScenarioLabels, Count>::default();
        let recoveries = SeriesMap::<ReasonLabels, Count>::default();
        let active_failures = Gauge::default();
        let write_errors = SeriesMap::<TargetLabels, Count>::default();
        let next_injection = SeriesMap::<TargetLabels, Reading>::default();
        let paused = SeriesMap::<TargetLabels, Level>::default();
        let skipped = SeriesMap::<ReasonLabels, Count>::default();
        let ended = SeriesMap::<EndedByLabels, Count>::default();
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
            texts: Mutex::new(HashSet::new()),
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

    /// Packs every family's series tightly. A B-tree filled one series at
    /// a time, in no particular order, has nodes little more than half
    /// full; rebuilt from its sorted series, every node is full. Called
    /// once every target has started (and created its series): at 10,000
    /// targets it gives back about a megabyte.
    pub fn compact(&self) {
        self.injections.compact();
        self.recoveries.compact();
        self.write_errors.compact();
        self.next_injection.compact();
        self.paused.compact();
        self.skipped.compact();
        self.ended.compact();
    }

    /// Forgets a target's per-target series (removed on reload).
    pub fn forget_target(&self, target: &str) {
        let labels = self.target_labels(target);
        self.next_injection.remove(&labels);
        self.paused.remove(&labels);
    }

    /// `text` as a label value: the one copy every series shares.
    pub fn text(&self, text: &str) -> LabelText {
        let mut texts = self.texts.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(stored) = texts.get(text) {
            return LabelText(Arc::clone(&stored.0));
        }
        let shared = Arc::new(text.to_owned());
        texts.insert(StoredText(Arc::clone(&shared)));
        LabelText(shared)
    }

    /// `{target}`.
    pub fn target_labels(&self, target: &str) -> TargetLabels {
        TargetLabels {
            target: self.text(target),
        }
    }

    /// `{target, scenario}`.
    pub fn scenario_labels(&self, target: &str, scenario: &str) -> ScenarioLabels {
        ScenarioLabels {
            target: self.text(target),
            scenario: self.text(scenario),
        }
    }

    /// `{target, reason}`.
    pub fn reason_labels(&self, target: &str, reason: &str) -> ReasonLabels {
        ReasonLabels {
            target: self.text(target),
            reason: self.text(reason),
        }
    }

    /// `{target, ended_by}`.
    pub fn ended_by_labels(&self, target: &str, ended_by: &str) -> EndedByLabels {
        EndedByLabels {
            target: self.text(target),
            ended_by: self.text(ended_by),
        }
    }
}

#[cfg(test)]
mod tests {
    use prometheus_client::metrics::counter::Counter;

    use super::*;

    #[test]
    fn encodes_the_documented_names() {
        let metrics = Metrics::new();
        metrics
            .injections
            .with(&metrics.scenario_labels("app", "CRASH"), Count::inc);
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

    #[test]
    fn packing_the_series_changes_nothing_they_show() {
        let metrics = Metrics::new();
        // In no particular order, as targets start and fail.
        for i in (0..500).map(|i| (i * 7919) % 500) {
            let target = format!("t{i}");
            metrics
                .paused
                .with(&metrics.target_labels(&target), |p| p.set(i % 2));
            for scenario in ["CRASH", "SLOWDOWN"] {
                let labels = metrics.scenario_labels(&target, scenario);
                metrics.injections.with(&labels, Count::inc);
            }
        }
        let before = metrics.encode();
        metrics.compact();
        assert_eq!(metrics.encode(), before);
        // Still a working map: a new series lands in order.
        metrics
            .injections
            .with(&metrics.scenario_labels("t0", "ZZZ"), Count::inc);
        let text = metrics.encode();
        assert!(text.contains(r#"chaos_injections_total{target="t0",scenario="ZZZ"} 1"#));
    }

    #[test]
    fn label_texts_are_stored_once() {
        let metrics = Metrics::new();
        let a = metrics.scenario_labels("app", "CRASH");
        let b = metrics.reason_labels("app", "recovery");
        assert!(Arc::ptr_eq(&a.target.0, &b.target.0));
    }

    /// The text of a [`SeriesMap`] is that of a prometheus-client `Family`
    /// with the same series, line for line (a family's series may come in
    /// any order, so the lines are compared sorted).
    #[test]
    fn series_maps_encode_as_prometheus_client_families_do() {
        type Labels = Vec<(String, String)>;
        let labels = |target: &str, reason: &str| -> Labels {
            vec![
                ("target".into(), target.into()),
                ("reason".into(), reason.into()),
            ]
        };
        let mut reference = Registry::with_prefix("chaos");
        let counters = Family::<Labels, Counter>::default();
        let levels = Family::<Labels, Gauge>::default();
        let readings = Family::<Labels, Gauge<f64, AtomicU64>>::default();
        let unused = Family::<Labels, Counter>::default();
        reference.register("done", "Things done", counters.clone());
        reference.register("level", "A level", levels.clone());
        reference.register("reading", "A reading", readings.clone());
        reference.register("unused", "Never used", unused);
        counters.get_or_create(&labels("a", "x")).inc();
        // Creating the series is the point; the guard is not needed.
        let _ = counters.get_or_create(&labels("b \"quoted\"", "y"));
        levels.get_or_create(&labels("a", "x")).set(-3);
        readings.get_or_create(&labels("a", "x")).set(1.5e9);
        readings.get_or_create(&labels("b", "x")).set(0.0);

        let metrics = Metrics::new();
        let mut ours = Registry::with_prefix("chaos");
        let counters = SeriesMap::<ReasonLabels, Count>::default();
        let levels = SeriesMap::<ReasonLabels, Level>::default();
        let readings = SeriesMap::<ReasonLabels, Reading>::default();
        let unused = SeriesMap::<ReasonLabels, Count>::default();
        ours.register("done", "Things done", counters.clone());
        ours.register("level", "A level", levels.clone());
        ours.register("reading", "A reading", readings.clone());
        ours.register("unused", "Never used", unused);
        counters.with(&metrics.reason_labels("a", "x"), Count::inc);
        counters.create(&metrics.reason_labels("b \"quoted\"", "y"));
        levels.with(&metrics.reason_labels("a", "x"), |v| v.set(-3));
        readings.with(&metrics.reason_labels("a", "x"), |v| v.set(1.5e9));
        readings.with(&metrics.reason_labels("b", "x"), |v| v.set(0.0));

        let text = |registry: &Registry| {
            let mut text = String::new();
            prometheus_client::encoding::text::encode(&mut text, registry).unwrap();
            let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
            lines.sort();
            lines
        };
        let expected = text(&reference);
        assert_eq!(text(&ours), expected);
        assert!(expected.contains(&r#"chaos_done_total{target="a",reason="x"} 1"#.to_owned()));
        assert!(!expected.iter().any(|line| line.contains("unused")));
    }
}
