//! The state-file backend, the first [`FaultBackend`]: a target that reads
//! a JSON state file (see `chaos_state`) has its failures written to it,
//! and a rewrite by anyone else read back as a repair or a manual end.

mod one_shot;

use std::path::PathBuf;
use std::time::Duration;

use chaos_state::{
    modes, read_state, ClearReason, FailureSpec, ReadOutcome, StateRecord, WriteError, CLEARED_BY,
    INJECTED_BY,
};

use super::{Applied, BackendError, Effect, EndedElsewhere, FaultBackend, Observation};
use crate::outcome::{EndedBy, InjectedFailure};
use crate::state_files::StateFiles;

pub use one_shot::StateFileTarget;

/// A target that reads a state file: failures are records written to it
/// atomically (see `chaos_state`). The clears at start and at shutdown,
/// made for every target at once, are queued (see [`StateFiles`]); every
/// other write is made at once.
#[derive(Debug, Clone)]
pub struct StateFileBackend {
    path: PathBuf,
    files: StateFiles,
}

impl StateFileBackend {
    /// The backend writing `path` through `files`.
    pub fn new(path: PathBuf, files: StateFiles) -> Self {
        StateFileBackend { path, files }
    }

    fn write(&self, record: &StateRecord) -> Result<Duration, BackendError> {
        Ok(self.files.write_now(&self.path, record)?)
    }

    /// Writes the failure record of `failure` now.
    pub fn write_failure(
        &self,
        target: &str,
        failure: &InjectedFailure,
    ) -> Result<Duration, BackendError> {
        let spec = FailureSpec {
            target,
            scenario: &failure.scenario,
            mode: &failure.mode,
            delay: failure.delay,
            id: &failure.id,
            timestamp: failure.injected_at,
            expires_at: failure.expires_at,
        };
        self.write(&StateRecord::failure(&spec))
    }
}

impl FaultBackend for StateFileBackend {
    fn apply(&mut self, target: &str, failure: &InjectedFailure) -> Effect<Applied> {
        let written = self.write_failure(target, failure).map(|took| Applied {
            took,
            containers: Vec::new(),
        });
        Box::pin(std::future::ready(written))
    }

    fn clear(&mut self, target: &str, reason: ClearReason, now: f64) -> Effect<Duration> {
        let record = StateRecord::healthy(target, reason, now);
        match reason {
            // Every target at once: queued, written off the actors' thread.
            ClearReason::Startup | ClearReason::Disabled | ClearReason::Shutdown => {
                let written = self.files.write_queued(self.path.clone(), record);
                Box::pin(async move { Ok(written.await?) })
            }
            _ => Box::pin(std::future::ready(self.write(&record))),
        }
    }

    fn observe(&self, id: &str) -> Observation {
        match judge_rewrite(&read_state(&self.path), id) {
            None => Observation::InPlace,
            Some(ended) => Observation::EndedElsewhere(ended),
        }
    }
}

/// What the state file says about the failure `our_id`: `None` while it
/// still holds it (or cannot be read right now: a writer that is not
/// atomic may be halfway), otherwise who ended it: a healthy record from
/// another writer (a restarted target writes its own name in `cleared_by`)
/// or a removed file is a **repair**; a record from `chaos-engine` itself
/// (the `clear` or `inject` commands) is **manual**.
pub fn judge_rewrite(outcome: &ReadOutcome, our_id: &str) -> Option<EndedElsewhere> {
    match outcome {
        ReadOutcome::Unreadable(_) => None,
        ReadOutcome::Missing => Some(repair("state file removed", modes::HEALTHY)),
        ReadOutcome::Record(record) if record.id.as_deref() == Some(our_id) => None,
        ReadOutcome::Record(record) => Some(judge_record(record)),
    }
}

fn judge_record(record: &StateRecord) -> EndedElsewhere {
    if record.mode != modes::HEALTHY {
        // Another failure on top: a person (or another tool) injected.
        return manual(&record.mode);
    }
    match record.cleared_by.as_deref() {
        // `chaos-engine clear` by hand.
        Some(CLEARED_BY) => manual(&record.mode),
        Some(writer) if !writer.trim().is_empty() => {
            let mut repaired = repair(writer, &record.mode);
            // A target writes `reason: startup` when it starts: it went
            // down (the failure showed) and came back.
            if record.reason.as_deref() == Some(ClearReason::Startup.as_str()) {
                repaired.went_down = Some(format!(
                    "{writer} restarted (it wrote its state file healthy at its start)"
                ));
            }
            repaired
        }
        _ => repair("another writer", &record.mode),
    }
}

fn repair(by: &str, now_mode: &str) -> EndedElsewhere {
    EndedElsewhere {
        ended_by: EndedBy::Repair,
        repaired_by: Some(by.to_owned()),
        how: format!("state file rewritten by {by} (now {now_mode})"),
        went_down: None,
    }
}

fn manual(now_mode: &str) -> EndedElsewhere {
    EndedElsewhere {
        ended_by: EndedBy::Manual,
        repaired_by: None,
        how: format!("state file rewritten by {INJECTED_BY} by hand (now {now_mode})"),
        went_down: None,
    }
}

impl From<WriteError> for BackendError {
    fn from(err: WriteError) -> Self {
        BackendError::new("write the failure state", err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Failure `f1`, injected at 100 and due to end at 130.
    fn failure_f1(scenario: &str, mode: &str, delay: u64) -> InjectedFailure {
        InjectedFailure {
            id: "f1".into(),
            scenario: scenario.into(),
            mode: mode.into(),
            delay,
            injected_at: 100.0,
            expires_at: 130.0,
            manifested_at: None,
            containers: Vec::new(),
            category: None,
            fix: Vec::new(),
        }
    }

    fn record(json: &str) -> ReadOutcome {
        chaos_state::parse_state(json.as_bytes())
    }

    #[test]
    fn our_own_failure_or_an_unreadable_file_is_not_a_rewrite() {
        let ours = record(r#"{"mode":"slow","delay":3,"id":"a","injected_by":"chaos-engine"}"#);
        assert_eq!(judge_rewrite(&ours, "a"), None);
        assert_eq!(
            judge_rewrite(&ReadOutcome::Unreadable("x".into()), "a"),
            None
        );
    }

    #[test]
    fn a_target_writing_healthy_is_a_repair_by_that_target() {
        let restarted = record(r#"{"mode":"healthy","delay":0,"cleared_by":"target-app"}"#);
        let got = judge_rewrite(&restarted, "a").unwrap();
        assert_eq!(got.ended_by, EndedBy::Repair);
        assert_eq!(got.repaired_by.as_deref(), Some("target-app"));
        assert_eq!(got.how, "state file rewritten by target-app (now healthy)");
        let anonymous = record(r#"{"mode":"healthy","delay":0}"#);
        assert_eq!(
            judge_rewrite(&anonymous, "a")
                .unwrap()
                .repaired_by
                .as_deref(),
            Some("another writer")
        );
        let removed = judge_rewrite(&ReadOutcome::Missing, "a").unwrap();
        assert_eq!(removed.ended_by, EndedBy::Repair);
        assert_eq!(removed.repaired_by.as_deref(), Some("state file removed"));
    }

    #[test]
    fn a_target_writing_healthy_at_its_start_went_down_first() {
        let restarted =
            record(r#"{"mode":"healthy","delay":0,"cleared_by":"target-app","reason":"startup"}"#);
        let got = judge_rewrite(&restarted, "a").unwrap();
        assert_eq!(got.repaired_by.as_deref(), Some("target-app"));
        assert_eq!(
            got.went_down.as_deref(),
            Some("target-app restarted (it wrote its state file healthy at its start)")
        );
        let rewritten = record(r#"{"mode":"healthy","delay":0,"cleared_by":"agent"}"#);
        assert_eq!(judge_rewrite(&rewritten, "a").unwrap().went_down, None);
    }

    #[test]
    fn the_engines_own_commands_are_manual() {
        let cleared =
            record(r#"{"mode":"healthy","delay":0,"cleared_by":"chaos-engine","reason":"manual"}"#);
        assert_eq!(
            judge_rewrite(&cleared, "a").unwrap().ended_by,
            EndedBy::Manual
        );
        let injected =
            record(r#"{"mode":"crash","delay":0,"id":"b","injected_by":"chaos-engine"}"#);
        let got = judge_rewrite(&injected, "a").unwrap();
        assert_eq!(got.ended_by, EndedBy::Manual);
        assert_eq!(got.repaired_by, None);
        assert_eq!(
            got.how,
            "state file rewritten by chaos-engine by hand (now crash)"
        );
    }

    #[test]
    fn the_state_file_backend_applies_observes_and_clears() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        let mut backend = StateFileBackend::new(path.clone(), StateFiles::new());
        let failure = failure_f1("SLOWDOWN", "slow", 12);
        backend.write_failure("app", &failure).unwrap();
        let ReadOutcome::Record(written) = read_state(&path) else {
            panic!("no record written");
        };
        assert_eq!(written.mode, "slow");
        assert_eq!(written.expires_at, Some(130.0));
        assert_eq!(backend.observe("f1"), Observation::InPlace);
        futures_util::FutureExt::now_or_never(backend.clear("app", ClearReason::Recovery, 130.0))
            .expect("a state file is written at once")
            .unwrap();
        let Observation::EndedElsewhere(ended) = backend.observe("f1") else {
            panic!("a healthy file still reads as the failure");
        };
        // Seen from a watch, the engine's own healthy record reads as a
        // write by `chaos-engine` (the watch stops before the engine clears).
        assert_eq!(ended.ended_by, EndedBy::Manual);
        backend.write_failure("app", &failure).unwrap();
        std::fs::remove_file(&path).unwrap();
        let Observation::EndedElsewhere(removed) = backend.observe("f1") else {
            panic!("a removed file still reads as the failure");
        };
        assert_eq!(removed.ended_by, EndedBy::Repair);
    }

    #[test]
    fn a_state_file_rewritten_by_its_target_is_left_as_it_is_on_release() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        let mut backend = StateFileBackend::new(path.clone(), StateFiles::new());
        let failure = failure_f1("CRASH", "crash", 0);
        backend.write_failure("app", &failure).unwrap();
        let repaired =
            r#"{"mode":"healthy","delay":0,"cleared_by":"target-app","reason":"startup"}"#;
        std::fs::write(&path, repaired).unwrap();
        assert!(matches!(
            backend.observe("f1"),
            Observation::EndedElsewhere(_)
        ));
        let released = futures_util::FutureExt::now_or_never(backend.release("app", "f1"))
            .expect("nothing to wait for");
        assert_eq!(released.unwrap(), None);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), repaired);
    }
}
