//! Policy files: the same keys in TOML, YAML or JSON.

use std::fmt;
use std::path::Path;

use super::PolicyConfig;
use super::locate::locate;

/// The syntax of a policy file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PolicyFormat {
    /// TOML (`.toml`).
    Toml,
    /// YAML (`.yaml`, `.yml`).
    Yaml,
    /// JSON (`.json`).
    Json,
}

impl PolicyFormat {
    /// The format a file name's extension names, if any.
    pub fn from_path(path: &Path) -> Option<Self> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "toml" => Some(PolicyFormat::Toml),
            "yaml" | "yml" => Some(PolicyFormat::Yaml),
            "json" => Some(PolicyFormat::Json),
            _ => None,
        }
    }

    /// The format's name.
    pub fn as_str(self) -> &'static str {
        match self {
            PolicyFormat::Toml => "TOML",
            PolicyFormat::Yaml => "YAML",
            PolicyFormat::Json => "JSON",
        }
    }
}

/// A policy file that does not parse: not UTF-8, bad syntax, an unknown key, a value of the
/// wrong type.
///
/// ```
/// use corsica::{PolicyConfig, PolicyFormat};
///
/// let err = PolicyConfig::parse("origins = []\n[dangerous]\nallow_nul_origin = true\n", PolicyFormat::Toml)
///     .unwrap_err();
/// assert_eq!(err.line, Some(3));
/// assert_eq!(err.key.as_deref(), Some("dangerous.allow_nul_origin"));
/// assert!(err.to_string().ends_with("did you mean `allow_null_origin`?"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct PolicyFileError {
    /// The syntax it was read as.
    pub format: PolicyFormat,
    /// 1-based line of the problem, when the parser knows it.
    pub line: Option<usize>,
    /// The key at fault, written as [`ConfigError`](crate::ConfigError) keys are
    /// (`origins`, `dangerous.allow_null_origin`, `route[0].methods`), when it can be found.
    pub key: Option<String>,
    /// What the parser said, and for a misspelt key the known key it probably meant.
    pub message: String,
}

impl fmt::Display for PolicyFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{} line {line}: {}", self.format.as_str(), self.message),
            None => write!(f, "{}: {}", self.format.as_str(), self.message),
        }
    }
}

impl std::error::Error for PolicyFileError {}

impl PolicyConfig {
    /// Parses a policy file's bytes in `format`. Unknown keys are errors, so a misspelt key
    /// never silently falls back to a default. A leading byte-order mark (which editors on
    /// Windows like to write) is skipped; anything else that is not UTF-8 is an error naming
    /// the line.
    ///
    /// ```
    /// use corsica::{PolicyConfig, PolicyFormat};
    ///
    /// let config = PolicyConfig::parse("origins = [\"https://app.example.com\"]\ncredentials = true\n", PolicyFormat::Toml).unwrap();
    /// assert!(config.credentials);
    ///
    /// let err = PolicyConfig::parse("orgins = []", PolicyFormat::Toml).unwrap_err();
    /// assert!(err.to_string().contains("unknown field `orgins`"));
    /// assert_eq!(err.key.as_deref(), Some("orgins"));
    /// ```
    ///
    /// # Errors
    ///
    /// A [`PolicyFileError`] with the parser's message and, where known, the line and the key.
    pub fn parse(input: impl AsRef<[u8]>, format: PolicyFormat) -> Result<Self, PolicyFileError> {
        let bytes = input.as_ref();
        let bytes = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
        let text = std::str::from_utf8(bytes).map_err(|e| not_utf8(bytes, &e, format))?;
        parse_text(text, format).map_err(|(line, message)| {
            let (key, suggestion) = locate(format, line, &message, text);
            let message = match suggestion {
                Some(known) => format!("{message}; did you mean `{known}`?"),
                None => message,
            };
            PolicyFileError {
                format,
                line,
                key,
                message,
            }
        })
    }

    /// Like [`parse`](Self::parse), but a file that does not parse gives every parse-level
    /// mistake at once, in the order of the file, each with its line: three misspelt keys are
    /// three errors, and a value of the wrong type does not hide the rest. Bad syntax stops the
    /// reading, so it is one error.
    ///
    /// ```
    /// use corsica::{PolicyConfig, PolicyFormat};
    ///
    /// let errors = PolicyConfig::parse_all(
    ///     "orgins = []\nmax_age = \"ten\"\ncredentails = true\n",
    ///     PolicyFormat::Toml,
    /// )
    /// .unwrap_err();
    /// let lines: Vec<_> = errors.iter().map(|e| e.line).collect();
    /// assert_eq!(lines, [Some(1), Some(2), Some(3)]);
    /// assert_eq!(errors[2].key.as_deref(), Some("credentails"));
    /// ```
    ///
    /// # Errors
    ///
    /// Every [`PolicyFileError`] found, at least one.
    pub fn parse_all(
        input: impl AsRef<[u8]>,
        format: PolicyFormat,
    ) -> Result<Self, Vec<PolicyFileError>> {
        let bytes = input.as_ref();
        let first = match Self::parse(bytes, format) {
            Ok(config) => return Ok(config),
            Err(first) => first,
        };
        let bytes = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
        let Ok(text) = std::str::from_utf8(bytes) else {
            return Err(vec![first]);
        };
        let mut errors = vec![first];
        for (key, message) in super::collect::every_error(text, format) {
            let line = super::collect::line_of_key(text, format, &key);
            let known = errors.iter().any(|e| {
                e.key.as_deref() == Some(key.as_str()) || (e.key.is_none() && e.line == line)
            });
            if !known {
                errors.push(PolicyFileError {
                    format,
                    line,
                    key: Some(key),
                    message,
                });
            }
        }
        errors.sort_by_key(|e| e.line.unwrap_or(usize::MAX));
        Err(errors)
    }

    /// Renders this configuration in `format`.
    pub fn render(&self, format: PolicyFormat) -> String {
        match format {
            PolicyFormat::Toml => toml::to_string(self).unwrap_or_default(),
            PolicyFormat::Yaml => serde_yaml::to_string(self).unwrap_or_default(),
            PolicyFormat::Json => serde_json::to_string_pretty(self).unwrap_or_default(),
        }
    }
}

/// Parses UTF-8 `text`; on failure, the line (when known) and the parser's message.
fn parse_text(text: &str, format: PolicyFormat) -> Result<PolicyConfig, (Option<usize>, String)> {
    match format {
        PolicyFormat::Toml => toml::from_str(text).map_err(|e| {
            (
                e.span().map(|span| line_of(text, span.start)),
                e.message().trim().to_owned(),
            )
        }),
        PolicyFormat::Yaml => {
            if text.trim().is_empty() {
                return Ok(PolicyConfig::default());
            }
            if let Some(line) = yaml_too_deep(text) {
                return Err((
                    Some(line),
                    format!(
                        "brackets nested more than {MAX_YAML_FLOW_DEPTH} deep, which no policy needs; check that this is the right file"
                    ),
                ));
            }
            serde_yaml::from_str(text).map_err(|e| {
                (
                    e.location().map(|l| l.line()),
                    strip_location(&e.to_string()),
                )
            })
        }
        PolicyFormat::Json => serde_json::from_str(text).map_err(|e| {
            (
                Some(e.line()).filter(|l| *l > 0),
                strip_location(&e.to_string()),
            )
        }),
    }
}

/// A file that is not UTF-8 text.
fn not_utf8(bytes: &[u8], err: &std::str::Utf8Error, format: PolicyFormat) -> PolicyFileError {
    let at = err.valid_up_to();
    let what = match err.error_len() {
        Some(_) => format!("byte 0x{:02x} is not UTF-8", bytes[at]),
        None => "the file ends in the middle of a UTF-8 character".to_owned(),
    };
    PolicyFileError {
        format,
        line: Some(bytes[..at].iter().filter(|&&b| b == b'\n').count() + 1),
        key: None,
        message: format!("{what}; policy files are UTF-8 text, so save it as UTF-8"),
    }
}

/// The deepest YAML flow nesting (`[` and `{`) passed to the parser. serde_yaml refuses
/// anything past 128 levels anyway, but takes time quadratic in the depth to get there (20,000
/// levels: seconds), so deeper texts are refused before parsing. A policy nests 3 levels.
const MAX_YAML_FLOW_DEPTH: usize = 128;

/// The line where a YAML text's flow collections nest deeper than [`MAX_YAML_FLOW_DEPTH`].
/// Brackets in quoted strings and comments do not count; stray ones in plain scalars may, which
/// only matters for texts with over a hundred of them.
fn yaml_too_deep(text: &str) -> Option<usize> {
    let (mut depth, mut line) = (0usize, 1usize);
    let mut quote: Option<u8> = None;
    let mut bytes = text.bytes().peekable();
    let mut previous = b'\n';
    while let Some(b) = bytes.next() {
        if b == b'\n' {
            line += 1;
        }
        match quote {
            Some(b'"') if b == b'\\' => {
                bytes.next();
            }
            Some(q) if b == q => {
                // '' inside single quotes is an escaped quote.
                if q == b'\'' && bytes.peek() == Some(&b'\'') {
                    bytes.next();
                } else {
                    quote = None;
                }
            }
            Some(_) => {}
            None => match b {
                b'"' | b'\'' => quote = Some(b),
                b'#' if previous.is_ascii_whitespace() => {
                    while bytes.peek().is_some_and(|&b| b != b'\n') {
                        bytes.next();
                    }
                }
                b'[' | b'{' => {
                    depth += 1;
                    if depth > MAX_YAML_FLOW_DEPTH {
                        return Some(line);
                    }
                }
                b']' | b'}' => depth = depth.saturating_sub(1),
                _ => {}
            },
        }
        previous = b;
    }
    None
}

fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// Drops the " at line N column M" suffix parsers append; the line is reported separately.
fn strip_location(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_three_formats_agree() {
        let toml = "origins = [\"https://a.example\"]\nmax_age = 600\n[dangerous]\nallow_null_origin = true\n[[route]]\npath = \"/public/\"\norigins = [\"*\"]\n";
        let yaml = "origins: [\"https://a.example\"]\nmax_age: 600\ndangerous:\n  allow_null_origin: true\nroute:\n  - path: /public/\n    origins: [\"*\"]\n";
        let json = r#"{"origins":["https://a.example"],"max_age":600,"dangerous":{"allow_null_origin":true},"route":[{"path":"/public/","origins":["*"]}]}"#;
        let a = PolicyConfig::parse(toml, PolicyFormat::Toml).unwrap();
        assert_eq!(a, PolicyConfig::parse(yaml, PolicyFormat::Yaml).unwrap());
        assert_eq!(a, PolicyConfig::parse(json, PolicyFormat::Json).unwrap());
        for format in [PolicyFormat::Toml, PolicyFormat::Yaml, PolicyFormat::Json] {
            assert_eq!(
                PolicyConfig::parse(a.render(format), format).unwrap(),
                a,
                "{format:?}"
            );
        }
    }

    #[test]
    fn deep_yaml_is_refused_before_parsing() {
        let deep = format!("origins: {}{}", "[".repeat(100_000), "]".repeat(100_000));
        let e = PolicyConfig::parse(&deep, PolicyFormat::Yaml).unwrap_err();
        assert_eq!(e.line, Some(1));
        assert!(e.message.contains("nested more than 128"), "{e}");
        assert!(
            yaml_too_deep(&format!(
                "a: {}{}\nb: [x]\n",
                "[".repeat(128),
                "]".repeat(128)
            ))
            .is_none()
        );
        // Quoted and commented brackets do not count.
        let quoted = format!(
            "a: \"{0}\"\nb: '{0}'' {0}'\nc: \"\\\" {0}\" # {0}\n",
            "[".repeat(500)
        );
        assert!(yaml_too_deep(&quoted).is_none(), "{quoted}");
    }

    #[test]
    fn errors_have_lines() {
        let e = PolicyConfig::parse("origins = [\"x\"]\nmax_age = \"ten\"\n", PolicyFormat::Toml)
            .unwrap_err();
        assert_eq!(e.line, Some(2));
        let e = PolicyConfig::parse("origins: [x]\nroute:\n  - pth: /a\n", PolicyFormat::Yaml)
            .unwrap_err();
        assert!(e.message.contains("unknown field `pth`"), "{e}");
        assert_eq!(e.line, Some(3));
        let e = PolicyConfig::parse("{\"origins\": 3}", PolicyFormat::Json).unwrap_err();
        assert!(
            e.to_string().starts_with("JSON line 1: invalid type"),
            "{e}"
        );
    }
}
