//! What a Docker target is, once validated: which containers it selects
//! ([`Selector`], [`BlastRadius`]), where the Docker Engine is, and the
//! faults its scenarios apply ([`DockerFault`]).
//!
//! These types are built only by `config` from a checked `docker:`
//! section and checked scenario keys, so the backend never meets an
//! invalid value (a loss above 100 %, a rate of 0, an empty selector).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use super::DockerMode;

/// The label every container the engine creates carries, with the value
/// `chaos-engine`. Nothing the engine creates names the target, the mode,
/// the scenario or the failure in clear: [`LABEL_OWNER`] and
/// [`LABEL_FAULT`] are opaque ids that only the engine's ledger maps to a
/// fault (see `super::ledger`).
pub const LABEL_ENGINE: &str = "io.chaos-engine.engine";
/// The instance id of the engine that created the container (the name of
/// its ledger): an engine recovers only its own and dead engines' helpers.
pub const LABEL_OWNER: &str = "io.chaos-engine.owner";
/// The opaque token of the fault a helper works for; `revert` on a
/// revert-only helper.
pub const LABEL_FAULT: &str = "io.chaos-engine.fault";
/// The id of the container the helper works on.
pub const LABEL_SUBJECT: &str = "io.chaos-engine.subject";
/// The value of [`LABEL_ENGINE`].
pub const ENGINE_LABEL_VALUE: &str = "chaos-engine";
/// The value of [`LABEL_FAULT`] on a revert-only helper.
pub const REVERT_FAULT_VALUE: &str = "revert";

/// The Compose labels a [`Selector::Service`] matches.
pub const COMPOSE_SERVICE_LABEL: &str = "com.docker.compose.service";
/// See [`COMPOSE_SERVICE_LABEL`].
pub const COMPOSE_PROJECT_LABEL: &str = "com.docker.compose.project";

/// The default image of the network helper: a public image with `tc`
/// (iproute2) and `iptables`, the one Pumba documents.
pub const DEFAULT_NET_IMAGE: &str = "ghcr.io/alexei-led/pumba-debian-nettools:latest";

/// A Docker target: the containers it selects and how many of them each
/// fault hits.
#[derive(Debug, Clone, PartialEq)]
pub struct DockerTarget {
    /// Which containers belong to the target (looked up afresh at every
    /// injection).
    pub selector: Selector,
    /// The Docker Engine's address (`unix:///…`, `tcp://…`, `http://…`);
    /// `None`: `DOCKER_HOST`, then the local socket.
    pub host: Option<String>,
    /// The certificate directory (`ca.pem`, `cert.pem`, `key.pem`, checked
    /// and made absolute at load) TLS is spoken to `host` with; `None`:
    /// no TLS, unless `DOCKER_TLS_VERIFY` asks for it on the default
    /// Engine (see `super::client::resolve_endpoint`).
    pub cert_path: Option<PathBuf>,
    /// How many of the matching containers a fault hits.
    pub pick: BlastRadius,
    /// Set for a Swarm service's tasks: they are listed by the manager
    /// (`host`), each reached through the Engine of the node that runs it
    /// (the manager's own, or one of these by node name); `None`: the
    /// containers on `host` that the selector matches.
    pub swarm_nodes: Option<std::sync::Arc<super::swarm_nodes::SwarmNodes>>,
}

/// Which running containers a Docker target is made of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selector {
    /// The containers of a Compose service (label
    /// `com.docker.compose.service`) in the Compose projects `project`
    /// allows (`com.docker.compose.project`).
    Service {
        /// The service name.
        service: String,
        /// Which Compose projects: by default the engine's own.
        project: ProjectScope,
    },
    /// One container, by name or id.
    Container(String),
    /// Every container carrying all these labels.
    Labels(BTreeMap<String, String>),
    /// The task containers of the one Swarm service whose service labels
    /// include all these (a Swarm target's `labels:`): which service that
    /// is, is found at every look-up (`super::own_project::resolve`,
    /// `super::swarm_service`), which turns it into [`Selector::Labels`]
    /// on the service's name label.
    SwarmServiceLabels(BTreeMap<String, String>),
}

/// The Compose projects a [`Selector::Service`] reaches: on a Docker host
/// shared by several Compose projects, a service name such as `inventory`
/// may exist in each of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProjectScope {
    /// The engine's own Compose project (no `project:` key), found when a
    /// look-up is made (`super::own_project`): the project label of the
    /// engine's own container, else `COMPOSE_PROJECT_NAME`; when neither
    /// says, any project.
    Own,
    /// The project of this name (`project: NAME`).
    Named(String),
    /// Every project (`project: "*"`).
    Any,
}

impl Selector {
    /// The label filters (`key=value`) of a look-up, for the Engine's
    /// `filters` parameter; a [`Selector::Container`] has none. A
    /// [`ProjectScope::Own`] not yet resolved (`super::own_project::
    /// resolve`) filters on the service alone.
    pub fn label_filters(&self) -> Vec<String> {
        match self {
            Selector::Service { service, project } => {
                let mut filters = vec![format!("{COMPOSE_SERVICE_LABEL}={service}")];
                if let ProjectScope::Named(project) = project {
                    filters.push(format!("{COMPOSE_PROJECT_LABEL}={project}"));
                }
                filters
            }
            Selector::Container(_) => Vec::new(),
            Selector::Labels(labels) => labels.iter().map(|(k, v)| format!("{k}={v}")).collect(),
            // Not resolved yet: the task containers of any service (the
            // service labels are not on the containers).
            Selector::SwarmServiceLabels(_) => {
                vec![super::swarm_task::SERVICE_NAME_LABEL.to_owned()]
            }
        }
    }
}

impl std::fmt::Display for Selector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Selector::Service { service, project } => match project {
                ProjectScope::Named(project) => {
                    write!(f, "service {service} of project {project}")
                }
                ProjectScope::Own => write!(f, "service {service} of the engine's own project"),
                ProjectScope::Any => write!(f, "service {service} of any project"),
            },
            Selector::Container(name) => write!(f, "container {name}"),
            Selector::Labels(labels) => {
                let labels: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
                write!(f, "containers labelled {}", labels.join(", "))
            }
            Selector::SwarmServiceLabels(labels) => write!(
                f,
                "the tasks of the Swarm service labelled {}",
                super::swarm_service::labels_text(labels)
            ),
        }
    }
}

/// How many of the matching containers one fault hits.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum BlastRadius {
    /// One, chosen at random (the default).
    One,
    /// Every matching container.
    All,
    /// At most this many (>= 1).
    Count(u32),
    /// This share of them, rounded up, at least one (0 < p <= 100).
    Percent(f64),
}

impl BlastRadius {
    /// How many of `matching` containers are hit (0 only when none match).
    pub fn how_many(self, matching: usize) -> usize {
        let wanted = match self {
            BlastRadius::One => 1,
            BlastRadius::All => matching,
            BlastRadius::Count(n) => n as usize,
            BlastRadius::Percent(p) => ((matching as f64) * p / 100.0).ceil() as usize,
        };
        wanted.max(1).min(matching)
    }
}

impl std::fmt::Display for BlastRadius {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BlastRadius::One => f.write_str("one"),
            BlastRadius::All => f.write_str("all"),
            BlastRadius::Count(n) => write!(f, "{n}"),
            BlastRadius::Percent(p) => write!(f, "{p}%"),
        }
    }
}

/// What a Docker scenario does to each container it hits, and how the
/// recovery undoes it.
#[derive(Debug, Clone, PartialEq)]
pub enum DockerFault {
    /// Send `signal` (default `SIGKILL`); at recovery the container is
    /// started again unless it already runs (restart policy, a person).
    Kill {
        /// The signal's name, e.g. `SIGKILL`, `SIGTERM`.
        signal: String,
    },
    /// Stop the container (SIGTERM, then SIGKILL after `grace`); started
    /// again at recovery unless it already runs.
    Stop {
        /// How long the container has to exit before SIGKILL.
        grace: Duration,
    },
    /// Freeze every process of the container (cgroup freezer); unpaused
    /// at recovery.
    Pause,
    /// Degrade its network: a helper container in its network namespace
    /// runs `iptables`/`tc`; removed at recovery.
    Network(NetworkFault),
    /// Drop its traffic (all of it, or only to and from `peers`); the
    /// rules are removed at recovery.
    Partition {
        /// Container names, Compose services of the same project, IP
        /// addresses or CIDR blocks; empty: all traffic but loopback.
        peers: Vec<String>,
    },
}

impl DockerFault {
    /// The mode this fault is configured under.
    pub fn mode(&self) -> DockerMode {
        match self {
            DockerFault::Kill { .. } => DockerMode::Kill,
            DockerFault::Stop { .. } => DockerMode::Stop,
            DockerFault::Pause => DockerMode::Pause,
            DockerFault::Network(_) => DockerMode::Network,
            DockerFault::Partition { .. } => DockerMode::Partition,
        }
    }

    /// The fault a manual injection of `mode` applies when no scenario of
    /// the target has that mode; `None` for `network`, which needs
    /// parameters, and for `drain` and `scale`, which are no container
    /// faults (a `swarm:` target's).
    pub fn default_for_mode(mode: DockerMode) -> Option<DockerFault> {
        match mode {
            DockerMode::Kill => Some(DockerFault::Kill {
                signal: "SIGKILL".to_owned(),
            }),
            DockerMode::Stop => Some(DockerFault::Stop {
                grace: DEFAULT_STOP_GRACE,
            }),
            DockerMode::Pause => Some(DockerFault::Pause),
            DockerMode::Partition => Some(DockerFault::Partition { peers: Vec::new() }),
            DockerMode::Network | DockerMode::Drain | DockerMode::Scale => None,
        }
    }

    /// What the fault does and how it is undone, for `validate`:
    /// `kill (SIGKILL); started again at recovery`.
    pub fn describe(&self) -> String {
        match self {
            DockerFault::Kill { signal } => {
                format!("kill ({signal}); started again at recovery unless it runs")
            }
            DockerFault::Stop { grace } => format!(
                "stop (SIGKILL after {}s); started again at recovery unless it runs",
                grace.as_secs()
            ),
            DockerFault::Pause => "pause; unpaused at recovery".to_owned(),
            DockerFault::Network(network) if network.needs_netem() => format!(
                "network {} ({}); rules removed at recovery",
                network.describe(),
                network.delay_by.describe()
            ),
            DockerFault::Network(network) => {
                format!("network {}; rules removed at recovery", network.describe())
            }
            DockerFault::Partition { peers } if peers.is_empty() => {
                "partition from all traffic; rules removed at recovery".to_owned()
            }
            DockerFault::Partition { peers } => format!(
                "partition from {}; rules removed at recovery",
                peers.join(", ")
            ),
        }
    }

    /// True when the fault needs the network helper container.
    pub fn needs_helper(&self) -> bool {
        matches!(
            self,
            DockerFault::Network(_) | DockerFault::Partition { .. }
        )
    }
}

/// The grace a `stop` gives the container before SIGKILL, unless the
/// scenario sets `grace`.
pub const DEFAULT_STOP_GRACE: Duration = Duration::from_secs(10);

/// The longest `grace` a scenario may set: 5 minutes, in whole seconds
/// (Docker's stop takes an `i32` of seconds). A stop waits its grace, so
/// this also bounds how long stopping the engine may wait on one.
pub const MAX_STOP_GRACE: Duration = Duration::from_secs(300);

/// A network degradation; at least one field is set.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NetworkFault {
    /// Share of packets dropped, percent (0.01 <= x <= 100, see
    /// `netfault::MIN_PERCENT`): `iptables` `statistic` match on the way in.
    pub loss: Option<f64>,
    /// Bandwidth cap, bits per second (`netfault::MIN_RATE_BITS` to
    /// `MAX_RATE_BITS`): `tbf` qdisc (or netem's `rate` when netem is used
    /// anyway).
    pub rate: Option<u64>,
    /// Added latency (1 ms to 60 s): netem.
    pub delay: Option<Duration>,
    /// Latency variation (needs `delay`, at most `delay`): netem.
    pub jitter: Option<Duration>,
    /// Share of packets corrupted, percent: netem.
    pub corrupt: Option<f64>,
    /// Share of packets duplicated, percent: netem.
    pub duplicate: Option<f64>,
    /// What applies delay, jitter, corrupt and duplicate
    /// (`policy.docker.delay_with`).
    pub delay_by: DelayWith,
}

/// What applies a network fault's delay, jitter, corrupt and duplicate
/// (`policy.docker.delay_with`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum DelayWith {
    /// The kernel's netem qdisc where the Docker host has it, else the
    /// user-space delayer (`chaos-delayer`, NFQUEUE).
    #[default]
    Auto,
    /// netem only: a kernel without it is an error.
    Netem,
    /// The user-space delayer, even where netem exists.
    Delayer,
}

impl DelayWith {
    /// The names `policy.docker.delay_with` takes.
    pub const NAMES: [&'static str; 3] = ["auto", "netem", "delayer"];

    /// The setting named `name`, if it is one.
    pub fn parse(name: &str) -> Option<DelayWith> {
        match name {
            "auto" => Some(DelayWith::Auto),
            "netem" => Some(DelayWith::Netem),
            "delayer" => Some(DelayWith::Delayer),
            _ => None,
        }
    }

    /// What applies the delay, for `validate`.
    pub fn describe(self) -> &'static str {
        match self {
            DelayWith::Auto => "by netem where the kernel has it, else the user-space delayer",
            DelayWith::Netem => "by netem only (policy.docker.delay_with: netem)",
            DelayWith::Delayer => "by the user-space delayer (policy.docker.delay_with: delayer)",
        }
    }
}

impl NetworkFault {
    /// True when the fault needs the netem qdisc (delay, jitter, corrupt,
    /// duplicate), which some kernels lack.
    pub fn needs_netem(&self) -> bool {
        self.delay.is_some()
            || self.jitter.is_some()
            || self.corrupt.is_some()
            || self.duplicate.is_some()
    }

    /// `loss 30%, rate 1mbit` for logs and `validate`.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(loss) = self.loss {
            parts.push(format!("loss {loss}%"));
        }
        if let Some(rate) = self.rate {
            parts.push(format!("rate {}", describe_rate(rate)));
        }
        if let Some(delay) = self.delay {
            parts.push(format!("delay {}ms", delay.as_millis()));
        }
        if let Some(jitter) = self.jitter {
            parts.push(format!("jitter {}ms", jitter.as_millis()));
        }
        if let Some(corrupt) = self.corrupt {
            parts.push(format!("corrupt {corrupt}%"));
        }
        if let Some(duplicate) = self.duplicate {
            parts.push(format!("duplicate {duplicate}%"));
        }
        parts.join(", ")
    }
}

/// `1mbit`, `512kbit`, `1500bit`: a rate in `tc`'s own units.
pub fn describe_rate(bits_per_second: u64) -> String {
    if bits_per_second.is_multiple_of(1_000_000) {
        format!("{}mbit", bits_per_second / 1_000_000)
    } else if bits_per_second.is_multiple_of(1_000) {
        format!("{}kbit", bits_per_second / 1_000)
    } else {
        format!("{bits_per_second}bit")
    }
}

/// Engine-wide Docker settings (`policy.docker`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DockerPolicy {
    /// The image of the network helper container.
    pub net_image: String,
    /// What applies delay, jitter, corrupt and duplicate.
    pub delay_with: DelayWith,
}

impl Default for DockerPolicy {
    fn default() -> Self {
        DockerPolicy {
            net_image: DEFAULT_NET_IMAGE.to_owned(),
            delay_with: DelayWith::Auto,
        }
    }
}

impl DockerFault {
    /// The fault with its network part applied as `how` says (the other
    /// faults as they are).
    pub fn delayed_with(self, how: DelayWith) -> DockerFault {
        match self {
            DockerFault::Network(network) => DockerFault::Network(NetworkFault {
                delay_by: how,
                ..network
            }),
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blast_radius_counts() {
        assert_eq!(BlastRadius::One.how_many(5), 1);
        assert_eq!(BlastRadius::All.how_many(5), 5);
        assert_eq!(BlastRadius::Count(3).how_many(2), 2);
        assert_eq!(BlastRadius::Percent(50.0).how_many(5), 3);
        assert_eq!(BlastRadius::Percent(1.0).how_many(5), 1);
        assert_eq!(BlastRadius::All.how_many(0), 0);
    }

    #[test]
    fn selectors_filter_by_label() {
        let service = Selector::Service {
            service: "cache".into(),
            project: ProjectScope::Named("demo".into()),
        };
        assert_eq!(
            service.label_filters(),
            [
                "com.docker.compose.service=cache",
                "com.docker.compose.project=demo"
            ]
        );
        assert_eq!(service.to_string(), "service cache of project demo");
        for (project, said) in [
            (
                ProjectScope::Own,
                "service cache of the engine's own project",
            ),
            (ProjectScope::Any, "service cache of any project"),
        ] {
            let service = Selector::Service {
                service: "cache".into(),
                project,
            };
            assert_eq!(
                service.label_filters(),
                ["com.docker.compose.service=cache"]
            );
            assert_eq!(service.to_string(), said);
        }
        let labels = Selector::Labels([("app".to_owned(), "cache".to_owned())].into());
        assert_eq!(labels.label_filters(), ["app=cache"]);
    }

    #[test]
    fn network_faults_say_what_needs_netem() {
        let loss = NetworkFault {
            loss: Some(30.0),
            rate: Some(1_000_000),
            ..NetworkFault::default()
        };
        assert!(!loss.needs_netem());
        assert_eq!(loss.describe(), "loss 30%, rate 1mbit");
        let delay = NetworkFault {
            delay: Some(Duration::from_millis(200)),
            ..NetworkFault::default()
        };
        assert!(delay.needs_netem());
    }
}
