//! Scenarios and the weighted catalogue a target picks from.
//!
//! A [`Catalogue`] can only be built from valid scenarios (finite weights of
//! at least 0, at least one above 0, `delay.min <= delay.max`, unique
//! names), so code past configuration never meets an invalid one. Randomness lives in
//! [`crate::picker`], not here.

use chaos_state::modes;

use crate::weight_table::WeightTable;

/// An inclusive range of whole seconds a delay is drawn from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DelayRange {
    /// Smallest delay, seconds.
    pub min: u64,
    /// Largest delay, seconds (inclusive).
    pub max: u64,
}

/// The longest delay a scenario may draw: one day. Readers in other
/// languages parse `delay` as a number, and a request held longer than a
/// day is a configuration mistake, not a slowdown.
pub const MAX_DELAY_SECS: u64 = 86_400;

/// The `slow` mode's default range: 10 to 30 seconds inclusive.
pub const DEFAULT_SLOW_DELAY: DelayRange = DelayRange { min: 10, max: 30 };

/// One kind of failure a target can be given.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// Upper-case name used in logs, e.g. `SLOWDOWN`.
    pub name: String,
    /// The mode written to the state file, e.g. `slow`.
    pub mode: String,
    /// Relative weight, finite and >= 0.
    pub weight: f64,
    /// Where a delay is drawn from; `None` writes `delay: 0`.
    pub delay: Option<DelayRange>,
    /// What kind of incident it is (`availability`, `latency`, ...), for
    /// scoring responders; written on each `injected` journal line.
    pub category: Option<String>,
    /// The accepted remedies (`restart`, `config`, ...), for scoring.
    pub fix: Vec<String>,
}

/// A validated, non-empty list of scenarios with at least one positive weight.
#[derive(Debug, Clone, PartialEq)]
pub struct Catalogue {
    scenarios: Vec<Scenario>,
    /// Built once from the validated weights; the picker samples it.
    table: WeightTable,
}

/// Why a list of scenarios is not a valid catalogue. `index` is the
/// offending scenario's position, when one is to blame.
#[derive(Debug, Clone, PartialEq)]
pub struct CatalogueError {
    /// Position of the scenario at fault, if a single one is.
    pub index: Option<usize>,
    /// The key at fault inside that scenario (`weight`, `delay`, `mode`,
    /// `name`, `category`, `fix`).
    pub key: Option<&'static str>,
    /// What is wrong.
    pub message: String,
}

impl Catalogue {
    /// The built-in catalogue: CRASH 0.30 (`availability`, fix `restart`),
    /// SLOWDOWN 0.40 (10..=30 s, `latency`), CONFIG_ERROR 0.30
    /// (`misconfiguration`, fix `config`).
    pub fn default_catalogue() -> Self {
        let scenarios = vec![
            Scenario {
                name: "CRASH".to_owned(),
                mode: modes::CRASH.to_owned(),
                weight: 0.30,
                delay: None,
                category: Some("availability".to_owned()),
                fix: vec!["restart".to_owned()],
            },
            Scenario {
                name: "SLOWDOWN".to_owned(),
                mode: modes::SLOW.to_owned(),
                weight: 0.40,
                delay: Some(DEFAULT_SLOW_DELAY),
                category: Some("latency".to_owned()),
                fix: Vec::new(),
            },
            Scenario {
                name: "CONFIG_ERROR".to_owned(),
                mode: modes::CONFIG_ERROR.to_owned(),
                weight: 0.30,
                delay: None,
                category: Some("misconfiguration".to_owned()),
                fix: vec!["config".to_owned()],
            },
        ];
        // The built-in scenarios are constant and valid: this cannot fail.
        Catalogue::new(scenarios).expect("the built-in catalogue is valid (cannot fail)")
    }

    /// Validates `scenarios` into a catalogue.
    pub fn new(scenarios: Vec<Scenario>) -> Result<Self, CatalogueError> {
        let fail = |index, key, message: String| CatalogueError {
            index,
            key,
            message,
        };
        if scenarios.is_empty() {
            return Err(fail(
                None,
                None,
                "no scenarios: give at least one".to_owned(),
            ));
        }
        // First index of each name: one look-up per scenario, not a scan.
        let mut first_with_name: std::collections::HashMap<&str, usize> =
            std::collections::HashMap::with_capacity(scenarios.len());
        for (index, scenario) in scenarios.iter().enumerate() {
            if scenario.name.trim().is_empty() {
                return Err(fail(Some(index), Some("name"), "empty name".to_owned()));
            }
            if scenario.name.len() > MAX_NAME_LEN || scenario.name.chars().any(char::is_control) {
                return Err(fail(
                    Some(index),
                    Some("name"),
                    format!("a scenario name is printable text of at most {MAX_NAME_LEN} bytes"),
                ));
            }
            if let Some(&first) = first_with_name.get(scenario.name.as_str()) {
                return Err(fail(
                    Some(index),
                    Some("name"),
                    format!(
                        "duplicate scenario name {} (also scenarios[{first}])",
                        scenario.name
                    ),
                ));
            }
            first_with_name.insert(&scenario.name, index);
            check_mode(&scenario.mode).map_err(|m| fail(Some(index), Some("mode"), m))?;
            if let Some(category) = &scenario.category {
                check_label(category).map_err(|m| fail(Some(index), Some("category"), m))?;
            }
            for remedy in &scenario.fix {
                check_label(remedy).map_err(|m| fail(Some(index), Some("fix"), m))?;
            }
            if !scenario.weight.is_finite() || scenario.weight < 0.0 {
                return Err(fail(
                    Some(index),
                    Some("weight"),
                    format!(
                        "weight must be a finite number >= 0, got {}",
                        scenario.weight
                    ),
                ));
            }
            if let Some(range) = scenario.delay {
                if range.max > MAX_DELAY_SECS {
                    return Err(fail(
                        Some(index),
                        Some("delay"),
                        format!(
                            "delay.max {} is above the limit of {MAX_DELAY_SECS} s (one day)",
                            range.max
                        ),
                    ));
                }
                if range.min > range.max {
                    return Err(fail(
                        Some(index),
                        Some("delay"),
                        format!(
                            "delay.min {} is greater than delay.max {}",
                            range.min, range.max
                        ),
                    ));
                }
                if scenario.mode == modes::CRASH || scenario.mode == modes::CONFIG_ERROR {
                    return Err(fail(
                        Some(index),
                        Some("delay"),
                        format!(
                            "mode {} always writes delay 0; remove `delay`",
                            scenario.mode
                        ),
                    ));
                }
            }
        }
        if scenarios.iter().all(|s| s.weight == 0.0) {
            return Err(fail(
                None,
                None,
                "all weights are zero: at least one scenario needs a weight > 0".to_owned(),
            ));
        }
        let weights: Vec<f64> = scenarios.iter().map(|s| s.weight).collect();
        let table = WeightTable::new(&weights).map_err(|err| {
            fail(
                None,
                Some("weight"),
                format!("weights cannot be used: {err}"),
            )
        })?;
        Ok(Catalogue { scenarios, table })
    }

    /// The sampling table over [`Catalogue::scenarios`], positions aligned.
    pub fn weight_table(&self) -> &WeightTable {
        &self.table
    }

    /// The name a manual injection of `mode` is logged under: the first
    /// scenario with that mode, or the mode in upper case.
    pub fn name_for_mode(&self, mode: &str) -> String {
        self.scenarios
            .iter()
            .find(|s| s.mode == mode)
            .map(|s| s.name.clone())
            .unwrap_or_else(|| mode.to_ascii_uppercase())
    }

    /// The `category` and `fix` of a failure of `scenario` in `mode`: those
    /// of the scenario with that name and mode (a manual injection is
    /// named after the first scenario of its mode), or none.
    pub fn truth_for(&self, scenario: &str, mode: &str) -> (Option<String>, Vec<String>) {
        self.scenarios
            .iter()
            .find(|s| s.name == scenario && s.mode == mode)
            .map(|s| (s.category.clone(), s.fix.clone()))
            .unwrap_or_default()
    }

    /// The scenarios, in configuration order.
    pub fn scenarios(&self) -> &[Scenario] {
        &self.scenarios
    }

    /// The weights as probabilities summing to 1, in configuration order.
    pub fn probabilities(&self) -> Vec<f64> {
        let total: f64 = self.scenarios.iter().map(|s| s.weight).sum();
        self.scenarios.iter().map(|s| s.weight / total).collect()
    }

    /// True when the weights already sum to 1 (within rounding).
    pub fn weights_sum_to_one(&self) -> bool {
        let total: f64 = self.scenarios.iter().map(|s| s.weight).sum();
        (total - 1.0).abs() < 1e-9
    }

    /// `CRASH 30.0%, SLOWDOWN 40.0%, ...` for logs and `validate`.
    pub fn describe_probabilities(&self) -> String {
        self.scenarios
            .iter()
            .zip(self.probabilities())
            .map(|(s, p)| format!("{} {:.1}%", s.name, p * 100.0))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The longest scenario name or mode, in bytes: each appears in every
/// state file, journal line and metric series of its failures.
pub const MAX_NAME_LEN: usize = 64;

/// Checks a mode: lower-case letters, digits, `_` and `-`, at most
/// [`MAX_NAME_LEN`] bytes, not `healthy`.
pub fn check_mode(mode: &str) -> Result<(), String> {
    if mode.is_empty() {
        return Err("empty mode".to_owned());
    }
    if mode.len() > MAX_NAME_LEN {
        return Err(format!(
            "mode is {} bytes long; at most {MAX_NAME_LEN}",
            mode.len()
        ));
    }
    if mode == modes::HEALTHY {
        return Err("`healthy` is the absence of a failure, not a scenario mode".to_owned());
    }
    let valid = mode
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
    if !valid {
        return Err(format!(
            "mode `{mode}` must use only lower-case letters, digits, `_` and `-`"
        ));
    }
    Ok(())
}

/// Checks a `category` or one `fix` entry: non-empty printable text of at
/// most [`MAX_NAME_LEN`] bytes, without surrounding spaces.
pub fn check_label(label: &str) -> Result<(), String> {
    if label.trim().is_empty() {
        return Err("empty value: give a word such as `availability` or `restart`".to_owned());
    }
    if label.len() > MAX_NAME_LEN {
        return Err(format!(
            "`{}...` is {} bytes long; at most {MAX_NAME_LEN}",
            label.chars().take(16).collect::<String>(),
            label.len()
        ));
    }
    if label.chars().any(char::is_control) {
        return Err("must be printable text (no control characters)".to_owned());
    }
    if label.trim() != label {
        return Err(format!("`{label}` has spaces around it"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scenario(name: &str, mode: &str, weight: f64) -> Scenario {
        Scenario {
            name: name.to_owned(),
            mode: mode.to_owned(),
            weight,
            delay: None,
            category: None,
            fix: Vec::new(),
        }
    }

    #[test]
    fn category_and_fix_are_checked_and_found() {
        let mut crash = scenario("C", "crash", 1.0);
        crash.category = Some("availability".into());
        crash.fix = vec!["restart".into()];
        let catalogue = Catalogue::new(vec![crash.clone()]).unwrap();
        assert_eq!(
            catalogue.truth_for("C", "crash"),
            (Some("availability".to_owned()), vec!["restart".to_owned()])
        );
        assert_eq!(catalogue.truth_for("C", "slow"), (None, vec![]));
        assert_eq!(catalogue.truth_for("CRASH", "crash"), (None, vec![]));
        for (category, fix, key) in [
            (Some(""), vec![], "category"),
            (Some("a\nb"), vec![], "category"),
            (Some(&*"x".repeat(65)), vec![], "category"),
            (Some(" padded"), vec![], "category"),
            (None, vec!["restart", ""], "fix"),
            (None, vec!["re\tstart"], "fix"),
        ] {
            let mut bad = crash.clone();
            bad.category = category.map(str::to_owned);
            bad.fix = fix.into_iter().map(str::to_owned).collect();
            let err = Catalogue::new(vec![bad]).unwrap_err();
            assert_eq!((err.index, err.key), (Some(0), Some(key)), "{category:?}");
        }
        assert!(check_label(&"x".repeat(64)).is_ok());
    }

    #[test]
    fn the_built_in_scenarios_have_ground_truth() {
        let catalogue = Catalogue::default_catalogue();
        assert_eq!(
            catalogue.truth_for("CRASH", "crash"),
            (Some("availability".to_owned()), vec!["restart".to_owned()])
        );
        assert_eq!(
            catalogue.truth_for("SLOWDOWN", "slow"),
            (Some("latency".to_owned()), vec![])
        );
        assert_eq!(
            catalogue.truth_for("CONFIG_ERROR", "config_error"),
            (
                Some("misconfiguration".to_owned()),
                vec!["config".to_owned()]
            )
        );
    }

    #[test]
    fn default_catalogue_matches_the_contract() {
        let catalogue = Catalogue::default_catalogue();
        assert!(catalogue.weights_sum_to_one());
        assert_eq!(
            catalogue.describe_probabilities(),
            "CRASH 30.0%, SLOWDOWN 40.0%, CONFIG_ERROR 30.0%"
        );
        assert_eq!(
            catalogue.scenarios()[1].delay,
            Some(DelayRange { min: 10, max: 30 })
        );
    }

    #[test]
    fn weights_are_normalised() {
        let catalogue = Catalogue::new(vec![
            scenario("A", "crash", 1.0),
            scenario("B", "slow", 3.0),
        ])
        .unwrap();
        assert!(!catalogue.weights_sum_to_one());
        assert_eq!(catalogue.probabilities(), vec![0.25, 0.75]);
    }

    #[test]
    fn rejects_invalid_scenarios() {
        let cases = vec![
            (vec![], "no scenarios"),
            (vec![scenario("A", "crash", 0.0)], "all weights are zero"),
            (vec![scenario("A", "crash", -1.0)], "finite number >= 0"),
            (vec![scenario("A", "crash", f64::NAN)], "finite number >= 0"),
            (
                vec![scenario("A", "crash", f64::INFINITY)],
                "finite number >= 0",
            ),
            (vec![scenario("A", "healthy", 1.0)], "not a scenario mode"),
            (vec![scenario("A", "Bad Mode", 1.0)], "lower-case"),
            (
                vec![scenario("A", "crash", 1.0), scenario("A", "slow", 1.0)],
                "duplicate",
            ),
            (vec![scenario("", "crash", 1.0)], "empty name"),
        ];
        for (scenarios, expected) in cases {
            let err = Catalogue::new(scenarios.clone()).unwrap_err();
            assert!(
                err.message.contains(expected),
                "{scenarios:?}: {}",
                err.message
            );
        }
    }

    #[test]
    fn rejects_inverted_delay_and_delay_on_fixed_modes() {
        let mut slow = scenario("S", "slow", 1.0);
        slow.delay = Some(DelayRange { min: 5, max: 2 });
        let err = Catalogue::new(vec![slow]).unwrap_err();
        assert_eq!((err.index, err.key), (Some(0), Some("delay")));
        let mut crash = scenario("C", "crash", 1.0);
        crash.delay = Some(DelayRange { min: 1, max: 2 });
        assert!(Catalogue::new(vec![crash]).is_err());
    }
}
