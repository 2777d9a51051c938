//! Undoing a `drain` or `scale` fault from its ledger record: the
//! record's [`Restore`] says which field to set back and from what, and
//! [`super::swarm_ops`] does it. A record without one (or with values
//! that do not parse) cannot be undone: an error, and the fault stays
//! open.

use bollard::Docker;

use super::swarm_ops::{self, AVAILABILITY, REPLICAS};
use super::{ContainerRef, DockerError, DockerMode};
use crate::outcome::Restore;

/// What to set back, read from a record.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Undo {
    /// The service's replica count, from `applied` to `before`.
    Replicas { before: u64, applied: u64 },
    /// The node's availability, from `applied` to `before`.
    Availability { before: String, applied: String },
}

/// Sets back what the `mode` fault (`drain` or `scale`) on `unit` (the
/// node or service) changed, as `restore` records it; says what it did
/// (`replicas 0 -> 2`, `gone`, ...).
pub async fn undo(
    docker: &Docker,
    mode: DockerMode,
    unit: &ContainerRef,
    restore: Option<&Restore>,
) -> Result<String, DockerError> {
    match planned(mode, restore)? {
        Undo::Replicas { before, applied } => {
            swarm_ops::restore_replicas(docker, &unit.id, before, applied).await
        }
        Undo::Availability { before, applied } => {
            swarm_ops::restore_availability(docker, &unit.id, &before, &applied).await
        }
    }
}

/// What a `mode` record's `restore` asks for; else why it cannot be
/// undone.
fn planned(mode: DockerMode, restore: Option<&Restore>) -> Result<Undo, DockerError> {
    let field = match mode {
        DockerMode::Scale => REPLICAS,
        DockerMode::Drain => AVAILABILITY,
        DockerMode::Kill
        | DockerMode::Stop
        | DockerMode::Pause
        | DockerMode::Network
        | DockerMode::Partition => {
            return Err(DockerError::BadRecord(format!(
                "a {mode} fault is not undone by setting a field back"
            )))
        }
    };
    let Some(restore) = restore else {
        return Err(DockerError::BadRecord(format!(
            "the {mode} record has no `restore`: what to set the {field} back to is not known"
        )));
    };
    if restore.field != field {
        return Err(DockerError::BadRecord(format!(
            "the {mode} record restores `{}`, not {field}",
            restore.field
        )));
    }
    if mode == DockerMode::Drain {
        return Ok(Undo::Availability {
            before: restore.before.clone(),
            applied: restore.applied.clone(),
        });
    }
    let count = |value: &str| {
        value.parse::<u64>().map_err(|_| {
            DockerError::BadRecord(format!(
                "the {mode} record holds `{value}` as a replica count"
            ))
        })
    };
    Ok(Undo::Replicas {
        before: count(&restore.before)?,
        applied: count(&restore.applied)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn restore(field: &str, before: &str, applied: &str) -> Restore {
        Restore {
            field: field.to_owned(),
            before: before.to_owned(),
            applied: applied.to_owned(),
        }
    }

    #[test]
    fn a_record_says_which_field_to_set_back() {
        assert_eq!(
            planned(DockerMode::Scale, Some(&restore("replicas", "2", "0"))).unwrap(),
            Undo::Replicas {
                before: 2,
                applied: 0
            }
        );
        assert_eq!(
            planned(
                DockerMode::Drain,
                Some(&restore("availability", "active", "drain"))
            )
            .unwrap(),
            Undo::Availability {
                before: "active".to_owned(),
                applied: "drain".to_owned()
            }
        );
    }

    #[test]
    fn a_record_that_cannot_be_undone_is_an_error() {
        let refusals = [
            (DockerMode::Scale, None, "the scale record has no `restore`: what to set the replicas back to is not known"),
            (DockerMode::Drain, None, "the drain record has no `restore`: what to set the availability back to is not known"),
            (DockerMode::Scale, Some(restore("availability", "active", "drain")), "the scale record restores `availability`, not replicas"),
            (DockerMode::Scale, Some(restore("replicas", "two", "0")), "the scale record holds `two` as a replica count"),
            (DockerMode::Pause, Some(restore("replicas", "2", "0")), "a pause fault is not undone by setting a field back"),
        ];
        for (mode, restore, message) in refusals {
            let err = planned(mode, restore.as_ref()).unwrap_err();
            assert_eq!(err.to_string(), message);
        }
    }

    #[tokio::test]
    async fn undo_makes_no_engine_call_for_a_record_without_restore() {
        // A client that is never reached: the refusal comes first.
        let docker =
            Docker::connect_with_http("http://127.0.0.1:9", 1, bollard::API_DEFAULT_VERSION)
                .unwrap();
        let unit = ContainerRef {
            id: "svc1".to_owned(),
            name: "shop_api".to_owned(),
        };
        let err = undo(&docker, DockerMode::Scale, &unit, None)
            .await
            .unwrap_err();
        assert!(matches!(err, DockerError::BadRecord(_)), "{err}");
    }
}
