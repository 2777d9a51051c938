//! What `inject` writes into a target: the scenario `--scenario NAME` names
//! in the target's catalogue (its mode; a MODE given too must be that
//! mode), or the mode MODE, under the name of the first scenario of that
//! mode (the mode in upper case when none has it). Reads nothing but the
//! target's settings; writes nothing.

use crate::config::TargetSettings;
use crate::scenario::Scenario;

/// The scenario and mode of a manual injection.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Choice<'a> {
    /// The name the failure is written and journalled under.
    pub scenario: String,
    /// The mode written.
    pub mode: String,
    /// The catalogue's scenario, when `--scenario` chose it (its delay
    /// range and, on a Docker target, its fault are used).
    pub chosen: Option<&'a Scenario>,
}

/// The choice of `--scenario` and MODE on `target`, or a usage message.
pub(super) fn choose<'a>(
    target: &'a TargetSettings,
    mode: Option<&str>,
    scenario: Option<&str>,
) -> Result<Choice<'a>, String> {
    let catalogue = &target.catalogue;
    let Some(name) = scenario else {
        let Some(mode) = mode else {
            return Err("give MODE or --scenario NAME".to_owned());
        };
        return Ok(Choice {
            scenario: catalogue.name_for_mode(mode),
            mode: mode.to_owned(),
            chosen: None,
        });
    };
    let Some(found) = catalogue.scenarios().iter().find(|s| s.name == name) else {
        return Err(format!(
            "--scenario {name}: target {} has no such scenario (its scenarios: {})",
            target.name,
            describe_scenarios(target)
        ));
    };
    if let Some(mode) = mode.filter(|mode| *mode != found.mode) {
        return Err(format!(
            "MODE {mode}: scenario {name} of target {} has mode {}; give one of them, or both \
             alike",
            target.name, found.mode
        ));
    }
    Ok(Choice {
        scenario: found.name.clone(),
        mode: found.mode.clone(),
        chosen: Some(found),
    })
}

/// `SLOWDOWN (slow), CRASH (crash)`: the target's scenarios and their modes.
fn describe_scenarios(target: &TargetSettings) -> String {
    target
        .catalogue
        .scenarios()
        .iter()
        .map(|s| format!("{} ({})", s.name, s.mode))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use super::*;
    use crate::config::TargetKind;
    use crate::scenario::{Catalogue, DelayRange};

    fn scenario(name: &str, mode: &str, delay: Option<(u64, u64)>) -> Scenario {
        Scenario {
            name: name.to_owned(),
            mode: mode.to_owned(),
            weight: 1.0,
            delay: delay.map(|(min, max)| DelayRange { min, max }),
            category: None,
            fix: Vec::new(),
        }
    }

    fn target() -> TargetSettings {
        TargetSettings {
            name: "app".to_owned(),
            kind: TargetKind::StateFile("/tmp/app.json".into()),
            interval: Duration::from_secs(180),
            recovery: Duration::from_secs(30),
            startup_wait: Duration::from_secs(60),
            catalogue: Arc::new(
                Catalogue::new(vec![
                    scenario("SLOW_A", "slow", Some((1, 1))),
                    scenario("SLOW_B", "slow", Some((7, 7))),
                    scenario("CRASH", "crash", None),
                ])
                .unwrap(),
            ),
            probe: None,
            policy: Arc::default(),
        }
    }

    #[test]
    fn a_scenario_is_chosen_by_name_not_only_the_first_of_its_mode() {
        let target = target();
        let by_mode = choose(&target, Some("slow"), None).unwrap();
        assert_eq!(
            (by_mode.scenario.as_str(), by_mode.chosen),
            ("SLOW_A", None)
        );
        let by_name = choose(&target, None, Some("SLOW_B")).unwrap();
        assert_eq!(by_name.scenario, "SLOW_B");
        assert_eq!(by_name.mode, "slow");
        assert_eq!(
            by_name.chosen.and_then(|s| s.delay),
            Some(DelayRange { min: 7, max: 7 })
        );
        // MODE may be given too, if it is the scenario's.
        assert_eq!(
            choose(&target, Some("slow"), Some("SLOW_B")).unwrap(),
            by_name
        );
        // A mode outside the catalogue is named after itself.
        assert_eq!(
            choose(&target, Some("network_partition"), None)
                .unwrap()
                .scenario,
            "NETWORK_PARTITION"
        );
    }

    #[test]
    fn an_unknown_name_lists_the_targets_scenarios_and_a_mismatched_mode_is_refused() {
        let target = target();
        assert_eq!(
            choose(&target, None, Some("SLOW_C")).unwrap_err(),
            "--scenario SLOW_C: target app has no such scenario (its scenarios: SLOW_A (slow), \
             SLOW_B (slow), CRASH (crash))"
        );
        assert!(choose(&target, Some("crash"), Some("SLOW_B"))
            .unwrap_err()
            .starts_with("MODE crash: scenario SLOW_B of target app has mode slow"));
        assert_eq!(
            choose(&target, None, None).unwrap_err(),
            "give MODE or --scenario NAME"
        );
    }
}
