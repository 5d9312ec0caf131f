//! Where in a policy file a parse error is: the key at fault (written as the engine writes
//! keys: `origins`, `dangerous.allow_null_origin`, `route[0].methods`) and, for a misspelt key,
//! the known key it probably meant. Parsers say this only in their message, each its own way.

use super::file::PolicyFormat;

/// The key at fault and a suggestion for a misspelt one, from a parser's `message` about
/// line `line` of `text`.
pub(super) fn locate(
    format: PolicyFormat,
    line: Option<usize>,
    message: &str,
    text: &str,
) -> (Option<String>, Option<String>) {
    // YAML's parser names the path ("route[0]: …"); for TOML the enclosing table is found from
    // the text.
    let (table, parser_message) = match format {
        PolicyFormat::Yaml => yaml_path(message),
        PolicyFormat::Toml => (line.and_then(|line| toml_table(text, line)), message),
        PolicyFormat::Json => (None, message),
    };
    let mut suggestion = None;
    let leaf = match backticked_after(parser_message, "unknown field `") {
        Some(field) => {
            suggestion = closest_expected(parser_message, field).map(str::to_owned);
            Some(field.to_owned())
        }
        None => backticked_after(parser_message, "missing field `").map(str::to_owned),
    };
    let key = match (table, leaf) {
        (Some(table), Some(leaf)) => Some(format!("{table}.{leaf}")),
        (None, Some(leaf)) => Some(leaf),
        // YAML names the key itself when a value has the wrong type.
        (Some(table), None) if format == PolicyFormat::Yaml => Some(table),
        (table, None) => {
            line.and_then(|line| key_on_line(text, line, format))
                .map(|key| match table {
                    Some(table) => format!("{table}.{key}"),
                    None => key,
                })
        }
    };
    (key, suggestion)
}

/// Splits serde_yaml's `path: message` into the path (`dangerous`, `route[0]`) and the rest.
fn yaml_path(message: &str) -> (Option<String>, &str) {
    let is_path = |p: &str| {
        !p.is_empty()
            && p.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'[' | b']'))
    };
    match message.split_once(": ") {
        Some((path, rest)) if is_path(path) => (Some(path.to_owned()), rest),
        _ => (None, message),
    }
}

/// The TOML table that line `line` (1-based) of `text` is in, written as a key prefix:
/// `dangerous` under `[dangerous]`, `route[1]` under the second `[[route]]`, `None` at the top.
fn toml_table(text: &str, line: usize) -> Option<String> {
    let mut table = None;
    let mut arrays: Vec<(String, usize)> = Vec::new();
    for l in text.lines().take(line) {
        let l = l.trim();
        if let Some(name) = l
            .strip_prefix("[[")
            .and_then(|l| l.split_once("]]"))
            .map(|(n, _)| n.trim())
        {
            let index = match arrays.iter_mut().find(|(n, _)| n == name) {
                Some((_, count)) => {
                    *count += 1;
                    *count - 1
                }
                None => {
                    arrays.push((name.to_owned(), 1));
                    0
                }
            };
            table = Some(format!("{name}[{index}]"));
        } else if let Some(name) = l
            .strip_prefix('[')
            .and_then(|l| l.split_once(']'))
            .map(|(n, _)| n.trim())
        {
            // `[route.dangerous]` belongs to the last `[[route]]`.
            let (head, rest) = name.split_once('.').unwrap_or((name, ""));
            table = Some(match arrays.iter().find(|(n, _)| n == head) {
                Some((_, count)) if rest.is_empty() => format!("{head}[{}]", count - 1),
                Some((_, count)) => format!("{head}[{}].{rest}", count - 1),
                None => name.to_owned(),
            });
        }
    }
    table
}

/// The text between `prefix` (which ends in a backtick) and the next backtick.
pub(super) fn backticked_after<'a>(message: &'a str, prefix: &str) -> Option<&'a str> {
    let rest = &message[message.find(prefix)? + prefix.len()..];
    Some(&rest[..rest.find('`')?])
}

/// The expected key closest to a misspelt `field`, from serde's "expected one of `a`, `b`" list.
pub(super) fn closest_expected<'a>(message: &'a str, field: &str) -> Option<&'a str> {
    let list = &message[message.find("expected ")?..];
    list.split('`')
        .skip(1)
        .step_by(2)
        .map(|known| (edit_distance(field, known), known))
        .filter(|&(distance, known)| distance > 0 && distance <= 2.max(known.len() / 4))
        .min_by_key(|&(distance, _)| distance)
        .map(|(_, known)| known)
}

/// Levenshtein distance (the inputs are short key names).
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (diagonal + usize::from(ca != cb))
                .min(above + 1)
                .min(row[j] + 1);
            diagonal = above;
        }
    }
    row[b.len()]
}

/// The key that line `line` (1-based) of `text` sets, if it plainly sets one: `key = …` in TOML,
/// `key: …` in YAML, `"key": …` in JSON.
pub(super) fn key_on_line(text: &str, line: usize, format: PolicyFormat) -> Option<String> {
    let line = text.lines().nth(line.checked_sub(1)?)?.trim_start();
    let is_key = |k: &str| {
        !k.is_empty()
            && k.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    };
    let key = match format {
        PolicyFormat::Toml => line.split_once('=')?.0.trim_end(),
        PolicyFormat::Yaml => {
            let line = line.strip_prefix("- ").unwrap_or(line).trim_start();
            let (key, rest) = line.split_once(':')?;
            if !(rest.is_empty() || rest.starts_with([' ', '\t'])) {
                return None;
            }
            key.trim_end()
        }
        PolicyFormat::Json => {
            let rest = line.strip_prefix('"')?;
            let (key, rest) = rest.split_once('"')?;
            rest.trim_start().strip_prefix(':')?;
            key
        }
    };
    is_key(key).then(|| key.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::PolicyConfig;
    use crate::policy::PolicyFileError;

    fn parse_problem(text: &str, format: PolicyFormat) -> PolicyFileError {
        PolicyConfig::parse(text, format).unwrap_err()
    }

    #[test]
    fn a_misspelt_key_is_named_with_a_suggestion() {
        for (text, format) in [
            ("orgins = []\n", PolicyFormat::Toml),
            ("orgins: []\n", PolicyFormat::Yaml),
            ("{\"orgins\": []}", PolicyFormat::Json),
        ] {
            let p = parse_problem(text, format);
            assert_eq!(p.key.as_deref(), Some("orgins"), "{format:?}");
            assert!(p.to_string().contains("line 1"), "{p:?}");
            assert!(p.to_string().ends_with("did you mean `origins`?"), "{p:?}");
        }
    }

    #[test]
    fn a_wrong_type_names_the_key_on_its_line() {
        let p = parse_problem(
            "origins = [\"https://a.example\"]\nmax_age = \"ten\"\n",
            PolicyFormat::Toml,
        );
        assert_eq!(p.key.as_deref(), Some("max_age"));
        assert!(p.to_string().starts_with("TOML line 2: "), "{p:?}");
        let p = parse_problem(
            "origins: [\"https://a.example\"]\ncredentials: maybe\n",
            PolicyFormat::Yaml,
        );
        assert_eq!(p.key.as_deref(), Some("credentials"), "{p:?}");
        let p = parse_problem(
            "{\n  \"origins\": [],\n  \"max_age\": \"ten\"\n}\n",
            PolicyFormat::Json,
        );
        assert_eq!(p.key.as_deref(), Some("max_age"), "{p:?}");
    }

    #[test]
    fn nested_keys_carry_their_table() {
        let p = parse_problem(
            "origins = []\n[dangerous]\nallow_nul_origin = true\n",
            PolicyFormat::Toml,
        );
        assert_eq!(p.key.as_deref(), Some("dangerous.allow_nul_origin"));
        let p = parse_problem(
            "origins = []\n[[route]]\npath = \"/a/\"\n[[route]]\npath = \"/b/\"\nmax_age = \"x\"\n",
            PolicyFormat::Toml,
        );
        assert_eq!(p.key.as_deref(), Some("route[1].max_age"));
        let p = parse_problem(
            "origins = []\n[[route]]\npath = \"/a/\"\n[route.dangerous]\nallow_nul_origin = true\n",
            PolicyFormat::Toml,
        );
        assert_eq!(
            p.key.as_deref(),
            Some("route[0].dangerous.allow_nul_origin")
        );
        let p = parse_problem(
            "origins: []\ndangerous:\n  allow_nul_origin: true\n",
            PolicyFormat::Yaml,
        );
        assert_eq!(p.key.as_deref(), Some("dangerous.allow_nul_origin"));
        let p = parse_problem(
            "origins: []\nroute:\n  - path: /a/\n    max_age: x\n",
            PolicyFormat::Yaml,
        );
        assert_eq!(p.key.as_deref(), Some("route[0].max_age"));
    }

    #[test]
    fn syntax_errors_without_a_key_have_an_empty_key() {
        let p = parse_problem("[[[\n", PolicyFormat::Toml);
        assert_eq!(p.key.as_deref(), None);
        assert!(p.to_string().starts_with("TOML line 1: "), "{p:?}");
    }

    #[test]
    fn non_utf8_bytes_are_located() {
        let bytes: &[u8] = b"origins = []\n# caf\xe9\n";
        let p = PolicyConfig::parse(bytes, PolicyFormat::Toml).unwrap_err();
        assert_eq!(
            p.to_string(),
            "TOML line 2: byte 0xe9 is not UTF-8; policy files are UTF-8 text, so save it as UTF-8"
        );
        assert_eq!(p.key, None);
        let p = PolicyConfig::parse(b"origins: [\xe2\x82", PolicyFormat::Yaml).unwrap_err();
        assert_eq!(
            p.to_string(),
            "YAML line 1: the file ends in the middle of a UTF-8 character; policy files are UTF-8 \
             text, so save it as UTF-8"
        );
    }

    #[test]
    fn a_byte_order_mark_is_skipped() {
        for (text, format) in [
            (
                "\u{feff}origins = [\"https://a.example\"]\n",
                PolicyFormat::Toml,
            ),
            (
                "\u{feff}origins: [\"https://a.example\"]\n",
                PolicyFormat::Yaml,
            ),
            (
                "\u{feff}{\"origins\": [\"https://a.example\"]}",
                PolicyFormat::Json,
            ),
        ] {
            let config = PolicyConfig::parse(text, format).unwrap();
            assert_eq!(config.origins, ["https://a.example"], "{format:?}");
        }
    }

    #[test]
    fn edit_distance_counts_edits() {
        assert_eq!(edit_distance("orgins", "origins"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("max-age", "max_age"), 1);
    }
}
