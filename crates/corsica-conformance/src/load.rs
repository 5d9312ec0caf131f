//! Reading `vectors/KIND/*.json`: one JSON array of cases per file, each case parsed on its own
//! so that a bad one is reported under its own name.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde_json::Value;

/// One kind of vector.
pub trait Vector: DeserializeOwned {
    /// Its folder under `vectors/`.
    const DIR: &'static str;

    /// The case's name, unique in its file.
    fn name(&self) -> &str;

    /// The rules of the format that serde cannot express (names, consistent expectations).
    ///
    /// # Errors
    ///
    /// What is wrong with the case.
    fn check(&self) -> Result<(), String>;
}

/// A case ready to run, or a file or case that cannot be run.
#[derive(Debug)]
pub enum Loaded<C> {
    /// A well-formed case and its test name, `FILE::NAME`.
    Case {
        /// `FILE::NAME` (the file's stem).
        test: String,
        /// The case.
        case: Box<C>,
    },
    /// A broken file or case: the test that reports it and the problem, naming file and case.
    Broken {
        /// `FILE::NAME` for a bad case, `FILE::NAME#duplicate` for a second case of that name,
        /// `FILE::<file>` for a bad file, `<dir>` or `<none>` when there is nothing to read.
        test: String,
        /// The file, the case and what is wrong.
        error: String,
    },
}

/// Every case of `vectors/{C::DIR}/*.json`, files in name order, cases in file order.
pub fn load<C: Vector>() -> Vec<Loaded<C>> {
    load_dir(&crate::vectors_dir().join(C::DIR))
}

/// Every case of `dir/*.json`, files in name order, cases in file order. A folder that cannot be
/// read or holds no case is reported as broken too.
pub fn load_dir<C: Vector>(dir: &Path) -> Vec<Loaded<C>> {
    let mut files: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect(),
        Err(e) => {
            return vec![Loaded::Broken {
                test: "<dir>".into(),
                error: format!("cannot read {}: {e}", dir.display()),
            }];
        }
    };
    files.sort();
    let mut out = Vec::new();
    for path in files {
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        match std::fs::read_to_string(&path) {
            Ok(text) => out.extend(parse(&stem, &path.display().to_string(), &text)),
            Err(e) => out.push(Loaded::Broken {
                test: format!("{stem}::<file>"),
                error: format!("cannot read {}: {e}", path.display()),
            }),
        }
    }
    if !out.iter().any(|l| matches!(l, Loaded::Case { .. })) {
        out.push(Loaded::Broken {
            test: "<none>".into(),
            error: format!("no vectors found under {}", dir.display()),
        });
    }
    out
}

/// The cases of one file's `text`; `file` names its tests, `path` is shown in errors.
pub fn parse<C: Vector>(file: &str, path: &str, text: &str) -> Vec<Loaded<C>> {
    let broken_file = |error: String| {
        vec![Loaded::Broken {
            test: format!("{file}::<file>"),
            error: format!("{path}: {error}"),
        }]
    };
    let values: Vec<Value> = match serde_json::from_str(text) {
        Ok(values) => values,
        Err(e) => return broken_file(format!("not a JSON array of cases: {e}")),
    };
    if values.is_empty() {
        return broken_file("no cases".into());
    }
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for (index, value) in values.into_iter().enumerate() {
        let name = match value.get("name").and_then(Value::as_str) {
            Some(name) => name.to_owned(),
            None => format!("#{index}"),
        };
        let test = format!("{file}::{name}");
        let broken = |test: String, error: String| Loaded::Broken {
            test,
            error: format!("{path}: case {name:?}: {error}"),
        };
        if !seen.insert(name.clone()) {
            out.push(broken(
                format!("{test}#duplicate"),
                "duplicate case name".into(),
            ));
            continue;
        }
        let case: C = match serde_json::from_value(value) {
            Ok(case) => case,
            Err(e) => {
                out.push(broken(test, e.to_string()));
                continue;
            }
        };
        match case.check() {
            Ok(()) => out.push(Loaded::Case {
                test,
                case: Box::new(case),
            }),
            Err(e) => out.push(broken(test, e)),
        }
    }
    out
}
