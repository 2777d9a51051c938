//! Where a configuration value came from and what is wrong with it: the
//! [`Origin`] of a value (a flag, a variable, a key of the targets file, a
//! built-in default), the [`ConfigError`] that names it, the durations
//! users write (`duration`) and [`KeyOrigins`], how a check that holds
//! only part of the targets file finds where one of its keys is.
//!
//! It sits below `config` and every backend's own configuration (e.g.
//! `docker::config`), so both can report errors the same way without
//! naming each other.

pub mod duration;
pub mod error;

pub use error::{ConfigError, Origin};

/// The origin of a key of the targets file, by its path (e.g.
/// `targets[1].docker.host`), with its line and column when known.
pub trait KeyOrigins {
    /// Where `key` is.
    fn origin(&self, key: &str) -> Origin;

    /// The directory a relative path the file gives is resolved against
    /// (the file's own).
    fn base_dir(&self) -> &std::path::Path;
}
