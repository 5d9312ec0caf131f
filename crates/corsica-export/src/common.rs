//! What every server's export shares: the checks of the options and the policy, the routes
//! that can apply, and the regular expressions of origins and header lists (PCRE, which nginx,
//! httpd and HAProxy all use; RE2 for Caddy, which has neither lookaround nor possessive
//! quantifiers, so what PCRE says with a lookahead the Caddy export says with a second test).

use corsica::{Outcome, Policy, PolicyConfig};

use crate::{ExportError, Options, Server};

/// The CORS response headers: the upstream's are hidden, the exported ones set.
pub(crate) const CORS_HEADERS: [&str; 7] = [
    "Access-Control-Allow-Origin",
    "Access-Control-Allow-Credentials",
    "Access-Control-Allow-Methods",
    "Access-Control-Allow-Headers",
    "Access-Control-Max-Age",
    "Access-Control-Expose-Headers",
    "Access-Control-Allow-Private-Network",
];

/// A port as a browser serializes it: 1-65535 without a leading zero.
pub(crate) const PORT: &str =
    "(?:[1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])";

/// One or more labels of a host as the engine accepts them in an `Origin`.
pub(crate) const LABELS: &str = "[a-z0-9_-]+(?:\\.[a-z0-9_-]+)*";

/// An HTTP token (RFC 9110 §5.6.2).
pub(crate) const TOKEN: &str = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";

pub(crate) fn check_options(o: &Options) -> Result<(), ExportError> {
    let invalid = |option, value: &str, why| {
        Err(ExportError::InvalidOption {
            option,
            value: value.to_owned(),
            why,
        })
    };
    let prefix_ok = o.prefix.starts_with(|c: char| c.is_ascii_lowercase())
        && o.prefix
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !prefix_ok {
        return invalid(
            "prefix",
            &o.prefix,
            "use lower-case letters, digits and `_`, starting with a letter",
        );
    }
    let address_char =
        |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | ':' | '[' | ']' | '-' | '_');
    if o.listen.is_empty() || !o.listen.chars().all(address_char) {
        return invalid(
            "listen",
            &o.listen,
            "write an address and port such as 127.0.0.1:8080, [::1]:8080 or 8080",
        );
    }
    let rest = o
        .upstream
        .strip_prefix("http://")
        .or_else(|| o.upstream.strip_prefix("https://"));
    let authority = rest.map(|r| r.strip_suffix('/').unwrap_or(r));
    match authority {
        Some(a) if !a.is_empty() && a.chars().all(address_char) => Ok(()),
        _ => invalid(
            "upstream",
            &o.upstream,
            "write the upstream as http://HOST:PORT or https://HOST:PORT, without a path",
        ),
    }
}

pub(crate) fn check_route_path(path: &str, server: Server) -> Result<(), ExportError> {
    let ok = path.chars().all(|c| {
        c.is_ascii_graphic() && !matches!(c, '%' | '"' | '\'' | '\\' | '$' | '{' | '}' | ';' | '#')
    });
    if ok {
        Ok(())
    } else {
        Err(ExportError::Unsupported {
            server,
            key: "route.path",
            route: Some(path.to_owned()),
            why: "the server matches the decoded, normalized path, so a route path \
                  with `%`, quotes, spaces, `$`, `{`, `}`, `;` or `#` would not match the same \
                  requests: write the path without them"
                .to_owned(),
        })
    }
}

pub(crate) fn check_policy(
    policy: &Policy,
    server: Server,
    route: Option<&str>,
) -> Result<(), ExportError> {
    let config = policy.to_config();
    let refuse = |key, why: &str| {
        Err(ExportError::Unsupported {
            server,
            key,
            route: route.map(str::to_owned),
            why: why.to_owned(),
        })
    };
    if config.debug && !config.preflight_continue && config.request_headers.iter().any(|h| h == "*")
    {
        return refuse(
            "debug",
            "with request_headers = [\"*\"], a debug answer to a failed preflight lists the \
             requested headers that passed, which the server cannot compute: export the policy with \
             debug = false, or name the request headers",
        );
    }
    if config.reject_disallowed {
        return refuse(
            "reject_disallowed",
            "its same-origin exception compares Origin with the scheme the client used, which \
             the server does not know behind TLS termination or a load balancer: export the policy \
             with reject_disallowed = false",
        );
    }
    // Caddy's placeholders are `{…}`, which no token holds: `$` is only special elsewhere.
    let dollar_special = server != Server::Caddy;
    for (key, list) in [
        ("methods", &config.methods),
        ("request_headers", &config.request_headers),
        ("expose_headers", &config.expose_headers),
    ] {
        if dollar_special && list.iter().any(|v| v.contains('$')) {
            return refuse(
                key,
                "the server reads `$` in a header value as a variable: rename the entry without `$`",
            );
        }
    }
    Ok(())
}

/// The anchored regular expression of an origin pattern with `*` (`scheme://*.domain[:port]`,
/// `scheme://host:*`, `scheme://*.domain:*`).
pub(crate) fn pattern_regex(pattern: &str) -> String {
    format!("^(?=.{{1,384}}$){}$", pattern_body(pattern))
}

/// [`pattern_regex`] without its anchors and length bound.
pub(crate) fn pattern_body(pattern: &str) -> String {
    pattern_body_in(pattern, true)
}

/// [`pattern_body`] in RE2 (Go's `regexp`): a `:*` port is any port, and the caller refuses the
/// scheme's default port with [`DEFAULT_PORT_ORIGIN_RE2`].
pub(crate) fn pattern_body_re2(pattern: &str) -> String {
    pattern_body_in(pattern, false)
}

fn pattern_body_in(pattern: &str, lookaround: bool) -> String {
    let (scheme, rest) = pattern.split_once("://").unwrap_or(("", pattern));
    let (authority, port) = match rest.strip_suffix(":*") {
        Some(a) => (a, Port::Any),
        None => match rest.rsplit_once(':') {
            Some((a, p)) if !p.contains(']') && p.bytes().all(|b| b.is_ascii_digit()) => {
                (a, Port::Exact(p))
            }
            _ => (rest, Port::Default),
        },
    };
    let escape = if lookaround { escape } else { escape_re2 };
    let host = match authority.strip_prefix("*.") {
        Some(domain) => format!("{LABELS}\\.{}", escape(domain)),
        None => escape(authority),
    };
    let port = match port {
        Port::Default => String::new(),
        Port::Exact(p) => format!(":{p}"),
        Port::Any => match default_port(scheme) {
            Some(d) if lookaround => format!("(?::(?!{d}$){PORT})?"),
            _ => format!("(?::{PORT})?"),
        },
    };
    format!("{}://{host}{port}", escape(scheme))
}

enum Port<'a> {
    Default,
    Exact(&'a str),
    Any,
}

/// Every origin a browser sends (as the engine parses them), `null` excepted, whatever its
/// port; unanchored, no lookaround (RE2 reads it too).
macro_rules! any_origin_body {
    () => {
        concat!(
            "[a-z][a-z0-9+.-]{0,63}://(?:\\[[0-9a-f:.]+\\]|[a-z0-9_-]+(?:\\.[a-z0-9_-]+)*\\.?)",
            "(?::(?:[1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5]))?"
        )
    };
}

/// Every origin a browser sends (as the engine parses them), `null` excepted; unanchored.
/// A browser never writes the scheme's default port.
pub(crate) const ANY_ORIGIN_REGEX: &str = concat!(
    "(?!(?:http|ws)://[^/]*:80$)(?!(?:https|wss)://[^/]*:443$)(?!ftp://[^/]*:21$)",
    any_origin_body!()
);

/// [`ANY_ORIGIN_REGEX`] in RE2: any port, the default one refused by
/// [`DEFAULT_PORT_ORIGIN_RE2`].
pub(crate) const ANY_ORIGIN_RE2: &str = any_origin_body!();

/// An origin that writes its scheme's default port, which a browser never sends: what the
/// lookaheads of [`ANY_ORIGIN_REGEX`] and of `:*` patterns refuse; anchored.
pub(crate) const DEFAULT_PORT_ORIGIN_RE2: &str =
    "^(?:(?:http|ws)://[^/]*:80|(?:https|wss)://[^/]*:443|ftp://[^/]*:21)$";

/// [`ANY_ORIGIN_REGEX`], anchored and bounded to 384 bytes.
pub(crate) fn any_origin_regex() -> String {
    format!("^(?=.{{1,384}}$){ANY_ORIGIN_REGEX}$")
}

fn default_port(scheme: &str) -> Option<u16> {
    match scheme {
        "http" | "ws" => Some(80),
        "https" | "wss" => Some(443),
        "ftp" => Some(21),
        _ => None,
    }
}

/// [`escape`] for RE2 inside a Caddyfile: quotes and backticks as `\\xHH` too, so that the
/// regular expression holds no character the Caddyfile or CEL would read.
pub(crate) fn escape_re2(s: &str) -> String {
    escape(s)
        .replace('\'', "\\x27")
        .replace('"', "\\x22")
        .replace('`', "\\x60")
}

/// [`TOKEN`] for RE2 inside a Caddyfile (`'` and `` ` `` as `\\xHH`).
pub(crate) const TOKEN_RE2: &str = "[!#$%&\\x27*+.^_\\x60|~0-9A-Za-z-]+";

/// `s` with every regular-expression metacharacter escaped.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(
            c,
            '\\' | '.' | '+' | '*' | '?' | '(' | ')' | '[' | ']' | '{' | '}' | '^' | '$' | '|'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The routes of `policy` that can apply, in order: a route whose path starts with an earlier
/// route's path never applies in the engine (first match wins) and is left out, so that a
/// server's longest-prefix match picks the same route. Each path is checked.
pub(crate) fn routes(policy: &Policy, server: Server) -> Result<Vec<(&str, &Policy)>, ExportError> {
    let mut routes: Vec<(&str, &Policy)> = Vec::new();
    for (path, route) in policy.routes() {
        if routes.iter().any(|(earlier, _)| path.starts_with(earlier)) {
            continue;
        }
        check_route_path(path, server)?;
        routes.push((path, route));
    }
    Ok(routes)
}

/// The anchored regular expression (to be matched ignoring case) of an
/// `Access-Control-Request-Headers` line whose every element the policy allows: a
/// comma-separated list, tab-or-space around elements, empty elements allowed.
pub(crate) fn request_headers_regex(headers: &[&str]) -> String {
    let end = "(?=[ \\t]*+(?:,|$))";
    let element = if headers.contains(&"*") {
        if headers.contains(&"authorization") {
            format!("{TOKEN}{end}")
        } else {
            format!("(?!authorization{end}){TOKEN}{end}")
        }
    } else {
        let names: Vec<String> = headers.iter().map(|h| escape(h)).collect();
        if names.is_empty() {
            "(?!)".to_owned()
        } else {
            format!("(?:{}){end}", names.join("|"))
        }
    };
    let item = format!("[ \\t]*+(?:{element})?+[ \\t]*+");
    format!("^{item}(?:,{item})*+$")
}

/// [`request_headers_regex`] in RE2 (to be matched ignoring case): the list whose every element
/// is a token (`*`) or a named header, and, for `*` without `authorization`, a second expression
/// that the list must NOT match (an `authorization` element: `*` never covers it).
pub(crate) fn request_headers_re2(headers: &[&str]) -> (String, Option<String>) {
    let (element, forbidden) = if headers.contains(&"*") {
        let forbidden = (!headers.contains(&"authorization"))
            .then(|| "(?:^|,)[ \\t]*authorization[ \\t]*(?:,|$)".to_owned());
        (format!("(?:{TOKEN_RE2})?"), forbidden)
    } else if headers.is_empty() {
        // No name: only empty elements pass.
        (String::new(), None)
    } else {
        let names: Vec<String> = headers.iter().map(|h| escape_re2(h)).collect();
        (format!("(?:{})?", names.join("|")), None)
    };
    let item = format!("[ \\t]*{element}[ \\t]*");
    (format!("^{item}(?:,{item})*$"), forbidden)
}

/// The anchored RE2 regular expression of an `Access-Control-Request-Method` the
/// policy allows: the safelisted methods, the policy's, or any token for `*` (compared
/// case-sensitively, as methods are).
pub(crate) fn request_method_re2(methods: &[&str]) -> String {
    if methods.contains(&"*") {
        format!("^{TOKEN_RE2}$")
    } else {
        let mut names: Vec<String> = Vec::new();
        for m in ["GET", "HEAD", "POST"]
            .into_iter()
            .chain(methods.iter().copied())
        {
            let m = escape_re2(m);
            if !names.contains(&m) {
                names.push(m);
            }
        }
        format!("^(?:{})$", names.join("|"))
    }
}

/// The status the engine answers each preflight outcome with itself
/// ([`Policy::preflight_answer`]), by the outcome's word (`preflight-ok`, …); empty with
/// `preflight_continue`.
pub(crate) fn preflight_answers(policy: &Policy) -> Vec<(&'static str, u16)> {
    [
        Outcome::PreflightOk,
        Outcome::PreflightDeniedOrigin,
        Outcome::PreflightDeniedAfter,
    ]
    .into_iter()
    .filter_map(|o| Some((o.as_str(), policy.preflight_answer(o)?.as_u16())))
    .collect()
}

/// The regular expressions (unanchored bodies) of the origins a policy allows: its `*.` and
/// `:*` patterns, its exact origins escaped, and [`ANY_ORIGIN_REGEX`] for `*`.
pub(crate) fn origin_alternatives(config: &PolicyConfig) -> Vec<String> {
    let mut alternatives: Vec<String> = config
        .origins
        .iter()
        .filter(|o| *o != "*")
        .map(|o| {
            if o.contains('*') {
                pattern_body(o)
            } else {
                escape(o)
            }
        })
        .collect();
    if config.origins.iter().any(|o| o == "*") {
        alternatives.push(ANY_ORIGIN_REGEX.to_owned());
    }
    alternatives
}
