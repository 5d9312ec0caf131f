//! `corsica policy lint|eval`: reading policy files, checking them, and the report both
//! subcommands print for an invalid policy.

mod eval;
mod lint;

use std::io::Read;
use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};
use corsica::{Policy, PolicyConfig, PolicyFormat};
use serde::Serialize;

use crate::error::{CliError, Exit};
use crate::output::{sanitized, shown};

/// The largest policy or header file read. Real policy files are a few kilobytes; this bound only
/// stops `/dev/zero` or a mistyped path from eating the machine's memory.
pub(crate) const MAX_INPUT_BYTES: u64 = 64 << 20;

/// `corsica policy …`
#[derive(Debug, Subcommand)]
pub(crate) enum PolicyCommand {
    /// Check a policy file and list every mistake in it at once.
    Lint(lint::LintArgs),
    /// Show how a server enforcing a policy answers one request.
    Eval(eval::EvalArgs),
}

/// Runs a `corsica policy` subcommand.
pub(crate) fn run(command: PolicyCommand) -> Result<Exit, CliError> {
    match command {
        PolicyCommand::Lint(args) => args.validate()?.run(),
        PolicyCommand::Eval(args) => args.validate()?.run(),
    }
}

/// The policy-file arguments both subcommands take.
#[derive(Debug, Args)]
pub(crate) struct PolicyFileArgs {
    /// The policy file: .toml, .yaml, .yml or .json, or - for standard input (with --format).
    #[arg(value_name = "FILE")]
    file: PathBuf,

    /// Read FILE as this format instead of going by its extension.
    #[arg(long, value_enum, value_name = "FORMAT")]
    format: Option<FormatArg>,
}

/// `--format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum FormatArg {
    // No doc comments on the values: clap would list them one per line.
    Toml,
    Yaml,
    Json,
}

impl From<FormatArg> for PolicyFormat {
    fn from(format: FormatArg) -> Self {
        match format {
            FormatArg::Toml => PolicyFormat::Toml,
            FormatArg::Yaml => PolicyFormat::Yaml,
            FormatArg::Json => PolicyFormat::Json,
        }
    }
}

/// Where a policy comes from and how to read it: validated [`PolicyFileArgs`].
#[derive(Debug)]
pub(crate) struct PolicyInput {
    /// `None` for standard input.
    path: Option<PathBuf>,
    format: PolicyFormat,
}

impl PolicyFileArgs {
    /// The arguments for `file` (for commands that take the policy as an option, `export`).
    pub(crate) fn new(file: PathBuf, format: Option<FormatArg>) -> Self {
        PolicyFileArgs { file, format }
    }

    /// Settles where the policy is read from and in which format.
    pub(crate) fn validate(&self) -> Result<PolicyInput, CliError> {
        let path = (self.file.as_os_str() != "-").then(|| self.file.clone());
        let format = match (self.format, &path) {
            (Some(format), _) => format.into(),
            (None, None) => {
                return Err(CliError::new(
                    "a policy read from standard input (-) needs its format: add --format toml, --format yaml or --format json",
                ));
            }
            (None, Some(path)) => PolicyFormat::from_path(path).ok_or_else(|| {
                CliError::new(format!(
                    "cannot tell the format of {} from its name: name it .toml, .yaml, .yml or .json, or add --format toml|yaml|json",
                    shown(&path.display().to_string())
                ))
            })?,
        };
        Ok(PolicyInput { path, format })
    }
}

impl PolicyInput {
    /// Whether the policy is read from standard input.
    pub(crate) fn is_stdin(&self) -> bool {
        self.path.is_none()
    }

    /// The name to show for the policy: its path, or `<stdin>`.
    pub(crate) fn name(&self) -> String {
        match &self.path {
            Some(path) => path.display().to_string(),
            None => "<stdin>".to_owned(),
        }
    }

    /// Reads and checks the policy.
    pub(crate) fn load(&self) -> Result<Checked, CliError> {
        self.load_with_bytes().map(|(_, checked)| checked)
    }

    /// Reads and checks the policy, keeping the file's bytes (`export` hashes them).
    pub(crate) fn load_with_bytes(&self) -> Result<(Vec<u8>, Checked), CliError> {
        let bytes = match &self.path {
            Some(path) => read_file(path, "policy file")?,
            None => read_limited(
                std::io::stdin().lock(),
                "policy from standard input",
                "the policy",
            )?,
        };
        let checked = check(&bytes, self.format);
        Ok((bytes, checked))
    }
}

/// Reads a whole file of at most [`MAX_INPUT_BYTES`], with errors that say what to change.
pub(crate) fn read_file(path: &std::path::Path, what: &str) -> Result<Vec<u8>, CliError> {
    let name = shown(&path.display().to_string());
    let file = std::fs::File::open(path).map_err(|e| {
        let hint = match e.kind() {
            std::io::ErrorKind::NotFound => "; check the path",
            std::io::ErrorKind::PermissionDenied => "; check its permissions",
            _ => "",
        };
        CliError::new(format!("cannot open {what} {name}: {e}{hint}"))
    })?;
    if file.metadata().is_ok_and(|m| m.is_dir()) {
        return Err(CliError::new(format!(
            "{what} {name} is a directory; give the path of a file"
        )));
    }
    read_limited(file, &format!("{what} {name}"), &name)
}

/// Reads everything from `reader`, refusing more than [`MAX_INPUT_BYTES`].
fn read_limited(reader: impl Read, what: &str, name: &str) -> Result<Vec<u8>, CliError> {
    let mut bytes = Vec::new();
    reader
        .take(MAX_INPUT_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| CliError::new(format!("cannot read {what}: {e}")))?;
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        return Err(CliError::new(format!(
            "{name} is larger than {} MiB, far more than any policy or header list needs; check that it is the right file",
            MAX_INPUT_BYTES >> 20
        )));
    }
    Ok(bytes)
}

/// One problem or warning: the key, the value, and what to do (the `policy lint --json` shape).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct Problem {
    /// The key, e.g. `origins` or `route[0].methods`; empty when unknown.
    pub(crate) key: String,
    /// The offending value as written; empty for a missing value or a file that does not parse.
    pub(crate) value: String,
    /// What is wrong and how to fix it.
    pub(crate) message: String,
    /// The line of the file, when known (parse-level problems).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) line: Option<usize>,
}

impl Problem {
    /// The problem for people: `key: value — message`, leaving out an empty key or value.
    /// A value with spaces, quotes or control characters is quoted so that its ends show.
    pub(crate) fn human(&self) -> String {
        let message = sanitized(&self.message);
        let key = sanitized(&self.key);
        let value = if self
            .value
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '"')
        {
            shown(&self.value)
        } else {
            self.value.clone()
        };
        match (key.is_empty(), value.is_empty()) {
            (true, true) => message,
            (false, true) => format!("{key} — {message}"),
            (true, false) => format!("{value} — {message}"),
            (false, false) => format!("{key}: {value} — {message}"),
        }
    }
}

/// The result of checking a policy: the `policy lint --json` document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct Report {
    /// Whether the policy compiles.
    pub(crate) valid: bool,
    /// Every problem found, in the order of the file's keys.
    pub(crate) errors: Vec<Problem>,
    /// Legal but questionable settings.
    pub(crate) warnings: Vec<Problem>,
}

/// A checked policy: the report, and the compiled policy when it is valid.
#[derive(Debug)]
pub(crate) struct Checked {
    /// What `policy lint` prints.
    pub(crate) report: Report,
    /// The compiled policy, when [`Report::valid`].
    pub(crate) policy: Option<Policy>,
}

/// Parses and compiles a policy file's bytes. A file that does not parse becomes a single error.
pub(crate) fn check(bytes: &[u8], format: PolicyFormat) -> Checked {
    let config = match PolicyConfig::parse_all(bytes, format) {
        Ok(config) => config,
        Err(errors) => {
            return Checked {
                report: Report {
                    valid: false,
                    errors: errors
                        .iter()
                        .map(|e| Problem {
                            key: e.key.clone().unwrap_or_default(),
                            value: String::new(),
                            message: e.to_string(),
                            line: e.line,
                        })
                        .collect(),
                    warnings: Vec::new(),
                },
                policy: None,
            };
        }
    };
    let warnings_of = |warnings: &[corsica::ConfigWarning]| -> Vec<Problem> {
        warnings
            .iter()
            .map(|w| Problem {
                key: w.key.clone(),
                value: w.value.clone(),
                message: w.message.clone(),
                line: None,
            })
            .collect()
    };
    match Policy::compile(&config) {
        Ok(policy) => Checked {
            report: Report {
                valid: true,
                errors: Vec::new(),
                warnings: warnings_of(policy.warnings()),
            },
            policy: Some(policy),
        },
        Err(errors) => Checked {
            report: Report {
                valid: false,
                errors: errors
                    .iter()
                    .map(|e| Problem {
                        key: e.key().to_owned(),
                        value: e.value().to_owned(),
                        message: e.message(),
                        line: None,
                    })
                    .collect(),
                warnings: warnings_of(errors.warnings()),
            },
            policy: None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_byte_order_mark_is_ignored() {
        let checked = check(
            b"\xef\xbb\xbforigins = [\"https://a.example\"]\n",
            PolicyFormat::Toml,
        );
        assert!(checked.report.valid, "{:?}", checked.report);
    }

    #[test]
    fn stdin_needs_a_format() {
        let args = PolicyFileArgs {
            file: "-".into(),
            format: None,
        };
        assert!(args.validate().is_err());
        let args = PolicyFileArgs {
            file: "-".into(),
            format: Some(FormatArg::Yaml),
        };
        assert!(args.validate().unwrap().is_stdin());
    }

    #[test]
    fn the_extension_names_the_format() {
        for (name, format) in [
            ("a.toml", PolicyFormat::Toml),
            ("a.YML", PolicyFormat::Yaml),
            ("a.yaml", PolicyFormat::Yaml),
            ("a.json", PolicyFormat::Json),
        ] {
            let args = PolicyFileArgs {
                file: name.into(),
                format: None,
            };
            assert_eq!(args.validate().unwrap().format, format, "{name}");
        }
        let args = PolicyFileArgs {
            file: "cors.txt".into(),
            format: None,
        };
        assert!(args.validate().is_err());
        let args = PolicyFileArgs {
            file: "cors.txt".into(),
            format: Some(FormatArg::Json),
        };
        assert_eq!(args.validate().unwrap().format, PolicyFormat::Json);
    }
}
