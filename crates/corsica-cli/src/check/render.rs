//! `corsica check` for people: each request and response in turn with the checks the browser ran
//! on it, then the verdict, the line Chromium's console prints, and the fix.
//!
//! Which check passed or failed is read off the engine's verdict: checks run in Chromium's order
//! and stop at the first failure, so every check before the failing one passed. Nothing is
//! decided here.

use std::fmt::Write as _;

use corsica::browser::{
    CorsErrorKind, CredentialsMode, FetchError, NetworkError, ResponseHead, is_redirect_status,
};
use owo_colors::OwoColorize;

use super::fix;
use super::json::{cache_seconds, message};
use super::live::{Exchanged, Report};
use crate::output::sanitized;

/// One line under a response: a check that passed (`Some(true)`), failed (`Some(false)`), or a
/// remark (`None`).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Line {
    ok: Option<bool>,
    text: String,
}

/// A check in Chromium's order: the error kinds that mean it failed, and what to say.
struct Slot<'a> {
    fails_on: &'a [CorsErrorKind],
    network: &'a [NetworkError],
    pass: Option<String>,
    fail: Box<dyn Fn(&FetchError) -> String + 'a>,
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

fn header_value(head: &ResponseHead, name: &str) -> Option<String> {
    head.get(name).map(|v| shown(&v))
}

fn failure_text(error: &FetchError) -> String {
    match error {
        FetchError::Cors(e) => e.reason(),
        FetchError::Network(e) => e.to_string(),
    }
}

/// The checks the browser runs on one response, marked up to the failing one.
fn checks(report: &Report, index: usize) -> Vec<Line> {
    let step = &report.steps[index];
    let failure = if report.failed_step() == Some(index) {
        report.verdict.result.as_ref().err()
    } else {
        None
    };
    let request = &step.request;
    let head = &step.head;
    let origin = request.serialized_origin().to_string();
    let include = request.credentials() == CredentialsMode::Include;
    let status = head.status;
    let redirect = is_redirect_status(status) && head.contains("location");
    let acao = header_value(head, "access-control-allow-origin");
    let origin_pass = match acao.as_deref() {
        Some("*") => "Access-Control-Allow-Origin is *: any origin, no credentials".to_string(),
        _ => format!("Access-Control-Allow-Origin matches {origin}"),
    };
    let origin_fail = {
        let acao = acao.unwrap_or_default();
        move |e: &FetchError| {
            let kind = match e {
                FetchError::Cors(e) => e.kind.to_preflight(),
                FetchError::Network(_) => return failure_text(e),
            };
            match kind {
                CorsErrorKind::PreflightMissingAllowOriginHeader => {
                    "no Access-Control-Allow-Origin header".to_string()
                }
                CorsErrorKind::PreflightWildcardOriginNotAllowed => {
                    "Access-Control-Allow-Origin is * but the request has credentials".to_string()
                }
                CorsErrorKind::PreflightMultipleAllowOriginValues => {
                    format!("Access-Control-Allow-Origin has several values: \"{acao}\"")
                }
                CorsErrorKind::PreflightInvalidAllowOriginValue => {
                    format!("Access-Control-Allow-Origin \"{acao}\" is not an origin")
                }
                _ => format!("Access-Control-Allow-Origin \"{acao}\" is not \"{origin}\""),
            }
        }
    };
    let credentials_fail = {
        let acac = header_value(head, "access-control-allow-credentials");
        move |_: &FetchError| match &acac {
            None => {
                "no Access-Control-Allow-Credentials header (credentials need \"true\")".to_string()
            }
            Some(v) => format!("Access-Control-Allow-Credentials is \"{v}\", not \"true\""),
        }
    };
    let origin_kinds: &[CorsErrorKind] = if step.preflight {
        &[
            CorsErrorKind::PreflightWildcardOriginNotAllowed,
            CorsErrorKind::PreflightMissingAllowOriginHeader,
            CorsErrorKind::PreflightMultipleAllowOriginValues,
            CorsErrorKind::PreflightInvalidAllowOriginValue,
            CorsErrorKind::PreflightAllowOriginMismatch,
        ]
    } else {
        &[
            CorsErrorKind::WildcardOriginNotAllowed,
            CorsErrorKind::MissingAllowOriginHeader,
            CorsErrorKind::MultipleAllowOriginValues,
            CorsErrorKind::InvalidAllowOriginValue,
            CorsErrorKind::AllowOriginMismatch,
        ]
    };
    let mut slots: Vec<Slot<'_>> = Vec::new();
    let mut after: Vec<Line> = Vec::new();
    if step.preflight {
        let location = header_value(head, "location").unwrap_or_default();
        slots.push(Slot {
            fails_on: &[CorsErrorKind::PreflightDisallowedRedirect],
            network: &[],
            pass: None,
            fail: Box::new(move |_| {
                format!("the preflight is redirected ({status} to \"{location}\"): browsers never follow that")
            }),
        });
        slots.push(Slot {
            fails_on: origin_kinds,
            network: &[],
            pass: Some(origin_pass),
            fail: Box::new(origin_fail),
        });
        if include {
            slots.push(Slot {
                fails_on: &[CorsErrorKind::PreflightInvalidAllowCredentials],
                network: &[],
                pass: Some("Access-Control-Allow-Credentials is true".to_string()),
                fail: Box::new(credentials_fail),
            });
        }
        slots.push(Slot {
            fails_on: &[CorsErrorKind::PreflightInvalidStatus],
            network: &[],
            pass: Some(format!("status {status} is ok (2xx)")),
            fail: Box::new(move |_| format!("status {status} is not ok (2xx)")),
        });
        if request.private_network().is_some() {
            let acapn = header_value(head, "access-control-allow-private-network");
            slots.push(Slot {
                fails_on: &[
                    CorsErrorKind::PreflightMissingAllowPrivateNetwork,
                    CorsErrorKind::PreflightInvalidAllowPrivateNetwork,
                ],
                network: &[],
                pass: Some("Access-Control-Allow-Private-Network is true".to_string()),
                fail: Box::new(move |_| match &acapn {
                    None => "no Access-Control-Allow-Private-Network header".to_string(),
                    Some(v) => {
                        format!("Access-Control-Allow-Private-Network is \"{v}\", not \"true\"")
                    }
                }),
            });
        }
        for (kind, name) in [
            (
                CorsErrorKind::InvalidAllowMethodsPreflightResponse,
                "access-control-allow-methods",
            ),
            (
                CorsErrorKind::InvalidAllowHeadersPreflightResponse,
                "access-control-allow-headers",
            ),
        ] {
            let value = header_value(head, name).unwrap_or_default();
            let fails_on: &[CorsErrorKind] =
                if kind == CorsErrorKind::InvalidAllowMethodsPreflightResponse {
                    &[CorsErrorKind::InvalidAllowMethodsPreflightResponse]
                } else {
                    &[CorsErrorKind::InvalidAllowHeadersPreflightResponse]
                };
            let label = if kind == CorsErrorKind::InvalidAllowMethodsPreflightResponse {
                "Access-Control-Allow-Methods"
            } else {
                "Access-Control-Allow-Headers"
            };
            slots.push(Slot {
                fails_on,
                network: &[],
                pass: None,
                fail: Box::new(move |_| format!("{label} \"{value}\" is not a list of names")),
            });
        }
        let method = request.method().to_string();
        let safelisted = matches!(method.as_str(), "GET" | "HEAD" | "POST");
        slots.push(Slot {
            fails_on: &[CorsErrorKind::MethodDisallowedByPreflightResponse],
            network: &[],
            pass: Some(if safelisted {
                format!("method {method} is allowed (CORS-safelisted)")
            } else {
                format!("method {method} is allowed")
            }),
            fail: Box::new(move |_| {
                format!("method {method} is not allowed by Access-Control-Allow-Methods")
            }),
        });
        let unsafe_names = request.cors_unsafe_header_names();
        if !unsafe_names.is_empty() {
            slots.push(Slot {
                fails_on: &[CorsErrorKind::HeaderDisallowedByPreflightResponse],
                network: &[],
                pass: Some(if unsafe_names.len() == 1 {
                    format!("request header {} is allowed", unsafe_names[0])
                } else {
                    format!("request headers {} are allowed", unsafe_names.join(", "))
                }),
                fail: Box::new(|e| match e {
                    FetchError::Cors(e) => format!(
                        "request header {} is not allowed by Access-Control-Allow-Headers",
                        shown(e.failed_parameter.as_bytes())
                    ),
                    FetchError::Network(_) => failure_text(e),
                }),
            });
        }
        if failure.is_none() {
            if let Some(seconds) = cache_seconds(report, index) {
                after.push(Line {
                    ok: None,
                    text: if seconds == 0 {
                        "the result is not cached (Access-Control-Max-Age)".to_string()
                    } else {
                        format!("the result may be cached for {seconds} s")
                    },
                });
            }
        }
    } else {
        let cors = request.uses_cors();
        if !cors {
            after.push(Line {
                ok: None,
                text: "same origin as the page: no CORS check".to_string(),
            });
        }
        if redirect {
            slots.push(Slot {
                fails_on: &[],
                network: &[
                    NetworkError::InvalidRedirect,
                    NetworkError::MultipleLocations,
                ],
                pass: None,
                fail: Box::new(failure_text),
            });
        }
        if cors {
            slots.push(Slot {
                fails_on: origin_kinds,
                network: &[],
                pass: Some(origin_pass),
                fail: Box::new(origin_fail),
            });
            if include {
                slots.push(Slot {
                    fails_on: &[CorsErrorKind::InvalidAllowCredentials],
                    network: &[],
                    pass: Some("Access-Control-Allow-Credentials is true".to_string()),
                    fail: Box::new(credentials_fail),
                });
            }
        }
        if redirect {
            slots.push(Slot {
                fails_on: &[],
                network: &[NetworkError::TooManyRedirects],
                pass: None,
                fail: Box::new(|_| "more than 20 redirects".to_string()),
            });
            slots.push(Slot {
                fails_on: &[CorsErrorKind::RedirectContainsCredentials],
                network: &[],
                pass: None,
                fail: Box::new(|_| {
                    "the Location has a username or password, which a CORS request may not follow"
                        .to_string()
                }),
            });
            slots.push(Slot {
                fails_on: &[],
                network: &[NetworkError::UnsafeRedirect],
                pass: None,
                fail: Box::new(|_| "the Location is not an http or https URL".to_string()),
            });
            if let Some(next) = report.steps.get(index + 1) {
                let mut text = format!("redirected to {}", next.request.url());
                if next.request.is_tainted() && !request.is_tainted() {
                    text.push_str(
                        " (a third origin: from here on the browser sends \"Origin: null\")",
                    );
                }
                after.push(Line { ok: None, text });
            }
        } else if let Ok(exposed) = &report.verdict.result {
            if index + 1 == report.steps.len() {
                after.push(Line {
                    ok: None,
                    text: if exposed.headers.is_empty() {
                        "the script can read no response header".to_string()
                    } else {
                        format!("the script can read: {}", exposed.headers.join(", "))
                    },
                });
            }
        }
    }
    let mut lines = Vec::new();
    let mut failed = false;
    for slot in slots {
        let hit = match failure {
            Some(FetchError::Cors(e)) => slot.fails_on.contains(&e.kind),
            Some(FetchError::Network(e)) => slot.network.contains(e),
            None => false,
        };
        if hit {
            if let Some(e) = failure {
                lines.push(Line {
                    ok: Some(false),
                    text: (slot.fail)(e),
                });
            }
            failed = true;
            break;
        }
        if let Some(pass) = slot.pass {
            lines.push(Line {
                ok: Some(true),
                text: pass,
            });
        }
    }
    match failure {
        Some(e) if !failed => lines.push(Line {
            ok: Some(false),
            text: failure_text(e),
        }),
        Some(_) => {}
        None => lines.extend(after),
    }
    lines
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

/// The whole human report.
pub(crate) fn human(report: &Report) -> String {
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
    for (index, step) in report.steps.iter().enumerate() {
        out.push('\n');
        let kind = if step.preflight { "  (preflight)" } else { "" };
        let _ = writeln!(
            out,
            "{} {} {}{}",
            "→".cyan().bold(),
            step.sent.method.bold(),
            step.sent.url,
            kind.dimmed()
        );
        for line in request_lines(step) {
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
        for line in response_lines(step) {
            let _ = writeln!(out, "    {line}");
        }
        for line in checks(report, index) {
            let mark = match line.ok {
                Some(true) => "✓".green().bold().to_string(),
                Some(false) => "✗".red().bold().to_string(),
                None => "·".dimmed().to_string(),
            };
            let _ = writeln!(out, "  {mark} {}", line.text);
        }
    }
    out.push('\n');
    match &report.verdict.result {
        Ok(exposed) => {
            let _ = writeln!(
                out,
                "{} the page can read the response (status {})",
                "✓ allowed:".green().bold(),
                exposed.status
            );
        }
        Err(error) => {
            let _ = writeln!(
                out,
                "{} {}",
                "✗ blocked:".red().bold(),
                error.kind_str().bold()
            );
            let _ = writeln!(out, "  {}", "Chromium's console:".bold());
            let _ = writeln!(out, "    {}", sanitized(&message(report, error)));
            let _ = writeln!(
                out,
                "  {} {}",
                "fix:".bold(),
                sanitized(&fix::for_report(report))
            );
        }
    }
    out
}
