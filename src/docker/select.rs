//! Which containers a fault hits: the running containers a [`Selector`]
//! matches, looked up afresh at every injection ([`matching`]), and the
//! share of them the blast radius takes ([`choose`]), drawn from a number
//! derived from the failure id ([`draw_for`]) so that a test, or a second
//! look at the journal, finds the same choice.

use std::collections::HashMap;

use bollard::query_parameters::ListContainersOptions;
use bollard::Docker;

use super::client::{bounded, CALL_TIMEOUT};
use super::own_project;
use super::{BlastRadius, ContainerRef, DockerError, Selector};

/// The running containers `selector` matches, sorted by name;
/// [`DockerError::NoMatch`] when there is none.
pub async fn matching(
    docker: &Docker,
    selector: &Selector,
) -> Result<Vec<ContainerRef>, DockerError> {
    let found = running(docker, selector).await?;
    if found.is_empty() {
        return Err(DockerError::NoMatch {
            selector: selector.to_string(),
        });
    }
    Ok(found)
}

/// The running containers `selector` matches, sorted by name (possibly
/// none: `validate` shows that without failing).
pub async fn running(
    docker: &Docker,
    selector: &Selector,
) -> Result<Vec<ContainerRef>, DockerError> {
    listed(docker, selector, false).await
}

/// The containers `selector` matches, sorted by name: the running ones,
/// or with `include_stopped` every one (a killed or stopped container
/// too, as `status` shows them). A Compose service selector keeps to the
/// engine's own project unless it names another ([`own_project::resolve`]).
pub async fn listed(
    docker: &Docker,
    selector: &Selector,
    include_stopped: bool,
) -> Result<Vec<ContainerRef>, DockerError> {
    let selector = &own_project::resolve(docker, selector).await?;
    let mut filters = HashMap::new();
    if !include_stopped {
        filters.insert("status".to_owned(), vec!["running".to_owned()]);
    }
    let labels = selector.label_filters();
    if !labels.is_empty() {
        filters.insert("label".to_owned(), labels);
    }
    let options = ListContainersOptions {
        all: include_stopped,
        filters: Some(filters),
        ..ListContainersOptions::default()
    };
    let what = selector.to_string();
    let listed = bounded(
        CALL_TIMEOUT,
        "list containers for",
        &what,
        docker.list_containers(Some(options)),
    )
    .await?;
    let mut found: Vec<ContainerRef> = listed
        .into_iter()
        .filter_map(|summary| {
            let id = summary.id?;
            let name = summary
                .names
                .unwrap_or_default()
                .first()
                .map(|name| name.trim_start_matches('/').to_owned())
                .unwrap_or_else(|| id.clone());
            Some(ContainerRef { id, name })
        })
        .filter(|container| selects(selector, container))
        .collect();
    found.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.id.cmp(&b.id)));
    Ok(found)
}

/// Whether `container` is the one a [`Selector::Container`] names (by
/// name, full id or an id prefix of at least 12 characters); label
/// selectors were already applied by the Engine.
fn selects(selector: &Selector, container: &ContainerRef) -> bool {
    match selector {
        Selector::Container(wanted) => names_container(wanted, container),
        Selector::Service { .. } | Selector::Labels(_) | Selector::SwarmServiceLabels(_) => true,
    }
}

/// True when `wanted` is `container`'s name, full id or an id prefix of
/// at least 12 characters.
pub fn names_container(wanted: &str, container: &ContainerRef) -> bool {
    let wanted = wanted.trim_start_matches('/');
    wanted == container.name
        || wanted == container.id
        || (wanted.len() >= 12 && container.id.starts_with(wanted))
}

/// The containers of `matching` a fault with blast radius `radius` hits,
/// sorted by name: a reproducible choice made from `draw` (a partial
/// Fisher–Yates shuffle driven by SplitMix64 from `draw`).
pub fn choose(matching: &[ContainerRef], radius: BlastRadius, draw: u64) -> Vec<ContainerRef> {
    let wanted = radius.how_many(matching.len());
    let mut order: Vec<usize> = (0..matching.len()).collect();
    let mut state = draw;
    for slot in 0..wanted {
        state = state.wrapping_add(GOLDEN);
        let left = (order.len() - slot) as u64;
        let offset = (splitmix64(state) % left) as usize;
        order.swap(slot, slot + offset);
    }
    let mut hit: Vec<ContainerRef> = order[..wanted]
        .iter()
        .filter_map(|&index| matching.get(index).cloned())
        .collect();
    hit.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.id.cmp(&b.id)));
    hit
}

/// The draw [`choose`] takes for the failure `failure_id`: FNV-1a-64 of
/// its bytes, mixed once by SplitMix64.
pub fn draw_for(failure_id: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in failure_id.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    splitmix64(hash)
}

const GOLDEN: u64 = 0x9e37_79b9_7f4a_7c15;

fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(GOLDEN);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn containers(n: usize) -> Vec<ContainerRef> {
        (0..n)
            .map(|i| ContainerRef {
                id: format!("{i:064x}"),
                name: format!("app-{i}"),
            })
            .collect()
    }

    #[test]
    fn the_choice_is_reproducible_sorted_and_as_large_as_the_radius() {
        let all = containers(5);
        let draw = draw_for("failure-1");
        let one = choose(&all, BlastRadius::One, draw);
        assert_eq!(one.len(), 1);
        assert_eq!(one, choose(&all, BlastRadius::One, draw));
        let three = choose(&all, BlastRadius::Count(3), draw);
        assert_eq!(three.len(), 3);
        assert!(three.windows(2).all(|pair| pair[0].name < pair[1].name));
        assert_eq!(choose(&all, BlastRadius::All, draw), all);
        assert_eq!(choose(&all, BlastRadius::Percent(50.0), draw).len(), 3);
        assert!(choose(&[], BlastRadius::One, draw).is_empty());
    }

    #[test]
    fn different_failures_spread_over_the_containers() {
        let all = containers(4);
        let mut seen = std::collections::BTreeSet::new();
        for n in 0..64 {
            let hit = choose(&all, BlastRadius::One, draw_for(&format!("f{n}")));
            seen.insert(hit[0].name.clone());
        }
        assert_eq!(seen.len(), 4, "{seen:?}");
    }

    #[test]
    fn a_container_selector_takes_a_name_or_an_id() {
        let container = ContainerRef {
            id: "0123456789abcdef".repeat(4),
            name: "cache-1".into(),
        };
        assert!(names_container("cache-1", &container));
        assert!(names_container("/cache-1", &container));
        assert!(names_container("0123456789ab", &container));
        assert!(!names_container("0123", &container));
        assert!(!names_container("cache", &container));
    }
}
