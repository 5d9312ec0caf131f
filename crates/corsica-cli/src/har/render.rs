//! `corsica har` for people: a headline, each cross-origin request (a blocked one in full, as
//! `corsica check` shows it; an allowed one on a line), then the failures grouped by cause.

use std::fmt::Write as _;

use owo_colors::OwoColorize;

use super::command::check_command;
use super::replay::{Missing, Outcome, Replay, Replayed};
use super::summary::Summary;
use crate::check::{fix, render};
use crate::output::sanitized;

/// Where the page's origin and the credentials mode were read from.
fn provenance(replayed: &Replayed) -> String {
    let credentials = if replayed.cookies {
        "credentials include (it sent cookies)"
    } else {
        "credentials same-origin assumed (no cookies recorded)"
    };
    format!(
        "page origin from {}; {credentials}",
        replayed.origin_source.words()
    )
}

/// What the recording lacks, in words.
pub(crate) fn missing_text(replayed: &Replayed) -> Option<String> {
    let Outcome::Incomplete {
        missing, preflight, ..
    } = &replayed.outcome
    else {
        return None;
    };
    let failure = replayed
        .failure
        .as_deref()
        .map(|f| format!(" ({})", sanitized(f)))
        .unwrap_or_default();
    let why = render::reasons_why(&replayed.request.preflight_reasons());
    Some(match missing {
        Missing::Preflight => format!(
            "the request needs a preflight ({}), which is not in the recording, and the request \
             got no response{failure}: the preflight most likely failed, but what it answered \
             is not recorded",
            why.trim_start_matches(": ")
        ),
        Missing::PreflightResponse => format!(
            "the preflight (OPTIONS {}) is recorded without a response{failure}",
            preflight.as_ref().map_or("", |p| p.url.as_str())
        ),
        // Chromium reports a CORS failure as net::ERR_FAILED; other net errors are not CORS.
        Missing::Response
            if replayed
                .failure
                .as_deref()
                .is_some_and(|f| f.starts_with("net::ERR_") && f != "net::ERR_FAILED") =>
        {
            format!(
                "the request got no response{failure}: a network failure (or a cancelled \
                 request), not CORS"
            )
        }
        Missing::Response => format!(
            "the request is recorded without a response{failure}: the browser blocked it or \
             lost it before the recording saw the response's headers"
        ),
        Missing::Redirect(url) => {
            format!("the request was redirected to {url}, and that request is not in the recording")
        }
    })
}

fn heading(replayed: &Replayed) -> String {
    let r = &replayed.request;
    format!(
        "#{} {} {} from {}",
        replayed.index,
        sanitized(r.method()),
        r.url(),
        r.origin()
    )
}

fn entry(out: &mut String, replayed: &Replayed) {
    let command = check_command(&replayed.request, replayed.body.as_ref());
    match &replayed.outcome {
        Outcome::Decided(report) if report.verdict.is_allowed() => {
            let status = report.last_response().map_or(0, |s| s.received.status);
            let _ = writeln!(
                out,
                "{} {}: allowed (status {status})",
                "✓".green().bold(),
                heading(replayed)
            );
            // Allowed, but only by a leniency of Chromium's the standard does not have.
            let note = fix::for_report(report);
            if !note.is_empty() {
                let _ = writeln!(out, "  {} {}", "note:".bold(), sanitized(&note));
            }
        }
        Outcome::Decided(report) => {
            let _ = writeln!(out, "{}", format!("── {} ──", heading(replayed)).bold());
            let _ = writeln!(out, "  {}", provenance(replayed).dimmed());
            if replayed.preflight_assumed {
                let _ = writeln!(
                    out,
                    "  · the preflight ({}) is not in the recording; the request went out, so \
                     it passed (or a cached one let it go)",
                    render::preflight_why(report).trim_start_matches(": ")
                );
            }
            out.push('\n');
            for line in render::human(report).lines() {
                if line.is_empty() {
                    out.push('\n');
                } else {
                    let _ = writeln!(out, "  {line}");
                }
            }
            let _ = writeln!(out, "  {} {command}", "replay it live:".bold());
        }
        Outcome::Incomplete { steps, .. } => {
            let _ = writeln!(
                out,
                "{} {}: {}",
                "?".yellow().bold(),
                heading(replayed),
                "the recording cannot tell".yellow()
            );
            let _ = writeln!(out, "  {}", provenance(replayed).dimmed());
            for step in steps {
                let _ = writeln!(
                    out,
                    "  replayed: {} {} ← {}",
                    step.sent.method, step.sent.url, step.received.status
                );
            }
            if let Some(text) = missing_text(replayed) {
                let _ = writeln!(out, "  {text}");
            }
            let _ = writeln!(out, "  {} {command}", "replay it live:".bold());
        }
    }
}

/// The whole text report.
pub(crate) fn human(file: &str, replay: &Replay, summary: &Summary) -> String {
    let mut out = String::new();
    let creator = if summary.creator.version.is_empty() {
        sanitized(&summary.creator.name)
    } else {
        sanitized(&format!(
            "{} {}",
            summary.creator.name, summary.creator.version
        ))
    };
    let _ = writeln!(
        out,
        "{} {}: recorded by {creator}; {} entries, {} cross-origin requests: {} allowed, {} \
         blocked, {} incomplete ({} same-origin, {} not CORS; verdicts by {}'s rules)",
        "corsica har".bold(),
        sanitized(file),
        summary.entries,
        summary.cross_origin,
        summary.allowed,
        summary.blocked,
        summary.incomplete,
        summary.same_origin,
        summary.not_cors,
        crate::check::render::engine_name(replay.engine),
    );
    for replayed in &replay.replayed {
        out.push('\n');
        entry(&mut out, replayed);
    }
    for (index, message) in &replay.refused {
        let _ = writeln!(
            out,
            "\n{} #{index}: fetch() would refuse this request: {}",
            "?".yellow().bold(),
            sanitized(message)
        );
    }
    if !replay.unknown_origin.is_empty() {
        let _ = writeln!(
            out,
            "\n{} the page's origin is unknown for {} (no Origin, no Referer, no page URL): not \
             replayed",
            "?".yellow().bold(),
            list(&replay.unknown_origin)
        );
    }
    if summary.causes.is_empty() {
        if summary.cross_origin > 0 {
            let _ = writeln!(
                out,
                "\n{} every cross-origin request was allowed",
                "✓".green().bold()
            );
        } else {
            let _ = writeln!(out, "\nno cross-origin request in the recording");
        }
        return out;
    }
    let _ = writeln!(out, "\n{}", "Failures by cause:".bold());
    for cause in &summary.causes {
        let times = if cause.count == 1 {
            "1 request".to_string()
        } else {
            format!("{} requests", cause.count)
        };
        let (mark, what) = match cause.kind.strip_prefix("incomplete: ") {
            Some(missing) => (
                "?".yellow().bold().to_string(),
                format!("the recording lacks the {}", missing.replace('-', " ")),
            ),
            None => ("✗".red().bold().to_string(), cause.kind.bold().to_string()),
        };
        let _ = writeln!(
            out,
            "  {mark} {what} at {}: {times} ({})",
            cause.server,
            list(&cause.entries)
        );
        match &cause.fix {
            Some(fix) => {
                let _ = writeln!(out, "      {} {}", "fix:".bold(), sanitized(fix));
            }
            None => {
                let _ = writeln!(
                    out,
                    "      replay them live with the corsica check commands above"
                );
            }
        }
    }
    out
}

/// `#3, #7`.
fn list(indexes: &[usize]) -> String {
    indexes
        .iter()
        .map(|i| format!("#{i}"))
        .collect::<Vec<_>>()
        .join(", ")
}
