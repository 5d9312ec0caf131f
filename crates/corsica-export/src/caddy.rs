//! Caddy 2.6: one Caddyfile site block for ADDR (`http://:PORT` with `bind HOST`), whose named
//! matchers are CEL expressions over the request's CORS headers, `header` for the CORS headers,
//! `respond` for preflights and `reverse_proxy` to URL.
//!
//! - Caddy's regular expressions are Go's (RE2: no lookaround), so what the PCRE of the other
//!   servers says with a lookahead is a second test here: the origin's length (`size(…) <=
//!   384`), a scheme's default port (refused), `authorization` under `request_headers = ["*"]`.
//! - A header read as a placeholder (`{http.request.header.Origin}`) joins several lines with
//!   `,`, which no allowed origin or method holds: several `Origin` or
//!   `Access-Control-Request-Method` lines are refused, as the engine refuses them, and several
//!   `Access-Control-Request-Headers` lines are read as one list, as the engine reads them.
//!   Whether a header is present (an empty `Origin` included) is the `header` matcher's.
//! - Exact origins are compared as strings, case-sensitively (a browser sends them in lower
//!   case; the engine refuses any other).
//! - The CORS headers are set before `reverse_proxy` runs (no `defer`), so that they are on
//!   every response: the upstream's, and Caddy's own when the upstream fails (`502`). The
//!   upstream's own `Access-Control-*` headers are dropped (`header_down -Access-Control-*`).
//! - `Vary: Origin` is a line of its own (set before the upstream answers, like the CORS
//!   headers), and `Origin` is taken out of the upstream's own `Vary` (`header_down Vary …`), so
//!   that it is listed once.
//! - Routes: one `route` block per `[[route]]`, matched by path prefix (case-sensitively, on the
//!   decoded path, as nginx), in the policy's order; each ends in `reverse_proxy` or `respond`,
//!   so the first that matches answers, as in the engine.
//!
//! Refused: as for the other servers, `reject_disallowed` and `debug` with
//! `request_headers = ["*"]`.

use std::fmt::Write as _;

use corsica::Policy;
use corsica::header::ResponseHeader;

use crate::common::{self, ANY_ORIGIN_RE2, DEFAULT_PORT_ORIGIN_RE2};
use crate::{ExportError, Options, Server};

/// The request's `Origin`, as a CEL placeholder.
const ORIGIN: &str = "{http.request.header.Origin}";
/// `Access-Control-Request-Method`, as a CEL placeholder.
const ACRM: &str = "{http.request.header.Access-Control-Request-Method}";
/// `Access-Control-Request-Headers` (several lines joined by `,`), as a CEL placeholder.
const ACRH: &str = "{http.request.header.Access-Control-Request-Headers}";
/// `Access-Control-Request-Private-Network`, as a CEL placeholder.
const ACRPN: &str = "{http.request.header.Access-Control-Request-Private-Network}";

/// Writes `policy` out as a Caddyfile site block to `import` into a Caddyfile.
///
/// # Errors
///
/// When Caddy cannot express a key of the policy exactly, or an option is not usable.
pub fn export(policy: &Policy, options: &Options) -> Result<String, ExportError> {
    common::check_options(options)?;
    let (host, port) = listen_address(&options.listen)?;
    let p = &options.prefix;
    let routes = common::routes(policy, Server::Caddy)?;
    let root_shadowed = routes
        .iter()
        .any(|(path, _)| path.is_empty() || *path == "/");
    let mut policies: Vec<(String, Option<&str>, &Policy)> = routes
        .iter()
        .enumerate()
        .map(|(i, (path, route))| (format!("{p}_r{}", i + 1), Some(*path), *route))
        .collect();
    if !root_shadowed {
        policies.push((format!("{p}_top"), None, policy));
    }
    for (_, path, route) in &policies {
        common::check_policy(route, Server::Caddy, *path)?;
    }

    let mut out = String::new();
    header_comment(&mut out, options);
    let _ = writeln!(out, "http://:{port} {{");
    if let Some(host) = host {
        let _ = writeln!(out, "\tbind {host}");
    }
    // One `route`: Caddy runs what it holds in the order written.
    let _ = writeln!(
        out,
        "\troute {{\n\
         \t\t# The kind of request (Fetch, sections 3.2.2 and 3.2.3): a preflight is an OPTIONS request with\n\
         \t\t# Origin and Access-Control-Request-Method, an actual CORS request any other with Origin.\n\
         \t\tvars {p}_kind not-cors\n\
         \t\t@{p}_preflight {{\n\
         \t\t\tmethod OPTIONS\n\
         \t\t\theader Origin *\n\
         \t\t\theader Access-Control-Request-Method *\n\
         \t\t}}\n\
         \t\tvars @{p}_preflight {p}_kind preflight\n\
         \t\t@{p}_actual {{\n\
         \t\t\theader Origin *\n\
         \t\t\tnot vars {p}_kind preflight\n\
         \t\t}}\n\
         \t\tvars @{p}_actual {p}_kind actual"
    );
    for (name, path, route) in &policies {
        out.push('\n');
        match path {
            Some(path) => {
                let _ = writeln!(
                    out,
                    "\t\t# The route {path:?}: requests whose path starts with it.\n\
                     \t\t@{name} expression `{{http.request.uri.path}}.startsWith({})`\n\
                     \t\troute @{name} {{",
                    cel_string(path)
                );
            }
            None => {
                let _ = writeln!(out, "\t\t# The policy outside every route.\n\t\troute {{");
            }
        }
        policy_block(&mut out, p, name, route, options);
        out.push_str("\t\t}\n");
    }
    out.push_str("\t}\n}\n");
    Ok(out)
}

/// A minimal Caddyfile that imports `file`, for `caddy validate` or to run the export on its own
/// (`caddy run --adapter caddyfile --config DIR/Caddyfile`): no admin endpoint, no automatic
/// HTTPS, storage under `dir`. Global options must come first in a Caddyfile, so they are here
/// and not in the exported file, which stays a site block to `import` anywhere.
pub fn wrapper_config(file: &str, dir: &str) -> String {
    format!(
        "# Written by corsica to check or run an exported file on its own.\n\
         {{\n\
         \tadmin off\n\
         \tauto_https off\n\
         \tstorage file_system {dir}/data\n\
         }}\n\
         \n\
         import {file}\n"
    )
}

fn header_comment(out: &mut String, o: &Options) {
    let _ = writeln!(
        out,
        "# CORS for Caddy 2.6+, written by corsica {} (`corsica export caddy`).\n\
         # Policy: {} (sha256 {}).\n\
         # Regenerate it from the policy rather than editing it.\n\
         #\n\
         # One site block on {} that proxies to {}.\n\
         # Import it from your Caddyfile, after the global options block if any:\n\
         #     import /etc/caddy/corsica-cors.caddy\n\
         # then check and reload: `caddy validate --adapter caddyfile --config\n\
         # /etc/caddy/Caddyfile && systemctl reload caddy`. To use an existing site instead, move\n\
         # the `@{}_...` matchers and `route` blocks into it, keeping their order.\n",
        o.version, o.policy_file, o.policy_sha256, o.listen, o.upstream, o.prefix
    );
}

/// `--listen` as Caddy needs it: the host to `bind` (none for a port alone) and the port.
fn listen_address(listen: &str) -> Result<(Option<&str>, &str), ExportError> {
    let (host, port) = match listen.rsplit_once(':') {
        Some((host, port)) if host.starts_with('[') || !host.contains(':') => (
            Some(
                host.strip_prefix('[')
                    .and_then(|h| h.strip_suffix(']'))
                    .unwrap_or(host),
            ),
            port,
        ),
        Some(_) => (None, ""),
        None => (None, listen),
    };
    if port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()) || host == Some("") {
        return Err(ExportError::InvalidOption {
            option: "listen",
            value: listen.to_owned(),
            why: "write an address and port such as 127.0.0.1:8080, [::1]:8080 or 8080",
        });
    }
    Ok((host, port))
}

/// `s` as a CEL double-quoted string (`\`, `"` escaped; a backtick, which would end the
/// Caddyfile token, as `\x60`).
fn cel_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '`' => out.push_str("\\x60"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A regular expression as a CEL raw string (it holds no `"` and no backtick: the RE2
/// expressions of `common` write them `\xHH`).
fn cel_regex(re: &str) -> String {
    format!("r\"{re}\"")
}

/// `s` as a Caddyfile double-quoted token.
fn quoted(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// The CEL of whether `policy` allows the request's origin (`None` when any origin passes).
fn origin_ok(policy: &Policy) -> Option<String> {
    if !policy.varies_by_origin() {
        return None;
    }
    let config = policy.to_config();
    let exact: Vec<String> = config
        .origins
        .iter()
        .filter(|o| !o.contains('*'))
        .map(|o| cel_string(o))
        .collect();
    let mut patterns: Vec<String> = config
        .origins
        .iter()
        .filter(|o| *o != "*" && o.contains('*'))
        .map(|o| common::pattern_body_re2(o))
        .collect();
    if config.origins.iter().any(|o| o == "*") {
        patterns = vec![ANY_ORIGIN_RE2.to_owned()];
    }
    let mut alternatives = Vec::new();
    if !exact.is_empty() {
        alternatives.push(format!("{ORIGIN} in [{}]", exact.join(", ")));
    }
    if !patterns.is_empty() {
        // A browser never writes the scheme's default port, nor an origin over 384 bytes.
        alternatives.push(format!(
            "(size({ORIGIN}) <= {} && {ORIGIN}.matches({}) && !{ORIGIN}.matches({}))",
            corsica::origin::MAX_ORIGIN_LEN,
            cel_regex(&format!("^(?:{})$", patterns.join("|"))),
            cel_regex(DEFAULT_PORT_ORIGIN_RE2)
        ));
    }
    Some(if alternatives.is_empty() {
        "false".to_owned()
    } else {
        format!("({})", alternatives.join(" || "))
    })
}

/// The matchers and directives of one policy, inside its `route` block: the decision as the
/// variable `{p}_state` (the engine's outcome), then the headers and answers that depend on it.
fn policy_block(out: &mut String, p: &str, v: &str, policy: &Policy, options: &Options) {
    let config = policy.to_config();
    let varies = policy.varies_by_origin();
    let mut lines: Vec<String> = Vec::new();
    let mut line = |s: String| lines.push(s);

    // Every variable gets a value first: Caddy 2.6's `vars` matcher ORs its keys, so the
    // decision below compares the variables in CEL, where an unset one would be null.
    line(format!("vars {p}_state none"));
    match origin_ok(policy) {
        Some(cel) => {
            line("# Whether the origin is allowed.".to_owned());
            line(format!("vars {p}_origin no"));
            line(format!("@{v}_origin expression `{cel}`"));
            line(format!("vars @{v}_origin {p}_origin ok"));
        }
        None => line(format!("vars {p}_origin ok")),
    }

    // The preflight's method, headers and private-network request.
    let methods: Vec<&str> = config.methods.iter().map(String::as_str).collect();
    let method_ok = format!(
        "{ACRM}.matches({})",
        cel_regex(&common::request_method_re2(&methods))
    );
    let headers: Vec<&str> = config.request_headers.iter().map(String::as_str).collect();
    let (list, forbidden) = common::request_headers_re2(&headers);
    let mut request_ok = format!(
        "{method_ok} && size({ACRH}) <= {} && {ACRH}.matches({})",
        Policy::MAX_REQUEST_HEADERS_LEN,
        cel_regex(&format!("(?i){list}"))
    );
    if let Some(forbidden) = forbidden {
        let _ = write!(
            request_ok,
            " && !{ACRH}.matches({})",
            cel_regex(&format!("(?i){forbidden}"))
        );
    }
    let pna = format!("{ACRPN} == \"true\"");
    if !config.private_network {
        let _ = write!(request_ok, " && !({pna})");
    }
    line(
        "# Whether the preflight's method, headers and private-network request are allowed."
            .to_owned(),
    );
    line(format!("vars {p}_request no"));
    line(format!("@{v}_request expression `{request_ok}`"));
    line(format!("vars @{v}_request {p}_request ok"));

    // The decision: one matcher per outcome, each setting the variable.
    line("# The decision.".to_owned());
    let var = |name: &str, value: &str| format!("{{http.vars.{p}_{name}}} == \"{value}\"");
    let (preflight, actual) = (var("kind", "preflight"), var("kind", "actual"));
    let (origin, request) = (var("origin", "ok"), var("request", "ok"));
    let mut states: Vec<(&str, String)> = vec![(
        "preflight-ok",
        format!("{preflight} && {origin} && {request}"),
    )];
    if varies {
        states.push((
            "preflight-denied-origin",
            format!("{preflight} && !({origin})"),
        ));
    }
    states.push((
        "preflight-denied-after",
        format!("{preflight} && {origin} && !({request})"),
    ));
    states.push(("actual-allowed", format!("{actual} && {origin}")));
    if !varies {
        states.push(("not-cors-any", var("kind", "not-cors")));
    }
    for (state, cel) in &states {
        let name = format!("{v}_{}", state.replace('-', "_"));
        line(format!("@{name} expression `{cel}`"));
        line(format!("vars @{name} {p}_state {state}"));
    }

    // Which outcomes carry which headers.
    let debug = config.debug && !config.preflight_continue;
    let answered: &[&str] = if debug {
        &["preflight-ok", "preflight-denied-after"]
    } else {
        &["preflight-ok"]
    };
    let allowed_actual: &[&str] = if varies {
        &["actual-allowed"]
    } else {
        &["actual-allowed", "not-cors-any"]
    };
    let both: Vec<&str> = answered.iter().chain(allowed_actual).copied().collect();
    line(
        "# The CORS headers: set before the upstream answers, so Caddy's own errors carry them."
            .to_owned(),
    );
    let mut headers_for =
        |suffix: &str, states: &[&str], extra: Option<String>, set: &[(&str, &str)]| {
            let name = format!("{v}_{suffix}");
            match extra {
                Some(extra) => {
                    line(format!("@{name} {{"));
                    line(format!("\tvars {p}_state {}", states.join(" ")));
                    line(format!("\t{extra}"));
                    line("}".to_owned());
                }
                None => line(format!("@{name} vars {p}_state {}", states.join(" "))),
            }
            for (header, value) in set {
                line(format!("header @{name} {header} {}", quoted(value)));
            }
        };
    let mut on_both = vec![(
        "Access-Control-Allow-Origin",
        if varies { ORIGIN } else { "*" },
    )];
    if config.credentials {
        on_both.push(("Access-Control-Allow-Credentials", "true"));
    }
    headers_for("cors", &both, None, &on_both);
    if let Some(value) = policy.constant_value(ResponseHeader::AccessControlExposeHeaders) {
        headers_for(
            "exposed",
            allowed_actual,
            None,
            &[("Access-Control-Expose-Headers", value)],
        );
    }
    let mut on_answered = Vec::new();
    if let Some(value) = policy.constant_value(ResponseHeader::AccessControlMaxAge) {
        on_answered.push(("Access-Control-Max-Age", value));
    }
    let allow_methods = policy.constant_value(ResponseHeader::AccessControlAllowMethods);
    if let Some(value) = allow_methods {
        on_answered.push(("Access-Control-Allow-Methods", value));
    }
    let allow_headers = policy.constant_value(ResponseHeader::AccessControlAllowHeaders);
    if let Some(value) = allow_headers {
        on_answered.push(("Access-Control-Allow-Headers", value));
    }
    if !on_answered.is_empty() {
        headers_for("answered", answered, None, &on_answered);
    }
    if allow_methods.is_none() && methods.contains(&"*") {
        // Credentialed `*`: the method asked for, unless it is safelisted (Fetch §4.8 step 7.5
        // lets those pass whatever the answer lists).
        headers_for(
            "echo_method",
            answered,
            Some(format!(
                "expression `{method_ok} && !({ACRM} in [\"GET\", \"HEAD\", \"POST\"])`"
            )),
            &[("Access-Control-Allow-Methods", ACRM)],
        );
    }
    if allow_headers.is_none() && headers.contains(&"*") {
        // Credentialed `*`: the list asked for.
        headers_for(
            "echo_headers",
            answered,
            Some(format!("expression `{ACRH} != \"\"`")),
            &[("Access-Control-Allow-Headers", ACRH)],
        );
    }
    if config.private_network {
        headers_for(
            "pna",
            answered,
            Some(format!("expression `{pna}`")),
            &[("Access-Control-Allow-Private-Network", "true")],
        );
    }
    if varies {
        // Every answer but a preflight's depends on Origin.
        line(format!("@{v}_vary not vars {p}_kind preflight"));
        line(format!("header @{v}_vary Vary Origin"));
    }
    // Only outcomes this policy can reach (a policy that allows every origin denies none).
    let answers: Vec<(&str, u16)> = common::preflight_answers(policy)
        .into_iter()
        .filter(|(state, _)| states.iter().any(|(s, _)| s == state))
        .collect();
    if !answers.is_empty() {
        line("# Preflights are answered here; everything else goes to the upstream.".to_owned());
    }
    for (state, status) in answers {
        line(format!("respond @{v}_{} {status}", state.replace('-', "_")));
    }
    let mut proxy = format!(
        "reverse_proxy {} {{\n\t\t\t\theader_down -Access-Control-*",
        options.upstream.trim_end_matches('/')
    );
    if varies {
        // `Vary: Origin` is a line of its own (set above, so Caddy's own answers have it too):
        // Origin leaves the upstream's `Vary`, so that it is listed once.
        proxy.push_str(
            "\n\t\t\t\theader_down Vary \"(?i)(^|,)[ \\t]*origin[ \\t]*(,|$)\" \",\"\
             \n\t\t\t\theader_down Vary \"^[ \\t,]*(.*?)[ \\t,]*$\" \"$1\"",
        );
    }
    proxy.push_str("\n\t\t\t}");
    line(proxy);
    for l in lines {
        let _ = writeln!(out, "\t\t\t{l}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options() -> Options {
        Options::new("http://127.0.0.1:9000", "127.0.0.1:8080", "cors.toml", "00")
    }

    #[test]
    fn the_site_binds_the_listen_host_and_serves_every_host_name() {
        let policy = Policy::builder()
            .origins(["https://a.example"])
            .build()
            .unwrap();
        let text = export(&policy, &options()).unwrap();
        assert!(
            text.contains("http://:8080 {\n\tbind 127.0.0.1\n"),
            "{text}"
        );
        let mut o = options();
        o.listen = "[::1]:8443".into();
        assert!(export(&policy, &o).unwrap().contains("\tbind ::1\n"));
        o.listen = "8080".into();
        assert!(!export(&policy, &o).unwrap().contains("bind"));
        o.listen = "localhost".into();
        assert_eq!(export(&policy, &o).unwrap_err().key(), "listen");
    }

    #[test]
    fn regexes_have_no_lookaround_and_patterns_refuse_default_ports() {
        let policy = Policy::builder()
            .origins(["https://*.example.com", "http://localhost:*"])
            .request_headers(["*"])
            .build()
            .unwrap();
        let text = export(&policy, &options()).unwrap();
        for pcre_only in ["(?=", "(?!", "(?<", "]*+", ")*+", ")?+"] {
            assert!(!text.contains(pcre_only), "{pcre_only} in {text}");
        }
        assert!(text.contains(DEFAULT_PORT_ORIGIN_RE2));
        assert!(text.contains("size({http.request.header.Origin}) <= 384"));
        assert!(text.contains("authorization"));
    }

    #[test]
    fn reject_disallowed_is_refused_with_its_key() {
        let policy = Policy::builder()
            .origins(["https://a.example"])
            .reject_disallowed(true)
            .build()
            .unwrap();
        let err = export(&policy, &options()).unwrap_err();
        assert_eq!(err.key(), "reject_disallowed");
        assert!(err.to_string().starts_with("caddy cannot express"), "{err}");
    }
}
