//! `corsica check --json`: the document described in `docs/cli.md`.
//!
//! ```text
//! {"allowed", "browser", "request": {"url", "origin", "method"},
//!  "preflight": {"sent", "status", "headers", "cache_seconds"} | null,
//!  "response": {"status", "headers"} | null, "redirects": [{"url", "status", "location"}],
//!  "exposed": [...],
//!  "error": {"kind", "message", "console", "reason_code", "script_error"} | null,
//!  "fix": "..." | null, "warnings": [...]}
//! ```
//!
//! The same keys on every exit, 2 included ([`failure`]): then `error` says why there is no
//! verdict.
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
//! - `browser` names the engine the check behaved as (`chromium`, `firefox`, `webkit`).
//! - `error.kind` is corsica's error kind, Chromium's `CorsError` name
//!   (`MissingAllowOriginHeader`) or net error (`ERR_TOO_MANY_REDIRECTS`); `message` is the
//!   first line the engine's console prints, `console` all of them; `reason_code` is the
//!   engine's own code where it has one (Firefox's `CORSMissingAllowOrigin2`); `script_error`
//!   what the page's script sees (`null` when no script ran, as for a usage error).
//! - `redirects` are the redirects the browser followed, in order: the URL that answered, its
//!   status and where it sent the browser.
//! - `fix` names the server change; `null` when there is nothing to change.
//! - `warnings` are what the user should hear even when the request is allowed (see `warn`).
//! - `diagnosis` lists the follow-up requests of `--diagnose` (`null` without it): the part
//!   each tests, what came back, whether it passed.

use corsica::browser::{FetchError, Note};
use serde::Serialize;

use super::live::{Exchanged, PROBE_ORIGIN, Part, Report};
use super::{fix, warn};

/// The browser `check` behaves as unless told otherwise.
pub(crate) const BROWSER: &str = "chromium";

/// The document.
#[derive(Debug, Serialize)]
pub(crate) struct Document {
    allowed: bool,
    browser: &'static str,
    request: Option<RequestDoc>,
    preflight: Option<PreflightDoc>,
    response: Option<ResponseDoc>,
    redirects: Vec<RedirectDoc>,
    exposed: Vec<String>,
    error: Option<ErrorDoc>,
    fix: Option<String>,
    warnings: Vec<String>,
    diagnosis: Option<Vec<ProbeDoc>>,
}

/// One follow-up request of `--diagnose`.
#[derive(Debug, Serialize)]
struct ProbeDoc {
    /// `origin`, `method`, `header` or `any-origin`.
    part: &'static str,
    /// The method or header name it tests alone.
    name: Option<String>,
    /// What was sent: `OPTIONS` for a preflight.
    method: Option<String>,
    status: Option<u16>,
    headers: Vec<(String, String)>,
    /// Whether the browser lets it through.
    passed: bool,
    /// Why it got no answer.
    error: Option<String>,
}

fn diagnosis(report: &Report) -> Option<Vec<ProbeDoc>> {
    let diagnosis = report.diagnosis.as_ref()?;
    Some(
        diagnosis
            .probes
            .iter()
            .map(|p| {
                let (part, name) = match &p.part {
                    Part::Origin => ("origin", None),
                    Part::Method(m) => ("method", Some(m.clone())),
                    Part::Header(h) => ("header", Some(h.clone())),
                    Part::AnyOrigin => ("any-origin", Some(PROBE_ORIGIN.to_string())),
                    // `Part` is ours: every variant is listed.
                };
                ProbeDoc {
                    part,
                    name,
                    method: p.step.as_ref().map(|s| s.sent.method.clone()),
                    status: p.step.as_ref().map(|s| s.received.status),
                    headers: p.step.as_ref().map(headers).unwrap_or_default(),
                    passed: p.passed,
                    error: p.error.clone(),
                }
            })
            .collect(),
    )
}

/// The request as the page makes it.
#[derive(Debug, Serialize)]
pub(crate) struct RequestDoc {
    /// The URL, without its fragment (never sent).
    pub(crate) url: String,
    /// The page's origin.
    pub(crate) origin: String,
    /// The method as `fetch()` sends it.
    pub(crate) method: String,
}

#[derive(Debug, Serialize)]
struct RedirectDoc {
    url: String,
    status: u16,
    location: String,
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
pub(crate) struct ErrorDoc {
    /// Chromium's `CorsError` or net error name; `usage` for a bad argument, `TypeError` when
    /// `fetch()` throws before sending.
    pub(crate) kind: String,
    /// The console's line, or what went wrong.
    pub(crate) message: String,
    /// Every line the engine's console prints (Firefox and WebKit print more than one).
    pub(crate) console: Vec<String>,
    /// Firefox's reason code (`CORSMissingAllowOrigin2`); null for Chromium and WebKit.
    pub(crate) reason_code: Option<&'static str>,
    /// What `String(error)` is in the page; null when no script ran.
    pub(crate) script_error: Option<&'static str>,
}

impl ErrorDoc {
    /// An error without a verdict (exit 2): `kind` and `message`, what the script sees if any.
    pub(crate) fn without_verdict(
        kind: impl Into<String>,
        message: impl Into<String>,
        script_error: Option<&'static str>,
    ) -> Self {
        let message = message.into();
        ErrorDoc {
            kind: kind.into(),
            console: Vec::new(),
            message,
            reason_code: None,
            script_error,
        }
    }
}

/// A URL as shown: without its fragment, which browsers never send (a `Location` may carry one).
pub(crate) fn without_fragment(url: &url::Url) -> String {
    let mut url = url.clone();
    url.set_fragment(None);
    url.to_string()
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

/// The redirects the browser followed: each response with a [`Note::Redirected`] in the trace.
fn redirects(report: &Report) -> Vec<RedirectDoc> {
    report
        .verdict
        .trace
        .responses()
        .zip(&report.steps)
        .filter_map(|(stage, step)| {
            let to = stage.note(|note| match note {
                Note::Redirected { to, .. } => Some(to.clone()),
                _ => None,
            })?;
            Some(RedirectDoc {
                url: without_fragment(&step.sent.url),
                status: step.received.status,
                location: without_fragment(&to),
            })
        })
        .collect()
}

/// The document when there is no verdict (exit 2): the same keys, `error` saying why, the
/// request as far as it is known.
pub(crate) fn failure(
    browser: &'static str,
    request: Option<RequestDoc>,
    error: ErrorDoc,
    fix: Option<String>,
) -> Document {
    Document {
        allowed: false,
        browser,
        request,
        preflight: None,
        response: None,
        redirects: Vec::new(),
        exposed: Vec::new(),
        error: Some(error),
        fix,
        warnings: Vec::new(),
        diagnosis: None,
    }
}

/// Builds the document for `report`.
// `check` itself passes its argument warnings; other renderers of a report use this one.
#[allow(dead_code)]
pub(crate) fn document(report: &Report) -> Document {
    document_with_warnings(report, &[])
}

/// Builds the document for `report`, with `extra` warnings (about the arguments) first.
pub(crate) fn document_with_warnings(report: &Report, extra: &[String]) -> Document {
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
                script_error: Some(report.verdict.engine.profile().script_error()),
            }),
        ),
    };
    let fix = fix::for_report(report);
    let mut warnings = extra.to_vec();
    warnings.extend(warn::for_report(report));
    Document {
        allowed: report.verdict.is_allowed(),
        browser: report.verdict.engine.as_str(),
        request: Some(RequestDoc {
            url: report.request.initial_url().to_string(),
            origin: report.request.origin().to_string(),
            method: report.request.method().to_string(),
        }),
        preflight,
        response,
        redirects: redirects(report),
        exposed,
        error,
        fix: (!fix.is_empty()).then_some(fix),
        warnings,
        diagnosis: diagnosis(report),
    }
}
