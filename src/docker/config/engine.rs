//! The Engine a Docker or Swarm target reaches: its `host` and
//! `cert_path` keys checked together. `cert_path` is the certificate
//! directory TLS is spoken with (`ca.pem`, `cert.pem`, `key.pem`, as the
//! Docker CLI's `DOCKER_CERT_PATH`), relative to the targets file's
//! directory, and must hold the three files; it goes with a `tcp://` or
//! `https://` host, and an `https://` host needs it.

use std::path::{Path, PathBuf};

use super::selector::check_host;
use crate::docker::tls::{self, CA_FILE, CERT_FILE, KEY_FILE};
use crate::input::{ConfigError, KeyOrigins};

/// The checked `host` and `cert_path` of the section at `section` (e.g.
/// `targets[1].docker`); `cert_path` made absolute.
pub fn engine_keys(
    file: &dyn KeyOrigins,
    section: &str,
    host: Option<&str>,
    cert_path: Option<&str>,
) -> Result<(Option<String>, Option<PathBuf>), ConfigError> {
    let at = |key: &str, message: String| {
        ConfigError::new(file.origin(&format!("{section}.{key}")), message)
    };
    let host = match host {
        Some(host) => Some(check_host(host).map_err(|m| at("host", m))?),
        None => None,
    };
    let Some(cert_path) = cert_path else {
        if let Some(host) = host.as_deref().filter(|h| h.starts_with("https://")) {
            return Err(at(
                "host",
                format!(
                    "`{host}` speaks TLS: give `cert_path`, the directory of its {CA_FILE}, \
                     {CERT_FILE} and {KEY_FILE}"
                ),
            ));
        }
        return Ok((host, None));
    };
    let Some(tls_host) = host.as_deref() else {
        return Err(at(
            "cert_path",
            "`cert_path` is the certificate directory of `host`: give `host: \
             tcp://HOST:2376` too (the default Engine's certificates are \
             DOCKER_CERT_PATH's when DOCKER_TLS_VERIFY is set)"
                .to_owned(),
        ));
    };
    if !tls::speaks_tls(tls_host) {
        return Err(at(
            "cert_path",
            format!(
                "`cert_path` is for TLS, spoken to tcp:// and https:// addresses; `host` is \
                 `{tls_host}`"
            ),
        ));
    }
    let dir = cert_dir(file.base_dir(), cert_path).map_err(|m| at("cert_path", m))?;
    Ok((host, Some(dir)))
}

/// The certificate directory `written`, relative to `base_dir`: made
/// absolute, once it holds the three files.
fn cert_dir(base_dir: &Path, written: &str) -> Result<PathBuf, String> {
    if written.trim().is_empty() {
        return Err("empty path".to_owned());
    }
    let dir = base_dir.join(written);
    let missing = tls::missing_files(&dir)?;
    if !missing.is_empty() {
        return Err(format!(
            "{} must hold {CA_FILE}, {CERT_FILE} and {KEY_FILE} (the CA, the client's \
             certificate and key, as `docker --tlsverify` reads them): there is no {}",
            dir.display(),
            missing.join(", no ")
        ));
    }
    std::fs::canonicalize(&dir).map_err(|err| format!("cannot read {}: {err}", dir.display()))
}
