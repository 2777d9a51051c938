//! The Docker parts of the targets file as written: a target's `docker:`
//! section, the fault keys of its scenarios (`signal`, `grace`, `network`,
//! `peers`, read through [`ScenarioKeys`]) and `policy.docker`. Checked
//! and turned into [`crate::docker`] types by `target`.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Deserialize;

use crate::input::duration::deserialize_optional;

/// `docker:` of one target: which containers it is made of.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileDocker {
    /// A Compose service (label `com.docker.compose.service`).
    pub service: Option<String>,
    /// The Compose project (label `com.docker.compose.project`), with
    /// `service` only.
    pub project: Option<String>,
    /// One container by name or id.
    pub container: Option<String>,
    /// Every container with all these labels. A value is optional here
    /// only so that a label without one (`{ app=cache }`, `app:`) is
    /// reported by name instead of matching the text `~` or nothing.
    pub labels: Option<BTreeMap<String, Option<String>>>,
    /// The Docker Engine's address.
    pub host: Option<String>,
    /// The directory of `ca.pem`, `cert.pem` and `key.pem` TLS is spoken
    /// to `host` with.
    pub cert_path: Option<String>,
    /// `one`, `all`, a count or a percentage.
    pub pick: Option<NumberOrText>,
}

/// A value written as a number or as text (`30%`, `1mbit`, `all`).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum NumberOrText {
    /// A bare number.
    Number(f64),
    /// Anything else.
    Text(String),
}

impl std::fmt::Display for NumberOrText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NumberOrText::Number(n) => write!(f, "{n}"),
            NumberOrText::Text(t) => f.write_str(t),
        }
    }
}

/// `network:` of a scenario with mode `network`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileNetwork {
    /// Share of packets dropped (`30%` or `30`).
    pub loss: Option<NumberOrText>,
    /// Bandwidth cap (`1mbit`, `512kbit`).
    pub rate: Option<NumberOrText>,
    /// Added latency.
    #[serde(default, deserialize_with = "deserialize_optional")]
    pub delay: Option<Duration>,
    /// Latency variation (with `delay`).
    #[serde(default, deserialize_with = "deserialize_optional")]
    pub jitter: Option<Duration>,
    /// Share of packets corrupted.
    pub corrupt: Option<NumberOrText>,
    /// Share of packets duplicated.
    pub duplicate: Option<NumberOrText>,
}

/// `policy.docker:`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileDockerPolicy {
    /// The network helper's image.
    pub net_image: Option<String>,
    /// What applies delay, jitter, corrupt and duplicate: `auto`, `netem`
    /// or `delayer`.
    pub delay_with: Option<String>,
}

/// The keys of one scenario the Docker checks read. The scenario itself is
/// the targets file's (`config::file::FileScenario`), which lends them.
#[derive(Debug, Clone, Copy)]
pub struct ScenarioKeys<'a> {
    /// Name shown in logs, e.g. `CRASH`.
    pub name: &'a str,
    /// The mode as written (a Docker mode, once checked).
    pub mode: &'a str,
    /// The scenario gives `delay` (the state-file slowdown, refused here).
    pub has_delay: bool,
    /// `kill`: the signal sent.
    pub signal: Option<&'a str>,
    /// `stop`: the time to exit before SIGKILL.
    pub grace: Option<Duration>,
    /// `network`: what to degrade.
    pub network: Option<&'a FileNetwork>,
    /// `partition`: cut off only these.
    pub peers: Option<&'a [String]>,
}
