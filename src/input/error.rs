//! Configuration errors that say where a bad value came from.
//!
//! Every error names its [`Origin`]: a flag, an environment variable, a key
//! in the targets file (with line and column when the parser knows them) or
//! a built-in default. Configuration errors exit with code 2.

use std::fmt;
use std::path::PathBuf;

/// Where a configuration value came from.
#[derive(Debug, Clone, PartialEq)]
pub enum Origin {
    /// A command-line flag, e.g. `--interval`.
    Flag(&'static str),
    /// An environment variable, e.g. `CHAOS_INTERVAL`.
    Env(&'static str),
    /// A key in the targets file.
    File {
        /// The targets file, as the user named it.
        file: PathBuf,
        /// 1-based line of the key, when known.
        line: Option<usize>,
        /// 1-based column of the key, when known.
        column: Option<usize>,
        /// The key path, e.g. `targets[1].state_file`; empty for the whole file.
        key: String,
    },
    /// The built-in default of a setting, e.g. `min_interval`.
    BuiltIn(&'static str),
}

impl Origin {
    /// A short phrase for use inside another message: `--interval`,
    /// `CHAOS_INTERVAL`, `targets[1].interval (targets.yaml:12:5)`, `the default`.
    pub fn describe(&self) -> String {
        match self {
            Origin::Flag(name) | Origin::Env(name) => (*name).to_owned(),
            Origin::File {
                file,
                line,
                column,
                key,
            } => match (line, column) {
                (Some(line), Some(column)) => {
                    format!("{key} ({}:{line}:{column})", file.display())
                }
                _ => format!("{key} ({})", file.display()),
            },
            Origin::BuiltIn(name) => format!("the built-in default {name}"),
        }
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Flag(name) | Origin::Env(name) => f.write_str(name),
            Origin::File {
                file,
                line,
                column,
                key,
            } => {
                write!(f, "{}", file.display())?;
                if let Some(line) = line {
                    write!(f, ":{line}")?;
                    if let Some(column) = column {
                        write!(f, ":{column}")?;
                    }
                }
                if !key.is_empty() {
                    write!(f, ": {key}")?;
                }
                Ok(())
            }
            Origin::BuiltIn(name) => write!(f, "default {name}"),
        }
    }
}

/// A configuration value that is wrong, and where it came from.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{origin}: {message}")]
pub struct ConfigError {
    /// Where the offending value was set.
    pub origin: Origin,
    /// What is wrong with it.
    pub message: String,
}

impl ConfigError {
    /// An error at `origin`.
    pub fn new(origin: Origin, message: impl Into<String>) -> Self {
        ConfigError {
            origin,
            message: message.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_errors_read_like_compiler_errors() {
        let err = ConfigError::new(
            Origin::File {
                file: "targets.yaml".into(),
                line: Some(14),
                column: Some(7),
                key: "targets[1].state_file".into(),
            },
            "same file as targets[0] (/tmp/a.json)",
        );
        assert_eq!(
            err.to_string(),
            "targets.yaml:14:7: targets[1].state_file: same file as targets[0] (/tmp/a.json)"
        );
    }

    #[test]
    fn flag_and_env_errors_name_the_flag_or_variable() {
        let flag = ConfigError::new(Origin::Flag("--interval"), "bad");
        assert_eq!(flag.to_string(), "--interval: bad");
        let env = ConfigError::new(Origin::Env("CHAOS_ENABLED"), "bad");
        assert_eq!(env.to_string(), "CHAOS_ENABLED: bad");
    }
}
