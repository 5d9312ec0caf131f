//! `corsica policy lint FILE [--json]`: every mistake in a policy file, at once.

use clap::Args;
use owo_colors::OwoColorize;

use super::{PolicyFileArgs, PolicyInput, Report};
use crate::error::{CliError, Exit};
use crate::output::{print, print_json, sanitized};

const LINT_AFTER_HELP: &str = "\
Each problem is one line, 'key: value — message', and the message says what to write instead.
A file that does not parse (a syntax error, an unknown key, a value of the wrong type) is one
problem naming the line.

With --json, one document on stdout:
  {\"valid\": bool, \"errors\": [{\"key\", \"value\", \"message\"}...], \"warnings\": [...]}

Examples:
  corsica policy lint cors.toml
  corsica policy lint cors.yaml --json | jq -r '.errors[].message'
  generate-policy | corsica policy lint - --format json

Exit status:
  0  the policy is valid (warnings allowed)
  1  the policy is invalid
  2  usage or I/O error: no such file, an unknown extension, stdin without --format";

/// `corsica policy lint` as typed.
#[derive(Debug, Args)]
#[command(
    long_about = "Check a policy file (TOML, YAML or JSON) and list every mistake in it at once: \
                  unsafe or malformed origins, forbidden methods and headers, out-of-range \
                  numbers, misspelt keys.",
    after_long_help = LINT_AFTER_HELP
)]
pub(crate) struct LintArgs {
    #[command(flatten)]
    policy: PolicyFileArgs,

    /// Print one JSON document: {"valid", "errors", "warnings"}.
    #[arg(long)]
    json: bool,
}

/// `corsica policy lint`, validated.
#[derive(Debug)]
pub(crate) struct Lint {
    input: PolicyInput,
    json: bool,
}

impl LintArgs {
    /// Checks the arguments.
    pub(crate) fn validate(&self) -> Result<Lint, CliError> {
        Ok(Lint {
            input: self.policy.validate()?,
            json: self.json,
        })
    }
}

impl Lint {
    /// Reads, checks and reports.
    pub(crate) fn run(&self) -> Result<Exit, CliError> {
        let report = self.input.load()?.report;
        if self.json {
            print_json(&report)?;
        } else {
            print(&human(&report, &self.input.name()))?;
        }
        Ok(if report.valid { Exit::Ok } else { Exit::Fail })
    }
}

/// The report for people: errors, then warnings, then a one-line summary.
pub(super) fn human(report: &Report, name: &str) -> String {
    let mut out = String::new();
    for error in &report.errors {
        out.push_str(&format!("{} {}\n", "error:".red().bold(), error.human()));
    }
    for warning in &report.warnings {
        out.push_str(&format!(
            "{} {}\n",
            "warning:".yellow().bold(),
            warning.human()
        ));
    }
    let verdict = if report.valid {
        "valid policy".green().bold().to_string()
    } else {
        "invalid policy".red().bold().to_string()
    };
    let mut counts = Vec::new();
    if !report.valid {
        counts.push(plural(report.errors.len(), "error"));
    }
    counts.push(match report.warnings.len() {
        0 => "no warnings".to_owned(),
        n => plural(n, "warning"),
    });
    out.push_str(&format!(
        "{}: {verdict}, {}\n",
        sanitized(name),
        counts.join(", ")
    ));
    out
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

#[cfg(test)]
mod tests {
    use super::super::Problem;
    use super::*;

    fn problem(key: &str, value: &str, message: &str) -> Problem {
        Problem {
            line: None,
            key: key.into(),
            value: value.into(),
            message: message.into(),
        }
    }

    fn plain(text: String) -> String {
        anstream::adapter::strip_str(&text).to_string()
    }

    #[test]
    fn the_summary_counts_errors_and_warnings() {
        let report = Report {
            valid: false,
            errors: vec![
                problem("methods", "TRACE", "forbidden"),
                problem("origins", "", "none"),
            ],
            warnings: vec![],
        };
        assert_eq!(
            plain(human(&report, "p.toml")),
            "error: methods: TRACE — forbidden\nerror: origins — none\np.toml: invalid policy, 2 errors, no warnings\n"
        );
        let report = Report {
            valid: true,
            errors: vec![],
            warnings: vec![problem("debug", "true", "turn it off")],
        };
        assert_eq!(
            plain(human(&report, "p.toml")),
            "warning: debug: true — turn it off\np.toml: valid policy, 1 warning\n"
        );
    }
}
