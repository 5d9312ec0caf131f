//! What the user should hear even when the request is allowed: a server that lets any origin
//! read with credentials, a per-request `Access-Control-Allow-Origin` that caches can hand to
//! another origin, an allowed `null` origin. The CORS checks are the engine's (its trace says
//! which `Access-Control-Allow-Origin` passed and with what value); this module words what that
//! means for security.

use corsica::browser::{CredentialsMode, Rule, StageKind};

use super::live::{PROBE_ORIGIN, Report};

/// Whether a `Vary` value lists `Origin` (or is `*`).
fn varies_by_origin(vary: &[u8]) -> bool {
    String::from_utf8_lossy(vary)
        .split(',')
        .map(str::trim)
        .any(|t| t.eq_ignore_ascii_case("origin") || t == "*")
}

/// The warnings for `report`, most serious first.
pub(crate) fn for_report(report: &Report) -> Vec<String> {
    let mut warnings = Vec::new();
    let request = &report.request;
    let credentials = request.credentials() == CredentialsMode::Include;
    let reflects = report
        .diagnosis
        .as_ref()
        .is_some_and(super::live::Diagnosis::reflects_any_origin);
    if reflects && report.verdict.is_allowed() {
        warnings.push(if credentials {
            format!(
                "the server allows any origin with credentials: it allowed the made-up origin \
                 {PROBE_ORIGIN} too, so every web site can read this response with the user's \
                 cookies; allow a fixed list of origins instead of echoing Origin"
            )
        } else {
            format!(
                "the server allows any origin: it allowed the made-up origin {PROBE_ORIGIN} too; \
                 fine for public data, a leak for anything that depends on cookies, the network \
                 or the client's address"
            )
        });
    }
    if report.verdict.is_allowed() && request.origin().is_opaque() {
        warnings.push(
            "the server allows the origin \"null\", which every sandboxed iframe and file: or \
             data: page sends, on any site; serve the page from a real origin and allow that"
                .to_string(),
        );
    }
    // A response whose Access-Control-Allow-Origin names the origin (not "*") without Vary:
    // Origin can be cached and handed to a page of another origin.
    let named = report
        .verdict
        .trace
        .responses()
        .zip(&report.steps)
        .find(|(stage, step)| {
            stage.kind == StageKind::Response
                && !step.preflight
                && stage.checks.iter().any(|c| {
                    c.rule == Rule::AllowOrigin
                        && c.passed()
                        && c.seen.as_deref() != Some(&b"*"[..])
                })
                && !step
                    .received
                    .headers
                    .iter()
                    .any(|(n, v)| n.eq_ignore_ascii_case("vary") && varies_by_origin(v))
        });
    if let Some((_, step)) = named {
        let sure = if reflects {
            "the server chooses Access-Control-Allow-Origin per request (it echoed the made-up \
             origin too)"
                .to_string()
        } else {
            format!(
                "Access-Control-Allow-Origin names {} and the response has no \"Vary: Origin\"; \
                 if the server chooses that value per request",
                request.serialized_origin()
            )
        };
        let probe = if report.diagnosis.is_none() && credentials {
            "; and --diagnose tells whether the server allows any origin with credentials"
        } else {
            ""
        };
        warnings.push(format!(
            "{sure}, a cache (the browser's, a CDN, a proxy) can hand the response from {} to a \
             page of another origin, which then fails CORS: add \"Vary: Origin\"{probe}",
            super::json::without_fragment(&step.sent.url)
        ));
    }
    warnings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vary_lists() {
        assert!(varies_by_origin(b"Accept-Encoding, Origin"));
        assert!(varies_by_origin(b"origin"));
        assert!(varies_by_origin(b"*"));
        assert!(!varies_by_origin(b"Accept-Encoding"));
        assert!(!varies_by_origin(b"Origin-Agent"));
    }
}
