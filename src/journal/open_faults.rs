//! The faults a journal records as applied and never ended: its
//! `fault_applying` write-ahead records with no later `cleared`, `ended`
//! or `fault_recovered` of the same id. Read line by line (the rotated
//! `JOURNAL.1` first): only the open records are kept in memory. What
//! `recover` undoes from a journal besides the fault ledger. A backend
//! reads the records of its own modes (`Mode`): a record whose mode is not
//! one of them is skipped.

use std::collections::HashMap;
use std::io::BufRead;
use std::path::Path;

use super::EventName;
use serde::de::DeserializeOwned;

use crate::outcome::FaultRecord;

/// The events that open a record (`fault_applying`) or may end one.
const READ: [EventName; 4] = [
    EventName::FaultApplying,
    EventName::Cleared,
    EventName::Ended,
    EventName::FaultRecovered,
];

/// The `fault_applying` records of the journal at `path` (and its rotated
/// predecessor `path.1`, read first), streamed line by line, that no later
/// event ended (`cleared`, `ended` or `fault_recovered` with the same id).
/// A journal that does not exist has none; lines that are not JSON are
/// skipped.
pub fn open_records<Mode: DeserializeOwned>(path: &Path) -> Result<Vec<FaultRecord<Mode>>, String> {
    let mut open = OpenRecords::default();
    match super::for_each_line(path, |line| open.read(line)) {
        Ok(()) => Ok(open.into_records()),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(err) => Err(format!("cannot read the journal {}: {err}", path.display())),
    }
}

/// [`open_records`] of a journal read from `reader`.
pub fn open_records_in<Mode: DeserializeOwned>(
    reader: impl BufRead,
) -> std::io::Result<Vec<FaultRecord<Mode>>> {
    let mut open = OpenRecords::default();
    for line in reader.lines() {
        open.read(&line?);
    }
    Ok(open.into_records())
}

/// The open records so far, in the order they were applied: only those
/// are kept in memory.
struct OpenRecords<Mode> {
    open: HashMap<String, FaultRecord<Mode>>,
    order: Vec<String>,
}

impl<Mode> Default for OpenRecords<Mode> {
    fn default() -> Self {
        OpenRecords {
            open: HashMap::new(),
            order: Vec::new(),
        }
    }
}

impl<Mode: DeserializeOwned> OpenRecords<Mode> {
    fn read(&mut self, line: &str) {
        // Only the events that matter are parsed.
        if !READ.iter().any(|event| event.is_quoted_in(line)) {
            return;
        }
        let Ok(value) = serde_json::from_str::<serde_json::Value>(line) else {
            return;
        };
        let event = value.get("event").and_then(|e| e.as_str()).unwrap_or("");
        match event.parse::<EventName>() {
            Ok(EventName::FaultApplying) => {
                if let Ok(record) = serde_json::from_value::<FaultRecord<Mode>>(value) {
                    if !self.open.contains_key(&record.id) {
                        self.order.push(record.id.clone());
                    }
                    self.open.insert(record.id.clone(), record);
                }
            }
            Ok(EventName::Cleared | EventName::Ended | EventName::FaultRecovered) => {
                if let Some(id) = value.get("id").and_then(|id| id.as_str()) {
                    self.open.remove(id);
                }
            }
            _ => {}
        }
    }

    fn into_records(mut self) -> Vec<FaultRecord<Mode>> {
        let order = std::mem::take(&mut self.order);
        order
            .into_iter()
            .filter_map(|id| self.open.remove(&id))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_faults_without_an_end_are_left_behind() {
        let journal = r#"{"timestamp":1,"event":"engine_started"}
{"timestamp":2,"event":"fault_applying","target":"cache","id":"a","mode":"pause","host":null,"containers":[{"id":"c1","name":"cache-1"}],"expires_at":30.0}
{"timestamp":3,"event":"cleared","id":"a","target":"cache","reason":"recovery"}
{"timestamp":4,"event":"fault_applying","target":"cache","id":"b","mode":"stop","host":null,"containers":[{"id":"c1","name":"cache-1"}],"expires_at":40.0,"token":"t-b","owner":"o1","started_at":4.0,"grace_s":5.0}
{"timestamp":5,"event":"fault_applying","target":"db","id":"c","mode":"kill","containers":[{"id":"d1","name":"db-1"}],"expires_at":50.0}
{"timestamp":6,"event":"fault_recovered","id":"c","target":"db","detail":"x"}
not json
{"timestamp":7,"event":"fault_applying","target":"web","id":"d","mode":"pause","containers":[],"expires_at":60.0}
{"timestamp":8,"event":"ended","id":"d","target":"web","scenario":"P","ended_by":"repair","injected_at":7}
"#;
        let open = open_records_in::<String>(journal.as_bytes()).unwrap();
        assert_eq!(open.len(), 1, "{open:?}");
        assert_eq!(open[0].id, "b");
        assert_eq!(open[0].mode, "stop");
        assert_eq!(open[0].containers[0].name, "cache-1");
        assert_eq!(open[0].token, "t-b");
        assert_eq!(open[0].owner.as_deref(), Some("o1"));
        assert_eq!(open[0].grace_s, Some(5.0));
    }
}
