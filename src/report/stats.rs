//! The report's table: per target and scenario, per target, and overall.
//!
//! - Counts: injections = repaired + expired + cleared + open.
//! - Repair rate = repaired / (repaired + expired). Cleared failures (ended
//!   by hand, by shutdown, ...) and open ones (the engine was killed) had no
//!   fair chance to be repaired or to expire, so they are left out of it.
//! - Time to repair: the `time_to_repair_ms` of the repaired failures,
//!   summarised by [`nearest_rank`] percentiles (p50, p95) and the maximum.
//! - Skipped cycles have no scenario: they appear on the per-target and
//!   overall rows only.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::{Failure, JournalSummary, Outcome};

/// The nearest-rank percentile of ascending `sorted` values: the smallest
/// value such that at least `percent`% of the values are less than or equal
/// to it, i.e. the value at 1-based rank ⌈percent/100 × n⌉. It is always one
/// of the values (never interpolated). `None` when there are no values.
/// `percent` is clamped to 1..=100.
pub fn nearest_rank(sorted: &[f64], percent: u32) -> Option<f64> {
    let n = sorted.len();
    let percent = usize::try_from(percent.clamp(1, 100)).unwrap_or(100);
    // Integer arithmetic: ⌈percent × n / 100⌉, at least 1.
    let rank = (percent * n).div_ceil(100).max(1);
    sorted.get(rank - 1).copied()
}

/// The values sorted ascending (finite ones only).
fn sorted(values: impl Iterator<Item = f64>) -> Vec<f64> {
    let mut values: Vec<f64> = values.filter(|v| v.is_finite()).collect();
    values.sort_by(f64::total_cmp);
    values
}

/// One line of the table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    /// The target; `None` on the overall row.
    pub target: Option<String>,
    /// The scenario; `None` on total rows.
    pub scenario: Option<String>,
    /// Failures injected.
    pub injections: u64,
    /// Repaired by the target before the recovery deadline.
    pub repaired: u64,
    /// Ended by the recovery deadline, unrepaired.
    pub expired: u64,
    /// Ended otherwise (manual, shutdown, recover, ...): not in the repair
    /// rate.
    pub cleared: u64,
    /// Never ended in the journal (engine killed): not in the repair rate.
    pub open: u64,
    /// Skipped cycles; only on total rows (a skipped cycle has no scenario).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skipped: Option<u64>,
    /// Median time to repair, ms.
    pub time_to_repair_p50_ms: Option<f64>,
    /// 95th percentile time to repair, ms.
    pub time_to_repair_p95_ms: Option<f64>,
    /// Longest time to repair, ms.
    pub time_to_repair_max_ms: Option<f64>,
    /// repaired / (repaired + expired), 0 to 1; `None` when both are 0.
    pub repair_rate: Option<f64>,
    /// Median time to manifest over failures a probe saw, ms.
    pub time_to_manifest_p50_ms: Option<f64>,
}

impl Row {
    fn of(
        target: Option<&str>,
        scenario: Option<&str>,
        failures: &[&Failure],
        skipped: Option<u64>,
    ) -> Row {
        let count = |wanted: &str| {
            let n = failures
                .iter()
                .filter(|f| f.outcome.class() == wanted)
                .count();
            u64::try_from(n).unwrap_or(u64::MAX)
        };
        let (repaired, expired) = (count("repaired"), count("expired"));
        let repairs = sorted(
            failures
                .iter()
                .filter(|f| f.outcome == Outcome::Repaired)
                .filter_map(|f| f.time_to_repair_ms),
        );
        let manifests = sorted(failures.iter().filter_map(|f| f.time_to_manifest_ms));
        let judged = repaired + expired;
        Row {
            target: target.map(str::to_owned),
            scenario: scenario.map(str::to_owned),
            injections: u64::try_from(failures.len()).unwrap_or(u64::MAX),
            repaired,
            expired,
            cleared: count("cleared"),
            open: count("open"),
            skipped,
            time_to_repair_p50_ms: nearest_rank(&repairs, 50),
            time_to_repair_p95_ms: nearest_rank(&repairs, 95),
            time_to_repair_max_ms: repairs.last().copied(),
            // Counts far below 2^52 convert to f64 exactly.
            repair_rate: (judged > 0).then(|| repaired as f64 / judged as f64),
            time_to_manifest_p50_ms: nearest_rank(&manifests, 50),
        }
    }
}

/// The whole table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Table {
    /// One row per target and scenario, sorted by target then scenario.
    pub rows: Vec<Row>,
    /// One total row per target (skipped cycles included), sorted by target.
    pub targets: Vec<Row>,
    /// Everything.
    pub totals: Row,
}

impl Table {
    /// Builds the table from a loaded journal.
    pub fn from_summary(summary: &JournalSummary) -> Table {
        let mut by_target: BTreeMap<&str, BTreeMap<&str, Vec<&Failure>>> = BTreeMap::new();
        for failure in &summary.failures {
            by_target
                .entry(&failure.target)
                .or_default()
                .entry(&failure.scenario)
                .or_default()
                .push(failure);
        }
        let skips = summary.skips_by_target();
        let names: BTreeSet<&str> = by_target
            .keys()
            .copied()
            .chain(skips.keys().copied())
            .collect();
        let mut rows = Vec::new();
        let mut targets = Vec::new();
        for name in names {
            let scenarios = by_target.remove(name).unwrap_or_default();
            for (scenario, failures) in &scenarios {
                rows.push(Row::of(Some(name), Some(scenario), failures, None));
            }
            let all: Vec<&Failure> = scenarios.into_values().flatten().collect();
            let skipped = skips.get(name).map_or(0, |r| r.values().sum());
            targets.push(Row::of(Some(name), None, &all, Some(skipped)));
        }
        let all: Vec<&Failure> = summary.failures.iter().collect();
        let skipped = u64::try_from(summary.skips.len()).unwrap_or(u64::MAX);
        Table {
            rows,
            targets,
            totals: Row::of(None, None, &all, Some(skipped)),
        }
    }

    /// The scenario rows of one target.
    pub fn rows_of<'a>(&'a self, target: &'a str) -> impl Iterator<Item = &'a Row> + 'a {
        self.rows
            .iter()
            .filter(move |r| r.target.as_deref() == Some(target))
    }
}

/// The table's columns, in order: the short header of the text table and
/// the long one of the HTML table.
pub const COLUMNS: [(&str, &str); 13] = [
    ("target", "target"),
    ("scenario", "scenario"),
    ("injections", "injections"),
    ("repaired", "repaired"),
    ("expired", "expired"),
    ("cleared", "cleared"),
    ("open", "open"),
    ("skipped", "skipped"),
    ("ttr p50", "time to repair p50"),
    ("ttr p95", "p95"),
    ("ttr max", "max"),
    ("repair rate", "repair rate"),
    ("ttm p50", "time to manifest p50"),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Skip;

    #[test]
    fn nearest_rank_follows_its_definition() {
        // The textbook example: 15, 20, 35, 40, 50.
        let values = [15.0, 20.0, 35.0, 40.0, 50.0];
        assert_eq!(nearest_rank(&values, 5), Some(15.0));
        assert_eq!(nearest_rank(&values, 30), Some(20.0));
        assert_eq!(nearest_rank(&values, 40), Some(20.0));
        assert_eq!(nearest_rank(&values, 50), Some(35.0));
        assert_eq!(nearest_rank(&values, 100), Some(50.0));
        // Never interpolated: the median of an even count is the lower middle.
        assert_eq!(nearest_rank(&[1.0, 2.0, 3.0, 4.0], 50), Some(2.0));
        // 95% of 20 values is exactly rank 19 (no floating-point rounding up).
        let twenty: Vec<f64> = (1..=20).map(f64::from).collect();
        assert_eq!(nearest_rank(&twenty, 95), Some(19.0));
        // 95% of 21 values is rank ⌈19.95⌉ = 20.
        let twenty_one: Vec<f64> = (1..=21).map(f64::from).collect();
        assert_eq!(nearest_rank(&twenty_one, 95), Some(20.0));
    }

    #[test]
    fn nearest_rank_edges() {
        assert_eq!(nearest_rank(&[], 50), None);
        assert_eq!(nearest_rank(&[7.0], 1), Some(7.0));
        assert_eq!(nearest_rank(&[7.0], 99), Some(7.0));
        assert_eq!(nearest_rank(&[1.0, 2.0], 0), Some(1.0), "0 clamps to 1");
        assert_eq!(nearest_rank(&[1.0, 2.0], 250), Some(2.0), "clamped to 100");
    }

    fn failure(target: &str, scenario: &str, outcome: Outcome, ttr: Option<f64>) -> Failure {
        Failure {
            id: format!("{target}-{scenario}-{ttr:?}"),
            target: target.into(),
            scenario: scenario.into(),
            mode: None,
            delay: None,
            injected_at: 0.0,
            ended_at: 1.0,
            outcome,
            repaired_by: None,
            time_to_repair_ms: ttr,
            time_to_manifest_ms: None,
            manifested_at: None,
            source: None,
            containers: Vec::new(),
        }
    }

    #[test]
    fn rows_count_outcomes_and_leave_cleared_and_open_out_of_the_rate() {
        let summary = JournalSummary {
            failures: vec![
                failure("a", "CRASH", Outcome::Repaired, Some(3000.0)),
                failure("a", "CRASH", Outcome::Repaired, Some(1000.0)),
                failure("a", "CRASH", Outcome::Expired, None),
                failure("a", "CRASH", Outcome::Cleared("manual".into()), None),
                failure("a", "CRASH", Outcome::Open, None),
                failure("a", "SLOWDOWN", Outcome::Expired, None),
                failure("b", "CRASH", Outcome::Cleared("shutdown".into()), None),
            ],
            skips: vec![Skip {
                target: "c".into(),
                at: 0.0,
                reason: "cap".into(),
                detail: None,
            }],
            ..JournalSummary::default()
        };
        let table = Table::from_summary(&summary);
        let crash = &table.rows[0];
        assert_eq!(
            (crash.target.as_deref(), crash.scenario.as_deref()),
            (Some("a"), Some("CRASH"))
        );
        assert_eq!(
            (
                crash.injections,
                crash.repaired,
                crash.expired,
                crash.cleared,
                crash.open
            ),
            (5, 2, 1, 1, 1)
        );
        assert_eq!(crash.skipped, None);
        assert_eq!(crash.repair_rate, Some(2.0 / 3.0));
        assert_eq!(crash.time_to_repair_p50_ms, Some(1000.0));
        assert_eq!(crash.time_to_repair_p95_ms, Some(3000.0));
        assert_eq!(crash.time_to_repair_max_ms, Some(3000.0));

        let slowdown = &table.rows[1];
        assert_eq!(slowdown.repair_rate, Some(0.0));
        assert_eq!(slowdown.time_to_repair_p50_ms, None);

        // b had only a shutdown: no rate at all.
        let b = &table.targets[1];
        assert_eq!(b.target.as_deref(), Some("b"));
        assert_eq!(b.repair_rate, None);
        assert_eq!(b.skipped, Some(0));
        // c had only a skipped cycle: a total row and no scenario rows.
        let c = &table.targets[2];
        assert_eq!((c.injections, c.skipped), (0, Some(1)));
        assert_eq!(table.rows_of("c").count(), 0);
        assert_eq!(table.rows_of("a").count(), 2);

        let totals = &table.totals;
        assert_eq!((totals.injections, totals.skipped), (7, Some(1)));
        assert_eq!(totals.repair_rate, Some(0.5));
    }
}
