//! What the Docker benchmarks share (`docker_faults`, `delayer`): running
//! the `docker` CLI, the target image made from the release
//! `chaos-target`, the engine's `machine` line, and a Ctrl-C/SIGTERM
//! handler that removes what a bench started.

use std::process::{Command, Stdio};

/// Runs `docker ARGS`; its trimmed standard output when it succeeded (the
/// error is printed otherwise).
pub fn docker(args: &[&str]) -> Option<String> {
    let output = Command::new("docker")
        .args(args)
        .stdin(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .ok()?;
    if output.status.success() {
        Some(String::from_utf8_lossy(&output.stdout).trim().to_owned())
    } else {
        eprintln!(
            "docker {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr).trim()
        );
        None
    }
}

/// Makes the target image `tag` (debian:bookworm-slim and this build's
/// `chaos-target`, serving on `port`, reading a state file that never
/// exists) when it is missing.
pub fn ensure_target_image(tag: &str, port: u16) -> Result<(), String> {
    if docker(&["image", "inspect", "-f", "{{.Id}}", tag]).is_some() {
        return Ok(());
    }
    let context = tempfile::tempdir().map_err(|err| format!("a temporary directory: {err}"))?;
    std::fs::copy(
        env!("CARGO_BIN_EXE_chaos-target"),
        context.path().join("chaos-target"),
    )
    .map_err(|err| format!("copy chaos-target: {err}"))?;
    let dockerfile = format!(
        "FROM debian:bookworm-slim\nCOPY chaos-target /usr/local/bin/chaos-target\n\
         ENV PORT={port} FAILURE_STATE_FILE=/nonexistent/chaos-engine-never-writes-here.json SERVICE_NAME=fault-target WORKERS=2\n\
         EXPOSE {port}\nCMD [\"/usr/local/bin/chaos-target\"]\n"
    );
    std::fs::write(context.path().join("Dockerfile"), dockerfile)
        .map_err(|err| format!("write the Dockerfile: {err}"))?;
    let dir = context.path().to_string_lossy().into_owned();
    docker(&["build", "-q", "-t", tag, &dir])
        .map(|_| ())
        .ok_or_else(|| format!("docker build {tag} failed"))
}

/// The machine and its Docker Engine, for the report's first line.
pub fn machine() -> String {
    let engine = docker(&["version", "-f", "{{.Server.Version}}"]).unwrap_or_default();
    format!(
        "{}, Docker Engine {engine}",
        super::common::cores_and_kernel()
    )
}

/// On Ctrl-C or SIGTERM: runs `cleanup` (removing what the bench started)
/// and exits 130. Watches from a thread of its own.
pub fn on_interrupt(cleanup: impl FnOnce() + Send + 'static) {
    std::thread::spawn(|| {
        let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        else {
            return;
        };
        runtime.block_on(async {
            let Ok(mut term) =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            else {
                return;
            };
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
        });
        eprintln!("interrupted: removing the bench's containers");
        cleanup();
        std::process::exit(130);
    });
}
