//! Which Swarm service a set of service labels names: a Swarm target
//! configured with `labels:` breaks THE service whose labels (`docker
//! service create --label`) include all of them, found on the manager's
//! Engine each time it is used. None, or several, is an error then.

use std::collections::{BTreeMap, HashMap};

use bollard::query_parameters::ListServicesOptions;
use bollard::Docker;

use super::client::{bounded, CALL_TIMEOUT};
use super::DockerError;

/// The name of the one service on `docker` whose labels include all of
/// `labels`; [`DockerError::ServiceLabels`] when none or several do.
pub async fn service_labelled(
    docker: &Docker,
    labels: &BTreeMap<String, String>,
) -> Result<String, DockerError> {
    let filters = HashMap::from([(
        "label".to_owned(),
        labels.iter().map(|(k, v)| format!("{k}={v}")).collect(),
    )]);
    let options = ListServicesOptions {
        filters: Some(filters),
        ..ListServicesOptions::default()
    };
    let what = format!("services labelled {}", labels_text(labels));
    let services = bounded(
        CALL_TIMEOUT,
        "list",
        &what,
        docker.list_services(Some(options)),
    )
    .await?;
    let mut names: Vec<String> = services
        .into_iter()
        .filter_map(|service| service.spec.and_then(|spec| spec.name).or(service.id))
        .collect();
    names.sort();
    the_one(labels, names)
}

/// The one name of `names`, else why not.
fn the_one(
    labels: &BTreeMap<String, String>,
    mut names: Vec<String>,
) -> Result<String, DockerError> {
    match names.len() {
        1 => Ok(names.remove(0)),
        0 => Err(DockerError::ServiceLabels(format!(
            "labels {} match no service",
            labels_text(labels)
        ))),
        count => Err(DockerError::ServiceLabels(format!(
            "labels {} match {count} services ({}): give `service` or more labels",
            labels_text(labels),
            names.join(", ")
        ))),
    }
}

/// `tier=api, team=shop`, as messages show labels.
pub fn labels_text(labels: &BTreeMap<String, String>) -> String {
    labels
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exactly_one_service_must_match() {
        let labels = BTreeMap::from([("tier".to_owned(), "api".to_owned())]);
        assert_eq!(
            the_one(&labels, vec!["shop_api".to_owned()]).unwrap(),
            "shop_api"
        );
        assert_eq!(
            the_one(&labels, Vec::new()).unwrap_err().to_string(),
            "labels tier=api match no service"
        );
        assert_eq!(
            the_one(&labels, vec!["a".to_owned(), "b".to_owned()])
                .unwrap_err()
                .to_string(),
            "labels tier=api match 2 services (a, b): give `service` or more labels"
        );
    }
}
