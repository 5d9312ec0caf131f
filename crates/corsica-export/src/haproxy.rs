//! HAProxy 2.6: a `frontend` on ADDR whose ACLs read the request's CORS headers, `http-request
//! return` for preflights, `http-after-response` for the CORS headers of every other response
//! (HAProxy's own error responses included), and a `backend` to URL.
//!
//! - Header lines are counted (`req.fhdr_cnt`), so several `Origin` or
//!   `Access-Control-Request-Method` lines are refused as the engine refuses them, and an empty
//!   header is told from an absent one. Several `Access-Control-Request-Headers` lines are
//!   refused too (HAProxy reads one line whole; the engine reads them all), which no browser
//!   sends.
//! - Regular expressions are single-quoted (no escape processing), anchored, with the same
//!   origin patterns as for nginx and httpd.
//! - The upstream's CORS headers are deleted (`http-response del-header`) before the exported
//!   ones are set.
//!
//! Refused: as for the other servers, `reject_disallowed` and `debug` with
//! `request_headers = ["*"]`.

use std::fmt::Write as _;

use corsica::Policy;
use corsica::header::ResponseHeader;

use crate::common::{self, TOKEN};
use crate::{ExportError, Options, Server};

/// Writes `policy` out as a `frontend` and a `backend` to append after HAProxy's `global` and
/// `defaults` sections.
///
/// # Errors
///
/// When HAProxy cannot express a key of the policy exactly, or an option is not usable.
pub fn export(policy: &Policy, options: &Options) -> Result<String, ExportError> {
    common::check_options(options)?;
    let p = &options.prefix;
    let routes = common::routes(policy, Server::Haproxy)?;
    let root_shadowed = routes
        .iter()
        .any(|(path, _)| path.is_empty() || *path == "/");
    let mut policies: Vec<(String, Option<&str>, &Policy)> = routes
        .iter()
        .enumerate()
        .map(|(i, (path, route))| (format!("r{}", i + 1), Some(*path), *route))
        .collect();
    if !root_shadowed {
        policies.push(("top".to_owned(), None, policy));
    }
    for (_, path, route) in &policies {
        common::check_policy(route, Server::Haproxy, *path)?;
    }

    let mut out = String::new();
    header_comment(&mut out, options);
    // HAProxy binds a port alone as `:PORT` (every address).
    let bind = if options.listen.bytes().all(|b| b.is_ascii_digit()) {
        format!(":{}", options.listen)
    } else {
        options.listen.clone()
    };
    let _ = writeln!(
        out,
        "frontend {p}_fe\n    bind {bind}\n    mode http\n    option http-ignore-probes"
    );
    out.push_str("    # The kind of request, as the Fetch Standard classifies it.\n");
    let _ = writeln!(out, "    acl {p}_options method OPTIONS");
    let _ = writeln!(out, "    acl {p}_origin req.fhdr_cnt(origin) gt 0");
    let _ = writeln!(out, "    acl {p}_one_origin req.fhdr_cnt(origin) eq 1");
    let _ = writeln!(
        out,
        "    acl {p}_acrm req.fhdr_cnt(access-control-request-method) gt 0"
    );
    let _ = writeln!(
        out,
        "    acl {p}_one_acrm req.fhdr_cnt(access-control-request-method) eq 1"
    );
    let _ = writeln!(
        out,
        "    acl {p}_pna req.fhdr(access-control-request-private-network) -m str true"
    );
    let _ = writeln!(
        out,
        "    acl {p}_acrh_long req.fhdr(access-control-request-headers),length gt {}",
        Policy::MAX_REQUEST_HEADERS_LEN
    );
    let _ = writeln!(
        out,
        "    acl {p}_acrh_lines req.fhdr_cnt(access-control-request-headers) gt 1"
    );
    let _ = writeln!(
        out,
        "    acl {p}_acrm_safelisted req.fhdr(access-control-request-method) -m str GET HEAD POST"
    );
    let _ = writeln!(
        out,
        "    http-request set-var(txn.{p}_kind) str(preflight) if {p}_options {p}_origin {p}_acrm"
    );
    let _ = writeln!(
        out,
        "    http-request set-var(txn.{p}_kind) str(actual) if {p}_origin !{{ var(txn.{p}_kind) -m found }}"
    );
    let _ = writeln!(
        out,
        "    acl {p}_is_preflight var(txn.{p}_kind) -m str preflight\n    acl {p}_is_actual var(txn.{p}_kind) -m str actual"
    );
    out.push_str("    # The route: the first whose path starts the request's path.\n");
    for (name, path, _) in &policies {
        let cond = match path {
            Some(path) => format!(" path -m beg {path}"),
            None => String::new(),
        };
        let _ = writeln!(
            out,
            "    http-request set-var(txn.{p}_route) str({name}) if !{{ var(txn.{p}_route) -m found }}{}",
            if cond.is_empty() {
                String::new()
            } else {
                format!(" {{{cond} }}")
            }
        );
    }
    let _ = writeln!(
        out,
        "    http-request set-var(txn.{p}_origin) req.fhdr(origin) if {p}_origin\n    http-request set-var(txn.{p}_acrm) req.fhdr(access-control-request-method) if {p}_acrm\n    http-request set-var(txn.{p}_acrh) req.fhdr(access-control-request-headers) if {{ req.fhdr_cnt(access-control-request-headers) gt 0 }}"
    );
    let mut after = String::new();
    for (name, path, route) in &policies {
        let _ = writeln!(
            out,
            "    # {}",
            path.map_or("The policy outside every route.".to_owned(), |p| format!(
                "The route {p:?}."
            ))
        );
        policy_rules(&mut out, &mut after, p, name, route);
    }
    out.push_str("    # The upstream's CORS headers never reach the client.\n");
    for h in common::CORS_HEADERS {
        let _ = writeln!(out, "    http-response del-header {h}");
    }
    out.push_str("    # The CORS headers of every response, HAProxy's own included.\n");
    out.push_str(&after);
    for (h, var) in [
        ("Access-Control-Allow-Origin", "acao"),
        ("Access-Control-Allow-Methods", "acam"),
        ("Access-Control-Allow-Headers", "acah"),
        ("Access-Control-Allow-Private-Network", "acapn"),
    ] {
        let _ = writeln!(
            out,
            "    http-after-response set-header {h} %[var(txn.{p}_{var})] if {{ var(txn.{p}_{var}) -m found }}"
        );
    }
    let _ = writeln!(
        out,
        "    http-after-response add-header Vary Origin if {{ var(txn.{p}_vary) -m found }} !{{ res.hdr(vary) -m reg -i {} }}",
        sq("^(?:origin|\\*)$")
    );
    let _ = writeln!(out, "    default_backend {p}_be\n");
    let upstream = options.upstream.trim_end_matches('/');
    let (tls, authority) = match upstream.strip_prefix("https://") {
        Some(a) => (" ssl verify required ca-file @system-ca", a),
        None => ("", upstream.trim_start_matches("http://")),
    };
    let _ = writeln!(
        out,
        "backend {p}_be\n    mode http\n    server upstream {authority}{tls}"
    );
    Ok(out)
}

/// A minimal first configuration file (`global` and `defaults`) to load before the exported one
/// (`haproxy -f DIR/haproxy.cfg -f FILE`), for `haproxy -c` or to run the export on its own.
/// `file` is not read: HAProxy has no include directive, the exported file is the second `-f`.
pub fn wrapper_config(file: &str, dir: &str) -> String {
    let _ = file;
    format!(
        "# Written by corsica to check or run an exported file on its own; load it first:\n\
         # haproxy -f haproxy.cfg -f <the exported file>\n\
         global\n    pidfile {dir}/haproxy.pid\n\n\
         defaults\n    mode http\n    timeout connect 5s\n    timeout client 30s\n    timeout server 30s\n"
    )
}

fn header_comment(out: &mut String, o: &Options) {
    let _ = writeln!(
        out,
        "# CORS for HAProxy 2.6, written by corsica {} (`corsica export haproxy`).\n\
         # Policy: {} (sha256 {}).\n\
         # Regenerate it from the policy rather than editing it.\n\
         #\n\
         # Append it to haproxy.cfg after the `global` and `defaults` sections (HAProxy has no\n\
         # include: `cat corsica-cors.cfg >> /etc/haproxy/haproxy.cfg`, or pass it as a second\n\
         # file: `haproxy -f /etc/haproxy/haproxy.cfg -f corsica-cors.cfg`), then check and\n\
         # reload: `haproxy -c -f /etc/haproxy/haproxy.cfg && systemctl reload haproxy`. It\n\
         # defines the frontend {}_fe on {} and the backend {}_be to {}.\n",
        o.version, o.policy_file, o.policy_sha256, o.prefix, o.listen, o.prefix, o.upstream
    );
}

/// HAProxy's single-quoted string (no escape processing at all): `'` inside becomes `\x27`,
/// which PCRE reads as the same character.
fn sq(s: &str) -> String {
    format!("'{}'", s.replace('\'', "\\x27"))
}

/// The rules of one policy, effective only on its route.
fn policy_rules(out: &mut String, after: &mut String, p: &str, name: &str, policy: &Policy) {
    let config = policy.to_config();
    let varies = policy.varies_by_origin();
    let v = format!("{p}_{name}");
    let _ = writeln!(out, "    acl {v} var(txn.{p}_route) -m str {name}");

    // The origin.
    if varies {
        let alternatives = common::origin_alternatives(&config);
        let regex = if alternatives.is_empty() {
            "(?!)".to_owned()
        } else {
            format!("^(?=.{{1,384}}$)(?:{})$", alternatives.join("|"))
        };
        let _ = writeln!(
            out,
            "    acl {v}_origin_ok req.fhdr(origin) -m reg {}",
            sq(&regex)
        );
    }
    let origin_ok = if varies {
        format!("{p}_one_origin {v}_origin_ok")
    } else {
        String::new()
    };

    // The method.
    let methods: Vec<&str> = config.methods.iter().map(String::as_str).collect();
    let method_regex = if methods.contains(&"*") {
        format!("^{TOKEN}$")
    } else {
        let names: Vec<String> = ["GET", "HEAD", "POST"]
            .into_iter()
            .chain(methods.iter().copied())
            .map(common::escape)
            .collect();
        format!("^(?:{})$", names.join("|"))
    };
    let _ = writeln!(
        out,
        "    acl {v}_method_ok req.fhdr(access-control-request-method) -m reg {}",
        sq(&method_regex)
    );

    // The request headers: every line's every element allowed, and not too long.
    let headers: Vec<&str> = config.request_headers.iter().map(String::as_str).collect();
    let _ = writeln!(
        out,
        "    acl {v}_acrh_ok req.fhdr(access-control-request-headers) -m reg -i {}",
        sq(&common::request_headers_regex(&headers))
    );
    let _ = writeln!(
        out,
        "    acl {v}_acrh_none req.fhdr_cnt(access-control-request-headers) eq 0"
    );
    let pna_ok = if config.private_network {
        String::new()
    } else {
        format!(" !{p}_pna")
    };

    // The decision, as a variable.
    let set = |out: &mut String, var: &str, value: &str, cond: &str| {
        let _ = writeln!(
            out,
            "    http-request set-var(txn.{p}_{var}) {value} if {v} {cond}"
        );
    };
    set(
        out,
        "state",
        "str(preflight-ok)",
        &format!("{p}_is_preflight {origin_ok} {p}_one_acrm {v}_method_ok{pna_ok}",)
            .replace("  ", " "),
    );
    // the header condition has an `or`, which HAProxy's conditions only take at the top level:
    // a second rule takes the state back when the headers fail.
    let _ = writeln!(
        out,
        "    http-request unset-var(txn.{p}_state) if {v} !{v}_acrh_ok !{v}_acrh_none\n    http-request unset-var(txn.{p}_state) if {v} {p}_acrh_long\n    http-request unset-var(txn.{p}_state) if {v} {p}_acrh_lines"
    );
    set(
        out,
        "state",
        "str(preflight-denied-after)",
        &format!("{p}_is_preflight {origin_ok} !{{ var(txn.{p}_state) -m found }}")
            .replace("  ", " "),
    );
    set(
        out,
        "state",
        "str(preflight-denied-origin)",
        &format!("{p}_is_preflight !{{ var(txn.{p}_state) -m found }}"),
    );
    set(
        out,
        "state",
        "str(actual-allowed)",
        format!("{p}_is_actual {origin_ok}")
            .replace("  ", " ")
            .trim_end(),
    );
    if !varies {
        set(
            out,
            "state",
            "str(not-cors-any)",
            &format!("!{{ var(txn.{p}_kind) -m found }}"),
        );
    }

    // The response headers, as variables.
    let debug = config.debug && !config.preflight_continue;
    let answered = if debug {
        "preflight-ok preflight-denied-after"
    } else {
        "preflight-ok"
    };
    let actual = if varies {
        "actual-allowed"
    } else {
        "actual-allowed not-cors-any"
    };
    let state_in = |states: &str| format!("{{ var(txn.{p}_state) -m str {states} }}");
    let both = format!("{answered} {actual}");
    // A constant header: a literal value (`%` doubled for HAProxy's log-format).
    let mut constant = |header: &str, value: &str, states: &str| {
        let _ = writeln!(
            after,
            "    http-after-response set-header {header} \"{}\" if {v} {}",
            value.replace('%', "%%"),
            state_in(states)
        );
    };
    if varies {
        set(
            out,
            "acao",
            "var(txn.{p}_origin)".replace("{p}", p).as_str(),
            &state_in(&both),
        );
    } else {
        constant("Access-Control-Allow-Origin", "*", &both);
    }
    if config.credentials {
        constant("Access-Control-Allow-Credentials", "true", &both);
    }
    if let Some(value) = policy.constant_value(ResponseHeader::AccessControlExposeHeaders) {
        constant("Access-Control-Expose-Headers", value, actual);
    }
    if let Some(value) = policy.constant_value(ResponseHeader::AccessControlMaxAge) {
        constant("Access-Control-Max-Age", value, answered);
    }
    match policy.constant_value(ResponseHeader::AccessControlAllowMethods) {
        Some(value) => constant("Access-Control-Allow-Methods", value, answered),
        None if methods.contains(&"*") => set(
            out,
            "acam",
            &format!("var(txn.{p}_acrm)"),
            &format!("{} {v}_method_ok !{p}_acrm_safelisted", state_in(answered)),
        ),
        None => {}
    }
    match policy.constant_value(ResponseHeader::AccessControlAllowHeaders) {
        Some(value) => constant("Access-Control-Allow-Headers", value, answered),
        None if headers.contains(&"*") => set(
            out,
            "acah",
            &format!("var(txn.{p}_acrh)"),
            &format!("{} !{v}_acrh_none", state_in(answered)),
        ),
        None => {}
    }
    if config.private_network {
        set(
            out,
            "acapn",
            "str(true)",
            &format!("{} {p}_pna", state_in(answered)),
        );
    }
    if varies {
        set(out, "vary", "str(1)", &format!("!{p}_is_preflight"));
    }
    // Preflights answered here.
    for (state, status) in common::preflight_answers(policy) {
        let _ = writeln!(
            out,
            "    http-request return status {status} if {v} {{ var(txn.{p}_state) -m str {state} }}"
        );
    }
}
