//! Reading a console line back: which engine wrote it, which error, and the values it names.
//!
//! Built from the very texts the engine renders (Chromium's `console.rs`, Firefox's and
//! WebKit's `templates.rs`): each is rendered once with placeholders for the values, and a line
//! is matched against those patterns. So every line [`Verdict::console_lines`] can produce is
//! recognised, and a new text is recognised as soon as it can be rendered.
//!
//! [`Verdict::console_lines`]: super::Verdict::console_lines

use std::sync::OnceLock;

use super::address_space::AddressSpace;
use super::error::{CorsError, CorsErrorKind};
use super::profile::Engine;
use super::templates;

/// What a console line says, read back (see [`recognize`]).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConsoleLine {
    /// The engine whose console prints this text.
    pub engine: Engine,
    /// The error kind; `None` for the lines that only follow another one (Firefox's "CORS
    /// request did not succeed", WebKit's "Fetch API cannot load … due to access control
    /// checks.") and for Firefox's warning.
    pub kind: Option<CorsErrorKind>,
    /// Firefox's reason code.
    pub reason_code: Option<&'static str>,
    /// The URL the line names, if it names one.
    pub url: Option<String>,
    /// The page's origin, if the line names it.
    pub origin: Option<String>,
    /// The value the line quotes (a header value, a method, a header name), if any.
    pub failed_parameter: Option<String>,
    /// The response status the line gives, if any.
    pub status: Option<u16>,
    /// Whether this is a warning (the fetch went through).
    pub warning: bool,
}

/// One text with placeholders, and what it means.
struct Pattern {
    engine: Engine,
    kind: Option<CorsErrorKind>,
    reason_code: Option<&'static str>,
    text: String,
    warning: bool,
}

const URL: &str = "{url}";
const ORIGIN: &str = "{origin}";
const PARAM: &str = "{param}";
const STATUS: &str = "{status}";

fn patterns() -> &'static [Pattern] {
    static PATTERNS: OnceLock<Vec<Pattern>> = OnceLock::new();
    PATTERNS.get_or_init(|| {
        let mut out = Vec::new();
        // Chromium: every kind, rendered by the code that renders it for `check`.
        let spaces = [
            AddressSpace::Local,
            AddressSpace::Private,
            AddressSpace::Public,
            AddressSpace::Unknown,
        ];
        for &kind in CorsErrorKind::ALL {
            for target in spaces {
                for resource in spaces {
                    let e = CorsError::new(kind, PARAM)
                        .with_address_spaces(Some(target), Some(resource));
                    let text = e.console_message(URL, None, ORIGIN);
                    if !out.iter().any(|p: &Pattern| p.text == text) {
                        out.push(Pattern {
                            engine: Engine::Chromium,
                            kind: Some(kind),
                            reason_code: None,
                            text,
                            warning: false,
                        });
                    }
                }
            }
        }
        // Firefox and WebKit: their tables, each text under the first kind that renders it.
        for &(engine, template) in templates::ALL {
            // The generic follow-up lines name no error of their own.
            let generic = [
                templates::FF_DID_NOT_SUCCEED,
                templates::WK_CANNOT_LOAD,
                templates::WK_TOO_MANY_REDIRECTS,
            ]
            .contains(&template);
            let kind = CorsErrorKind::ALL
                .iter()
                .copied()
                .filter(|&k| !generic && templates::template(engine, k) == Some(template))
                .min_by_key(|k| {
                    (
                        k.is_preflight(),
                        matches!(k, CorsErrorKind::InvalidAllowOriginValue),
                    )
                });
            out.push(Pattern {
                engine,
                kind,
                reason_code: template.code,
                text: template.text.to_string(),
                warning: template == templates::FF_AUTHORIZATION_UNDER_WILDCARD,
            });
        }
        out
    })
}

/// The values a pattern's placeholders took, or `None` when the line does not fit.
#[derive(Default)]
struct Captured {
    url: Option<String>,
    origin: Option<String>,
    param: Option<String>,
    status: Option<String>,
    literal: usize,
}

fn fit(pattern: &str, line: &str) -> Option<Captured> {
    let mut captured = Captured::default();
    let mut rest = line;
    let mut pat = pattern;
    let mut pending: Option<&str> = None;
    loop {
        let next = [URL, ORIGIN, PARAM, STATUS]
            .iter()
            .filter_map(|p| pat.find(p).map(|at| (at, *p)))
            .min();
        let (literal, after) = match next {
            Some((at, _)) => (&pat[..at], Some(&pat[at..])),
            None => (pat, None),
        };
        // The literal must follow what the pending placeholder took.
        let value = match pending {
            None => {
                rest = rest.strip_prefix(literal)?;
                None
            }
            Some(_) if literal.is_empty() && after.is_none() => Some(std::mem::take(&mut rest)),
            Some(_) if after.is_none() => {
                let at = rest
                    .rfind(literal)
                    .filter(|at| at + literal.len() == rest.len())?;
                let value = &rest[..at];
                rest = "";
                Some(value)
            }
            Some(_) => {
                if literal.is_empty() {
                    return None;
                }
                let at = rest.find(literal)?;
                let value = &rest[..at];
                rest = &rest[at + literal.len()..];
                Some(value)
            }
        };
        captured.literal += literal.len();
        if let (Some(name), Some(value)) = (pending, value) {
            let value = Some(value.to_string());
            match name {
                URL => captured.url = value,
                ORIGIN => captured.origin = value,
                PARAM => captured.param = value,
                _ => captured.status = value,
            }
        }
        match (next, after) {
            (Some((_, name)), Some(after)) => {
                pending = Some(name);
                pat = &after[name.len()..];
            }
            _ => break,
        }
    }
    rest.is_empty().then_some(captured)
}

/// Reads a console line back: the engine that prints it, the error, and the URL, origin,
/// quoted value and status it names; `None` for a text none of the three engines prints for a
/// CORS failure. A Chromium line's "(redirected from '…')" part is accepted and left out.
///
/// ```
/// use corsica::browser::{CorsErrorKind, Engine, recognize};
///
/// let line = recognize(
///     "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource \
///      at https://api.example/data. (Reason: CORS header \u{2018}Access-Control-Allow-Origin\u{2019} \
///      missing). Status code: 404.",
/// )
/// .unwrap();
/// assert_eq!(line.engine, Engine::Firefox);
/// assert_eq!(line.kind, Some(CorsErrorKind::MissingAllowOriginHeader));
/// assert_eq!(line.reason_code, Some("CORSMissingAllowOrigin2"));
/// assert_eq!(line.url.as_deref(), Some("https://api.example/data"));
/// assert_eq!(line.status, Some(404));
///
/// let line = recognize("Origin https://app.example is not allowed by Access-Control-Allow-Origin. Status code: 200").unwrap();
/// assert_eq!(line.engine, Engine::WebKit);
/// assert_eq!(line.origin.as_deref(), Some("https://app.example"));
///
/// assert!(recognize("Uncaught TypeError: x is undefined").is_none());
/// ```
pub fn recognize(line: &str) -> Option<ConsoleLine> {
    let line = line.trim();
    // WebKit's console, as written to a terminal, starts with the source and the level.
    let line = line
        .strip_prefix("CONSOLE SECURITY ERROR ")
        .or_else(|| line.strip_prefix("CONSOLE JS ERROR "))
        .or_else(|| line.strip_prefix("[Error] "))
        .unwrap_or(line);
    // WebKit wraps a failure found on a redirect: read the reason inside.
    const DENIED: &str = " denied by Cross-Origin Resource Sharing policy: ";
    if let Some(rest) = line.strip_prefix("Cross-origin redirection to ") {
        let at = rest.find(DENIED)?;
        let mut inner = recognize(&rest[at + DENIED.len()..])?;
        if inner.engine != Engine::WebKit {
            return None;
        }
        inner.url.get_or_insert_with(|| rest[..at].to_string());
        return Some(inner);
    }
    let (line, redirected_from) = without_redirected_from(line);
    let best = patterns()
        .iter()
        .filter_map(|p| fit(&p.text, &line).map(|c| (p, c)))
        .max_by_key(|(_, c)| c.literal)?;
    let (p, c) = best;
    let param = c.param.filter(|_| p.text.contains(PARAM));
    Some(ConsoleLine {
        engine: p.engine,
        kind: p.kind,
        reason_code: p.reason_code,
        url: c.url.or(redirected_from),
        origin: c.origin,
        failed_parameter: param,
        status: c.status.and_then(|s| s.parse().ok()),
        warning: p.warning,
    })
}

/// Chromium's `(redirected from '…') ` part taken out of a line, and the first URL it names.
fn without_redirected_from(line: &str) -> (String, Option<String>) {
    const START: &str = " (redirected from '";
    if let Some(at) = line.find(START) {
        let after = &line[at + START.len()..];
        if let Some(end) = after.find("') from origin '") {
            let first = after[..end].to_string();
            let rebuilt = format!("{}{}", &line[..at], &after[end + 2..]);
            return (rebuilt, Some(first));
        }
    }
    (line.to_string(), None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::browser::console::Reported;

    /// Every text of every engine, rendered as `check` renders it, reads back as what it was.
    #[test]
    fn every_template_round_trips() {
        let url = "https://api.example/a/b?c=d";
        let origin = "https://app.example";
        let mut seen = 0;
        for engine in Engine::ALL {
            for &kind in CorsErrorKind::ALL {
                let param = match kind {
                    CorsErrorKind::CorsDisabledScheme => "ftp",
                    _ => "x-value",
                };
                let e = CorsError::new(kind, param);
                let at = Reported {
                    url,
                    redirected_from: None,
                    origin,
                    stage_url: url,
                    request_origin: origin,
                    redirect_to: None,
                    status: Some(503),
                    preflight_redirected: false,
                };
                for (i, text) in e.console_lines(engine, &at).into_iter().enumerate() {
                    let line =
                        recognize(&text).unwrap_or_else(|| panic!("{engine} {kind}: {text}"));
                    assert_eq!(line.engine, engine, "{text}");
                    if let (0, Some(back)) = (i, line.kind) {
                        seen += 1;
                        // The engine's text for the kind read back is the same text.
                        let again = CorsError::new(back, param).console_lines(engine, &at);
                        assert_eq!(again.first(), Some(&text), "{engine} {kind} read as {back}");
                        if text.contains(url) {
                            assert_eq!(line.url.as_deref(), Some(url), "{text}");
                        }
                        if text.contains(origin) {
                            assert_eq!(line.origin.as_deref(), Some(origin), "{text}");
                        }
                        if text.contains("x-value") {
                            assert_eq!(line.failed_parameter.as_deref(), Some(param), "{text}");
                        }
                    }
                }
            }
        }
        assert!(seen > 60, "{seen}");
    }

    #[test]
    fn redirected_lines_and_prefixes() {
        let line = recognize(
            "Access to fetch at 'https://b.example/x' (redirected from 'https://a.example/y') from origin \
             'https://app.example' has been blocked by CORS policy: No 'Access-Control-Allow-Origin' header is \
             present on the requested resource.",
        )
        .unwrap();
        assert_eq!(line.engine, Engine::Chromium);
        assert_eq!(line.kind, Some(CorsErrorKind::MissingAllowOriginHeader));
        assert_eq!(line.url.as_deref(), Some("https://b.example/x"));
        let line = recognize(
            "CONSOLE SECURITY ERROR Preflight response is not successful. Status code: 500",
        )
        .unwrap();
        assert_eq!(line.kind, Some(CorsErrorKind::PreflightInvalidStatus));
        assert_eq!(line.status, Some(500));
        assert!(recognize("").is_none());
        assert!(
            recognize(
                "Access to fetch at 'x' from origin 'y' has been blocked by CORS policy: nonsense"
            )
            .is_none()
        );
    }
}
