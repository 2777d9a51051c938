//! What a reload changes, worked out without touching a running target:
//! [`plan_reload`] compares the running targets with the reloaded ones and
//! sorts each into leaving, joining, changed, policy-only or unchanged. The
//! Supervisor then carries the plan out.

use std::collections::BTreeMap;

use crate::config::TargetSettings;

/// The targets of a reload, sorted by what happens to each.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct ReloadPlan {
    /// Removed, or moved to another state file: cleared
    /// (`reason: reload`) and stopped.
    pub leaving: Vec<String>,
    /// New (or moved to another state file): started once every leaving
    /// target is retired.
    pub joining: Vec<TargetSettings>,
    /// New schedule, probe or scenarios: reconfigured, keeping the
    /// start-to-start anchor. `true` when the scenarios changed (the
    /// target's pick stream is replaced).
    pub changed: Vec<(TargetSettings, bool)>,
    /// Only the engine-wide policy changed: handed over, schedule untouched.
    pub policy_only: Vec<TargetSettings>,
    /// Exactly as they were.
    pub unchanged: Vec<String>,
}

/// Compares the `running` targets (name and settings) with the
/// `reloaded` ones.
pub fn plan_reload<'a>(
    running: impl IntoIterator<Item = (&'a str, &'a TargetSettings)>,
    reloaded: &[TargetSettings],
) -> ReloadPlan {
    let running: BTreeMap<&str, &TargetSettings> = running.into_iter().collect();
    let wanted: BTreeMap<&str, &TargetSettings> =
        reloaded.iter().map(|t| (t.name.as_str(), t)).collect();
    let mut plan = ReloadPlan::default();
    // A different file is a different target as far as the file's readers
    // are concerned: it leaves and joins under the same name; so are other
    // containers.
    let moved = |name: &str, current: &TargetSettings| {
        wanted.get(name).is_none_or(|t| t.kind != current.kind)
    };
    for (name, current) in &running {
        if moved(name, current) {
            plan.leaving.push((*name).to_owned());
        }
    }
    for (name, target) in &wanted {
        let (name, target) = (*name, *target);
        match running.get(name) {
            Some(current) if moved(name, current) => plan.joining.push(target.clone()),
            None => plan.joining.push(target.clone()),
            Some(current) if *current == target => plan.unchanged.push(name.to_owned()),
            Some(current) if current.same_except_policy(target) => {
                plan.policy_only.push(target.clone())
            }
            Some(current) => plan
                .changed
                .push((target.clone(), current.catalogue != target.catalogue)),
        }
    }
    plan
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;
    use std::sync::Arc;
    use std::time::Duration;

    use super::*;
    use crate::config::TargetKind;
    use crate::policy::Policy;
    use crate::scenario::Catalogue;

    fn target(name: &str) -> TargetSettings {
        TargetSettings {
            name: name.to_owned(),
            kind: TargetKind::StateFile(PathBuf::from(format!("/tmp/{name}.json"))),
            interval: Duration::from_secs(180),
            recovery: Duration::from_secs(30),
            startup_wait: Duration::from_secs(60),
            catalogue: Arc::new(Catalogue::default_catalogue()),
            probe: None,
            policy: Arc::new(Policy::default()),
        }
    }

    fn running(targets: &[TargetSettings]) -> Vec<(&str, &TargetSettings)> {
        targets.iter().map(|t| (t.name.as_str(), t)).collect()
    }

    fn names(targets: &[TargetSettings]) -> Vec<&str> {
        targets.iter().map(|t| t.name.as_str()).collect()
    }

    #[test]
    fn the_same_configuration_changes_nothing() {
        let targets = [target("a"), target("b")];
        let plan = plan_reload(running(&targets), &targets);
        assert_eq!(plan.unchanged, ["a", "b"]);
        assert_eq!(
            plan,
            ReloadPlan {
                unchanged: vec!["a".into(), "b".into()],
                ..ReloadPlan::default()
            }
        );
    }

    #[test]
    fn removed_targets_leave_and_new_ones_join() {
        let plan = plan_reload(
            running(&[target("a"), target("b")]),
            &[target("b"), target("c")],
        );
        assert_eq!(plan.leaving, ["a"]);
        assert_eq!(names(&plan.joining), ["c"]);
        assert_eq!(plan.unchanged, ["b"]);
    }

    #[test]
    fn a_target_on_another_state_file_leaves_and_joins_under_its_name() {
        let mut moved = target("a");
        moved.kind = TargetKind::StateFile(PathBuf::from("/tmp/elsewhere.json"));
        let plan = plan_reload(running(&[target("a")]), &[moved]);
        assert_eq!(plan.leaving, ["a"]);
        assert_eq!(names(&plan.joining), ["a"]);
        assert!(plan.changed.is_empty() && plan.unchanged.is_empty());
    }

    #[test]
    fn a_new_schedule_is_a_change_and_new_scenarios_replace_the_stream() {
        let mut slower = target("a");
        slower.interval = Duration::from_secs(300);
        let mut other_scenarios = target("b");
        let mut scenarios = Catalogue::default_catalogue().scenarios().to_vec();
        scenarios.truncate(1);
        other_scenarios.catalogue = Arc::new(Catalogue::new(scenarios).unwrap());
        let plan = plan_reload(
            running(&[target("a"), target("b")]),
            &[slower, other_scenarios],
        );
        let changed: Vec<(&str, bool)> = plan
            .changed
            .iter()
            .map(|(t, new_stream)| (t.name.as_str(), *new_stream))
            .collect();
        assert_eq!(changed, [("a", false), ("b", true)]);
    }

    #[test]
    fn only_a_new_policy_leaves_the_schedule_alone() {
        let mut capped = target("a");
        capped.policy = Arc::new(Policy {
            max_concurrent_failures: Some(1),
            ..Policy::default()
        });
        let plan = plan_reload(running(&[target("a")]), std::slice::from_ref(&capped));
        assert_eq!(names(&plan.policy_only), ["a"]);
        assert!(plan.changed.is_empty() && plan.unchanged.is_empty());
    }
}
