//! Docker targets on a remote Engine over TLS, through the real binary,
//! against a second dockerd on this host with a CA made in the test
//! ([`SecondDaemon`], [`Certificates`]):
//!
//! - `validate` with a target's `host` and `cert_path` reaches it and
//!   says what it matches;
//! - the same through `DOCKER_HOST`, `DOCKER_TLS_VERIFY` and
//!   `DOCKER_CERT_PATH`;
//! - a client certificate of another CA is refused at `validate` (an
//!   `error:` line naming the target and the Engine, exit 2), as is an
//!   Engine that is not there;
//! - `inject pause --for 1s` over TLS pauses a container of the second
//!   daemon and unpauses it.

use std::path::Path;
use std::process::{Output, Stdio};
use std::time::Duration;

use super::docker::{docker, run, run_ok};
use super::engine_helpers::{command, run_once, wait_until, Workspace};
use super::fault_fixtures::target_image;
use super::tls_fixtures::{free_port, Certificates, SecondDaemon};

/// `text` and its standard error, for assertion messages.
fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// A targets file with one Docker target `remote` on container `web`;
/// `engine` is the rest of its `docker:` section.
fn targets(workspace: &Workspace, engine: &str) -> String {
    workspace
        .targets(&format!(
            "targets:\n  - name: remote\n    docker: {{ container: web{engine} }}\n    \
             scenarios:\n      - {{ name: PAUSE, mode: pause, weight: 1 }}\n"
        ))
        .display()
        .to_string()
}

/// Copies the certificate directory `certs` into the workspace as
/// `name`, so that the targets file can name it relative to itself.
fn copy_certs(workspace: &Workspace, certs: &Path, name: &str) {
    let to = workspace.path(name);
    std::fs::create_dir_all(&to).unwrap();
    for file in ["ca.pem", "cert.pem", "key.pem"] {
        std::fs::copy(certs.join(file), to.join(file)).unwrap();
    }
}

#[test]
#[ignore = "needs Docker (dockerd) and root; run by .ci/run"]
fn tls_validate_reaches_a_target_s_engine_with_its_cert_path() {
    let certs = Certificates::generate();
    let daemon = SecondDaemon::start(&certs.server());
    let workspace = Workspace::new();
    copy_certs(&workspace, &certs.client(), "certs");
    let file = targets(
        &workspace,
        &format!(", host: '{}', cert_path: certs", daemon.host()),
    );
    let validate = run_once(&["validate", "--targets", &file], &[]);
    let shown = text(&validate);
    assert!(validate.status.success(), "{shown}");
    let certs_dir = workspace.path("certs").canonicalize().unwrap();
    assert!(
        shown.contains(&format!(
            "  docker:       container web on {} over TLS (certificates in {}), pick one\n",
            daemon.host(),
            certs_dir.display()
        )),
        "{shown}"
    );
    assert!(
        shown.contains("  matches now:  no running container (faults are skipped until one runs)"),
        "{shown}"
    );
}

#[test]
#[ignore = "needs Docker (dockerd) and root; run by .ci/run"]
fn tls_validate_reaches_docker_host_with_docker_tls_verify() {
    let certs = Certificates::generate();
    let daemon = SecondDaemon::start(&certs.server());
    let workspace = Workspace::new();
    let file = targets(&workspace, "");
    let client = certs.client().display().to_string();
    let host = daemon.host();
    let env = [
        ("DOCKER_HOST", host.as_str()),
        ("DOCKER_TLS_VERIFY", "1"),
        ("DOCKER_CERT_PATH", client.as_str()),
    ];
    let validate = run_once(&["validate", "--targets", &file], &env);
    let shown = text(&validate);
    assert!(validate.status.success(), "{shown}");
    assert!(
        shown.contains(&format!(
            "container web on {host} over TLS (certificates in {client}), pick one"
        )),
        "{shown}"
    );
    assert!(
        shown.contains("  matches now:  no running container"),
        "{shown}"
    );
    // DOCKER_TLS_VERIFY=0 asks for no TLS: the daemon refuses plain HTTP.
    let plain = run_once(
        &["validate", "--targets", &file],
        &[env[0], ("DOCKER_TLS_VERIFY", "0"), env[2]],
    );
    assert_eq!(plain.status.code(), Some(2), "{}", text(&plain));
    assert!(
        String::from_utf8_lossy(&plain.stderr).starts_with(&format!(
            "error: target remote: cannot reach the Docker Engine at {host}: "
        )),
        "{}",
        text(&plain)
    );
}

#[test]
#[ignore = "needs Docker (dockerd) and root; run by .ci/run"]
fn tls_a_client_certificate_of_another_ca_is_refused_at_validate() {
    let certs = Certificates::generate();
    let daemon = SecondDaemon::start(&certs.server());
    let workspace = Workspace::new();
    copy_certs(&workspace, &certs.stranger(), "stranger");
    let file = targets(
        &workspace,
        &format!(", host: '{}', cert_path: stranger", daemon.host()),
    );
    let validate = run_once(&["validate", "--targets", &file], &[]);
    let stderr = String::from_utf8_lossy(&validate.stderr).into_owned();
    assert_eq!(validate.status.code(), Some(2), "{}", text(&validate));
    let stranger = workspace.path("stranger").canonicalize().unwrap();
    assert!(
        stderr.starts_with(&format!(
            "error: target remote: cannot reach the Docker Engine at {} over TLS (certificates \
             in {}): ",
            daemon.host(),
            stranger.display()
        )),
        "{stderr}"
    );
    assert!(stderr.contains("BadCertificate"), "{stderr}");
    assert!(!String::from_utf8_lossy(&validate.stdout).contains("matches now:"));
}

#[test]
#[ignore = "needs Docker (dockerd) and root; run by .ci/run"]
fn tls_an_engine_that_is_not_there_is_an_error_at_validate() {
    let certs = Certificates::generate();
    let workspace = Workspace::new();
    copy_certs(&workspace, &certs.client(), "certs");
    let host = format!("tcp://127.0.0.1:{}", free_port());
    let file = targets(&workspace, &format!(", host: '{host}', cert_path: certs"));
    let validate = run_once(&["validate", "--targets", &file], &[]);
    let stderr = String::from_utf8_lossy(&validate.stderr).into_owned();
    assert_eq!(validate.status.code(), Some(2), "{}", text(&validate));
    assert!(
        stderr.starts_with(&format!(
            "error: target remote: cannot reach the Docker Engine at {host} over TLS"
        )),
        "{stderr}"
    );
    assert!(stderr.contains("Connection refused"), "{stderr}");
}

#[test]
#[ignore = "needs Docker (dockerd) and root; run by .ci/run"]
fn tls_inject_pause_pauses_and_unpauses_a_container_of_the_remote_engine() {
    let image = target_image();
    let certs = Certificates::generate();
    let daemon = SecondDaemon::start(&certs.server());
    let client = certs.client();
    // The image reaches the second daemon over TLS.
    let mut save = docker(&["save", image])
        .stdout(Stdio::piped())
        .spawn()
        .expect("docker save");
    let load = daemon
        .docker(&client, &["load", "-q"])
        .stdin(save.stdout.take().expect("piped"))
        .output()
        .expect("docker load");
    assert!(save.wait().unwrap().success());
    assert!(load.status.success(), "{}", text(&load));
    run_ok(&mut daemon.docker(
        &client,
        &["run", "-d", "--network", "none", "--name", "web", image],
    ));
    let workspace = Workspace::new();
    copy_certs(&workspace, &client, "certs");
    let file = targets(
        &workspace,
        &format!(", host: '{}', cert_path: certs", daemon.host()),
    );
    let state = |daemon: &SecondDaemon| {
        run_ok(&mut daemon.docker(
            &client,
            &["inspect", "--format", "{{.State.Status}}", "web"],
        ))
        .trim()
        .to_owned()
    };
    let validate = run_once(&["validate", "--targets", &file], &[]);
    assert!(
        text(&validate).contains("  matches now:  1 running: web"),
        "{}",
        text(&validate)
    );
    let inject = command(&[])
        .args([
            "inject",
            "--scenario",
            "PAUSE",
            "--for",
            "2s",
            "--targets",
            &file,
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn inject");
    wait_until(Duration::from_secs(10), "web paused over TLS", || {
        state(&daemon) == "paused"
    });
    let inject = inject.wait_with_output().expect("inject");
    assert!(inject.status.success(), "{}", text(&inject));
    assert_eq!(state(&daemon), "running", "{}", text(&inject));
    // Nothing of it on the machine's Engine.
    let here = run(&mut docker(&["ps", "-aq", "--filter", "name=^/web$"]));
    assert!(String::from_utf8_lossy(&here.stdout).trim().is_empty());
}
