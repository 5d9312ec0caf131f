//! The fix for an error response without CORS headers when the server showed it can send them:
//! the preflight (or an earlier response) passed the `Access-Control-Allow-Origin` check, and
//! then the request itself got a 4xx or 5xx without the header. Typical of nginx's `add_header`
//! without `always`, and of frameworks whose error handling bypasses the CORS middleware. The
//! page sees a CORS error; the real error is the status.
//!
//! What passed and what failed is the engine's trace; this module only words it.

use corsica::browser::{CorsErrorKind, Rule, StageKind};

use super::json::isomorphic;
use super::live::{Exchanged, Report};
use crate::output::sanitized;

/// The start of a body, on one line: at most 160 characters, whitespace collapsed, the tags of
/// an HTML page left out.
pub(crate) fn body_start(body: &[u8]) -> Option<String> {
    let mut text = String::from_utf8_lossy(body).into_owned();
    if text.trim_start().starts_with('<') {
        let mut plain = String::with_capacity(text.len());
        let mut in_tag = false;
        for c in text.chars() {
            match c {
                '<' => {
                    in_tag = true;
                    plain.push(' ');
                }
                '>' => in_tag = false,
                c if !in_tag => plain.push(c),
                _ => {}
            }
        }
        text = plain;
    }
    let mut words = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if words.is_empty() {
        return None;
    }
    if words.chars().count() > 160 {
        words = words.chars().take(160).collect::<String>() + "…";
    }
    Some(sanitized(&words))
}

/// The `Server` header, when it names nginx.
fn nginx(step: &Exchanged) -> Option<String> {
    step.received
        .headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("server"))
        .map(|(_, v)| isomorphic(v))
        .filter(|v| v.to_ascii_lowercase().contains("nginx"))
}

/// The fix when the failed response is an error status without CORS headers while an earlier
/// response passed the origin check; `None` otherwise.
pub(crate) fn fix(report: &Report) -> Option<String> {
    let error = report.verdict.cors_error()?;
    if error.kind != CorsErrorKind::MissingAllowOriginHeader {
        return None;
    }
    let index = report.failed_step()?;
    let failed = report.steps.get(index)?;
    let status = failed.received.status;
    if failed.preflight || status < 400 {
        return None;
    }
    // The earlier response that passed the origin check, as the trace records it.
    let (stage, step) = report
        .verdict
        .trace
        .responses()
        .zip(&report.steps)
        .take(index)
        .filter(|(stage, _)| {
            stage
                .checks
                .iter()
                .any(|c| c.rule == Rule::AllowOrigin && c.passed())
        })
        .last()?;
    let value = stage
        .checks
        .iter()
        .find(|c| c.rule == Rule::AllowOrigin)
        .and_then(|c| c.seen.as_deref())
        .map(isomorphic)
        .unwrap_or_default();
    let before = if stage.kind == StageKind::Preflight {
        format!("the preflight got \"Access-Control-Allow-Origin: {value}\"")
    } else {
        format!(
            "the {} response from {} had \"Access-Control-Allow-Origin: {value}\"",
            step.received.status,
            super::json::without_fragment(&step.sent.url)
        )
    };
    let reason = sanitized(&failed.received.reason);
    let what = if reason.is_empty() {
        status.to_string()
    } else {
        format!("{status} {reason}")
    };
    let body = body_start(&failed.received.body)
        .map(|b| format!(" (it says: \"{b}\")"))
        .unwrap_or_default();
    let change = match nginx(failed) {
        Some(server) => format!(
            "the server is nginx (\"Server: {}\"), whose add_header applies only to 2xx and 3xx \
             responses: add \"always\" to each CORS add_header line, e.g. \"add_header \
             Access-Control-Allow-Origin {value} always;\"",
            sanitized(&server)
        ),
        None => "make the CORS layer add its headers to error responses too (register it \
                 outside the error handling, or set the headers in the error handler)"
            .to_string(),
    };
    Some(format!(
        "the server sends CORS headers on successful responses only: {before}, but the request \
         got {what} without it, so the page sees a CORS error instead of the {status}. The real \
         problem is the {status}{body}: fix that first. Then {change}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_cut_to_one_line() {
        assert_eq!(
            body_start(b"<html>\n  <h1>500 Internal Server Error</h1>\n</html>").unwrap(),
            "500 Internal Server Error"
        );
        assert_eq!(body_start(b"{\"error\": 1}").unwrap(), "{\"error\": 1}");
        assert_eq!(body_start(b" \n "), None);
        assert!(body_start(&[b'x'; 500]).unwrap().ends_with('…'));
    }
}
