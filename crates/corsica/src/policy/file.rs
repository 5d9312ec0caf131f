//! Policy files: the same keys in TOML, YAML or JSON.

use std::fmt;
use std::path::Path;

use super::PolicyConfig;

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

/// A policy file that does not parse: bad syntax, an unknown key, a value of the wrong type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyFileError {
    /// The syntax it was read as.
    pub format: PolicyFormat,
    /// 1-based line of the problem, when the parser knows it.
    pub line: Option<usize>,
    /// What the parser said.
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
    /// Parses a policy file's text in `format`. Unknown keys are errors, so a misspelt key
    /// never silently falls back to a default.
    ///
    /// ```
    /// use corsica::{PolicyConfig, PolicyFormat};
    ///
    /// let config = PolicyConfig::parse("origins = [\"https://app.example.com\"]\ncredentials = true\n", PolicyFormat::Toml).unwrap();
    /// assert!(config.credentials);
    ///
    /// let err = PolicyConfig::parse("orgins = []", PolicyFormat::Toml).unwrap_err();
    /// assert!(err.to_string().contains("unknown field `orgins`"));
    /// ```
    ///
    /// # Errors
    ///
    /// A [`PolicyFileError`] with the parser's message and, where known, the line.
    pub fn parse(text: &str, format: PolicyFormat) -> Result<Self, PolicyFileError> {
        match format {
            PolicyFormat::Toml => toml::from_str(text).map_err(|e| PolicyFileError {
                format,
                line: e.span().map(|span| line_of(text, span.start)),
                message: e.message().trim().to_owned(),
            }),
            PolicyFormat::Yaml => {
                if text.trim().is_empty() {
                    return Ok(PolicyConfig::default());
                }
                serde_yaml::from_str(text).map_err(|e| PolicyFileError {
                    format,
                    line: e.location().map(|l| l.line()),
                    message: strip_location(&e.to_string()),
                })
            }
            PolicyFormat::Json => serde_json::from_str(text).map_err(|e| PolicyFileError {
                format,
                line: Some(e.line()).filter(|l| *l > 0),
                message: strip_location(&e.to_string()),
            }),
        }
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
                PolicyConfig::parse(&a.render(format), format).unwrap(),
                a,
                "{format:?}"
            );
        }
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
