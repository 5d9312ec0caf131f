//! nginx (1.22 and later): `map`s from the request's CORS headers to the decision and to each
//! response header, and one `server` that answers preflights itself and proxies everything else.
//!
//! How the file decides, for each policy (the top level and each `[[route]]`):
//!
//! - **Which kind of request**: `OPTIONS` with `Origin` and `Access-Control-Request-Method` is a
//!   preflight, anything else with `Origin` an actual request (Fetch's definition, as the engine).
//! - **Whether the origin is allowed**: exact origins are map strings (nginx compares those
//!   ignoring case, so an origin with an upper-case letter, which a browser never sends and the
//!   engine refuses, is refused by a second map); patterns (`*.`, `:*`) are regular expressions
//!   anchored at both ends, dots escaped, ports bounded to what a browser sends (1-65535, no
//!   leading zero, never the scheme's default port), and the whole origin at most 384 bytes.
//! - **The preflight's method and headers**: anchored regular expressions over
//!   `Access-Control-Request-Method` (case-sensitive) and `Access-Control-Request-Headers`
//!   (a comma-separated list, names compared ignoring case, empty elements allowed, over
//!   4096 bytes refused), and `Access-Control-Request-Private-Network: true`.
//! - **The answer**: a passing preflight gets the policy's status, a failing one `403`, both
//!   with `return` before the proxy (unless `preflight_continue`); every CORS header is an
//!   `add_header … always` whose value is empty (so not sent) unless the decision sends it;
//!   the upstream's own `Access-Control-*` headers are hidden (`proxy_hide_header`), and `Vary:
//!   Origin` is added unless the upstream's `Vary` lists `Origin` or `*` already.
//! - **Routes**: one `location ^~ PATH` per route, each with all of its directives (nginx drops
//!   inherited `add_header`s in any block that has its own). A route shadowed by an earlier one
//!   (its path starts with an earlier route's path) never applies in the engine (first match
//!   wins) and is left out, so that nginx's longest match picks the same route.
//!
//! Refused (an [`ExportError`] naming the key): `debug` (the partial answers list which
//! requested headers passed, which nginx cannot compute), `reject_disallowed` (its same-origin
//! exception compares `Origin` with the scheme the client used, which nginx behind TLS
//! termination or a load balancer does not know), values with `$` (nginx would read a
//! variable), and route paths nginx would match differently (percent-escapes, spaces, quotes).

use std::fmt::Write as _;

use corsica::Policy;
use corsica::header::ResponseHeader;

use crate::common::{
    CORS_HEADERS, TOKEN, any_origin_regex, check_options, check_policy, escape, pattern_regex,
    preflight_answers, request_headers_regex,
};
use crate::{ExportError, Options, Server};

/// The longest string nginx's default `map_hash_bucket_size` (64) holds.
const MAX_MAP_STRING: usize = 40;

/// The longest `Access-Control-Request-Headers` the engine reads.
const MAX_REQUEST_HEADERS_LEN: usize = Policy::MAX_REQUEST_HEADERS_LEN;

/// Writes `policy` out as a file to include inside nginx's `http {}`.
///
/// # Errors
///
/// When nginx cannot express a key of the policy exactly, or an option is not usable.
pub fn export(policy: &Policy, options: &Options) -> Result<String, ExportError> {
    check_options(options)?;
    let p = &options.prefix;
    let mut out = String::new();
    header_comment(&mut out, options);

    // The policies in the order nginx needs them: the routes that can apply, then the top level.
    let routes = crate::common::routes(policy, Server::Nginx)?;
    let root_shadowed = routes
        .iter()
        .any(|(path, _)| *path == "/" || path.is_empty());
    let mut blocks = Vec::new();
    if !root_shadowed {
        check_policy(policy, Server::Nginx, None)?;
    }
    for (path, route) in &routes {
        check_policy(route, Server::Nginx, Some(path))?;
    }

    // Shared by every policy: the kind of request.
    out.push_str("# The kind of request, as the Fetch Standard classifies it.\n");
    let _ = writeln!(
        out,
        "map $http_origin ${p}_has_origin {{\n    \"\" 0;\n    default 1;\n}}"
    );
    let _ = writeln!(
        out,
        "map $http_access_control_request_method ${p}_has_acrm {{\n    \"\" 0;\n    default 1;\n}}"
    );
    let _ = writeln!(
        out,
        "map \"$request_method:${p}_has_origin${p}_has_acrm\" ${p}_kind {{\n    \"~^OPTIONS:11$\" preflight;\n    \"~^[^:]*:1\" actual;\n    default not-cors;\n}}"
    );
    let _ = writeln!(
        out,
        "# Browsers send origins in lower case; nginx compares map strings ignoring case.\nmap $http_origin ${p}_origin_upper {{\n    \"~[A-Z]\" 1;\n    default 0;\n}}"
    );
    let _ = writeln!(
        out,
        "map $http_access_control_request_headers ${p}_acrh_too_long {{\n    \"~^.{{{}}}\" 1;\n    default 0;\n}}",
        MAX_REQUEST_HEADERS_LEN + 1
    );
    out.push('\n');

    for (index, (path, route)) in routes.iter().enumerate() {
        let name = format!("{p}_r{}", index + 1);
        let _ = writeln!(out, "# The route {path:?}.");
        policy_maps(&mut out, p, &name, route);
        blocks.push(location(
            &format!("location ^~ {} ", quote(path)),
            &name,
            route,
            options,
        ));
    }
    if !root_shadowed {
        let name = format!("{p}_top");
        out.push_str("# The policy outside every route.\n");
        policy_maps(&mut out, p, &name, policy);
        blocks.push(location("location / ", &name, policy, options));
    }

    let _ = writeln!(out, "server {{\n    listen {};", options.listen);
    // Origins up to 384 bytes and request-header lists up to 4 KiB are judged by the maps
    // above; longer lines than nginx's default 8k buffers get nginx's own 400.
    for block in blocks {
        out.push('\n');
        out.push_str(&block);
    }
    out.push_str("}\n");
    Ok(out)
}

/// A minimal `nginx.conf` that includes `file`, for `nginx -t -p DIR -c DIR/nginx.conf` or to run
/// the export on its own (`nginx -p DIR -c DIR/nginx.conf`): everything nginx writes (pid, logs,
/// temporary files) stays under `dir`.
pub fn wrapper_config(file: &str, dir: &str) -> String {
    format!(
        "# Written by corsica to check or run an exported file on its own.\n\
         daemon off;\n\
         worker_processes 1;\n\
         pid {dir}/nginx.pid;\n\
         error_log {dir}/error.log warn;\n\
         events {{\n    worker_connections 1024;\n}}\n\
         http {{\n\
         \x20   access_log off;\n\
         \x20   client_body_temp_path {dir}/client_body;\n\
         \x20   proxy_temp_path {dir}/proxy;\n\
         \x20   fastcgi_temp_path {dir}/fastcgi;\n\
         \x20   uwsgi_temp_path {dir}/uwsgi;\n\
         \x20   scgi_temp_path {dir}/scgi;\n\
         \x20   include {file};\n\
         }}\n"
    )
}

fn header_comment(out: &mut String, o: &Options) {
    let _ = writeln!(
        out,
        "# CORS for nginx 1.22+, written by corsica {} (`corsica export nginx`).\n\
         # Policy: {} (sha256 {}).\n\
         # Regenerate it from the policy rather than editing it.\n\
         #\n\
         # Include it inside the `http {{}}` block of nginx.conf (Debian's nginx.conf includes\n\
         # /etc/nginx/conf.d/*.conf there already):\n\
         #     http {{\n\
         #         include /etc/nginx/conf.d/corsica-cors.conf;\n\
         #     }}\n\
         # then check and reload: `nginx -t && nginx -s reload`. It defines the variables\n\
         # ${}_* and one `server` listening on {}\n\
         # that proxies to {}.\n\
         # To use an existing `server` instead, move the `location` blocks there (each is\n\
         # complete on its own: nginx drops inherited `add_header`s in a block that sets any).\n",
        o.version, o.policy_file, o.policy_sha256, o.prefix, o.listen, o.upstream
    );
}

/// The maps of one policy, all named `${name}_…`.
fn policy_maps(out: &mut String, p: &str, name: &str, policy: &Policy) {
    let config = policy.to_config();
    let varies = policy.varies_by_origin();
    let any_origin = config.origins.iter().any(|o| o == "*");
    let credentials = config.credentials;

    // Whether the origin is allowed.
    let origin_ok = if varies {
        // nginx's default map_hash_bucket_size (64) holds strings up to about 46 bytes: a
        // longer exact origin is an anchored regular expression instead.
        let (exact, long): (Vec<&str>, Vec<&str>) = config
            .origins
            .iter()
            .map(String::as_str)
            .filter(|o| *o == "null" || !o.contains('*'))
            .partition(|o| o.len() <= MAX_MAP_STRING);
        let mut patterns: Vec<String> = config
            .origins
            .iter()
            .filter(|o| *o != "*" && o.contains('*'))
            .map(|o| pattern_regex(o))
            .chain(long.iter().map(|o| format!("^{}$", escape(o))))
            .collect();
        if any_origin {
            // `*` with credentials: every origin a browser can send (not `null`, which only a
            // `null` entry allows).
            patterns = vec![any_origin_regex()];
        }
        let _ = writeln!(out, "map $http_origin ${name}_exact {{");
        for o in &exact {
            let _ = writeln!(out, "    {} 1;", quote(o));
        }
        let _ = writeln!(out, "    default 0;\n}}");
        let _ = writeln!(out, "map $http_origin ${name}_pattern {{");
        for r in &patterns {
            let _ = writeln!(out, "    {} 1;", quote(&format!("~{r}")));
        }
        let _ = writeln!(out, "    default 0;\n}}");
        let _ = writeln!(
            out,
            "map \"${name}_exact${p}_origin_upper${name}_pattern\" ${name}_origin_ok {{\n    \"~^10\" 1;\n    \"~1$\" 1;\n    default 0;\n}}"
        );
        format!("${{{name}_origin_ok}}")
    } else {
        "1".to_owned()
    };

    // Access-Control-Request-Method.
    let methods: Vec<&str> = config.methods.iter().map(String::as_str).collect();
    let method_regex = if methods.contains(&"*") {
        format!("^{TOKEN}$")
    } else {
        let names: Vec<String> = ["GET", "HEAD", "POST"]
            .into_iter()
            .chain(methods.iter().copied())
            .map(escape)
            .collect();
        format!("^(?:{})$", names.join("|"))
    };
    let _ = writeln!(
        out,
        "map $http_access_control_request_method ${name}_method_ok {{\n    {} 1;\n    default 0;\n}}",
        quote(&format!("~{method_regex}"))
    );

    // Access-Control-Request-Headers: a list whose every element is allowed.
    let headers: Vec<&str> = config.request_headers.iter().map(String::as_str).collect();
    let _ = writeln!(
        out,
        "map $http_access_control_request_headers ${name}_acrh_list {{\n    \"\" 1;\n    {} 1;\n    default 0;\n}}",
        quote(&format!("~*{}", request_headers_regex(&headers)))
    );
    let _ = writeln!(
        out,
        "map \"${p}_acrh_too_long${name}_acrh_list\" ${name}_headers_ok {{\n    \"01\" 1;\n    default 0;\n}}"
    );

    // Access-Control-Request-Private-Network.
    let pna_ok = if config.private_network {
        "1".to_owned()
    } else {
        let _ = writeln!(
            out,
            "map $http_access_control_request_private_network ${name}_pna_ok {{\n    \"~^true$\" 0;\n    default 1;\n}}"
        );
        format!("${{{name}_pna_ok}}")
    };

    // The decision.
    let _ = writeln!(
        out,
        "map \"${{{p}_kind}}:{origin_ok}${{{name}_method_ok}}${{{name}_headers_ok}}{pna_ok}\" ${name}_state {{\n    \"~^preflight:1111$\" preflight-ok;\n    \"~^preflight:0\" preflight-denied-origin;\n    \"~^preflight:\" preflight-denied-after;\n    \"~^actual:1\" actual-allowed;\n    \"~^actual:\" actual-denied;\n    default not-cors;\n}}"
    );

    // The response headers, each empty (not sent) unless the decision sends it.
    let allowed_actual: &[&str] = if varies {
        &["actual-allowed"]
    } else {
        &["actual-allowed", "not-cors"]
    };
    let allow_origin = if varies { "$http_origin" } else { "\"*\"" };
    // The preflight answers that carry headers: a passing one, and with `debug` one that failed
    // after its origin passed (it shows what passed, so the browser names what is missing).
    let debug = config.debug && !config.preflight_continue;
    let answered: &[&str] = if debug {
        &["preflight-ok", "preflight-denied-after"]
    } else {
        &["preflight-ok"]
    };
    let answered_re = if debug {
        "preflight-(?:ok|denied-after)"
    } else {
        "preflight-ok"
    };
    let mut state_map = |header: &str, entries: &[(&str, String)]| {
        let _ = writeln!(out, "map ${name}_state ${name}_{header} {{");
        for (state, value) in entries {
            let _ = writeln!(out, "    {state} {value};");
        }
        let _ = writeln!(out, "    default \"\";\n}}");
    };
    let mut acao: Vec<(&str, String)> = answered
        .iter()
        .map(|s| (*s, allow_origin.to_owned()))
        .collect();
    acao.extend(allowed_actual.iter().map(|s| (*s, allow_origin.to_owned())));
    state_map("acao", &acao);
    let acac: Vec<(&str, String)> = if credentials {
        acao.iter().map(|(s, _)| (*s, "true".to_owned())).collect()
    } else {
        Vec::new()
    };
    state_map("acac", &acac);
    let expose: Vec<(&str, String)> = policy
        .constant_value(ResponseHeader::AccessControlExposeHeaders)
        .map(|v| allowed_actual.iter().map(|s| (*s, quote(v))).collect())
        .unwrap_or_default();
    state_map("aceh", &expose);
    let max_age: Vec<(&str, String)> = policy
        .constant_value(ResponseHeader::AccessControlMaxAge)
        .map(|v| answered.iter().map(|s| (*s, quote(v))).collect())
        .unwrap_or_default();
    state_map("acma", &max_age);

    // Access-Control-Allow-Methods: the policy's list, or (credentialed `*`) the method asked
    // for, unless it is safelisted.
    let _ = writeln!(
        out,
        "map \"${{{name}_state}}${{{name}_method_ok}}:$http_access_control_request_method\" ${name}_acam {{"
    );
    match policy.constant_value(ResponseHeader::AccessControlAllowMethods) {
        Some(v) => {
            let _ = writeln!(out, "    \"~^{answered_re}[01]:\" {};", quote(v));
        }
        None if methods.contains(&"*") => {
            // Echoed only when the method passed (a token) and is not safelisted.
            let _ = writeln!(
                out,
                "    \"~^{answered_re}1:(?:GET|HEAD|POST)$\" \"\";\n    \"~^{answered_re}1:\" $http_access_control_request_method;"
            );
        }
        None => {}
    }
    let _ = writeln!(out, "    default \"\";\n}}");

    // Access-Control-Allow-Headers: the policy's list, or (credentialed `*`) the list asked for.
    let acah = match policy.constant_value(ResponseHeader::AccessControlAllowHeaders) {
        Some(v) => answered.iter().map(|s| (*s, quote(v))).collect(),
        None if headers.contains(&"*") => vec![(
            "preflight-ok",
            "$http_access_control_request_headers".to_owned(),
        )],
        None => Vec::new(),
    };
    let mut state_map = |header: &str, entries: &[(&str, String)]| {
        let _ = writeln!(out, "map ${name}_state ${name}_{header} {{");
        for (state, value) in entries {
            let _ = writeln!(out, "    {state} {value};");
        }
        let _ = writeln!(out, "    default \"\";\n}}");
    };
    state_map("acah", &acah);

    // Access-Control-Allow-Private-Network.
    let _ = writeln!(
        out,
        "map \"${name}_state:$http_access_control_request_private_network\" ${name}_acapn {{"
    );
    if config.private_network {
        let _ = writeln!(out, "    \"~^{answered_re}:true$\" true;");
    }
    let _ = writeln!(out, "    default \"\";\n}}");

    // Vary: Origin on every response but preflights, unless the upstream's Vary lists it.
    let _ = writeln!(
        out,
        "map \"${name}_state|$upstream_http_vary\" ${name}_vary {{"
    );
    if varies {
        let _ = writeln!(
            out,
            "    \"~^preflight\" \"\";\n    \"~*^[^|]*\\|(?:.*,)?[ \\t]*(?:origin|\\*)[ \\t]*(?:,|$)\" \"\";\n    default Origin;"
        );
    } else {
        let _ = writeln!(out, "    default \"\";");
    }
    let _ = writeln!(out, "}}\n");
}

/// One `location` with every directive it needs.
fn location(open: &str, name: &str, policy: &Policy, options: &Options) -> String {
    let mut b = String::new();
    let _ = writeln!(b, "    {open}{{");
    for (state, status) in preflight_answers(policy) {
        let _ = writeln!(
            b,
            "        if (${name}_state = {state}) {{\n            return {status};\n        }}"
        );
    }
    let _ = writeln!(
        b,
        "        proxy_pass {};",
        options.upstream.trim_end_matches('/')
    );
    for h in CORS_HEADERS {
        let _ = writeln!(b, "        proxy_hide_header {h};");
    }
    for (h, var) in [
        ("Access-Control-Allow-Origin", "acao"),
        ("Access-Control-Allow-Credentials", "acac"),
        ("Access-Control-Allow-Methods", "acam"),
        ("Access-Control-Allow-Headers", "acah"),
        ("Access-Control-Max-Age", "acma"),
        ("Access-Control-Expose-Headers", "aceh"),
        ("Access-Control-Allow-Private-Network", "acapn"),
        ("Vary", "vary"),
    ] {
        let _ = writeln!(b, "        add_header {h} ${name}_{var} always;");
    }
    let _ = writeln!(b, "    }}");
    b
}

/// `s` as an nginx quoted string (`s` never holds `"` or `\` other than regex escapes).
fn quote(s: &str) -> String {
    format!("\"{s}\"")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::common::{LABELS, PORT};

    fn options() -> Options {
        Options::new("http://127.0.0.1:9000", "127.0.0.1:8080", "cors.toml", "00")
    }

    #[test]
    fn patterns_are_anchored_with_escaped_dots_and_bounded_ports() {
        assert_eq!(
            pattern_regex("https://*.example.com"),
            format!("^(?=.{{1,384}}$)https://{LABELS}\\.example\\.com$")
        );
        assert!(
            pattern_regex("http://localhost:*")
                .ends_with(&format!("localhost(?::(?!80$){PORT})?$"))
        );
        assert!(pattern_regex("https://*.example.com:8443").ends_with("\\.example\\.com:8443$"));
    }

    #[test]
    fn debug_with_any_header_and_reject_disallowed_are_refused_with_their_key() {
        for (config, key) in [
            (
                Policy::builder()
                    .origins(["https://a.example"])
                    .request_headers(["*"])
                    .debug(true),
                "debug",
            ),
            (
                Policy::builder()
                    .origins(["https://a.example"])
                    .reject_disallowed(true),
                "reject_disallowed",
            ),
        ] {
            let policy = config.build().unwrap();
            let err = export(&policy, &options()).unwrap_err();
            assert_eq!(err.key(), key);
            assert!(
                err.to_string()
                    .starts_with(&format!("nginx cannot express `{key}`")),
                "{err}"
            );
        }
    }

    #[test]
    fn options_that_would_inject_text_are_refused() {
        let policy = Policy::builder()
            .origins(["https://a.example"])
            .build()
            .unwrap();
        for (upstream, listen) in [
            ("http://127.0.0.1:9000; evil", "8080"),
            ("ftp://x", "8080"),
            ("http://127.0.0.1:9000/path", "8080"),
            ("http://127.0.0.1:9000", "8080; evil"),
        ] {
            let mut o = options();
            o.upstream = upstream.into();
            o.listen = listen.into();
            assert!(export(&policy, &o).is_err(), "{upstream} {listen}");
        }
    }

    #[test]
    fn every_add_header_is_always() {
        let policy = Policy::builder()
            .origins(["https://a.example", "https://*.b.example"])
            .credentials(true)
            .route("/public/", Policy::builder().origins(["*"]).into_config())
            .build()
            .unwrap();
        let text = export(&policy, &options()).unwrap();
        let adds: Vec<&str> = text
            .lines()
            .filter(|l| l.trim_start().starts_with("add_header"))
            .collect();
        assert_eq!(adds.len(), 16);
        assert!(adds.iter().all(|l| l.ends_with(" always;")));
        assert!(text.contains("location ^~ \"/public/\" {"));
    }
}
