//! The values of a Docker target's `docker:` section, checked one by one:
//! the Engine address (`host`), a container name (`container`) and a
//! label selector (`labels`). Each check refuses what the client could not
//! connect to or the Engine could never match, and shows the right form;
//! `target` puts the key path and position in front.

use std::collections::BTreeMap;

use crate::docker::ProjectScope;

/// `unix:///path`, `tcp://host:port`, `http://host:port` or
/// `https://host:port`, as the client connects to them (`docker::client`;
/// whether TLS is spoken is the target's `cert_path`, checked with the
/// address in `engine`).
pub fn check_host(host: &str) -> Result<String, String> {
    match host_problem(host) {
        None => Ok(host.to_owned()),
        Some(why) => Err(format!(
            "`{host}` is not a Docker Engine address ({why}): use unix:///var/run/docker.sock, \
             tcp://HOST:2375, http://HOST:2375 or, over TLS, tcp://HOST:2376 or https://HOST:2376 \
             with `cert_path`"
        )),
    }
}

/// What is wrong with the Engine address `host`, if anything.
fn host_problem(host: &str) -> Option<String> {
    if host.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Some("it contains spaces or control characters".to_owned());
    }
    if let Some(path) = host.strip_prefix("unix://") {
        return if !path.starts_with('/') {
            Some("unix:// takes an absolute socket path".to_owned())
        } else if path.ends_with('/') {
            Some("the socket path names a directory".to_owned())
        } else {
            None
        };
    }
    let Some(authority) = ["tcp://", "http://", "https://"]
        .iter()
        .find_map(|scheme| host.strip_prefix(scheme))
    else {
        return Some(match host.split_once("://") {
            Some((scheme, _)) => format!("unknown scheme {scheme}://"),
            None => "no scheme".to_owned(),
        });
    };
    let authority = authority.strip_suffix('/').unwrap_or(authority);
    if authority.contains(['/', '?', '#', '@']) {
        return Some("nothing may follow HOST:PORT".to_owned());
    }
    // The port is after the last `:`, outside an IPv6 address's brackets.
    let (name, port) = match authority.rsplit_once(':') {
        Some((name, port)) if !port.contains(']') => (name, port),
        _ => return Some("no port: give it, e.g. :2375".to_owned()),
    };
    let name_ok = match name.strip_prefix('[').and_then(|n| n.strip_suffix(']')) {
        Some(ipv6) => {
            ipv6.contains(':')
                && ipv6
                    .chars()
                    .all(|c| c.is_ascii_hexdigit() || ":.".contains(c))
        }
        None => {
            !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
        }
    };
    if name.is_empty() {
        return Some("no host before the port".to_owned());
    }
    if !name_ok {
        return Some(format!("`{name}` is not a host name or IP address"));
    }
    match port.parse::<u16>() {
        Ok(port) if port >= 1 => None,
        _ if port.is_empty() => Some("no port after the `:`".to_owned()),
        _ => Some(format!("port {port} is not from 1 to 65535")),
    }
}

/// A `container:` selector: a name or id Docker could have (names are
/// `[a-zA-Z0-9][a-zA-Z0-9_.-]+`, optionally after Docker's `/`; an id or
/// id prefix is hexadecimal, which that covers).
pub(super) fn check_container(container: &str) -> Result<String, String> {
    let name = container.strip_prefix('/').unwrap_or(container);
    let mut chars = name.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphanumeric());
    let rest: Vec<char> = chars.collect();
    if first_ok
        && !rest.is_empty()
        && rest
            .iter()
            .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(*c))
    {
        return Ok(container.to_owned());
    }
    Err(format!(
        "`{container}` cannot be a container name or id: a name is at least two of letters, \
         digits, `_`, `.` and `-`, starting with a letter or digit (quote it if YAML reads it \
         as something else)"
    ))
}

/// A `project:` beside `service:`: `*` (every Compose project) or a
/// project name as Compose writes it into its label (lowercase letters,
/// digits, `-` and `_`, starting with a letter or digit).
pub(super) fn check_project(project: &str) -> Result<ProjectScope, String> {
    if project == "*" {
        return Ok(ProjectScope::Any);
    }
    let mut chars = project.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if first_ok && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-_".contains(c)) {
        return Ok(ProjectScope::Named(project.to_owned()));
    }
    Err(format!(
        "`{project}` is not a Compose project name: lowercase letters, digits, `-` and `_`, \
         starting with a letter or digit (e.g. `project: shop`); `project: \"*\"` reaches every \
         project, and without `project` the engine keeps to its own"
    ))
}

/// A `labels:` selector: at least one label, each a key without `=` or
/// spaces and a printable value. Errors name the label (`None`: the whole
/// mapping).
pub fn check_labels(
    labels: &BTreeMap<String, Option<String>>,
) -> Result<BTreeMap<String, String>, (Option<&str>, String)> {
    if labels.is_empty() {
        return Err((None, "give at least one label".to_owned()));
    }
    let mut checked = BTreeMap::new();
    for (key, value) in labels {
        let at = |message: String| (Some(key.as_str()), message);
        if let Some((name, value)) = key.split_once('=') {
            return Err(at(format!(
                "`{key}` is not a label key: write the label as `labels: {{ {}: \"{}\" }}`",
                name.trim(),
                value.trim()
            )));
        }
        if key.trim().is_empty() || key.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(at(format!(
                "`{key}` is not a label key: a key is non-empty, without spaces or `=`, e.g. \
                 `labels: {{ app: \"cache\" }}`"
            )));
        }
        let Some(value) = value else {
            return Err(at(format!(
                "label `{key}` has no value: Docker's filter matches a key and its value, \
                 write `labels: {{ {key}: \"VALUE\" }}`"
            )));
        };
        if value.chars().any(char::is_control) {
            return Err(at(format!(
                "the value of label `{key}` has control characters, which Docker's label filter \
                 cannot be given; write `labels: {{ {key}: \"VALUE\" }}` with printable text"
            )));
        }
        checked.insert(key.clone(), value.clone());
    }
    Ok(checked)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_are_addresses_the_client_can_connect_to() {
        for good in [
            "unix:///var/run/docker.sock",
            "tcp://127.0.0.1:2375",
            "tcp://docker-host.example:2375",
            "http://dind:2375",
            "http://dind:2375/",
            "tcp://[::1]:2375",
            "tcp://my_engine:1",
            "tcp://h:65535",
            "https://x:2376",
        ] {
            assert_eq!(check_host(good).as_deref(), Ok(good), "{good}");
        }
        for (bad, why) in [
            ("tcp://127.0.0.1:99999", "port 99999 is not from 1 to 65535"),
            ("tcp://127.0.0.1:0", "port 0 is not from 1 to 65535"),
            ("tcp://127.0.0.1:x", "port x is not from 1 to 65535"),
            ("tcp://127.0.0.1:", "no port after the `:`"),
            ("tcp://127.0.0.1", "no port"),
            ("tcp://:2375", "no host before the port"),
            ("tcp://", "no port"),
            ("http://h:2375/v1.41", "nothing may follow HOST:PORT"),
            ("tcp://user@h:2375", "nothing may follow HOST:PORT"),
            (
                "tcp://h st:2375",
                "it contains spaces or control characters",
            ),
            ("tcp://h$x:2375", "`h$x` is not a host name or IP address"),
            ("tcp://[zz]:2375", "`[zz]` is not a host name or IP address"),
            ("ssh://me@host", "unknown scheme ssh://"),
            ("127.0.0.1:2375", "no scheme"),
            (
                "unix://var/run/docker.sock",
                "unix:// takes an absolute socket path",
            ),
            ("unix://", "unix:// takes an absolute socket path"),
            ("unix:///run/", "the socket path names a directory"),
        ] {
            let err = check_host(bad).unwrap_err();
            assert!(
                err.starts_with(&format!("`{bad}` is not a Docker Engine address ({why}")),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn projects_are_compose_project_names_or_a_star() {
        assert_eq!(check_project("*"), Ok(ProjectScope::Any));
        for good in ["shop", "chaos-demo_2", "0day"] {
            assert_eq!(
                check_project(good),
                Ok(ProjectScope::Named(good.to_owned())),
                "{good}"
            );
        }
        for bad in ["Shop", "-shop", "_x", "sh op", "a/b", "**", "", "café"] {
            let err = check_project(bad).unwrap_err();
            assert!(
                err.starts_with(&format!("`{bad}` is not a Compose project name")),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn container_names_are_names_docker_can_have() {
        for good in [
            "cache-1",
            "/cache-1",
            "my_app.v2",
            "123",
            "0123456789ab",
            "ab",
        ] {
            assert_eq!(check_container(good).as_deref(), Ok(good), "{good}");
        }
        for bad in [
            "my app", "a", "-cache", ".cache", "~", "", "cache/1", "café", "/",
        ] {
            let err = check_container(bad).unwrap_err();
            assert!(
                err.starts_with(&format!("`{bad}` cannot be a container name or id")),
                "{bad}: {err}"
            );
        }
    }

    fn labels(pairs: &[(&str, Option<&str>)]) -> BTreeMap<String, Option<String>> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.map(str::to_owned)))
            .collect()
    }

    #[test]
    fn labels_are_keys_and_values_the_filter_can_match() {
        let good = labels(&[("advx", Some("1")), ("com.example.app", Some("a=b"))]);
        assert_eq!(
            check_labels(&good).unwrap(),
            BTreeMap::from([
                ("advx".to_owned(), "1".to_owned()),
                ("com.example.app".to_owned(), "a=b".to_owned())
            ])
        );
        let written_with_equals = labels(&[("advx=1", None)]);
        let (at, message) = check_labels(&written_with_equals).unwrap_err();
        assert_eq!(at, Some("advx=1"));
        assert_eq!(
            message,
            "`advx=1` is not a label key: write the label as `labels: { advx: \"1\" }`"
        );
        let without_value = labels(&[("advx", None)]);
        let (at, message) = check_labels(&without_value).unwrap_err();
        assert_eq!(at, Some("advx"));
        assert!(
            message.starts_with("label `advx` has no value"),
            "{message}"
        );
        for key in ["", " ", "my app"] {
            let (_, message) = check_labels(&labels(&[(key, Some("1"))])).unwrap_err();
            assert!(message.contains("is not a label key"), "{key:?}: {message}");
        }
        let (_, message) = check_labels(&labels(&[("app", Some("a\nb"))])).unwrap_err();
        assert!(message.contains("control characters"), "{message}");
        assert_eq!(
            check_labels(&labels(&[])).unwrap_err(),
            (None, "give at least one label".to_owned())
        );
    }
}
