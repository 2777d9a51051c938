//! The fault ledger: the engine's own write-ahead log of every Docker
//! fault, always on (with or without `--journal`), so that whatever kills
//! the engine, a later engine or `chaos-engine recover` knows what to undo.
//!
//! - One file per engine process, `<dir>/<owner>.jsonl`, where `owner` is a
//!   random instance id that also labels every container the engine
//!   creates. The file is created at the first fault (an engine with no
//!   Docker fault writes nothing) and held under an exclusive `flock` for
//!   the life of the process: a locked ledger belongs to a live engine and
//!   is never touched by another one, so two engines never undo each
//!   other's faults, even when their targets share names.
//! - One JSON line per step of a fault: `intent` (the [`FaultRecord`],
//!   synced to disk before the first change), `applied`, and `undone`
//!   (written only once the undo was verified). A fault is open from its
//!   intent until its `undone`.
//! - A ledger whose lock is free is a dead engine's: startup and `recover`
//!   adopt it ([`scan`]), undo its open faults, and delete it once nothing
//!   in it is open; a fault that could not be undone stays, and the next
//!   `recover` tries again. An engine that exits with nothing open deletes
//!   its own ledger.
//!
//! Reading is streamed line by line: a ledger holds a few lines per fault,
//! and only its open faults are kept in memory.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rustix::fs::{flock, FlockOperation};
use serde::{Deserialize, Serialize};

use super::FaultRecord;

/// The ledger's extension.
const EXTENSION: &str = "jsonl";
/// A live ledger with nothing open is emptied once it has grown past this.
const COMPACT_AT_BYTES: u64 = 256 * 1024;

/// One line of a ledger.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Entry {
    /// About to apply a fault (before the first change); boxed, as the
    /// record is many times the size of the other lines.
    Intent(Box<FaultRecord>),
    /// Every change of the fault was made.
    Applied {
        /// The fault's token.
        token: String,
    },
    /// The fault was undone, and the undo verified.
    Undone {
        /// The fault's token.
        token: String,
        /// What was done.
        detail: String,
    },
}

/// The default ledger directory: `/var/lib/chaos-engine` for root, else
/// `$XDG_STATE_HOME/chaos-engine`, else `~/.local/state/chaos-engine`,
/// else `chaos-engine-<uid>` in the temporary directory.
pub fn default_dir() -> PathBuf {
    let uid = rustix::process::geteuid();
    if uid.is_root() {
        return PathBuf::from("/var/lib/chaos-engine");
    }
    let absolute = |var: &str| {
        std::env::var_os(var)
            .map(PathBuf::from)
            .filter(|path| path.is_absolute())
    };
    if let Some(state) = absolute("XDG_STATE_HOME") {
        return state.join("chaos-engine");
    }
    if let Some(home) = absolute("HOME") {
        return home.join(".local/state/chaos-engine");
    }
    std::env::temp_dir().join(format!("chaos-engine-{}", uid.as_raw()))
}

/// A random id: 16 hexadecimal digits.
pub fn random_id() -> String {
    format!("{:016x}", rand::random::<u64>())
}

/// This engine's ledger (see the module docs). Cheap until the first
/// fault: the file is created then.
#[derive(Debug)]
pub struct Ledger {
    dir: PathBuf,
    owner: String,
    file: Mutex<Option<OpenLedger>>,
}

#[derive(Debug)]
struct OpenLedger {
    path: PathBuf,
    file: File,
    written: u64,
    open: BTreeMap<String, FaultRecord>,
}

impl Ledger {
    /// The ledger of a new engine instance, in `dir`.
    pub fn new(dir: PathBuf) -> Ledger {
        Ledger {
            dir,
            owner: random_id(),
            file: Mutex::new(None),
        }
    }

    /// This engine's instance id.
    pub fn owner(&self) -> &str {
        &self.owner
    }

    /// The directory of the ledgers.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Writes the intent of `record` (whose `owner` it sets) and syncs it
    /// to disk: call before the first change.
    pub fn intent(&self, record: &FaultRecord) -> io::Result<()> {
        let mut record = record.clone();
        record.owner = Some(self.owner.clone());
        let token = record.token.clone();
        self.write(&Entry::Intent(Box::new(record.clone())), true, |open| {
            open.open.insert(token, record);
        })
    }

    /// Notes that every change of the fault `token` was made.
    pub fn applied(&self, token: &str) -> io::Result<()> {
        let entry = Entry::Applied {
            token: token.to_owned(),
        };
        self.write(&entry, false, |_| {})
    }

    /// Notes that the fault `token` is undone (call only once verified).
    pub fn undone(&self, token: &str, detail: &str) -> io::Result<()> {
        let entry = Entry::Undone {
            token: token.to_owned(),
            detail: detail.to_owned(),
        };
        self.write(&entry, false, |open| {
            open.open.remove(token);
        })
    }

    /// The faults applied and not undone (none before the first fault).
    pub fn open_faults(&self) -> Vec<FaultRecord> {
        match self.file.lock() {
            Ok(guard) => guard
                .as_ref()
                .map(|open| open.open.values().cloned().collect())
                .unwrap_or_default(),
            Err(_) => Vec::new(),
        }
    }

    /// At exit: deletes the ledger when nothing in it is open (and says
    /// so: `Ok(true)`); otherwise keeps it for the next engine or
    /// `recover` (`Ok(false)`). The lock goes with the process.
    pub fn close(&self) -> io::Result<bool> {
        let mut guard = self
            .file
            .lock()
            .map_err(|_| io::Error::other("the ledger's lock was poisoned"))?;
        match guard.as_ref() {
            None => Ok(true),
            Some(open) if open.open.is_empty() => {
                std::fs::remove_file(&open.path)?;
                *guard = None;
                Ok(true)
            }
            Some(_) => Ok(false),
        }
    }

    /// The path of this engine's ledger file.
    pub fn path(&self) -> PathBuf {
        self.dir.join(format!("{}.{EXTENSION}", self.owner))
    }

    fn write(
        &self,
        entry: &Entry,
        sync: bool,
        update: impl FnOnce(&mut OpenLedger),
    ) -> io::Result<()> {
        let mut guard = self
            .file
            .lock()
            .map_err(|_| io::Error::other("the ledger's lock was poisoned"))?;
        if guard.is_none() {
            *guard = Some(self.create()?);
        }
        let Some(open) = guard.as_mut() else {
            return Err(io::Error::other("the ledger could not be opened"));
        };
        let line = entry_line(entry)?;
        open.file.write_all(line.as_bytes())?;
        if sync {
            open.file.sync_data()?;
        }
        open.written += line.len() as u64;
        update(open);
        if open.open.is_empty() && open.written > COMPACT_AT_BYTES {
            // Nothing open: nothing in it is needed any more.
            open.file.set_len(0)?;
            open.written = 0;
        }
        Ok(())
    }

    fn create(&self) -> io::Result<OpenLedger> {
        create_dir(&self.dir)?;
        let path = self.path();
        // Locked under a name `scan` ignores, then renamed: a scan never
        // sees this ledger unlocked (and never adopts it as a dead one's).
        let hidden = self.dir.join(format!(".{}.new", self.owner));
        let file = OpenOptions::new()
            .create_new(true)
            .append(true)
            .open(&hidden)
            .map_err(|err| annotate(err, "create the fault ledger", &hidden))?;
        flock(&file, FlockOperation::NonBlockingLockExclusive)
            .map_err(|err| annotate(err.into(), "lock the fault ledger", &hidden))?;
        std::fs::rename(&hidden, &path)
            .map_err(|err| annotate(err, "create the fault ledger", &path))?;
        Ok(OpenLedger {
            path,
            file,
            written: 0,
            open: BTreeMap::new(),
        })
    }
}

/// Creates the ledger directory (owner-only) if it does not exist.
fn create_dir(dir: &Path) -> io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|err| annotate(err, "create the fault ledger directory", dir))
}

fn annotate(err: io::Error, what: &str, path: &Path) -> io::Error {
    io::Error::new(
        err.kind(),
        format!("cannot {what} {}: {err}", path.display()),
    )
}

fn entry_line(entry: &Entry) -> io::Result<String> {
    let mut line = serde_json::to_string(entry).map_err(io::Error::other)?;
    line.push('\n');
    Ok(line)
}

/// A dead engine's ledger, adopted (locked) by this process.
#[derive(Debug)]
pub struct DeadLedger {
    /// The dead engine's instance id.
    pub owner: String,
    /// Its file.
    pub path: PathBuf,
    file: File,
    /// Its faults applied and not undone, in the order they were applied.
    pub open: Vec<FaultRecord>,
}

impl DeadLedger {
    /// Notes that its fault `token` is undone (verified).
    pub fn undone(&mut self, token: &str, detail: &str) -> io::Result<()> {
        let line = entry_line(&Entry::Undone {
            token: token.to_owned(),
            detail: detail.to_owned(),
        })?;
        self.file.write_all(line.as_bytes())?;
        self.file.sync_data()?;
        self.open.retain(|record| record.token != token);
        Ok(())
    }

    /// Deletes the ledger when nothing in it is open any more (true), or
    /// keeps it for the next try (false); the lock is released either way.
    pub fn finish(self) -> io::Result<bool> {
        if self.open.is_empty() {
            std::fs::remove_file(&self.path)?;
            return Ok(true);
        }
        Ok(false)
    }
}

/// What a look into the ledger directory found.
#[derive(Debug)]
pub enum Scan {
    /// The directory does not exist: no engine with a Docker fault ever
    /// wrote there, or it was removed; nothing can be known from it.
    NoLedger,
    /// The ledgers found.
    Found {
        /// Dead engines' ledgers, now locked by this process.
        dead: Vec<DeadLedger>,
        /// Live engines' instance ids (their ledgers are locked).
        live: Vec<String>,
    },
}

/// Looks into `dir`: adopts every ledger whose lock is free (a dead
/// engine's) and names the live ones. Unreadable lines are skipped.
pub fn scan(dir: &Path) -> io::Result<Scan> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(Scan::NoLedger),
        Err(err) => return Err(annotate(err, "read the fault ledger directory", dir)),
    };
    let mut dead = Vec::new();
    let mut live = Vec::new();
    for entry in entries {
        let path = entry?.path();
        if path.extension().and_then(|e| e.to_str()) != Some(EXTENSION) {
            continue;
        }
        let Some(owner) = path.file_stem().and_then(|s| s.to_str()).map(str::to_owned) else {
            continue;
        };
        let file = match OpenOptions::new().read(true).append(true).open(&path) {
            Ok(file) => file,
            // Deleted by its engine meanwhile: nothing was open in it.
            Err(err) if err.kind() == io::ErrorKind::NotFound => continue,
            Err(err) => return Err(annotate(err, "open the fault ledger", &path)),
        };
        match flock(&file, FlockOperation::NonBlockingLockExclusive) {
            Ok(()) => {}
            Err(rustix::io::Errno::WOULDBLOCK) => {
                live.push(owner);
                continue;
            }
            Err(err) => return Err(annotate(err.into(), "lock the fault ledger", &path)),
        }
        // Deleted by its engine between our open and our lock.
        if !path.exists() {
            continue;
        }
        let open = open_faults(BufReader::new(&file))?;
        dead.push(DeadLedger {
            owner,
            path,
            file,
            open,
        });
    }
    dead.sort_by(|a, b| a.path.cmp(&b.path));
    live.sort();
    Ok(Scan::Found { dead, live })
}

/// Every open fault in every ledger of `dir`, live or dead, read without
/// taking any lock (for `status`); an unreadable ledger is skipped.
pub fn read_open(dir: &Path) -> Vec<FaultRecord> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut open = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().and_then(|e| e.to_str()) != Some(EXTENSION) {
            continue;
        }
        if let Ok(file) = File::open(&path) {
            open.extend(open_faults(BufReader::new(file)).unwrap_or_default());
        }
    }
    open
}

/// The faults of a ledger read from `reader` that have an intent and no
/// `undone`, in the order of their intents.
pub fn open_faults(reader: impl BufRead) -> io::Result<Vec<FaultRecord>> {
    let mut open: Vec<FaultRecord> = Vec::new();
    for line in reader.lines() {
        let line = line?;
        match serde_json::from_str::<Entry>(&line) {
            Ok(Entry::Intent(record)) => {
                open.retain(|r| r.token != record.token);
                open.push(*record);
            }
            Ok(Entry::Undone { token, .. }) => open.retain(|r| r.token != token),
            Ok(Entry::Applied { .. }) | Err(_) => {}
        }
    }
    Ok(open)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::docker::{ContainerRef, DockerMode};

    fn record(token: &str, mode: DockerMode) -> FaultRecord {
        FaultRecord {
            target: "cache".to_owned(),
            id: format!("failure-{token}"),
            mode,
            host: None,
            cert_path: None,
            containers: vec![ContainerRef {
                id: "c1".to_owned(),
                name: "cache-1".to_owned(),
            }],
            expires_at: 100.0,
            token: token.to_owned(),
            owner: None,
            started_at: 70.0,
            grace_s: None,
            restore: None,
            unit_hosts: Default::default(),
        }
    }

    #[test]
    fn a_fault_is_open_from_its_intent_until_its_undone() {
        let dir = tempfile::tempdir().unwrap();
        let ledger = Ledger::new(dir.path().join("ledger"));
        assert!(!ledger.path().exists(), "no file before the first fault");
        ledger.intent(&record("a", DockerMode::Pause)).unwrap();
        ledger.applied("a").unwrap();
        ledger.intent(&record("b", DockerMode::Stop)).unwrap();
        ledger.undone("a", "unpaused").unwrap();
        let open = ledger.open_faults();
        assert_eq!(open.len(), 1);
        assert_eq!(open[0].token, "b");
        assert_eq!(open[0].owner.as_deref(), Some(ledger.owner()));
        let read = open_faults(BufReader::new(File::open(ledger.path()).unwrap())).unwrap();
        assert_eq!(read, open);
        // Something is open: the ledger stays at exit.
        assert!(!ledger.close().unwrap());
        assert!(ledger.path().exists());
        ledger.undone("b", "started").unwrap();
        assert!(ledger.close().unwrap());
        assert!(!ledger.path().exists(), "nothing open: deleted at exit");
    }

    #[test]
    fn a_restore_round_trips_through_the_ledger_and_a_container_fault_writes_none() {
        let dir = tempfile::tempdir().unwrap();
        let ledger = Ledger::new(dir.path().join("ledger"));
        let mut scale = record("s", DockerMode::Scale);
        scale.containers = vec![ContainerRef {
            id: "svc-id".to_owned(),
            name: "shop_api".to_owned(),
        }];
        scale.restore = Some(crate::outcome::Restore {
            field: "replicas".to_owned(),
            before: "2".to_owned(),
            applied: "0".to_owned(),
        });
        ledger.intent(&scale).unwrap();
        ledger.intent(&record("p", DockerMode::Pause)).unwrap();
        let text = std::fs::read_to_string(ledger.path()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].contains(r#""restore":{"field":"replicas","before":"2","applied":"0"}"#));
        assert!(!lines[1].contains("restore"), "{}", lines[1]);
        let read = open_faults(BufReader::new(File::open(ledger.path()).unwrap())).unwrap();
        assert_eq!(read.len(), 2);
        assert_eq!(read[0].mode, DockerMode::Scale);
        assert_eq!(read[0].restore, scale.restore);
        assert_eq!(read[0].with_mode_name().restore, scale.restore);
        assert_eq!(read[1].restore, None);
        ledger.undone("s", "replicas 0 -> 2").unwrap();
        ledger.undone("p", "unpaused").unwrap();
    }

    #[test]
    fn a_live_ledger_is_left_alone_and_a_dead_one_adopted() {
        let dir = tempfile::tempdir().unwrap();
        let live = Ledger::new(dir.path().to_owned());
        live.intent(&record("live", DockerMode::Pause)).unwrap();
        // A dead engine's ledger: written, then its process (here: its
        // handle) gone, which releases the lock.
        let dead = Ledger::new(dir.path().to_owned());
        dead.intent(&record("x", DockerMode::Stop)).unwrap();
        dead.intent(&record("y", DockerMode::Kill)).unwrap();
        dead.undone("y", "started").unwrap();
        let dead_owner = dead.owner().to_owned();
        drop(dead);
        let Scan::Found {
            dead: mut adopted,
            live: live_owners,
        } = scan(dir.path()).unwrap()
        else {
            panic!("the directory exists");
        };
        assert_eq!(live_owners, vec![live.owner().to_owned()]);
        assert_eq!(adopted.len(), 1);
        let mut ledger = adopted.remove(0);
        assert_eq!(ledger.owner, dead_owner);
        assert_eq!(
            ledger
                .open
                .iter()
                .map(|r| r.token.as_str())
                .collect::<Vec<_>>(),
            ["x"]
        );
        // Adopted: a second look sees it as held by a live process.
        let Scan::Found { dead: none, live } = scan(dir.path()).unwrap() else {
            panic!("the directory exists");
        };
        assert!(none.is_empty());
        assert_eq!(live.len(), 2);
        ledger.undone("x", "started").unwrap();
        let path = ledger.path.clone();
        assert!(ledger.finish().unwrap());
        assert!(!path.exists());
    }

    #[test]
    fn a_fault_left_open_keeps_the_dead_ledger_for_the_next_try() {
        let dir = tempfile::tempdir().unwrap();
        let dead = Ledger::new(dir.path().to_owned());
        dead.intent(&record("x", DockerMode::Stop)).unwrap();
        drop(dead);
        let Scan::Found { dead: adopted, .. } = scan(dir.path()).unwrap() else {
            panic!("the directory exists");
        };
        for ledger in adopted {
            assert!(!ledger.finish().unwrap());
        }
        let Scan::Found { dead: again, .. } = scan(dir.path()).unwrap() else {
            panic!("the directory exists");
        };
        assert_eq!(again.len(), 1);
        assert_eq!(again[0].open[0].token, "x");
    }

    #[test]
    fn no_directory_is_no_ledger() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            scan(&dir.path().join("missing")).unwrap(),
            Scan::NoLedger
        ));
    }
}
