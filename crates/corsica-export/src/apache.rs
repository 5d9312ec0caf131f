//! Apache httpd 2.4 (mod_headers, mod_setenvif, mod_rewrite, mod_proxy_http): a `Listen` and a
//! `<VirtualHost>` that compute the engine's decision into environment variables with
//! `SetEnvIf` / `SetEnvIfExpr`, answer preflights with mod_rewrite (`R=`), proxy everything else,
//! and set the CORS headers from those variables.
//!
//! - Every request header is read by `SetEnvIf` with an anchored regular expression (never by
//!   `%{HTTP:…}` in an expression, which would add the header to `Vary`); the decision is then
//!   combined from those variables alone (`reqenv()`).
//! - Upstream CORS headers are removed from the `onsuccess` table (`Header unset`), where a
//!   proxied response keeps them; the exported ones go in the `always` table (`Header always
//!   set`), so that they are on every response, error statuses and `R=` answers included, and
//!   never twice.
//! - `Vary: Origin` is merged into the `onsuccess` table (`Header merge`), where the upstream's
//!   own `Vary` is, so that it is added once.
//! - Routes: the first route whose path prefixes the request's path applies, as in the engine.
//!
//! Refused: as for nginx, `reject_disallowed`, `debug` with `request_headers = ["*"]`, and route
//! paths with characters httpd would match differently; also a `preflight_status` httpd has no
//! reason phrase for (such as 299), which `RewriteRule … [R=…]` refuses.

use std::fmt::Write as _;

use corsica::Policy;
use corsica::header::ResponseHeader;

use crate::common::{self, TOKEN};
use crate::{ExportError, Options, Server};

const CORS_HEADERS: [&str; 7] = common::CORS_HEADERS;

/// The 2xx statuses httpd's `RewriteRule … [R=…]` accepts (those it has a reason phrase for).
const KNOWN_OK_STATUSES: [u16; 10] = [200, 201, 202, 203, 204, 205, 206, 207, 208, 226];

/// Writes `policy` out as a file to `Include` at the top level of httpd's configuration.
///
/// # Errors
///
/// When httpd cannot express a key of the policy exactly, or an option is not usable.
pub fn export(policy: &Policy, options: &Options) -> Result<String, ExportError> {
    common::check_options(options)?;
    let p = options.prefix.to_ascii_uppercase();
    let routes = common::routes(policy, Server::Apache)?;
    let root_shadowed = routes
        .iter()
        .any(|(path, _)| path.is_empty() || *path == "/");
    let mut policies: Vec<(String, Option<&str>, &Policy)> = routes
        .iter()
        .enumerate()
        .map(|(i, (path, route))| (format!("R{}", i + 1), Some(*path), *route))
        .collect();
    if !root_shadowed {
        policies.push(("TOP".to_owned(), None, policy));
    }
    for (_, path, route) in &policies {
        common::check_policy(route, Server::Apache, *path)?;
        let ok = route.preflight_answer(corsica::Outcome::PreflightOk);
        if let Some(status) = ok
            .map(corsica::Status::as_u16)
            .filter(|s| !KNOWN_OK_STATUSES.contains(s))
        {
            return Err(ExportError::Unsupported {
                server: Server::Apache,
                key: "preflight_status",
                route: path.map(str::to_owned),
                why: format!(
                    "httpd's RewriteRule [R=…] answers only with a status it knows \
                     ({KNOWN_OK_STATUSES:?}), not {status}: set preflight_status to one of them"
                ),
            });
        }
    }

    let mut out = String::new();
    header_comment(&mut out, options);
    // A port alone is `Listen PORT`, but a `<VirtualHost>` needs an address: any (`*:PORT`).
    let vhost = if options.listen.bytes().all(|b| b.is_ascii_digit()) {
        format!("*:{}", options.listen)
    } else {
        options.listen.clone()
    };
    let _ = writeln!(out, "Listen {}\n<VirtualHost {vhost}>", options.listen);
    out.push_str("    # The request's CORS headers, read once (SetEnvIf never adds to Vary).\n");
    for line in [
        format!("SetEnvIf Request_Method \"^OPTIONS$\" {p}_OPTIONS=1"),
        format!("SetEnvIf Origin \".\" {p}_HAS_ORIGIN=1"),
        format!("SetEnvIf Access-Control-Request-Method \".\" {p}_HAS_ACRM=1"),
        format!("SetEnvIf Origin \"^(.+)$\" {p}_ORIGIN=$1"),
        format!("SetEnvIf Access-Control-Request-Method \"^(.+)$\" {p}_ACRM=$1"),
        format!("SetEnvIf Access-Control-Request-Headers \"^(.+)$\" {p}_ACRH=$1"),
        format!("SetEnvIf Access-Control-Request-Private-Network \"^true$\" {p}_PNA=1"),
        format!(
            "SetEnvIfExpr \"reqenv('{p}_HAS_ORIGIN') == '1' && reqenv('{p}_OPTIONS') == '1' && reqenv('{p}_HAS_ACRM') == '1'\" {p}_KIND=preflight"
        ),
        format!(
            "SetEnvIfExpr \"reqenv('{p}_HAS_ORIGIN') == '1' && reqenv('{p}_KIND') != 'preflight'\" {p}_KIND=actual"
        ),
    ] {
        let _ = writeln!(out, "    {line}");
    }
    out.push_str("    # The route: the first whose path starts the request's path.\n");
    for (name, path, _) in &policies {
        match path {
            Some(path) => {
                let _ = writeln!(
                    out,
                    "    SetEnvIfExpr \"-z reqenv('{p}_ROUTE') && %{{REQUEST_URI}} =~ m#^{}#\" {p}_ROUTE={name}",
                    common::escape(path)
                );
            }
            None => {
                let _ = writeln!(
                    out,
                    "    SetEnvIfExpr \"-z reqenv('{p}_ROUTE')\" {p}_ROUTE={name}"
                );
            }
        }
    }
    for (name, path, route) in &policies {
        let _ = writeln!(
            out,
            "    # {}",
            path.map_or("The policy outside every route.".to_owned(), |p| format!(
                "The route {p:?}."
            ))
        );
        policy_env(&mut out, &p, name, route);
    }

    out.push_str("    # Preflights are answered here; everything else goes to the upstream.\n    RewriteEngine On\n");
    let mut statuses: Vec<u16> = policies
        .iter()
        .flat_map(|(_, _, route)| common::preflight_answers(route))
        .map(|(_, status)| status)
        .collect();
    statuses.sort_unstable();
    statuses.dedup();
    for status in statuses {
        let _ = writeln!(
            out,
            "    RewriteCond %{{ENV:{p}_ANSWER}} ={status}\n    RewriteRule ^ - [R={status},L]"
        );
    }
    let upstream = options.upstream.trim_end_matches('/');
    let _ = writeln!(
        out,
        "    ProxyPass \"/\" \"{upstream}/\"\n    ProxyPassReverse \"/\" \"{upstream}/\""
    );
    out.push_str("    # The upstream's CORS headers are dropped (onsuccess table); corsica's are set on every\n    # response (always table), and Vary is merged where the upstream's own Vary is.\n");
    for h in CORS_HEADERS {
        let _ = writeln!(out, "    Header unset {h}");
    }
    for (h, var) in [
        ("Access-Control-Allow-Origin", "ACAO"),
        ("Access-Control-Allow-Credentials", "ACAC"),
        ("Access-Control-Allow-Methods", "ACAM"),
        ("Access-Control-Allow-Headers", "ACAH"),
        ("Access-Control-Max-Age", "ACMA"),
        ("Access-Control-Expose-Headers", "ACEH"),
        ("Access-Control-Allow-Private-Network", "ACAPN"),
    ] {
        let _ = writeln!(
            out,
            "    Header always set {h} \"%{{{p}_{var}}}e\" env={p}_{var}"
        );
    }
    let _ = writeln!(out, "    Header merge Vary Origin env={p}_VARY");
    out.push_str("</VirtualHost>\n");
    Ok(out)
}

/// A minimal `httpd.conf` that loads the modules the export needs and includes `file`, for
/// `apache2 -t` or to run the export on its own (`apache2 -d DIR -f DIR/httpd.conf -DFOREGROUND`):
/// everything httpd writes stays under `dir`.
pub fn wrapper_config(file: &str, dir: &str) -> String {
    let modules = "/usr/lib/apache2/modules";
    let mut out = format!(
        "# Written by corsica to check or run an exported file on its own.\n\
         ServerRoot {dir}\nPidFile {dir}/httpd.pid\nErrorLog {dir}/error.log\nLogLevel warn\n\
         ServerName localhost\nMutex file:{dir} default\n"
    );
    for (name, so) in [
        ("mpm_event_module", "mod_mpm_event.so"),
        ("authz_core_module", "mod_authz_core.so"),
        ("headers_module", "mod_headers.so"),
        ("setenvif_module", "mod_setenvif.so"),
        ("rewrite_module", "mod_rewrite.so"),
        ("proxy_module", "mod_proxy.so"),
        ("proxy_http_module", "mod_proxy_http.so"),
    ] {
        let _ = writeln!(out, "LoadModule {name} {modules}/{so}");
    }
    let _ = writeln!(
        out,
        "<IfDefine !CORSICA_NOT_ROOT>\n    User nobody\n    Group nogroup\n</IfDefine>\nInclude {file}"
    );
    out
}

fn header_comment(out: &mut String, o: &Options) {
    let _ = writeln!(
        out,
        "# CORS for Apache httpd 2.4, written by corsica {} (`corsica export apache`).\n\
         # Policy: {} (sha256 {}).\n\
         # Regenerate it from the policy rather than editing it.\n\
         #\n\
         # Needs mod_headers, mod_setenvif, mod_rewrite, mod_proxy and mod_proxy_http\n\
         # (Debian: a2enmod headers setenvif rewrite proxy proxy_http). Include it at the top\n\
         # level of the configuration (not inside a <VirtualHost>), e.g. save it as\n\
         # /etc/apache2/conf-available/corsica-cors.conf and run a2enconf corsica-cors, then\n\
         # check and reload: `apache2ctl configtest && apache2ctl graceful`. It listens on\n\
         # {} (its own Listen line: remove it if httpd listens there already) with a\n\
         # <VirtualHost> that proxies to {} and uses the environment variables {}_*.\n",
        o.version,
        o.policy_file,
        o.policy_sha256,
        o.listen,
        o.upstream,
        o.prefix.to_ascii_uppercase()
    );
}

/// The environment variables of one policy, all set only when its route applies.
fn policy_env(out: &mut String, p: &str, name: &str, policy: &Policy) {
    let config = policy.to_config();
    let varies = policy.varies_by_origin();
    let when = format!("reqenv('{p}_ROUTE') == '{name}'");
    let v = format!("{p}_{name}");

    // The origin.
    if varies {
        let alternatives = common::origin_alternatives(&config);
        if !alternatives.is_empty() {
            let _ = writeln!(
                out,
                "    SetEnvIf Origin \"^(?=.{{1,384}}$)(?:{})$\" {v}_ORIGIN_OK=1",
                alternatives.join("|")
            );
        }
    } else {
        let _ = writeln!(out, "    SetEnvIf Request_Method \"^\" {v}_ORIGIN_OK=1");
    }

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
        "    SetEnvIf Access-Control-Request-Method \"{method_regex}\" {v}_METHOD_OK=1"
    );

    // The request headers (an absent header is matched as an empty one).
    let headers: Vec<&str> = config.request_headers.iter().map(String::as_str).collect();
    let _ = writeln!(
        out,
        "    SetEnvIfNoCase Access-Control-Request-Headers \"{}\" {v}_HEADERS_OK=1",
        common::request_headers_regex(&headers)
    );
    let _ = writeln!(
        out,
        "    SetEnvIf Access-Control-Request-Headers \"^.{{{}}}\" !{v}_HEADERS_OK",
        Policy::MAX_REQUEST_HEADERS_LEN + 1
    );
    let pna_ok = if config.private_network {
        String::new()
    } else {
        format!(" && reqenv('{p}_PNA') != '1'")
    };

    // The decision.
    let preflight = format!("{when} && reqenv('{p}_KIND') == 'preflight'");
    for (cond, state) in [
        (
            format!(
                "{preflight} && reqenv('{v}_ORIGIN_OK') == '1' && reqenv('{v}_METHOD_OK') == '1' && reqenv('{v}_HEADERS_OK') == '1'{pna_ok}"
            ),
            "preflight-ok",
        ),
        (
            format!("{preflight} && -z reqenv('{p}_STATE') && reqenv('{v}_ORIGIN_OK') == '1'"),
            "preflight-denied-after",
        ),
        (
            format!("{preflight} && -z reqenv('{p}_STATE')"),
            "preflight-denied-origin",
        ),
        (
            format!("{when} && reqenv('{p}_KIND') == 'actual' && reqenv('{v}_ORIGIN_OK') == '1'"),
            "actual-allowed",
        ),
    ] {
        let _ = writeln!(out, "    SetEnvIfExpr \"{cond}\" {p}_STATE={state}");
    }
    if !varies {
        let _ = writeln!(
            out,
            "    SetEnvIfExpr \"{when} && -z reqenv('{p}_KIND')\" {p}_STATE=not-cors-any"
        );
    }

    // The answer to a preflight.
    for (state, status) in common::preflight_answers(policy) {
        let _ = writeln!(
            out,
            "    SetEnvIfExpr \"{when} && reqenv('{p}_STATE') == '{state}'\" {p}_ANSWER={status}"
        );
    }

    // The response headers.
    let debug = config.debug && !config.preflight_continue;
    let answered = if debug {
        "preflight-ok|preflight-denied-after"
    } else {
        "preflight-ok"
    };
    let actual = if varies {
        "actual-allowed"
    } else {
        "actual-allowed|not-cors-any"
    };
    let state_is = |states: &str| format!("{when} && reqenv('{p}_STATE') =~ /^(?:{states})$/");
    let set = |out: &mut String, cond: String, var: &str, value: &str| {
        let _ = writeln!(out, "    SetEnvIfExpr \"{cond}\" {p}_{var}={value}");
    };
    let both = format!("{answered}|{actual}");
    if varies {
        set(
            out,
            format!("{} && reqenv('{p}_ORIGIN') =~ /^(.+)$/", state_is(&both)),
            "ACAO",
            "$1",
        );
    } else {
        set(out, state_is(&both), "ACAO", "*");
    }
    if config.credentials {
        set(out, state_is(&both), "ACAC", "true");
    }
    if let Some(value) = policy.constant_value(ResponseHeader::AccessControlExposeHeaders) {
        set(out, state_is(actual), "ACEH", value);
    }
    if let Some(value) = policy.constant_value(ResponseHeader::AccessControlMaxAge) {
        set(out, state_is(answered), "ACMA", value);
    }
    match policy.constant_value(ResponseHeader::AccessControlAllowMethods) {
        Some(value) => set(out, state_is(answered), "ACAM", value),
        None if methods.contains(&"*") => set(
            out,
            format!(
                "{} && reqenv('{v}_METHOD_OK') == '1' && reqenv('{p}_ACRM') !~ /^(?:GET|HEAD|POST)$/ && reqenv('{p}_ACRM') =~ /^(.+)$/",
                state_is(answered)
            ),
            "ACAM",
            "$1",
        ),
        None => {}
    }
    match policy.constant_value(ResponseHeader::AccessControlAllowHeaders) {
        Some(value) => set(out, state_is(answered), "ACAH", value),
        None if headers.contains(&"*") => set(
            out,
            format!("{} && reqenv('{p}_ACRH') =~ /^(.+)$/", state_is(answered)),
            "ACAH",
            "$1",
        ),
        None => {}
    }
    if config.private_network {
        set(
            out,
            format!("{} && reqenv('{p}_PNA') == '1'", state_is(answered)),
            "ACAPN",
            "true",
        );
    }
    if varies {
        set(
            out,
            format!("{when} && reqenv('{p}_KIND') != 'preflight'"),
            "VARY",
            "1",
        );
    }
}
