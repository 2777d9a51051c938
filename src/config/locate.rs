//! Line and column of every key in a YAML document.
//!
//! serde reports where a value failed to parse, but checks that run after
//! parsing (duplicate state files, `recovery >= interval`, ...) also need to
//! point at the offending key. [`KeyLocations`] walks the YAML event stream
//! once and records, for each key path (`targets[1].state_file`) and each
//! sequence item (`targets[1]`), where it starts.

use std::collections::hash_map::Entry;
use std::collections::HashMap;

use saphyr_parser::{Event, Parser};

/// Key path -> (line, column), both 1-based.
#[derive(Debug, Default, Clone)]
pub struct KeyLocations {
    positions: HashMap<String, (usize, usize)>,
    /// Keys that appear twice in one mapping: the second occurrence.
    duplicates: Vec<(String, (usize, usize))>,
}

enum Frame {
    /// Inside a mapping; `key` is the pending key once read, `None` while
    /// the next scalar is a key.
    Mapping { path: String, key: Option<String> },
    /// Inside a sequence; `next` is the index of the next item.
    Sequence { path: String, next: usize },
}

impl KeyLocations {
    /// Indexes `text`. A syntax error stops indexing where it occurs (serde
    /// reports the error itself), so the result is always usable.
    pub fn index(text: &str) -> Self {
        let mut locations = KeyLocations::default();
        let mut stack: Vec<Frame> = Vec::new();
        for item in Parser::new_from_str(text) {
            let Ok((event, span)) = item else { break };
            let at = (span.start.line(), span.start.col() + 1);
            match event {
                Event::Scalar(value, ..) => {
                    if let Some(Frame::Mapping { path, key }) = stack.last_mut() {
                        if key.is_none() {
                            let child = join(path, &value);
                            match locations.positions.entry(child) {
                                Entry::Occupied(first) => {
                                    locations.duplicates.push((first.key().clone(), at))
                                }
                                Entry::Vacant(slot) => {
                                    slot.insert(at);
                                }
                            }
                            *key = Some(value.into_owned());
                            continue;
                        }
                    }
                    locations.value_done(&mut stack, at);
                }
                Event::Alias(_) => locations.value_done(&mut stack, at),
                Event::MappingStart(..) => {
                    let path = locations.child_path(&mut stack, at);
                    stack.push(Frame::Mapping { path, key: None });
                }
                Event::SequenceStart(..) => {
                    let path = locations.child_path(&mut stack, at);
                    stack.push(Frame::Sequence { path, next: 0 });
                }
                Event::MappingEnd | Event::SequenceEnd => {
                    stack.pop();
                    locations.value_done(&mut stack, at);
                }
                _ => {}
            }
        }
        locations
    }

    /// The first key that appears twice in one mapping, at its second
    /// occurrence.
    pub fn first_duplicate(&self) -> Option<(&str, (usize, usize))> {
        self.duplicates
            .first()
            .map(|(path, at)| (path.as_str(), *at))
    }

    /// Where `path` starts, if the document has it.
    pub fn get(&self, path: &str) -> Option<(usize, usize)> {
        self.positions.get(path).copied()
    }

    /// The path of a collection that starts now, recording a sequence item's
    /// position; the pending key (if any) stays until the collection ends.
    fn child_path(&mut self, stack: &mut [Frame], at: (usize, usize)) -> String {
        match stack.last_mut() {
            Some(Frame::Mapping { path, key }) => join(path, key.as_deref().unwrap_or("?")),
            Some(Frame::Sequence { path, next }) => {
                let child = format!("{path}[{next}]");
                self.positions.entry(child.clone()).or_insert(at);
                child
            }
            None => String::new(),
        }
    }

    /// A value (scalar or finished collection) completed in its parent.
    fn value_done(&mut self, stack: &mut [Frame], at: (usize, usize)) {
        match stack.last_mut() {
            Some(Frame::Mapping { key, .. }) => *key = None,
            Some(Frame::Sequence { path, next }) => {
                self.positions
                    .entry(format!("{path}[{next}]"))
                    .or_insert(at);
                *next += 1;
            }
            None => {}
        }
    }
}

fn join(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_owned()
    } else {
        format!("{parent}.{key}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const YAML: &str = "\
defaults:
  interval: 180s
policy:
  min_interval: 60s
targets:
  - name: a
    state_file: /tmp/a.json
  - name: b
    state_file: /tmp/b.json
    scenarios:
      - { name: X, mode: crash, weight: 1 }
";

    #[test]
    fn finds_block_and_flow_keys() {
        let at = KeyLocations::index(YAML);
        assert_eq!(at.get("defaults.interval"), Some((2, 3)));
        assert_eq!(at.get("policy.min_interval"), Some((4, 3)));
        assert_eq!(at.get("targets[0].state_file"), Some((7, 5)));
        assert_eq!(at.get("targets[1].state_file"), Some((9, 5)));
        assert_eq!(at.get("targets[1]"), Some((8, 5)));
        assert_eq!(at.get("targets[1].scenarios[0].weight"), Some((11, 33)));
        assert_eq!(at.get("targets[2]"), None);
    }

    #[test]
    fn finds_duplicate_keys_at_their_second_occurrence() {
        let at = KeyLocations::index("targets:\n  - { name: a, state_file: a.json, name: c }\n");
        assert_eq!(at.first_duplicate(), Some(("targets[0].name", (2, 36))));
        let at = KeyLocations::index("targets: []\ndefaults: {}\ntargets: []\n");
        assert_eq!(at.first_duplicate(), Some(("targets", (3, 1))));
        assert_eq!(KeyLocations::index(YAML).first_duplicate(), None);
    }

    #[test]
    fn survives_syntax_errors() {
        let at = KeyLocations::index("targets:\n  - name: [unclosed\n");
        assert_eq!(at.get("targets"), Some((1, 1)));
    }
}
