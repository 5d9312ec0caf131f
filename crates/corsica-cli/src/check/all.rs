//! `corsica check --browser all`: the same fetch as each engine makes it, one line per engine,
//! then where they differ. Each engine's verdict is the engine's own (one live check each); this
//! module only lines them up.

use std::fmt::Write as _;

use corsica::browser::{Engine, Note};
use owo_colors::OwoColorize;
use serde::Serialize;

use super::json::{self, Document};
use super::live::{self, Report};
use super::render::engine_name;
use crate::error::{CliError, Exit};
use crate::output::{print, print_json, sanitized};

/// The `--json` document of `--browser all`.
#[derive(Debug, Serialize)]
struct AllDocument {
    /// Whether every engine lets the script read the response.
    allowed: bool,
    /// One `check --json` document per engine.
    browsers: Vec<Document>,
    /// Where the engines differ, in words.
    differences: Vec<String>,
}

/// How long the engine keeps the last preflight's result, if one passed.
fn cache_seconds(report: &Report) -> Option<u64> {
    report.verdict.trace.stages.iter().rev().find_map(|s| {
        s.notes.iter().find_map(|n| match n {
            Note::PreflightCached { seconds, .. } => Some(*seconds),
            _ => None,
        })
    })
}

/// What each engine's console calls the error: Firefox's reason code, else corsica's kind.
fn error_name(report: &Report) -> Option<String> {
    let error = report.verdict.result.as_ref().err()?;
    Some(
        report
            .verdict
            .reason_code()
            .map_or_else(|| error.kind_str().to_string(), str::to_string),
    )
}

/// The differences between the engines' reports, in words.
fn differences(reports: &[Report]) -> Vec<String> {
    let mut out = Vec::new();
    let list = |f: &dyn Fn(&Report) -> String| -> String {
        reports
            .iter()
            .map(|r| format!("{} {}", r.verdict.engine, f(r)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let allowed: Vec<bool> = reports.iter().map(|r| r.verdict.is_allowed()).collect();
    if allowed.iter().any(|a| *a != allowed[0]) {
        out.push(format!(
            "verdict: {}",
            list(&|r| if r.verdict.is_allowed() {
                "allows".to_string()
            } else {
                "blocks".to_string()
            })
        ));
    }
    let kinds: Vec<Option<&str>> = reports
        .iter()
        .map(|r| r.verdict.result.as_ref().err().map(|e| e.kind_str()))
        .collect();
    if kinds.iter().any(|k| *k != kinds[0]) && kinds.iter().all(Option::is_some) {
        out.push(format!(
            "error: {}",
            list(
                &|r| match (r.verdict.result.as_ref().err(), r.verdict.reason_code()) {
                    (Some(e), Some(code)) => format!("{} ({code})", e.kind_str()),
                    (Some(e), None) => e.kind_str().to_string(),
                    (None, _) => String::new(),
                }
            )
        ));
    }
    let cached: Vec<Option<u64>> = reports.iter().map(cache_seconds).collect();
    if cached.iter().any(|c| *c != cached[0]) && cached.iter().any(Option::is_some) {
        out.push(format!(
            "preflight cached for: {}",
            list(&|r| cache_seconds(r).map_or_else(|| "-".to_string(), |s| format!("{s} s")))
        ));
    }
    let warned: Vec<&Report> = reports
        .iter()
        .filter(|r| !r.verdict.console_warnings().is_empty())
        .collect();
    for r in warned {
        out.push(format!(
            "{} warns: {}",
            r.verdict.engine,
            r.verdict.console_warnings().join(" ")
        ));
    }
    out
}

/// Runs the check once per engine and prints them side by side.
pub(super) fn run(config: &live::Config, as_json: bool) -> Result<Exit, CliError> {
    let mut reports = Vec::with_capacity(Engine::ALL.len());
    for engine in Engine::ALL {
        let config = live::Config {
            engine,
            ..config.clone()
        };
        match live::check(&config) {
            Ok(report) => reports.push(report),
            Err(e) => {
                // No engine got an answer: the network failed, the same for all three.
                if as_json {
                    super::print_failure(&config, &e)?;
                }
                return Err(CliError::new(e.to_string()));
            }
        }
    }
    let all_allowed = reports.iter().all(|r| r.verdict.is_allowed());
    let differences = differences(&reports);
    if as_json {
        print_json(&AllDocument {
            allowed: all_allowed,
            browsers: reports.iter().map(json::document).collect(),
            differences,
        })?;
    } else {
        print(&human(&reports, &differences))?;
    }
    Ok(if all_allowed { Exit::Ok } else { Exit::Fail })
}

fn human(reports: &[Report], differences: &[String]) -> String {
    let mut out = String::new();
    if let Some(first) = reports.first() {
        let r = &first.request;
        let _ = writeln!(
            out,
            "{} {} {} from origin {}, credentials {}\n",
            "fetch".bold(),
            r.method(),
            r.url(),
            r.origin(),
            r.credentials()
        );
    }
    for report in reports {
        let v = &report.verdict;
        let name = format!("{:<9}", engine_name(v.engine));
        match &v.result {
            Ok(exposed) => {
                let _ = writeln!(
                    out,
                    "{} {} the page can read the response (status {})",
                    name.bold(),
                    "✓ allowed".green().bold(),
                    exposed.status
                );
            }
            Err(error) => {
                let _ = writeln!(
                    out,
                    "{} {} {}",
                    name.bold(),
                    "✗ blocked".red().bold(),
                    error_name(report).unwrap_or_default().bold()
                );
                let lines = v.console_lines();
                let first = lines
                    .first()
                    .cloned()
                    .unwrap_or_else(|| json::message(report, error));
                let _ = writeln!(out, "          console: {}", sanitized(&first));
                if let Some(seen) = v.script_error() {
                    let _ = writeln!(out, "          the script sees: {seen}");
                }
            }
        }
    }
    out.push('\n');
    if differences.is_empty() {
        let _ = writeln!(
            out,
            "{} the three engines give the same verdict and error kind",
            "same:".bold()
        );
    } else {
        let _ = writeln!(out, "{}", "differences:".bold());
        for d in differences {
            let _ = writeln!(out, "  - {}", sanitized(d));
        }
    }
    out
}
