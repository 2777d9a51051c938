//! Tests of the journal: whole lines, a full disk, reopening, rotation
//! at the size cap (read back with [`super::read`]), and the module doc's
//! list of events.

use super::*;

#[test]
fn appends_one_json_line_per_event_without_absent_fields() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.jsonl");
    let journal = Journal::open(&path);
    journal.record(1.5, JournalEvent::EngineStarted(schema::Started::default()));
    journal.record(
        2.5,
        JournalEvent::Paused(schema::TargetOnly {
            target: "app".into(),
        }),
    );
    let text = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], r#"{"timestamp":1.5,"event":"engine_started"}"#);
    assert_eq!(
        lines[1],
        r#"{"timestamp":2.5,"event":"paused","target":"app"}"#
    );
    // Reopening appends.
    Journal::open(&path).record(3.0, JournalEvent::EngineStopped(Note::default()));
    assert_eq!(std::fs::read_to_string(&path).unwrap().lines().count(), 3);
}

/// Log output captured while `f` runs.
fn logged(f: impl FnOnce()) -> String {
    #[derive(Clone, Default)]
    struct Captured(std::sync::Arc<Mutex<Vec<u8>>>);
    impl Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    tracing::subscriber::with_default(subscriber, f);
    let bytes = captured.0.lock().unwrap().clone();
    String::from_utf8(bytes).unwrap()
}

fn numbered(n: usize) -> JournalEvent {
    JournalEvent::Reloaded(Note {
        detail: Some(format!("event {n}")),
    })
}

/// The `detail` of every line of the journal at `path`, `.1` first.
fn details(path: &Path) -> Vec<String> {
    let mut details = Vec::new();
    for_each_line(path, |line| {
        let value: serde_json::Value = serde_json::from_str(line)
            .unwrap_or_else(|err| panic!("not a whole line ({err}): {line}"));
        details.push(value["detail"].as_str().unwrap_or("").to_owned());
    })
    .unwrap();
    details
}

#[test]
fn a_journal_that_would_pass_its_cap_is_rotated_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.jsonl");
    let rotated = rotated_path(&path);
    // Every line is as long as the first (one-digit numbers).
    let probe = dir.path().join("probe.jsonl");
    Journal::open_with_max(&probe, None).record(1.0, numbered(0));
    let line = std::fs::metadata(&probe).unwrap().len();
    let cap = 3 * line + line / 2;

    let journal = Journal::open_with_max(&path, Some(cap));
    assert_eq!(journal.max(), Some(cap));
    let log = logged(|| {
        for n in 0..6 {
            journal.record(1.0, numbered(n));
        }
    });
    assert_eq!(details(&rotated), ["event 0", "event 1", "event 2"]);
    let size = |p: &Path| std::fs::metadata(p).unwrap().len();
    assert_eq!(size(&rotated), 3 * line);
    assert_eq!(size(&path), 3 * line, "the fresh journal holds the rest");
    assert_eq!(
        details(&path),
        ["event 0", "event 1", "event 2", "event 3", "event 4", "event 5"],
        "read back whole, the rotated file first"
    );
    assert_eq!(log.matches("WARN").count(), 1, "{log}");
    for needed in [
        format!("the journal {} reached", path.display()),
        format!("({} bytes; cap {})", 3 * line, format_size(cap)),
        format!("renamed to {}", rotated.display()),
        "a fresh".to_owned(),
    ] {
        assert!(log.contains(&needed), "`{needed}` not in: {log}");
    }

    // The next rotation replaces the older `.1`: the disk holds at most
    // about twice the cap.
    journal.record(1.0, numbered(6));
    assert_eq!(details(&path), ["event 3", "event 4", "event 5", "event 6"]);
    assert!(size(&rotated) <= cap && size(&path) <= cap);
    assert_eq!(journal.lost(), 0);
}

#[test]
fn a_line_longer_than_the_cap_is_written_whole_in_a_file_of_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.jsonl");
    let journal = Journal::open_with_max(&path, Some(10));
    journal.record(1.0, numbered(1));
    assert!(
        !rotated_path(&path).exists(),
        "an empty journal is not rotated"
    );
    journal.record(2.0, numbered(2));
    assert_eq!(details(&rotated_path(&path)), ["event 1"]);
    assert_eq!(details(&path), ["event 1", "event 2"]);
}

#[test]
fn a_journal_rotated_by_another_process_is_followed_not_rotated_again() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.jsonl");
    let one_shot = Journal::open_with_max(&path, Some(10));
    one_shot.record(1.0, numbered(1));
    // The daemon rotates meanwhile, and starts its fresh journal.
    std::fs::rename(&path, rotated_path(&path)).unwrap();
    Journal::open_with_max(&path, Some(10)).record(2.0, numbered(2));
    // The one-shot's next line would pass the cap of the file it has
    // open (now the `.1`): it goes to the fresh journal, whose line is
    // not pushed over the `.1`.
    one_shot.record(3.0, numbered(3));
    assert_eq!(details(&rotated_path(&path)), ["event 1"]);
    assert_eq!(details(&path), ["event 1", "event 2", "event 3"]);
}

#[test]
fn without_a_cap_the_journal_is_never_rotated() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.jsonl");
    let journal = Journal::open_with_max(&path, None);
    for n in 0..100 {
        journal.record(1.0, numbered(n % 10));
    }
    assert!(!rotated_path(&path).exists());
    assert_eq!(details(&path).len(), 100);
}

#[test]
fn a_journal_that_cannot_be_opened_is_retried_at_each_event() {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("later");
    let path = sub.join("journal.jsonl");
    let journal = Journal::open(&path);
    journal.record(1.0, numbered(1));
    assert_eq!(journal.lost(), 1);
    std::fs::create_dir(&sub).unwrap();
    journal.record(2.0, numbered(2));
    assert_eq!(journal.lost(), 0, "reported and reset once it works");
    assert_eq!(details(&path), ["event 2"]);
}

/// A 64 KiB tmpfs mounted on a temporary directory, unmounted on drop.
/// Needs root: `None` (with a notice) elsewhere, unless
/// `CHAOS_REQUIRE_ROOT=1` (set by `.ci/run`) makes that a failure.
struct SmallTmpfs {
    dir: tempfile::TempDir,
}

impl SmallTmpfs {
    fn mount() -> Option<Self> {
        let dir = tempfile::tempdir().unwrap();
        let mounted = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=64k", "tmpfs"])
            .arg(dir.path())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|status| status.success());
        if mounted {
            return Some(SmallTmpfs { dir });
        }
        assert!(
            std::env::var("CHAOS_REQUIRE_ROOT").as_deref() != Ok("1"),
            "cannot mount a tmpfs (root needed) and CHAOS_REQUIRE_ROOT=1"
        );
        eprintln!("notice: not root, so no small tmpfs: the full-disk journal test is skipped");
        None
    }
}

impl Drop for SmallTmpfs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg(self.dir.path())
            .status();
    }
}

#[test]
fn a_full_disk_loses_whole_events_never_tears_a_line() {
    let Some(tmpfs) = SmallTmpfs::mount() else {
        return;
    };
    let path = tmpfs.dir.path().join("journal.jsonl");
    let journal = Journal::open(&path);
    fn note(detail: &str) -> Note {
        Note {
            detail: Some(detail.to_owned()),
        }
    }
    journal.record(
        1.0,
        JournalEvent::EngineStarted(schema::Started {
            detail: note("before").detail,
            seed: None,
            scenarios: None,
        }),
    );
    // Fill the file system: what is left is the rest of the journal's
    // last page, smaller than the next event.
    let filler_path = tmpfs.dir.path().join("filler");
    let mut filler = File::create(&filler_path).unwrap();
    while filler.write_all(&[b'x'; 4096]).is_ok() {}
    drop(filler);
    let long = "y".repeat(8000);
    journal.record(2.0, JournalEvent::Reloaded(note(&long)));
    assert_eq!(journal.lost(), 1);
    std::fs::remove_file(&filler_path).unwrap();
    journal.record(3.0, JournalEvent::EngineStopped(note("after")));
    assert_eq!(
        journal.lost(),
        0,
        "reported and reset once writes work again"
    );

    let text = std::fs::read_to_string(&path).unwrap();
    let details: Vec<String> = text
        .lines()
        .map(|line| {
            let value: serde_json::Value = serde_json::from_str(line)
                .unwrap_or_else(|err| panic!("torn line ({err}): {line:.80}"));
            value["detail"].as_str().unwrap_or("").to_owned()
        })
        .collect();
    assert_eq!(details, ["before", "after"]);
}

#[test]
fn an_unopenable_journal_records_nothing_and_does_not_panic() {
    let journal = Journal::open(Path::new("/nonexistent-dir/journal.jsonl"));
    journal.record(1.0, JournalEvent::EngineStopped(Note::default()));
    assert!(journal.failed.load(Ordering::Relaxed));
}

/// The module doc's `# Events` list names every event, once, in the order
/// of [`EventName::ALL`].
#[test]
fn the_module_doc_lists_every_event() {
    let source = include_str!("../journal.rs");
    let listed: Vec<&str> = source
        .lines()
        .map_while(|line| line.strip_prefix("//!"))
        .skip_while(|line| line.trim() != "# Events")
        .skip(1)
        .take_while(|line| !line.trim_start().starts_with('#'))
        .filter_map(|line| line.strip_prefix(" - `"))
        .filter_map(|line| line.split_once('`').map(|(name, _)| name))
        .collect();
    let all: Vec<&str> = EventName::ALL.iter().map(|event| event.as_str()).collect();
    assert_eq!(listed, all);
}
