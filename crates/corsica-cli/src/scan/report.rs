//! Writing a scan's results as they come: text for people, one JSON document, or SARIF 2.1.0.
//! Findings are written as each target finishes, so memory stays flat however many targets
//! there are; only the error messages and the counts are kept until the end.

use std::collections::BTreeMap;
use std::io::Write;
use std::time::Duration;

use owo_colors::OwoColorize;
use serde::Serialize;
use serde_json::json;

use super::class::{Class, Severity};
use super::judge::Finding;
use super::net::Scanned;
use crate::error::CliError;
use crate::output::sanitized;

/// `--format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Format {
    // No doc comments on the values: clap would list them one per line.
    Text,
    Json,
    Sarif,
}

/// A target that could not be scanned (completely).
#[derive(Clone, Debug, Serialize)]
pub(crate) struct ScanError {
    /// The URL, or the input line.
    pub(crate) url: Option<String>,
    /// What went wrong.
    pub(crate) message: String,
}

/// Counts for the summary.
#[derive(Debug, Default, Serialize)]
pub(crate) struct Summary {
    /// Targets scanned (with or without an error).
    pub(crate) targets: usize,
    /// Requests sent.
    pub(crate) requests: usize,
    /// Findings per severity.
    pub(crate) findings: BTreeMap<&'static str, usize>,
    /// Targets with at least one error.
    pub(crate) errors: usize,
    /// Wall-clock seconds.
    pub(crate) seconds: f64,
    /// Findings per class id.
    #[serde(skip)]
    by_class: BTreeMap<Class, (usize, Severity)>,
}

impl Summary {
    /// Whether any finding is above `info`.
    pub(crate) fn has_findings(&self) -> bool {
        self.by_class.values().any(|(_, s)| *s > Severity::Info)
    }
}

/// The writer of one scan's report.
pub(crate) struct Report<W: Write> {
    format: Format,
    out: W,
    written: usize,
    errors: Vec<ScanError>,
    /// The counts so far.
    pub(crate) summary: Summary,
}

fn io(e: std::io::Error) -> CliError {
    CliError::output(e)
}

impl<W: Write> Report<W> {
    /// Starts a report on `out`.
    pub(crate) fn begin(format: Format, mut out: W) -> Result<Self, CliError> {
        match format {
            Format::Text => {}
            Format::Json => out.write_all(b"{\n  \"findings\": [").map_err(io)?,
            Format::Sarif => {
                let rules: Vec<_> = Class::ALL.iter().map(|c| rule(*c)).collect();
                let head = json!({
                    "name": "corsica",
                    "version": env!("CARGO_PKG_VERSION"),
                    "informationUri": "https://github.com/corsica-rs/corsica/blob/main/docs/cli.md#corsica-scan",
                    "rules": rules,
                });
                let driver = serde_json::to_string_pretty(&head).map_err(json_error)?;
                write!(
                    out,
                    "{{\n  \"$schema\": \"https://json.schemastore.org/sarif-2.1.0.json\",\n  \"version\": \"2.1.0\",\n  \"runs\": [\n    {{\n      \"tool\": {{\n        \"driver\": {}\n      }},\n      \"results\": [",
                    indent(&driver, 8)
                )
                .map_err(io)?;
            }
        }
        Ok(Report {
            format,
            out,
            written: 0,
            errors: Vec::new(),
            summary: Summary::default(),
        })
    }

    /// Adds an input that is not a target.
    pub(crate) fn bad_input(&mut self, message: String) -> Result<(), CliError> {
        self.summary.errors += 1;
        self.error(ScanError { url: None, message })
    }

    fn error(&mut self, error: ScanError) -> Result<(), CliError> {
        if self.format == Format::Text {
            let line = match &error.url {
                Some(url) => format!("{url}: {}", error.message),
                None => error.message.clone(),
            };
            writeln!(self.out, "{} {}", "error".red().bold(), sanitized(&line)).map_err(io)?;
            self.out.flush().map_err(io)?;
        }
        self.errors.push(error);
        Ok(())
    }

    /// Adds a target's results.
    pub(crate) fn target(&mut self, scanned: Scanned) -> Result<(), CliError> {
        self.summary.targets += 1;
        self.summary.requests += scanned.requests;
        for finding in &scanned.findings {
            *self
                .summary
                .findings
                .entry(finding.severity.as_str())
                .or_default() += 1;
            let entry = self
                .summary
                .by_class
                .entry(finding.class)
                .or_insert((0, finding.severity));
            entry.0 += 1;
            entry.1 = entry.1.max(finding.severity);
            self.finding(finding)?;
        }
        if let Some(message) = scanned.error {
            self.summary.errors += 1;
            self.error(ScanError {
                url: Some(scanned.url),
                message,
            })?;
        }
        self.out.flush().map_err(io)
    }

    fn finding(&mut self, f: &Finding) -> Result<(), CliError> {
        let sep = if self.written == 0 { "\n" } else { ",\n" };
        self.written += 1;
        match self.format {
            Format::Text => self.out.write_all(text(f).as_bytes()).map_err(io),
            Format::Json => {
                let body = serde_json::to_string_pretty(f).map_err(json_error)?;
                write!(self.out, "{sep}    {}", indent(&body, 4)).map_err(io)
            }
            Format::Sarif => {
                let body = serde_json::to_string_pretty(&result(f)).map_err(json_error)?;
                write!(self.out, "{sep}        {}", indent(&body, 8)).map_err(io)
            }
        }
    }

    /// Ends the report with the errors and the summary.
    pub(crate) fn end(mut self, elapsed: Duration) -> Result<Summary, CliError> {
        self.summary.seconds = (elapsed.as_secs_f64() * 1000.0).round() / 1000.0;
        let close = if self.written == 0 { "" } else { "\n  " };
        match self.format {
            Format::Text => {
                let table = table(&self.summary);
                self.out.write_all(table.as_bytes()).map_err(io)?;
            }
            Format::Json => {
                let errors = serde_json::to_string_pretty(&self.errors).map_err(json_error)?;
                let summary = serde_json::to_string_pretty(&self.summary).map_err(json_error)?;
                write!(
                    self.out,
                    "{close}],\n  \"errors\": {},\n  \"summary\": {}\n}}\n",
                    indent(&errors, 2),
                    indent(&summary, 2)
                )
                .map_err(io)?;
            }
            Format::Sarif => {
                let notifications: Vec<_> = self
                    .errors
                    .iter()
                    .map(|e| {
                        let text = match &e.url {
                            Some(url) => format!("{url}: {}", e.message),
                            None => e.message.clone(),
                        };
                        json!({"level": "error", "message": {"text": text}})
                    })
                    .collect();
                let invocation = json!([{
                    "executionSuccessful": self.errors.is_empty(),
                    "toolExecutionNotifications": notifications,
                }]);
                let invocation = serde_json::to_string_pretty(&invocation).map_err(json_error)?;
                let close = if self.written == 0 { "" } else { "\n      " };
                write!(
                    self.out,
                    "{close}],\n      \"invocations\": {}\n    }}\n  ]\n}}\n",
                    indent(&invocation, 6)
                )
                .map_err(io)?;
            }
        }
        self.out.flush().map_err(io)?;
        Ok(self.summary)
    }
}

fn json_error(e: serde_json::Error) -> CliError {
    CliError::new(format!("cannot render JSON: {e}"))
}

/// `text` with every line but the first indented by `n` spaces.
fn indent(text: &str, n: usize) -> String {
    text.replace('\n', &format!("\n{}", " ".repeat(n)))
}

/// The severity in capitals, padded to `width`, coloured on a terminal.
fn painted(severity: Severity, width: usize) -> String {
    let label = format!("{:<width$}", severity.as_str().to_uppercase());
    match severity {
        Severity::Critical => label.red().bold().to_string(),
        Severity::High => label.red().to_string(),
        Severity::Medium => label.yellow().to_string(),
        Severity::Low => label.cyan().to_string(),
        Severity::Info => label.dimmed().to_string(),
    }
}

/// One finding for people: what, where, the evidence and the fix.
fn text(f: &Finding) -> String {
    let mut out = format!(
        "{} {} {}\n",
        painted(f.severity, 8),
        f.class.id().bold(),
        sanitized(&f.url)
    );
    out.push_str(&format!("         {}\n", f.class.title()));
    if let Some(origin) = &f.origin_sent {
        out.push_str(&format!(
            "         {} {} → {}\n",
            f.evidence.method,
            sanitized(origin),
            sanitized(&f.evidence.detail)
        ));
    } else {
        out.push_str(&format!("         {}\n", sanitized(&f.evidence.detail)));
    }
    let headers: Vec<String> = f
        .evidence
        .response_headers
        .iter()
        .map(|(n, v)| format!("{n}: {v}"))
        .collect();
    out.push_str(&format!(
        "         {} {}\n",
        f.evidence.status,
        if headers.is_empty() {
            "(no CORS headers)".to_string()
        } else {
            sanitized(&headers.join(" | "))
        }
    ));
    out.push_str(&format!("         {} {}\n", "fix:".green(), f.fix));
    out
}

/// The summary table at the end of a text report.
fn table(s: &Summary) -> String {
    let mut out = format!(
        "\nScanned {} URL{} in {:.1} s: {} request{}, {} error{}.\n",
        s.targets,
        if s.targets == 1 { "" } else { "s" },
        s.seconds,
        s.requests,
        if s.requests == 1 { "" } else { "s" },
        s.errors,
        if s.errors == 1 { "" } else { "s" }
    );
    if s.by_class.is_empty() {
        out.push_str("No findings.\n");
        return out;
    }
    let width = s
        .by_class
        .keys()
        .map(|c| c.id().len())
        .max()
        .unwrap_or(0)
        .max(7);
    out.push_str(&format!("\n{:<width$}  {:>8}  worst\n", "finding", "count"));
    let mut rows: Vec<_> = s.by_class.iter().collect();
    rows.sort_by(|a, b| b.1.1.cmp(&a.1.1).then(a.0.cmp(b.0)));
    for (class, (count, worst)) in rows {
        out.push_str(&format!(
            "{:<width$}  {count:>8}  {}\n",
            class.id(),
            painted(*worst, 0)
        ));
    }
    let totals: Vec<String> = Severity::ALL
        .iter()
        .filter_map(|sev| {
            s.findings
                .get(sev.as_str())
                .map(|n| format!("{n} {}", sev.as_str()))
        })
        .collect();
    out.push_str(&format!("\nFindings: {}.\n", totals.join(", ")));
    out
}

/// SARIF level for a severity.
fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium | Severity::Low => "warning",
        Severity::Info => "note",
    }
}

/// A SARIF `reportingDescriptor` for a class.
fn rule(class: Class) -> serde_json::Value {
    json!({
        "id": class.id(),
        "name": class.id(),
        "shortDescription": {"text": class.title()},
        "help": {"text": class.fix()},
        "helpUri": format!("https://github.com/corsica-rs/corsica/blob/main/docs/cli.md#{}", class.id()),
        "properties": {"tags": ["security", "cors"]},
    })
}

/// A SARIF `result` for a finding.
fn result(f: &Finding) -> serde_json::Value {
    let index = Class::ALL.iter().position(|c| *c == f.class).unwrap_or(0);
    json!({
        "ruleId": f.class.id(),
        "ruleIndex": index,
        "level": level(f.severity),
        "message": {"text": format!("{}: {}", f.class.title(), f.evidence.detail)},
        "locations": [{"physicalLocation": {"artifactLocation": {"uri": f.url}}}],
        "properties": {
            "severity": f.severity.as_str(),
            "security-severity": match f.severity {
                Severity::Critical => "9.5",
                Severity::High => "8.0",
                Severity::Medium => "5.5",
                Severity::Low => "3.0",
                Severity::Info => "0.0",
            },
            "origin_sent": f.origin_sent,
            "evidence": f.evidence,
            "fix": f.fix,
        },
    })
}
