//! The name of every event the engine journals, defined once: the
//! `event` field of a journal line. [`super::JournalEvent`] is tagged with
//! these names (a test holds the two together) and the readers (the
//! report, the score, `recover`) pick the lines they read by them.

use std::fmt;
use std::str::FromStr;

/// The `event` name of a journal line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EventName {
    /// `engine_started`.
    EngineStarted,
    /// `injected`.
    Injected,
    /// `manifested`.
    Manifested,
    /// `cleared`.
    Cleared,
    /// `ended`.
    Ended,
    /// `healthy_again`.
    HealthyAgain,
    /// `skipped`.
    Skipped,
    /// `paused`.
    Paused,
    /// `resumed`.
    Resumed,
    /// `reloaded`.
    Reloaded,
    /// `reload_rejected`.
    ReloadRejected,
    /// `write_error`.
    WriteError,
    /// `engine_stopped`.
    EngineStopped,
    /// `fault_applying`.
    FaultApplying,
    /// `fault_recovered`.
    FaultRecovered,
    /// `control_window`.
    ControlWindow,
    /// `finding`.
    Finding,
}

impl EventName {
    /// Every event name, in the order the journal module's doc lists them.
    pub const ALL: [EventName; 17] = [
        EventName::EngineStarted,
        EventName::Injected,
        EventName::Manifested,
        EventName::Cleared,
        EventName::Ended,
        EventName::HealthyAgain,
        EventName::Skipped,
        EventName::Paused,
        EventName::Resumed,
        EventName::Reloaded,
        EventName::ReloadRejected,
        EventName::WriteError,
        EventName::EngineStopped,
        EventName::FaultApplying,
        EventName::FaultRecovered,
        EventName::ControlWindow,
        EventName::Finding,
    ];

    /// The name as written in the `event` field, e.g. `reload_rejected`.
    pub const fn as_str(self) -> &'static str {
        match self {
            EventName::EngineStarted => "engine_started",
            EventName::Injected => "injected",
            EventName::Manifested => "manifested",
            EventName::Cleared => "cleared",
            EventName::Ended => "ended",
            EventName::HealthyAgain => "healthy_again",
            EventName::Skipped => "skipped",
            EventName::Paused => "paused",
            EventName::Resumed => "resumed",
            EventName::Reloaded => "reloaded",
            EventName::ReloadRejected => "reload_rejected",
            EventName::WriteError => "write_error",
            EventName::EngineStopped => "engine_stopped",
            EventName::FaultApplying => "fault_applying",
            EventName::FaultRecovered => "fault_recovered",
            EventName::ControlWindow => "control_window",
            EventName::Finding => "finding",
        }
    }

    /// `line` (a journal line as text) holds this name as a JSON string
    /// (`"ended"`, quotes included) somewhere: a cheap test before
    /// parsing a line that may be of this event.
    pub fn is_quoted_in(self, line: &str) -> bool {
        let name = self.as_str();
        line.match_indices(name)
            .any(|(at, _)| line[..at].ends_with('"') && line[at + name.len()..].starts_with('"'))
    }
}

impl fmt::Display for EventName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A name that is not an event of this version (one written by a newer
/// engine, or not a journal event at all).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownEvent(pub String);

impl fmt::Display for UnknownEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown journal event `{}`", self.0)
    }
}

impl std::error::Error for UnknownEvent {}

impl FromStr for EventName {
    type Err = UnknownEvent;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        EventName::ALL
            .into_iter()
            .find(|event| event.as_str() == name)
            .ok_or_else(|| UnknownEvent(name.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_parses_back_and_names_are_distinct() {
        let names: std::collections::BTreeSet<_> =
            EventName::ALL.iter().map(|event| event.as_str()).collect();
        assert_eq!(names.len(), EventName::ALL.len());
        for event in EventName::ALL {
            assert_eq!(event.as_str().parse::<EventName>(), Ok(event));
            assert_eq!(event.to_string(), event.as_str());
        }
        assert_eq!(
            "from_the_future".parse::<EventName>(),
            Err(UnknownEvent("from_the_future".into()))
        );
    }

    #[test]
    fn a_quoted_name_is_found_and_a_longer_one_is_not() {
        let line = r#"{"timestamp":1,"event":"ended","id":"a"}"#;
        assert!(EventName::Ended.is_quoted_in(line));
        assert!(!EventName::Cleared.is_quoted_in(line));
        assert!(!EventName::Ended.is_quoted_in(r#"{"event":"extended"}"#));
        assert!(!EventName::Ended.is_quoted_in(r#"{"event":"ended_by"}"#));
    }
}
