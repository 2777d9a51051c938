//! The name of a Swarm target's service, found when it is used: the name
//! configured, or the one service its `labels:` match on the manager's
//! Engine at that moment.

use bollard::Docker;

use super::config::ServiceSelector;
use crate::docker::swarm_service::service_labelled;
use crate::docker::DockerError;

/// The name of the service `selector` names on `docker`; with labels,
/// [`DockerError::ServiceLabels`] when none or several match.
pub async fn resolve_service(
    docker: &Docker,
    selector: &ServiceSelector,
) -> Result<String, DockerError> {
    match selector {
        ServiceSelector::Name(name) => Ok(name.clone()),
        ServiceSelector::Labels(labels) => service_labelled(docker, labels).await,
    }
}
