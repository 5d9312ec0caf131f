//! The conformance vectors (`vectors/`, format in `vectors/README.md`), read once for every
//! runner: the engine's own, the adapters' over loopback HTTP, and the end-to-end suite in real
//! Chromium.
//!
//! Each kind of vector is a module: [`server`], [`browser`], [`e2e`]. Its cases are parsed into
//! the engine's types as they are loaded (an `outcome` becomes a [`corsica::Outcome`], a
//! credentials mode a [`corsica::browser::CredentialsMode`], an error kind a
//! [`corsica::browser::CorsErrorKind`]), and the rules serde cannot express are checked then too,
//! so a runner only ever meets well-formed cases. A file or case that is not well formed is
//! [`Loaded::Broken`], with an error naming its file and case: runners report it as a failing
//! test, so a broken vector fails the suite loudly instead of silently running fewer cases.
//!
//! ```no_run
//! use corsica_conformance::{Loaded, load, server};
//!
//! for loaded in load::<server::Case>() {
//!     match loaded {
//!         Loaded::Case { test, case } => println!("{test}: {}", case.expect.outcome),
//!         Loaded::Broken { test, error } => eprintln!("{test}: {error}"),
//!     }
//! }
//! ```

pub mod browser;
pub mod e2e;
mod load;
pub mod server;

pub use load::{Loaded, Vector, load, load_dir, parse};

use libtest_mimic::{Completion, Failed, Trial};

/// The repository's `vectors/` folder.
pub fn vectors_dir() -> std::path::PathBuf {
    let crates = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("crates/");
    crates.parent().expect("the repository").join("vectors")
}

/// The result of a case marked `engine_bug` (the engine is believed wrong on it): while `who`
/// still disagrees with the vector the case is reported as ignored, with the marker's text; once
/// it agrees, the case fails so that the marker gets removed. `CORSICA_VECTORS_STRICT=1` makes
/// the disagreement fail instead. A case without the marker simply passes or fails.
///
/// # Errors
///
/// The failure to report.
pub fn verdict(
    engine_bug: Option<&str>,
    who: &str,
    result: Result<(), String>,
) -> Result<Completion, Failed> {
    match (engine_bug, result) {
        (None, Ok(())) => Ok(Completion::Completed),
        (None, Err(e)) => Err(e.into()),
        (Some(bug), Err(e)) => {
            if std::env::var_os("CORSICA_VECTORS_STRICT").is_some_and(|v| v != "0") {
                Err(format!("ENGINE BUG: {bug}\n{e}").into())
            } else {
                Ok(Completion::ignored_with(format!("ENGINE BUG: {bug}")))
            }
        }
        (Some(bug), Ok(())) => Err(format!(
            "this case is marked engine_bug ({bug}) but {who} now agrees with it: remove the \
             `engine_bug` marker"
        )
        .into()),
    }
}

/// The result of a case for an enforcement point the case lists in its `exceptions` (the point
/// cannot pass it; the text says why): while the point disagrees, the case is reported as
/// ignored with the reason; once it agrees, the case fails so that the entry gets removed. A
/// case without an exception for the point simply passes or fails.
///
/// # Errors
///
/// The failure to report.
pub fn exception_verdict(
    exception: Option<&str>,
    point: &str,
    result: Result<(), String>,
) -> Result<Completion, Failed> {
    match (exception, result) {
        (None, Ok(())) => Ok(Completion::Completed),
        (None, Err(e)) => Err(e.into()),
        (Some(why), Err(_)) => Ok(Completion::ignored_with(format!(
            "EXCEPTION ({point}): {why}"
        ))),
        (Some(why), Ok(())) => Err(format!(
            "this case lists an exception for {point} ({why}) but {point} now passes it: remove \
             the `exceptions` entry"
        )
        .into()),
    }
}

/// A test that fails with `error`: how runners report a [`Loaded::Broken`] file or case.
pub fn broken(test: String, error: String) -> Trial {
    Trial::test(test, move || Err(error.into()))
}

/// The enforcement points a case's `exceptions` may name: those whose runners read the field.
pub const EXCEPTION_POINTS: &[&str] = &["nginx", "apache", "haproxy", "caddy"];

/// A case's `exceptions`: each key a known enforcement point, each reason non-empty.
fn known_exceptions(exceptions: &std::collections::BTreeMap<String, String>) -> Result<(), String> {
    for (point, why) in exceptions {
        if !EXCEPTION_POINTS.contains(&point.as_str()) {
            return Err(format!(
                "`exceptions` names {point:?}, which is not an enforcement point whose runner reads \
                 exceptions (one of {EXCEPTION_POINTS:?})"
            ));
        }
        if why.trim().is_empty() {
            return Err(format!("the exception for {point} must say why"));
        }
    }
    Ok(())
}

/// Cases whose `name` must be lower-case kebab-case and whose `source` must say where the
/// behaviour comes from (server and e2e vectors).
fn kebab_name_and_source(name: &str, source: &str) -> Result<(), String> {
    if name.is_empty()
        || !name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Err(format!("case name {name:?} must be lower-case kebab-case"));
    }
    if source.trim().len() < 10 {
        return Err("`source` must say where the behaviour comes from".into());
    }
    Ok(())
}

/// serde helpers for the vector formats.
mod de {
    use std::fmt::Display;
    use std::str::FromStr;

    use serde::{Deserialize, Deserializer};

    /// A field that must be present, even when its value is `null`.
    pub(crate) fn required<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
        d: D,
    ) -> Result<Option<T>, D::Error> {
        Option::<T>::deserialize(d)
    }

    /// A string parsed with `FromStr`.
    pub(crate) fn parsed<'de, D, T>(d: D) -> Result<T, D::Error>
    where
        D: Deserializer<'de>,
        T: FromStr<Err: Display>,
    {
        parse(&String::deserialize(d)?)
    }

    /// An optional string parsed with `FromStr`.
    pub(crate) fn parsed_opt<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
    where
        D: Deserializer<'de>,
        T: FromStr<Err: Display>,
    {
        Option::<String>::deserialize(d)?
            .map(|text| parse(&text))
            .transpose()
    }

    /// `text` as a `T`, or an error naming the type (`"sometimes" is not a CredentialsMode`).
    fn parse<T: FromStr<Err: Display>, E: serde::de::Error>(text: &str) -> Result<T, E> {
        text.parse().map_err(|e| {
            let type_name = std::any::type_name::<T>();
            let short = type_name.rsplit("::").next().unwrap_or(type_name);
            E::custom(format!("{text:?} is not a {short}: {e}"))
        })
    }
}

/// The repository README's examples, compiled and run as doctests. They live here, in a crate
/// that is never packaged, because the README is outside every published crate.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
struct ReadmeDoctests;
