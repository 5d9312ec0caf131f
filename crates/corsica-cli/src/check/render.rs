//! `corsica check` for people: each request and response in turn with the checks the browser ran
//! on it, then the verdict, the line Chromium's console prints, and the fix.
//!
//! Which checks ran, in which order, and which one failed is the engine's trace
//! ([`corsica::browser::Trace`]); this module only words it. Nothing is decided here.

use std::fmt::Write as _;

use corsica::browser::{
    Check, CorsErrorKind, Engine, FetchError, MAX_REDIRECTS, Note, PreflightReason, Rule, Stage,
};
use owo_colors::OwoColorize;

use super::json::message;
use super::live::{Exchanged, Part, Report};
use super::{fix, warn};
use crate::output::sanitized;

/// How much to show.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Options {
    /// `-v`: every header line sent and received, and the start of each body.
    pub(crate) verbose: bool,
}

/// The most of a body `-v` shows.
const SHOWN_BODY: usize = 2048;

/// The engine as people call it.
pub(crate) fn engine_name(engine: Engine) -> &'static str {
    match engine {
        Engine::Chromium => "Chromium",
        Engine::Firefox => "Firefox",
        Engine::WebKit => "WebKit",
    }
}

/// One line under a response: a check that passed (`Some(true)`), failed (`Some(false)`), or a
/// remark (`None`).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Line {
    ok: Option<bool>,
    text: String,
}

/// Bytes for a terminal: UTF-8 as is when it is UTF-8, otherwise one char per byte; control
/// characters escaped.
fn shown(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => sanitized(s),
        Err(_) => {
            let mut out = String::new();
            for &b in bytes {
                if b.is_ascii() {
                    out.push(char::from(b));
                } else {
                    let _ = write!(out, "\\x{b:02x}");
                }
            }
            sanitized(&out)
        }
    }
}

fn failure_text(error: &FetchError) -> String {
    match error {
        FetchError::Cors(e) => e.reason(),
        FetchError::Network(e) => e.to_string(),
    }
}

/// What the line says for a check that passed; `None` for the checks not worth a line.
fn passed(check: &Check, stage: &Stage, origin: &str) -> Option<String> {
    let status = stage.status.unwrap_or_default();
    Some(match &check.rule {
        Rule::AllowOrigin if check.seen.as_deref() == Some(b"*") => {
            "Access-Control-Allow-Origin is *: any origin, no credentials".to_string()
        }
        Rule::AllowOrigin => format!("Access-Control-Allow-Origin matches {origin}"),
        Rule::AllowCredentials => "Access-Control-Allow-Credentials is true".to_string(),
        Rule::OkStatus => format!("status {status} is ok (2xx)"),
        Rule::AllowPrivateNetwork => "Access-Control-Allow-Private-Network is true".to_string(),
        Rule::MethodAllowed { method, safelisted } => {
            if *safelisted {
                format!("method {method} is allowed (CORS-safelisted)")
            } else {
                format!("method {method} is allowed")
            }
        }
        Rule::HeadersAllowed { names } => match names.as_slice() {
            [] => return None,
            [name] => format!("request header {name} is allowed"),
            names => format!("request headers {} are allowed", names.join(", ")),
        },
        _ => return None,
    })
}

/// What the line says for the check that failed with `error`.
fn failed(check: &Check, error: &FetchError, stage: &Stage, origin: &str) -> String {
    let status = stage.status.unwrap_or_default();
    let seen = check.seen.as_deref().map(shown);
    let value = seen.clone().unwrap_or_default();
    let kind = match error {
        FetchError::Cors(e) => Some(e.kind.to_preflight()),
        FetchError::Network(_) => None,
    };
    match &check.rule {
        Rule::PreflightNotRedirected => format!(
            "the preflight is redirected ({status} to \"{value}\"): browsers never follow that"
        ),
        Rule::AllowOrigin => match kind {
            None => failure_text(error),
            Some(CorsErrorKind::PreflightMissingAllowOriginHeader) => {
                "no Access-Control-Allow-Origin header".to_string()
            }
            Some(CorsErrorKind::PreflightWildcardOriginNotAllowed) => {
                "Access-Control-Allow-Origin is * but the request has credentials".to_string()
            }
            Some(CorsErrorKind::PreflightMultipleAllowOriginValues) => {
                format!("Access-Control-Allow-Origin has several values: \"{value}\"")
            }
            Some(CorsErrorKind::PreflightInvalidAllowOriginValue) => {
                format!("Access-Control-Allow-Origin \"{value}\" is not an origin")
            }
            Some(_) => format!("Access-Control-Allow-Origin \"{value}\" is not \"{origin}\""),
        },
        Rule::AllowCredentials => match seen {
            None => {
                "no Access-Control-Allow-Credentials header (credentials need \"true\")".to_string()
            }
            Some(v) => format!("Access-Control-Allow-Credentials is \"{v}\", not \"true\""),
        },
        Rule::OkStatus => format!("status {status} is not ok (2xx)"),
        Rule::AllowPrivateNetwork => match seen {
            None => "no Access-Control-Allow-Private-Network header".to_string(),
            Some(v) => format!("Access-Control-Allow-Private-Network is \"{v}\", not \"true\""),
        },
        Rule::AllowMethodsSyntax => {
            format!("Access-Control-Allow-Methods \"{value}\" is not a list of names")
        }
        Rule::AllowHeadersSyntax => {
            format!("Access-Control-Allow-Headers \"{value}\" is not a list of names")
        }
        Rule::MethodAllowed { method, .. } => {
            format!("method {method} is not allowed by Access-Control-Allow-Methods")
        }
        Rule::HeadersAllowed { .. } => match error {
            FetchError::Cors(e) => format!(
                "request header {} is not allowed by Access-Control-Allow-Headers",
                shown(e.failed_parameter.as_bytes())
            ),
            FetchError::Network(_) => failure_text(error),
        },
        Rule::RedirectLimit => format!("more than {MAX_REDIRECTS} redirects"),
        Rule::LocationCredentials => {
            "the Location has a username or password, which a CORS request may not follow"
                .to_string()
        }
        Rule::LocationScheme => "the Location is not an http or https URL".to_string(),
        _ => failure_text(error),
    }
}

/// What the line says for a note; `None` for the notes not worth a line.
fn noted(note: &Note) -> Option<String> {
    Some(match note {
        Note::PreflightCached { seconds: 0, .. } => {
            "the result is not cached (Access-Control-Max-Age)".to_string()
        }
        Note::PreflightCached { seconds, .. } => {
            format!("the result may be cached for {seconds} s")
        }
        Note::SameOrigin => "same origin as the page: no CORS check".to_string(),
        Note::Redirected { to, taints_origin } => {
            let mut text = format!("redirected to {}", super::json::without_fragment(to));
            if *taints_origin {
                text.push_str(" (a third origin: from here on the browser sends \"Origin: null\")");
            }
            text
        }
        Note::Exposed(headers) if headers.is_empty() => {
            "the script can read no response header".to_string()
        }
        Note::Exposed(headers) => format!("the script can read: {}", headers.join(", ")),
        _ => return None,
    })
}

/// The engine's checks on one response, up to the failing one; then, if none failed, what the
/// browser concluded.
fn checks(report: &Report, index: usize) -> Vec<Line> {
    let Some(stage) = report.verdict.trace.responses().nth(index) else {
        return Vec::new();
    };
    let origin = report.steps[index].request.serialized_origin();
    let mut lines = Vec::new();
    for check in &stage.checks {
        match &check.result {
            Ok(()) => lines.extend(passed(check, stage, origin).map(|text| Line {
                ok: Some(true),
                text,
            })),
            Err(error) => {
                lines.push(Line {
                    ok: Some(false),
                    text: failed(check, error, stage, origin),
                });
                return lines;
            }
        }
    }
    let step = &report.steps[index];
    lines.extend(
        stage
            .notes
            .iter()
            .filter_map(|note| {
                let text = noted(note)?;
                Some(match note {
                    Note::PreflightCached { .. } => text + &other_engines_cache(step),
                    _ => text,
                })
            })
            .map(|text| Line { ok: None, text }),
    );
    lines
}

/// How long the other engines would keep the same preflight result, when any differs: ` (Firefox
/// 86400 s, WebKit 600 s)`. Empty when they all agree.
fn other_engines_cache(step: &Exchanged) -> String {
    let this = step.request.profile();
    let max_age = step.head.get("access-control-max-age");
    let seconds = this.cache_seconds(max_age.as_deref());
    let others: Vec<String> = Engine::ALL
        .iter()
        .filter(|e| **e != this.engine())
        .map(|e| (e, e.profile().cache_seconds(max_age.as_deref())))
        .filter(|(_, s)| *s != seconds)
        .map(|(e, s)| format!("{} {s} s", engine_name(*e)))
        .collect();
    if others.is_empty() {
        String::new()
    } else {
        format!(" ({})", others.join(", "))
    }
}

/// The headers worth showing under a request: what CORS looks at (the preflight's `Accept:
/// */*` is left out).
fn request_lines(step: &Exchanged) -> Vec<String> {
    let mut lines: Vec<String> = step
        .sent
        .headers
        .iter()
        .filter(|(n, _)| !(step.preflight && n.eq_ignore_ascii_case("accept")))
        .map(|(n, v)| format!("{n}: {}", shown(v)))
        .collect();
    if step.sent.credentials {
        lines.push("(with credentials: cookies and HTTP authentication would go along)".into());
    }
    if step.body {
        lines.push("(with the --data body)".into());
    }
    lines
}

/// The CORS headers of a response (and `Location`, `Vary`).
fn response_lines(step: &Exchanged) -> Vec<String> {
    let lines: Vec<String> = step
        .received
        .headers
        .iter()
        .filter(|(n, _)| {
            let n = n.to_ascii_lowercase();
            n.starts_with("access-control-") || n == "location" || n == "vary"
        })
        .map(|(n, v)| format!("{}: {}", sanitized(n), shown(v)))
        .collect();
    if lines.is_empty() {
        vec!["(no CORS headers)".to_string()]
    } else {
        lines
    }
}

/// Why the browser sends a preflight, as the engine's trace says: `: method PUT is not
/// CORS-safelisted; CORS-unsafe request headers: x-api-key`, or nothing.
pub(crate) fn preflight_why(report: &Report) -> String {
    let reasons = report
        .verdict
        .trace
        .stages
        .iter()
        .flat_map(|stage| &stage.notes)
        .find_map(|note| match note {
            Note::PreflightNeeded(reasons) => Some(reasons.as_slice()),
            _ => None,
        });
    reasons_why(reasons.unwrap_or_default())
}

/// [`preflight_why`] for reasons at hand (from [`corsica::browser::BrowserRequest::preflight_reasons`]).
pub(crate) fn reasons_why(reasons: &[PreflightReason]) -> String {
    let words: Vec<String> = reasons
        .iter()
        .map(|reason| match reason {
            PreflightReason::Method(m) => format!("method {} is not CORS-safelisted", sanitized(m)),
            PreflightReason::Headers(names) => {
                format!(
                    "CORS-unsafe request headers: {}",
                    sanitized(&names.join(", "))
                )
            }
            PreflightReason::PrivateNetwork(space) => {
                format!("a Private Network Access request to a {space} address")
            }
            _ => "the request asks for one".to_string(),
        })
        .collect();
    if words.is_empty() {
        String::new()
    } else {
        format!(": {}", words.join("; "))
    }
}

/// Every header line, for `-v`.
fn all_lines(headers: &[(String, Vec<u8>)]) -> Vec<String> {
    headers
        .iter()
        .map(|(n, v)| format!("{}: {}", sanitized(n), shown(v)))
        .collect()
}

/// A body for `-v`: its first lines, indented, cut at [`SHOWN_BODY`] bytes.
fn body_lines(body: &[u8]) -> Vec<String> {
    if body.is_empty() {
        return Vec::new();
    }
    let cut = &body[..body.len().min(SHOWN_BODY)];
    let text = String::from_utf8_lossy(cut);
    let mut lines: Vec<String> = text
        .lines()
        .map(|l| format!("| {}", sanitized(l)))
        .collect();
    if body.len() > SHOWN_BODY {
        lines.push(format!("| … ({SHOWN_BODY} bytes shown)"));
    }
    lines
}

/// One exchange: what was sent, what came back.
fn exchange_lines(out: &mut String, step: &Exchanged, note: &str, options: Options) {
    let _ = writeln!(
        out,
        "{} {} {}{}",
        "→".cyan().bold(),
        step.sent.method.bold(),
        super::json::without_fragment(&step.sent.url),
        note.dimmed()
    );
    let sent = if options.verbose {
        let mut lines = all_lines(&step.wire);
        if step.sent.credentials {
            lines.push("(with credentials: cookies and HTTP authentication would go along)".into());
        }
        lines
    } else {
        request_lines(step)
    };
    for line in sent {
        let _ = writeln!(out, "    {line}");
    }
    let reason = sanitized(&step.received.reason);
    let _ = writeln!(
        out,
        "{} {}{}  {}",
        "←".cyan().bold(),
        step.received.status.bold(),
        if reason.is_empty() {
            String::new()
        } else {
            format!(" {reason}")
        },
        format!("({})", step.received.protocol).dimmed()
    );
    let received = if options.verbose {
        let mut lines = all_lines(&step.received.headers);
        lines.extend(body_lines(&step.received.body));
        lines
    } else {
        response_lines(step)
    };
    for line in received {
        let _ = writeln!(out, "    {line}");
    }
}

/// The follow-ups of `--diagnose`, each with whether it passed.
fn diagnosis_lines(out: &mut String, report: &Report, options: Options) {
    let Some(diagnosis) = &report.diagnosis else {
        return;
    };
    out.push('\n');
    let _ = writeln!(
        out,
        "{} follow-up requests, each testing one part",
        "--diagnose:".bold()
    );
    for probe in &diagnosis.probes {
        let what = match &probe.part {
            Part::Origin => {
                "  (diagnosis: the origin: a preflight for GET, no headers)".to_string()
            }
            Part::Method(m) => format!("  (diagnosis: the method {} alone)", sanitized(m)),
            Part::Header(h) => format!("  (diagnosis: the header {} alone)", sanitized(h)),
            Part::AnyOrigin => format!(
                "  (diagnosis: the same from the made-up origin {})",
                super::live::PROBE_ORIGIN
            ),
        };
        out.push('\n');
        match (&probe.step, &probe.error) {
            (Some(step), _) => {
                exchange_lines(out, step, &what, options);
                let (mark, text) = match (probe.passed, &probe.part) {
                    (true, Part::AnyOrigin) => ("✗".red().bold().to_string(), "allowed too"),
                    (false, Part::AnyOrigin) => ("✓".green().bold().to_string(), "refused"),
                    (true, _) => ("✓".green().bold().to_string(), "passes"),
                    (false, _) => ("✗".red().bold().to_string(), "refused"),
                };
                let _ = writeln!(out, "  {mark} {text}");
            }
            (None, error) => {
                let _ = writeln!(
                    out,
                    "{}{}\n  · not sent: {}",
                    "→".cyan().bold(),
                    what.dimmed(),
                    sanitized(error.as_deref().unwrap_or("no answer"))
                );
            }
        }
    }
}

/// The whole human report.
pub(crate) fn human(report: &Report) -> String {
    human_with(report, Options::default())
}

/// The whole human report, showing as much as `options` ask.
pub(crate) fn human_with(report: &Report, options: Options) -> String {
    let mut out = String::new();
    let request = &report.request;
    let _ = writeln!(
        out,
        "{} {} {} from origin {}, credentials {}",
        "fetch".bold(),
        request.method(),
        request.url(),
        request.origin(),
        request.credentials()
    );
    let why = preflight_why(report);
    for (index, step) in report.steps.iter().enumerate() {
        out.push('\n');
        let kind = if step.preflight {
            format!("  (preflight{why})")
        } else {
            String::new()
        };
        exchange_lines(&mut out, step, &kind, options);
        for line in checks(report, index) {
            let mark = match line.ok {
                Some(true) => "✓".green().bold().to_string(),
                Some(false) => "✗".red().bold().to_string(),
                None => "·".dimmed().to_string(),
            };
            let _ = writeln!(out, "  {mark} {}", line.text);
        }
    }
    diagnosis_lines(&mut out, report, options);
    out.push('\n');
    match &report.verdict.result {
        Ok(exposed) => {
            let _ = writeln!(
                out,
                "{} the page can read the response (status {})",
                "✓ allowed:".green().bold(),
                exposed.status
            );
            for warning in report.verdict.console_warnings() {
                let _ = writeln!(
                    out,
                    "  {} {}",
                    format!("{}'s console warns:", engine_name(report.verdict.engine))
                        .yellow()
                        .bold(),
                    sanitized(&warning)
                );
            }
        }
        Err(error) => {
            let _ = writeln!(
                out,
                "{} {}",
                "✗ blocked:".red().bold(),
                error.kind_str().bold()
            );
            let verdict = &report.verdict;
            let lines = verdict.console_lines();
            if verdict.engine == Engine::Chromium {
                let _ = writeln!(out, "  {}", "Chromium's console:".bold());
                let _ = writeln!(out, "    {}", sanitized(&message(report, error)));
            } else {
                if !lines.is_empty() {
                    let _ = writeln!(
                        out,
                        "  {}",
                        format!("{}'s console:", engine_name(verdict.engine)).bold()
                    );
                    for line in &lines {
                        let _ = writeln!(out, "    {}", sanitized(line));
                    }
                }
                if let Some(code) = verdict.reason_code() {
                    let _ = writeln!(out, "  {} {code}", "reason code:".bold());
                }
                if let Some(seen) = verdict.script_error() {
                    let _ = writeln!(out, "  {} {seen}", "the script sees:".bold());
                }
            }
            let _ = writeln!(
                out,
                "  {} {}",
                "fix:".bold(),
                sanitized(&fix::for_report(report))
            );
        }
    }
    for warning in warn::for_report(report) {
        let _ = writeln!(
            out,
            "  {} {}",
            "warning:".yellow().bold(),
            sanitized(&warning)
        );
    }
    out
}
