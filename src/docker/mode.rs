//! The modes of a Docker target's scenarios ([`DockerMode`]): the one
//! place a mode's name is spelled. Configuration, manual injection, the
//! fault ledger, the journal's `fault_applying` records, the repair watch
//! and the recovery all go through this type. The container modes are
//! what a `docker:` target accepts; `drain` and `scale` act on a Swarm
//! node or service and need a `swarm:` target (they live here so that
//! the ledger's records stay of one type).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// What a Docker fault does to a container (or, for the Swarm-only
/// modes, to a Swarm node or service); serialized as its name (`"kill"`,
/// `"stop"`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DockerMode {
    /// Send a signal (by default SIGKILL).
    Kill,
    /// Stop the container (SIGTERM, SIGKILL after a grace).
    Stop,
    /// Freeze its processes.
    Pause,
    /// Degrade its network (loss, rate, delay, ...).
    Network,
    /// Drop its traffic, all of it or to and from some peers.
    Partition,
    /// Drain the Swarm node a service's task runs on (Swarm only).
    Drain,
    /// Set a Swarm service's replica count (Swarm only).
    Scale,
}

impl DockerMode {
    /// The modes that act on containers (what a `docker:` target
    /// accepts), in the order the documentation and errors list them.
    pub const CONTAINER: [DockerMode; 5] = [
        DockerMode::Kill,
        DockerMode::Stop,
        DockerMode::Pause,
        DockerMode::Network,
        DockerMode::Partition,
    ];

    /// Every mode (the container modes, then `drain` and `scale`): what a
    /// name is parsed against.
    pub const ALL: [DockerMode; 7] = [
        DockerMode::Kill,
        DockerMode::Stop,
        DockerMode::Pause,
        DockerMode::Network,
        DockerMode::Partition,
        DockerMode::Drain,
        DockerMode::Scale,
    ];

    /// The mode's name, as configured and as recorded.
    pub fn as_str(self) -> &'static str {
        match self {
            DockerMode::Kill => "kill",
            DockerMode::Stop => "stop",
            DockerMode::Pause => "pause",
            DockerMode::Network => "network",
            DockerMode::Partition => "partition",
            DockerMode::Drain => "drain",
            DockerMode::Scale => "scale",
        }
    }

    /// True for the modes that act on a Swarm node or service (`drain`,
    /// `scale`), which only a `swarm:` target takes.
    pub fn is_swarm_only(self) -> bool {
        match self {
            DockerMode::Drain | DockerMode::Scale => true,
            DockerMode::Kill
            | DockerMode::Stop
            | DockerMode::Pause
            | DockerMode::Network
            | DockerMode::Partition => false,
        }
    }

    /// `kill, stop, pause, network, partition`: the container modes (what
    /// a `docker:` target accepts), for messages.
    pub fn listed() -> String {
        DockerMode::CONTAINER.map(DockerMode::as_str).join(", ")
    }
}

impl fmt::Display for DockerMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A name that is not a Docker mode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownDockerMode(pub String);

impl fmt::Display for UnknownDockerMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` is not a Docker mode; the modes are {}",
            self.0,
            DockerMode::listed()
        )
    }
}

impl std::error::Error for UnknownDockerMode {}

impl FromStr for DockerMode {
    type Err = UnknownDockerMode;

    fn from_str(name: &str) -> Result<DockerMode, UnknownDockerMode> {
        DockerMode::ALL
            .into_iter()
            .find(|mode| mode.as_str() == name)
            .ok_or_else(|| UnknownDockerMode(name.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_mode_reads_back_from_its_name_and_serializes_as_it() {
        for mode in DockerMode::ALL {
            assert_eq!(mode.as_str().parse::<DockerMode>(), Ok(mode));
            assert_eq!(mode.to_string(), mode.as_str());
            assert_eq!(
                serde_json::to_string(&mode).unwrap(),
                format!("\"{}\"", mode.as_str())
            );
            assert_eq!(
                serde_json::from_str::<DockerMode>(&format!("\"{mode}\"")).unwrap(),
                mode
            );
        }
        assert_eq!(
            DockerMode::listed(),
            "kill, stop, pause, network, partition"
        );
    }

    #[test]
    fn drain_and_scale_are_the_swarm_only_modes() {
        let swarm_only: Vec<DockerMode> = DockerMode::ALL
            .into_iter()
            .filter(|mode| mode.is_swarm_only())
            .collect();
        assert_eq!(swarm_only, [DockerMode::Drain, DockerMode::Scale]);
        assert!(DockerMode::CONTAINER
            .iter()
            .all(|mode| !mode.is_swarm_only()));
        assert_eq!("drain".parse::<DockerMode>(), Ok(DockerMode::Drain));
        assert_eq!("scale".parse::<DockerMode>(), Ok(DockerMode::Scale));
    }

    #[test]
    fn an_unknown_name_is_refused_with_the_modes() {
        for name in ["crash", "Kill", ""] {
            let err = name.parse::<DockerMode>().unwrap_err();
            assert_eq!(
                err.to_string(),
                format!("`{name}` is not a Docker mode; the modes are kill, stop, pause, network, partition")
            );
        }
        assert!(serde_json::from_str::<DockerMode>("\"crash\"").is_err());
    }
}
