//! The journal's size cap against the real binary: a daemon on a fast
//! schedule with `--journal-max 2KiB` renames its journal to
//! `journal.jsonl.1` and starts a fresh one, logs a warning naming both
//! files and the sizes, never tears a line, and `report` and `score` read
//! the `.1` file and then the journal.

use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

use serde_json::Value;

use crate::helpers::{run_once, wait_until, Engine, Workspace, FAST_SCHEDULE};

const CAP: u64 = 2048;

/// The ids of the `injected` lines of one file (whole lines only).
fn injected_ids(path: &Path) -> BTreeSet<String> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|line| line["event"] == "injected")
        .map(|line| line["id"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn a_capped_journal_is_rotated_with_a_warning_and_read_back_whole() {
    let ws = Workspace::new();
    let journal = ws.path("journal.jsonl");
    let rotated = ws.path("journal.jsonl.1");
    let state = ws.path("s.json");
    let journal_arg = journal.to_str().unwrap();
    let mut engine = Engine::start(
        &[
            FAST_SCHEDULE,
            &["--journal", journal_arg, "--journal-max", "2KiB"],
        ]
        .concat(),
        &[("FAILURE_STATE_FILE", state.to_str().unwrap())],
    );
    wait_until(
        Duration::from_secs(60),
        "a rotated journal with injections in both files",
        || !injected_ids(&rotated).is_empty() && !injected_ids(&journal).is_empty(),
    );
    let (status, _) = engine.terminate();
    assert!(status.success());

    let warnings = engine.events_matching("renamed to", None);
    let first = warnings.first().expect("a rotation warning");
    assert_eq!(first["level"], "WARN", "{first}");
    assert_eq!(first["journal"], journal_arg, "{first}");
    assert_eq!(first["rotated"], rotated.to_str().unwrap(), "{first}");
    assert_eq!(first["max"], CAP, "{first}");
    let message = first["message"].as_str().unwrap();
    assert!(
        message.starts_with(&format!("the journal {journal_arg} reached ")),
        "{message}"
    );
    assert!(message.contains("cap 2 KiB"), "{message}");
    assert!(
        message.contains(&format!("renamed to {}", rotated.display())),
        "{message}"
    );

    // Both files stay under the cap, every line whole.
    for path in [&journal, &rotated] {
        let text = std::fs::read_to_string(path).unwrap();
        assert!(
            text.len() as u64 <= CAP,
            "{}: {} bytes",
            path.display(),
            text.len()
        );
        assert!(text.ends_with('\n'));
        for line in text.lines() {
            serde_json::from_str::<Value>(line)
                .unwrap_or_else(|err| panic!("torn line ({err}): {line}"));
        }
    }

    // The report and the score see the injections of both files.
    let expected: BTreeSet<String> = injected_ids(&rotated)
        .into_iter()
        .chain(injected_ids(&journal))
        .collect();
    let json = |command: &str| -> Value {
        let output = run_once(
            &[command, "--journal", journal_arg, "--format", "json"],
            &[],
        );
        assert_eq!(
            output.status.code(),
            Some(0),
            "{command}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_slice(&output.stdout).expect("one JSON document")
    };
    let ids = |list: &Value| -> BTreeSet<String> {
        list.as_array()
            .unwrap()
            .iter()
            .map(|item| item["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let reported = ids(&json("report")["failures"]);
    assert!(reported.is_superset(&expected), "{reported:?} {expected:?}");
    let scored = ids(&json("score")["incidents"]);
    assert!(scored.is_superset(&expected), "{scored:?} {expected:?}");
}
