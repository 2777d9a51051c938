//! The TLS material of a remote Docker Engine, by the Docker CLI's
//! conventions: a certificate directory holding `ca.pem` (the CA the
//! Engine's certificate is checked against), `cert.pem` and `key.pem` (the
//! client's certificate and key). A target names its own (`cert_path`);
//! the default Engine (`DOCKER_HOST`) is reached over TLS when
//! `DOCKER_TLS_VERIFY` asks for it, with the directory `DOCKER_CERT_PATH`
//! names, by default `~/.docker`.

use std::path::{Path, PathBuf};

/// The CA certificate the Engine's certificate must be signed by.
pub const CA_FILE: &str = "ca.pem";
/// The client's certificate.
pub const CERT_FILE: &str = "cert.pem";
/// The client's private key.
pub const KEY_FILE: &str = "key.pem";

/// The Engine address the Docker CLI uses when TLS is asked for and
/// `DOCKER_HOST` is not set.
pub const DEFAULT_TLS_HOST: &str = "tcp://localhost:2376";

/// The files a certificate directory must hold that `dir` does not (as
/// regular files, or links to them), in the order [`CA_FILE`],
/// [`CERT_FILE`], [`KEY_FILE`]; `Err` when `dir` is not a directory.
pub fn missing_files(dir: &Path) -> Result<Vec<&'static str>, String> {
    match std::fs::metadata(dir) {
        Ok(meta) if meta.is_dir() => {}
        Ok(_) => return Err(format!("{} is not a directory", dir.display())),
        Err(err) => return Err(format!("cannot read {}: {err}", dir.display())),
    }
    Ok([CA_FILE, CERT_FILE, KEY_FILE]
        .into_iter()
        .filter(|name| !dir.join(name).is_file())
        .collect())
}

/// True when `DOCKER_TLS_VERIFY` asks for TLS: set to anything but empty
/// or `0`.
pub fn verify_asked() -> bool {
    std::env::var("DOCKER_TLS_VERIFY")
        .map(|value| {
            let value = value.trim();
            !value.is_empty() && value != "0"
        })
        .unwrap_or(false)
}

/// The default Engine's certificate directory: `DOCKER_CERT_PATH`, or
/// `~/.docker` (`.docker` in the working directory without `HOME`).
pub fn env_cert_dir() -> PathBuf {
    match std::env::var_os("DOCKER_CERT_PATH").filter(|value| !value.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => std::env::var_os("HOME")
            .filter(|home| !home.is_empty())
            .map_or_else(|| PathBuf::from(".docker"), PathBuf::from)
            .join(".docker"),
    }
}

/// True when `host` is an address TLS may be spoken to (`tcp://`,
/// `https://`).
pub fn speaks_tls(host: &str) -> bool {
    host.starts_with("tcp://") || host.starts_with("https://")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_directory_without_the_three_files_is_named_with_what_it_lacks() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            missing_files(dir.path()).unwrap(),
            vec![CA_FILE, CERT_FILE, KEY_FILE]
        );
        std::fs::write(dir.path().join(CA_FILE), "x").unwrap();
        std::fs::write(dir.path().join(KEY_FILE), "x").unwrap();
        assert_eq!(missing_files(dir.path()).unwrap(), vec![CERT_FILE]);
        let file = dir.path().join(CA_FILE);
        assert!(missing_files(&file)
            .unwrap_err()
            .contains("is not a directory"));
        assert!(missing_files(&dir.path().join("none"))
            .unwrap_err()
            .starts_with("cannot read"));
    }

    #[test]
    fn only_tcp_and_https_speak_tls() {
        assert!(speaks_tls("tcp://h:2376"));
        assert!(speaks_tls("https://h:2376"));
        assert!(!speaks_tls("http://h:2375"));
        assert!(!speaks_tls("unix:///var/run/docker.sock"));
    }
}
