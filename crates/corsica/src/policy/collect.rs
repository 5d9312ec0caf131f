//! Every parse-level mistake in a policy file at once. A parser stops at its first error; to
//! find the others, the file is read as a plain tree (which only fails on bad syntax) and each
//! key is checked on its own against the policy's schema, so that three misspelt keys give
//! three errors and a value of the wrong type does not hide the rest. Each error gets the line
//! of its key, found in the text.

use serde_json::{Map, Value};

use super::PolicyConfig;
use super::file::PolicyFormat;
use super::locate::{backticked_after, closest_expected, key_on_line};

/// The file as a plain tree; `None` when its syntax is wrong (then only the parser's own
/// error is known).
fn tree(text: &str, format: PolicyFormat) -> Option<Map<String, Value>> {
    let value = match format {
        PolicyFormat::Toml => serde_json::to_value(text.parse::<toml::Table>().ok()?).ok()?,
        PolicyFormat::Yaml => {
            serde_json::to_value(serde_yaml::from_str::<serde_yaml::Value>(text).ok()?).ok()?
        }
        PolicyFormat::Json => serde_json::from_str(text).ok()?,
    };
    match value {
        Value::Object(map) => Some(map),
        _ => None,
    }
}

/// The schema's verdict on a tree holding one key: its error message, if any, with the known
/// key a misspelt one probably meant.
fn verdict(one: Value) -> Option<String> {
    let message = serde_json::from_value::<PolicyConfig>(one)
        .err()?
        .to_string();
    Some(
        match backticked_after(&message, "unknown field `")
            .and_then(|field| closest_expected(&message, field))
        {
            Some(known) => format!("{message}; did you mean `{known}`?"),
            None => message,
        },
    )
}

fn object(key: &str, value: Value) -> Value {
    let mut map = Map::new();
    map.insert(key.to_owned(), value);
    Value::Object(map)
}

/// Each key of `table` (the top level or a route) checked alone; `wrap` puts a one-key table
/// back where it belongs in a whole file.
fn check_table(
    table: &Map<String, Value>,
    prefix: &str,
    wrap: &dyn Fn(Value) -> Value,
    out: &mut Vec<(String, String)>,
) {
    for (key, value) in table {
        let path = format!("{prefix}{key}");
        match (key.as_str(), value) {
            ("dangerous", Value::Object(flags)) => {
                for (flag, v) in flags {
                    let one = wrap(object("dangerous", object(flag, v.clone())));
                    if let Some(message) = verdict(one) {
                        out.push((format!("{path}.{flag}"), message));
                    }
                }
            }
            ("route", Value::Array(routes)) if prefix.is_empty() => {
                for (i, route) in routes.iter().enumerate() {
                    let at = format!("route[{i}]");
                    match route {
                        Value::Object(route) => {
                            let wrap_route = |v: Value| object("route", Value::Array(vec![v]));
                            check_table(route, &format!("{at}."), &wrap_route, out);
                        }
                        other => {
                            if let Some(m) =
                                verdict(object("route", Value::Array(vec![other.clone()])))
                            {
                                out.push((at, m));
                            }
                        }
                    }
                }
            }
            _ => {
                if let Some(message) = verdict(wrap(object(key, value.clone()))) {
                    out.push((path, message));
                }
            }
        }
    }
}

/// Every key of the file that the schema refuses, with its message; empty when the syntax is
/// wrong.
pub(super) fn every_error(text: &str, format: PolicyFormat) -> Vec<(String, String)> {
    let Some(top) = tree(text, format) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    check_table(&top, "", &|v| v, &mut out);
    out
}

/// The line (1-based) where `key` (`origins`, `dangerous.allow_null_origin`, `route[1].methods`)
/// is set in `text`, found by walking down its parts; `None` when it cannot be found.
pub(super) fn line_of_key(text: &str, format: PolicyFormat, key: &str) -> Option<usize> {
    let lines: Vec<&str> = text.lines().collect();
    let mut start = 0;
    let mut found = None;
    for (depth, part) in key.split('.').enumerate() {
        let (name, index) = match part.split_once('[') {
            Some((name, rest)) => (name, rest.trim_end_matches(']').parse::<usize>().ok()),
            None => (part, None),
        };
        let names = |i: usize| -> bool {
            let line = lines[i];
            if key_on_line(text, i + 1, format).as_deref() == Some(name) {
                // A top-level YAML key is not indented.
                return !(depth == 0
                    && format == PolicyFormat::Yaml
                    && line.starts_with([' ', '\t']));
            }
            // A TOML table header: [name], [[name]], [route.name].
            let header = line.trim().trim_start_matches('[').trim_end_matches(']');
            format == PolicyFormat::Toml
                && line.trim_start().starts_with('[')
                && header.rsplit('.').next().map(str::trim) == Some(name)
        };
        let at = (start..lines.len()).find(|&i| names(i))?;
        found = Some(at);
        if let Some(index) = index {
            // The index-th item of an array of tables or list: [[route]] headers in TOML, "- "
            // items in YAML, "{" lines in JSON.
            let item = |i: usize| -> bool {
                let line = lines[i].trim_start();
                match format {
                    PolicyFormat::Toml => line.starts_with(&format!("[[{name}]]")),
                    PolicyFormat::Yaml => line.starts_with("- ") || line == "-",
                    PolicyFormat::Json => line.contains('{'),
                }
            };
            let first = if format == PolicyFormat::Toml {
                at
            } else {
                at + 1
            };
            let at = (first..lines.len()).filter(|&i| item(i)).nth(index)?;
            found = Some(at);
            start = if format == PolicyFormat::Yaml {
                at
            } else {
                at + 1
            };
        } else {
            start = at + 1;
        }
    }
    found.map(|i| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_alone() {
        let toml = "orgins = [\"x\"]\nmax_age = \"ten\"\ncredentails = true\n[dangerous]\nallow_nul_origin = true\n[[route]]\npath = \"/a\"\nmethds = [\"GET\"]\n";
        let errors = every_error(toml, PolicyFormat::Toml);
        let keys: Vec<&str> = errors.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            keys,
            [
                "credentails",
                "dangerous.allow_nul_origin",
                "max_age",
                "orgins",
                "route[0].methds"
            ]
        );
        let lines: Vec<Option<usize>> = keys
            .iter()
            .map(|k| line_of_key(toml, PolicyFormat::Toml, k))
            .collect();
        assert_eq!(lines, [Some(3), Some(5), Some(2), Some(1), Some(8)]);
        assert!(
            errors[0].1.ends_with("did you mean `credentials`?"),
            "{errors:?}"
        );
    }

    #[test]
    fn lines_in_yaml_and_json() {
        let yaml = "origins: [x]\nroute:\n  - path: /a\n    methods: [GET]\n  - path: /b\n    methds: [GET]\n";
        assert_eq!(
            line_of_key(yaml, PolicyFormat::Yaml, "route[1].methds"),
            Some(6)
        );
        let json = "{\n  \"orgins\": [],\n  \"route\": [\n    {\"path\": \"/a\"},\n    {\n      \"pth\": \"/b\"\n    }\n  ]\n}\n";
        assert_eq!(line_of_key(json, PolicyFormat::Json, "orgins"), Some(2));
        assert_eq!(
            line_of_key(json, PolicyFormat::Json, "route[1].pth"),
            Some(6)
        );
        assert!(every_error("origins = [", PolicyFormat::Toml).is_empty());
    }
}
