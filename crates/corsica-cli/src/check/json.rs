//! `corsica check --json`: the document described in `docs/cli.md`.
//!
//! ```text
//! {"allowed", "preflight": {"sent", "status", "headers", "cache_seconds"} | null,
//!  "response": {"status", "headers"} | null, "exposed": [...],
//!  "error": {"kind", "message", "console", "reason_code", "script_error"} | null, "fix": "..."}
//! ```
//!
//! - `browser` names the engine the check behaved as (`chromium`, `firefox`, `webkit`).
//!
//! - `preflight` is `null` when no preflight was needed; otherwise it describes the last one
//!   sent (`sent: false`, `status: null` if a cached result made it unnecessary).
//!   `cache_seconds` is how long Chromium caches its result (`Access-Control-Max-Age` read as
//!   Chromium reads it, at most 7200), `null` when the preflight failed.
//! - `response` is the last response to the request itself (a redirect, if the fetch stopped at
//!   one), `null` when it was never sent.
//! - `headers` are every header line as received, `[name, value]`, values decoded one char per
//!   byte as a script's `headers.get()` sees them.
//! - `exposed` are the header names the script can read (empty when blocked).
//! - `error.kind` is corsica's error kind, Chromium's `CorsError` name
//!   (`MissingAllowOriginHeader`) or net error (`ERR_TOO_MANY_REDIRECTS`); `message` is the
//!   first line the engine's console prints, `console` all of them; `reason_code` is the
//!   engine's own code where it has one (Firefox's `CORSMissingAllowOrigin2`); `script_error`
//!   what the page's script sees.
//! - `fix` names the server change; empty when allowed.

use corsica::browser::{FetchError, Note};
use serde::Serialize;

use super::fix;
use super::live::{Exchanged, Report};

/// The document.
#[derive(Debug, Serialize)]
pub(crate) struct Document {
    browser: &'static str,
    allowed: bool,
    preflight: Option<PreflightDoc>,
    response: Option<ResponseDoc>,
    exposed: Vec<String>,
    error: Option<ErrorDoc>,
    fix: String,
}

#[derive(Debug, Serialize)]
struct PreflightDoc {
    sent: bool,
    status: Option<u16>,
    headers: Vec<(String, String)>,
    cache_seconds: Option<u64>,
}

#[derive(Debug, Serialize)]
struct ResponseDoc {
    status: u16,
    headers: Vec<(String, String)>,
}

#[derive(Debug, Serialize)]
struct ErrorDoc {
    kind: String,
    message: String,
    /// Every line the engine's console prints (Firefox and WebKit print more than one).
    console: Vec<String>,
    /// Firefox's reason code (`CORSMissingAllowOrigin2`); null for Chromium and WebKit.
    reason_code: Option<&'static str>,
    /// What `String(error)` is in the page.
    script_error: &'static str,
}

/// Bytes as a script sees a header value: one char per byte (Fetch "isomorphic decode").
pub(crate) fn isomorphic(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| char::from(b)).collect()
}

fn headers(step: &Exchanged) -> Vec<(String, String)> {
    step.received
        .headers
        .iter()
        .map(|(n, v)| (n.clone(), isomorphic(v)))
        .collect()
}

/// How long the browser caches the result of the preflight in `step`, if it passed.
fn cache_seconds(report: &Report, index: usize) -> Option<u64> {
    report
        .verdict
        .trace
        .responses()
        .nth(index)?
        .note(|note| match note {
            Note::PreflightCached { seconds, .. } => Some(*seconds),
            _ => None,
        })
}

/// The line Chromium's console prints for the verdict's error.
pub(crate) fn message(report: &Report, error: &FetchError) -> String {
    match error {
        FetchError::Cors(_) => report.verdict.console_message().unwrap_or_default(),
        FetchError::Network(e) => {
            let method = report
                .last_response()
                .map_or(report.request.method(), |s| s.sent.method.as_str());
            format!("{method} {} {e}", report.verdict.url)
        }
    }
}

/// Builds the document for `report`.
pub(crate) fn document(report: &Report) -> Document {
    let preflight = report.preflight_needed().then(|| {
        let last = report.steps.iter().rposition(|s| s.preflight);
        PreflightDoc {
            sent: last.is_some(),
            status: last.map(|i| report.steps[i].received.status),
            headers: last.map(|i| headers(&report.steps[i])).unwrap_or_default(),
            cache_seconds: last.and_then(|i| cache_seconds(report, i)),
        }
    });
    let response = report.last_response().map(|step| ResponseDoc {
        status: step.received.status,
        headers: headers(step),
    });
    let (exposed, error) = match &report.verdict.result {
        Ok(exposed) => (exposed.headers.clone(), None),
        Err(e) => (
            Vec::new(),
            Some(ErrorDoc {
                kind: e.kind_str().to_string(),
                message: message(report, e),
                console: match report.verdict.console_lines() {
                    lines if lines.is_empty() => vec![message(report, e)],
                    lines => lines,
                },
                reason_code: report.verdict.reason_code(),
                script_error: report.verdict.engine.profile().script_error(),
            }),
        ),
    };
    Document {
        browser: report.verdict.engine.as_str(),
        allowed: report.verdict.is_allowed(),
        preflight,
        response,
        exposed,
        error,
        fix: fix::for_report(report),
    }
}
