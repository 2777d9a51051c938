//! The precedence chain every setting follows: its flag, else its `CHAOS_*`
//! variable (the command line has already chosen between those two, see
//! [`SettingValues`]), else the targets file, else the built-in default.
//!
//! [`Chain`] walks those steps in that order and keeps the [`Origin`] of the
//! value it settles on, so that errors, warnings and `validate` name where a
//! value was set. A target's own key and the defaults it inherits are one
//! more step ([`Chain::or_inherited`]).

use crate::config::error::{ConfigError, Origin};
use crate::config::file::{ParsedFile, TargetsFile};
use crate::config::setting::{SettingId, SettingValues, Sourced};

/// A setting being resolved: the first value found so far, if any.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Chain<T> {
    found: Option<Sourced<T>>,
}

impl<T> Chain<T> {
    /// Starts with the flag or variable of `id`, read by `parse`; a value
    /// `parse` rejects is an error at that flag or variable, with `parse`'s
    /// message.
    pub(super) fn given(
        values: &SettingValues,
        id: SettingId,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Result<Self, ConfigError> {
        let found = match values.get(id) {
            Some(given) => Some(Sourced {
                value: parse(&given.value)
                    .map_err(|m| ConfigError::new(given.origin.clone(), m))?,
                origin: given.origin,
            }),
            None => None,
        };
        Ok(Chain { found })
    }

    /// Starts with nothing found: for keys only the targets file sets.
    pub(super) fn file_only() -> Self {
        Chain { found: None }
    }

    /// Else the value `pick` finds in the targets file, if there is one,
    /// at `key` (e.g. `defaults.interval`, which the origin names).
    pub(super) fn or_file(
        self,
        file: Option<&ParsedFile>,
        key: &str,
        pick: impl FnOnce(&TargetsFile) -> Option<T>,
    ) -> Self {
        if self.found.is_some() {
            return self;
        }
        let found = file.and_then(|file| {
            pick(&file.content).map(|value| Sourced {
                value,
                origin: file.origin(key),
            })
        });
        Chain { found }
    }

    /// Else `inherited`: the value, with its origin, that a wider scope
    /// settled on (a target inherits the file's defaults).
    pub(super) fn or_inherited(self, inherited: &Sourced<T>) -> Sourced<T>
    where
        T: Clone,
    {
        self.found.unwrap_or_else(|| inherited.clone())
    }

    /// Else the built-in default `value`, named `name` in messages.
    pub(super) fn or_built_in(self, value: T, name: &'static str) -> Sourced<T> {
        self.found.unwrap_or(Sourced {
            value,
            origin: Origin::BuiltIn(name),
        })
    }

    /// The value found, if a step gave one (the setting has no default).
    pub(super) fn found(self) -> Option<Sourced<T>> {
        self.found
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::setting::SettingId as Id;

    fn number(text: &str) -> Result<u32, String> {
        text.trim()
            .parse()
            .map_err(|_| format!("not a number: `{text}`"))
    }

    #[test]
    fn the_flag_beats_the_variable_beats_the_default() {
        let values = SettingValues::from_pairs(&[(Id::Seed, "1")], &[(Id::Seed, "2")]);
        let seed = Chain::given(&values, Id::Seed, number).unwrap();
        assert_eq!(
            seed.or_built_in(3, "seed"),
            Sourced {
                value: 1,
                origin: Origin::Flag("--seed")
            }
        );
        let values = SettingValues::from_pairs(&[], &[(Id::Seed, "2")]);
        let seed = Chain::given(&values, Id::Seed, number).unwrap();
        assert_eq!(
            seed.found().map(|s| s.origin),
            Some(Origin::Env("CHAOS_SEED"))
        );
        let none = Chain::given(&SettingValues::default(), Id::Seed, number).unwrap();
        assert_eq!(
            none.or_built_in(3, "seed"),
            Sourced {
                value: 3,
                origin: Origin::BuiltIn("seed")
            }
        );
    }

    #[test]
    fn a_rejected_value_is_an_error_at_its_flag_or_variable() {
        let values = SettingValues::from_pairs(&[], &[(Id::Seed, "x")]);
        let err = Chain::given(&values, Id::Seed, number).unwrap_err();
        assert_eq!(err.to_string(), "CHAOS_SEED: not a number: `x`");
    }

    #[test]
    fn without_a_file_the_file_step_finds_nothing_and_inherits() {
        let chain: Chain<u32> = Chain::file_only().or_file(None, "policy.jitter", |_| Some(1));
        let inherited = Sourced {
            value: 7,
            origin: Origin::BuiltIn("interval"),
        };
        assert_eq!(chain.or_inherited(&inherited), inherited);
    }
}
