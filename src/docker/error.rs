//! Why a Docker fault could not be applied, undone or looked at. Every
//! message names what the engine tried and what the Engine answered.

/// A Docker operation that failed.
#[derive(Debug, thiserror::Error)]
pub enum DockerError {
    /// No connection to the Docker Engine.
    #[error("cannot reach the Docker Engine at {host}: {detail}")]
    Unreachable {
        /// The address tried (with its certificates, over TLS).
        host: String,
        /// What the connection attempt said.
        detail: String,
    },
    /// The selector matches no running container.
    #[error("no running container matches {selector}")]
    NoMatch {
        /// The selector, as `validate` shows it.
        selector: String,
    },
    /// An Engine call failed.
    #[error("{action} {container}: {detail}")]
    Api {
        /// What the engine tried (`kill`, `unpause`, `create helper for`...).
        action: &'static str,
        /// The container it tried it on.
        container: String,
        /// The Engine's answer.
        detail: String,
    },
    /// The Docker host's kernel has no netem qdisc, and the helper image
    /// has no user-space delayer to stand in for it.
    #[error(
        "the Docker host's kernel has no netem qdisc (sch_netem), which {what} needs \
         (tc: \"Specified qdisc kind is unknown\"), and the network helper image has no \
         chaos-delayer to do it in user space: use the project's helper image \
         (docker/nethelper), load sch_netem on the host with `modprobe sch_netem`, or use only \
         loss, rate and partition, which need neither"
    )]
    NoNetem {
        /// The parameters that need netem (`delay 200ms, jitter 20ms`).
        what: String,
    },
    /// The network helper ran but could not apply or remove its rules.
    #[error("the network helper in {container} failed: {detail}")]
    Helper {
        /// The container whose network the helper works on.
        container: String,
        /// What the helper printed.
        detail: String,
    },
    /// A network fault refused because the container has no network
    /// namespace of its own (network mode `host` or `container:<id>`):
    /// the fault would change the Docker host's or another container's
    /// network. Nothing was applied.
    #[error(
        "refused a network fault on {container} (network mode {network_mode}): {why}; nothing \
         was applied (kill, stop and pause still work on it)"
    )]
    SharedNetns {
        /// The container the fault was meant for.
        container: String,
        /// Its network mode, as Docker reports it (`host`,
        /// `container:<id>`).
        network_mode: String,
        /// Whose namespace it is in, and what the fault would have hit.
        why: String,
    },
    /// A manual injection of a mode the target cannot apply as asked.
    #[error("{0}")]
    Unsupported(String),
    /// A Swarm fault refused before anything changed: the service or node
    /// is not one it can break (a global service to scale, a count it
    /// already has, a node already drained).
    #[error("{0}; nothing was changed")]
    SwarmRefused(String),
    /// A Swarm target's `labels:` match no service, or several (`labels
    /// tier=api match no service`).
    #[error("{0}")]
    ServiceLabels(String),
    /// A Swarm object whose version index does not fit the 32-bit version
    /// the Docker client library sends for a service update (the Engine's
    /// is 64-bit): the update cannot be made.
    #[error(
        "cannot update {object}: its version index {index} does not fit the 32-bit version \
         the Docker client library sends (the Engine's is 64-bit); nothing was changed"
    )]
    VersionOverflow {
        /// The object (`service shop_api`).
        object: String,
        /// Its version index, as the Engine gave it.
        index: u64,
    },
    /// A ledger record that cannot be undone as written (a `drain` or
    /// `scale` without its `restore`, or with values that do not parse).
    #[error("{0}")]
    BadRecord(String),
    /// The fault ledger could not be written: nothing is applied
    /// without its write-ahead record.
    #[error("the fault ledger: {0}; nothing was applied")]
    Ledger(String),
    /// The engine began shutting down while the fault was being applied.
    #[error("the engine is shutting down: the fault was not applied to every container")]
    ShuttingDown,
}

impl From<DockerError> for crate::backend::BackendError {
    fn from(err: DockerError) -> Self {
        crate::backend::BackendError::new("apply the fault", err)
    }
}
