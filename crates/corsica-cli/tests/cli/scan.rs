//! `corsica scan` against real loopback servers: one server per finding class, configured
//! vulnerably (canned stub servers, and a real nginx with the well-known unanchored regex
//! snippets and a missing `always`), correct servers that must give nothing above `info`,
//! `--policy` against corsica-tower, and the output formats.

use std::collections::BTreeSet;

use corsica_harness::{StubRequest, StubResponse, StubServer};
use serde_json::Value;

use crate::util::{Output, TestDir};

const HOST: &str = "api.example.com";

/// `corsica scan http://api.example.com:PORT{path} --resolve …` plus `args`.
fn scan_server(server: &StubServer, path: &str, args: &[&str]) -> Output {
    scan_port(server.addr().port(), path, args)
}

fn scan_port(port: u16, path: &str, args: &[&str]) -> Output {
    let dir = TestDir::new();
    dir.corsica(["scan"])
        .arg(format!("http://{HOST}:{port}{path}"))
        .arg("--resolve")
        .arg(format!("{HOST}:{port}:127.0.0.1"))
        .args(args)
        .run()
}

/// The findings of a JSON scan, as (id, severity) pairs.
fn findings(doc: &Value) -> BTreeSet<(String, String)> {
    doc["findings"]
        .as_array()
        .expect("findings is an array")
        .iter()
        .map(|f| {
            (
                f["id"].as_str().unwrap().to_string(),
                f["severity"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// A server whose CORS answer for an `Origin` is decided by `allow`: the origin echoed with
/// credentials and `Vary: Origin` when it returns true, nothing otherwise.
fn allowing(allow: impl Fn(&str) -> bool + Send + Sync + 'static) -> StubServer {
    StubServer::start(move |req: &StubRequest| {
        let mut res = StubResponse::new(if req.method == "OPTIONS" { 204 } else { 200 })
            .header("Vary", "Origin");
        if let Some(origin) = req.header("origin") {
            if allow(origin) {
                res = res
                    .header("Access-Control-Allow-Origin", origin)
                    .header("Access-Control-Allow-Credentials", "true");
            }
        }
        res.body("{\"me\": \"alice\"}")
    })
    .expect("start a stub server")
}

/// Scans `server` as JSON and returns its findings and exit code.
fn json_scan(server: &StubServer) -> (i32, BTreeSet<(String, String)>, Value) {
    let out = scan_server(server, "/me", &["--format", "json"]);
    let doc = out.json();
    (out.code, findings(&doc), doc)
}

#[track_caller]
fn has(found: &BTreeSet<(String, String)>, id: &str, severity: &str) {
    assert!(
        found.contains(&(id.to_string(), severity.to_string())),
        "expected {id} ({severity}) in {found:?}"
    );
}

#[track_caller]
fn lacks(found: &BTreeSet<(String, String)>, id: &str) {
    assert!(
        !found.iter().any(|(i, _)| i == id),
        "{id} should not be in {found:?}"
    );
}

#[test]
fn any_origin_reflected_with_credentials_is_critical() {
    let server = allowing(|_| true);
    let (code, found, doc) = json_scan(&server);
    assert_eq!(code, 1);
    has(&found, "origin-reflected", "critical");
    has(&found, "null-trusted", "critical");
    // The narrower classes are implied, and not repeated.
    lacks(&found, "prefix-match");
    // The JSON contract.
    let f = &doc["findings"][0];
    let mut keys: Vec<_> = f.as_object().unwrap().keys().cloned().collect();
    keys.sort();
    assert_eq!(
        keys,
        ["evidence", "fix", "id", "origin_sent", "severity", "url"]
    );
    assert_eq!(
        f["url"],
        format!("http://{HOST}:{}/me", server.addr().port())
    );
    assert_eq!(f["evidence"]["read_with_credentials"], true);
    assert_eq!(doc["errors"], serde_json::json!([]));
    // Only the target was contacted, and every probe carried an Origin or was the baseline.
    assert!(server.requests().len() >= 30, "{}", server.requests().len());
}

/// Which origins a test server allows.
type Allow = Box<dyn Fn(&str) -> bool + Send + Sync>;

#[test]
fn each_flawed_origin_check_is_found_with_its_class_and_severity() {
    let target = format!("http://{HOST}");
    let cases: Vec<(&str, &str, Allow)> = vec![
        ("null-trusted", "critical", Box::new(|o| o == "null")),
        (
            "prefix-match",
            "critical",
            Box::new({
                let t = target.clone();
                move |o| o.starts_with(&format!("{t}."))
            }),
        ),
        (
            "suffix-match",
            "critical",
            Box::new(|o| o.ends_with("example.com") && !o.ends_with(".example.com")),
        ),
        (
            "substring-match",
            "critical",
            Box::new(|o| {
                o.contains("example.com")
                    && !o.ends_with("example.com")
                    && !o.starts_with("http://api.example.com")
            }),
        ),
        (
            // `^http://api.example.com$` with unescaped dots.
            "unescaped-regex-dot",
            "critical",
            Box::new(|o| {
                let p = "http://api.example.com";
                o.len() == p.len() && o.bytes().zip(p.bytes()).all(|(a, b)| b == b'.' || a == b)
            }),
        ),
        (
            "any-subdomain",
            "medium",
            Box::new(|o| o.starts_with("http://") && o.ends_with(".example.com")),
        ),
        (
            // A prefix check with a `\W` boundary after the host: `!`, `~`, … pass.
            "special-characters",
            "high",
            Box::new({
                let t = target;
                move |o| {
                    o.strip_prefix(&t)
                        .and_then(|r| r.chars().next())
                        .is_some_and(|c| {
                            !c.is_ascii_alphanumeric() && c != '_' && c != '.' && c != ':'
                        })
                }
            }),
        ),
        (
            "third-party-origin",
            "critical",
            Box::new(|o| o == "https://codepen.io" || o.ends_with(".github.io")),
        ),
        (
            "localhost-unanchored",
            "critical",
            Box::new(|o| o.starts_with("http://localhost") || o.starts_with("https://localhost")),
        ),
    ];
    for (id, severity, allow) in cases {
        let server = allowing(allow);
        let (code, found, _) = json_scan(&server);
        assert_eq!(code, 1, "{id}: {found:?}");
        has(&found, id, severity);
        lacks(&found, "origin-reflected");
    }
}

/// A server answering every request with `headers` (and `status`).
fn canned(status: u16, headers: &'static [(&'static str, &'static str)]) -> StubServer {
    StubServer::start(move |_: &StubRequest| {
        headers
            .iter()
            .fold(StubResponse::new(status), |r, (n, v)| r.header(n, *v))
            .body("{}")
    })
    .expect("start a stub server")
}

#[test]
fn passive_classes() {
    // `*` with credentials: browsers refuse credentialed reads; anonymous reads are public.
    let (code, found, _) = json_scan(&canned(
        200,
        &[
            ("Access-Control-Allow-Origin", "*"),
            ("Access-Control-Allow-Credentials", "true"),
        ],
    ));
    assert_eq!(code, 1);
    has(&found, "wildcard-with-credentials", "low");
    has(&found, "wildcard-origin", "info");

    // A pattern in Access-Control-Allow-Origin: invalid, nothing readable.
    let (code, found, _) = json_scan(&canned(
        200,
        &[("Access-Control-Allow-Origin", "https://*.example.com")],
    ));
    assert_eq!(code, 1);
    assert_eq!(
        found,
        [("invalid-allow-origin".to_string(), "low".to_string())].into()
    );

    // A redirect is reported, not followed.
    let server = canned(302, &[("Location", "http://elsewhere.example/")]);
    let (code, found, _) = json_scan(&server);
    assert_eq!(code, 0, "{found:?}");
    assert_eq!(
        found,
        [("redirect-not-followed".to_string(), "info".to_string())].into()
    );
}

#[test]
fn reflection_without_vary_or_credentials() {
    let server = StubServer::start(|req: &StubRequest| {
        let mut res = StubResponse::new(200);
        if let Some(o) = req.header("origin") {
            res = res.header("Access-Control-Allow-Origin", o);
        }
        res
    })
    .unwrap();
    let (code, found, _) = json_scan(&server);
    assert_eq!(code, 1);
    has(&found, "origin-reflected", "low");
    has(&found, "missing-vary", "low");
}

#[test]
fn preflights_private_network_and_exposed_secrets() {
    let server = StubServer::start(|req: &StubRequest| {
        let origin = req.header("origin").unwrap_or("").to_string();
        let mut res = StubResponse::new(if req.method == "OPTIONS" { 204 } else { 200 })
            .header("Access-Control-Allow-Origin", origin.as_bytes())
            .header("Access-Control-Allow-Credentials", "true")
            .header("Vary", "Origin")
            .header("Access-Control-Expose-Headers", "X-Auth-Token")
            .header("X-Auth-Token", "s3cr3t");
        if req.method == "OPTIONS" {
            res = res
                .header("Access-Control-Allow-Methods", "GET, PUT")
                .header("Access-Control-Allow-Headers", "x-corsica-probe")
                .header("Access-Control-Allow-Private-Network", "true");
        }
        res
    })
    .unwrap();
    let (code, found, _) = json_scan(&server);
    assert_eq!(code, 1);
    has(&found, "origin-reflected", "critical");
    has(&found, "preflight-any-origin", "high");
    has(&found, "private-network-any-origin", "critical");
    has(&found, "exposed-secrets", "high");

    // `*` lists with credentials are names, not wildcards.
    let server = StubServer::start(|req: &StubRequest| {
        let origin = req.header("origin").unwrap_or("").to_string();
        StubResponse::new(204)
            .header("Access-Control-Allow-Origin", origin.as_bytes())
            .header("Access-Control-Allow-Credentials", "true")
            .header("Access-Control-Allow-Methods", "*")
            .header("Access-Control-Allow-Headers", "*")
            .header("Vary", "Origin")
    })
    .unwrap();
    let (_, found, _) = json_scan(&server);
    has(&found, "preflight-wildcard-with-credentials", "low");
    // Without credentials `*` is a wildcard: any page may send the PUT, but without cookies.
    has(&found, "preflight-any-origin", "low");
    lacks(&found, "invalid-allow-origin");
}

#[test]
fn correct_servers_give_nothing_above_info() {
    // An exact allow-list with Vary.
    let server = allowing(|o| o == "https://app.example.com");
    let (code, found, _) = json_scan(&server);
    assert_eq!((code, found.len()), (0, 0), "{found:?}");
    // A public API: `*` without credentials, preflights included.
    let server = canned(
        200,
        &[
            ("Access-Control-Allow-Origin", "*"),
            ("Access-Control-Allow-Methods", "GET, PUT"),
            ("Access-Control-Allow-Headers", "*"),
        ],
    );
    let (code, found, _) = json_scan(&server);
    assert_eq!(code, 0, "{found:?}");
    assert!(found.iter().all(|(_, s)| s == "info"), "{found:?}");
    // No CORS at all.
    let (code, found, _) = json_scan(&canned(200, &[]));
    assert_eq!((code, found.len()), (0, 0), "{found:?}");
}

#[test]
fn text_output_has_the_findings_and_a_summary_table() {
    let server = allowing(|o| o == "null");
    let out = scan_server(&server, "/me", &[]).code(1);
    assert!(
        out.stdout
            .starts_with("CRITICAL null-trusted http://api.example.com:"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("fix: Remove `null`"), "{}", out.stdout);
    assert!(out.stdout.contains("\nScanned 1 URL in "), "{}", out.stdout);
    assert!(
        out.stdout.contains("null-trusted         1  CRITICAL"),
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains('\u{1b}'), "no colour off a terminal");
}

#[test]
fn targets_stream_from_files_and_stdin_and_errors_exit_2() {
    let clean = canned(200, &[]);
    let port = clean.addr().port();
    let dir = TestDir::new();
    let list =
        format!("# two targets\nhttp://{HOST}:{port}/a\n\nhttp://{HOST}:{port}/b\nnot a url\n");
    let file = dir.write("urls.txt", &list);
    let out = dir
        .corsica(["scan", "--format", "json", "--resolve"])
        .arg(format!("{HOST}:{port}:127.0.0.1"))
        .arg(format!("@{}", file.display()))
        .arg("-")
        .stdin(format!("http://{HOST}:{port}/c\n"))
        .run()
        .code(2);
    let doc = out.json();
    assert_eq!(doc["summary"]["targets"], 3);
    let errors = doc["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0]["message"]
            .as_str()
            .unwrap()
            .contains("urls.txt, line 5: \"not a url\": no scheme"),
        "{errors:?}"
    );
    let paths: BTreeSet<String> = clean
        .requests()
        .iter()
        .map(|r| r.path().to_string())
        .collect();
    assert_eq!(paths, ["/a", "/b", "/c"].map(String::from).into());

    // A host that refuses connections: an error, exit 2, one JSON document.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let out = scan_port(port, "/", &["--format", "json"]).code(2);
    let doc = out.json();
    assert!(
        doc["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("cannot connect to"),
        "{doc}"
    );
}

#[test]
fn headers_go_with_every_probe() {
    // CORS only for logged-in users: the reflection shows only with the session cookie.
    let server = StubServer::start(|req: &StubRequest| {
        let mut res = StubResponse::new(200).header("Vary", "Origin");
        if let (Some(o), Some("session=abc")) = (req.header("origin"), req.header("cookie")) {
            res = res
                .header("Access-Control-Allow-Origin", o)
                .header("Access-Control-Allow-Credentials", "true");
        }
        res
    })
    .unwrap();
    let (code, found, _) = json_scan(&server);
    assert_eq!((code, found.len()), (0, 0), "{found:?}");
    let out = scan_server(
        &server,
        "/me",
        &["--format", "json", "-H", "Cookie: session=abc"],
    );
    has(&findings(&out.json()), "origin-reflected", "critical");
    assert!(
        server
            .requests()
            .iter()
            .rev()
            .take(10)
            .all(|r| r.header("cookie") == Some("session=abc"))
    );
}

#[test]
fn a_closed_standard_output_ends_the_scan_quietly() {
    let server = allowing(|_| true);
    let port = server.addr().port();
    let dir = TestDir::new();
    let (code, stderr) = dir
        .corsica(["scan", "--resolve"])
        .arg(format!("{HOST}:{port}:127.0.0.1"))
        .arg(format!("http://{HOST}:{port}/me"))
        .run_with_closed_stdout();
    assert_eq!((code, stderr.as_str()), (0, ""));
}

#[test]
fn usage_errors() {
    let dir = TestDir::new();
    dir.corsica(["scan", "https://a.example/", "--resolve", "nope"])
        .run()
        .usage_error("--resolve \"nope\": write it as HOST:PORT:ADDR");
    dir.corsica(["scan", "https://a.example/", "-H", "bad header"])
        .run()
        .usage_error("-H \"bad header\"");
    dir.corsica(["scan", "https://a.example/", "--rate", "0"])
        .run()
        .usage_error("--rate 0");
    dir.corsica(["scan", "https://a.example/", "--rate", "1e-300"])
        .run()
        .usage_error("--rate 0.000");
    dir.corsica(["scan", "https://a.example/", "--concurrency", "99999999999"])
        .run()
        .usage_error("--concurrency 99999999999: a number from 1 to 100000");
    dir.corsica(["scan", "https://a.example/", "--per-host", "0"])
        .run()
        .usage_error("--per-host 0");
    let out = dir
        .corsica(["scan", "https://a.example/", "--rate", "0", "--json"])
        .run()
        .code(2);
    assert!(
        out.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("--rate")
    );
}

/// The well-known nginx snippets: a `map` regex missing its `$` anchor, an `if` with an
/// unanchored, unescaped regex, and `add_header` without `always` (no CORS headers on 404).
#[test]
fn real_nginx_with_unanchored_regexes_and_no_always() {
    let ports = corsica_harness::nginx::free_ports(2).expect("free ports");
    let (map_addr, if_addr) = (ports[0].0, ports[1].0);
    let include = format!(
        r#"
map $http_origin $cors_origin {{
    default "";
    "~^http://api\.example\.com" $http_origin;
}}
server {{
    listen {map_addr};
    location = /api/me {{
        add_header Access-Control-Allow-Origin $cors_origin;
        add_header Access-Control-Allow-Credentials true;
        add_header Vary Origin;
        return 200 '{{"me": "alice"}}';
    }}
    location / {{
        add_header Access-Control-Allow-Origin $cors_origin;
        add_header Access-Control-Allow-Credentials true;
        return 404;
    }}
}}
server {{
    listen {if_addr};
    set $cors "";
    if ($http_origin ~* (example.com)) {{
        set $cors $http_origin;
    }}
    location / {{
        add_header Access-Control-Allow-Origin $cors;
        add_header Access-Control-Allow-Credentials true;
        add_header Vary Origin;
        return 200 '{{"me": "alice"}}';
    }}
}}
"#
    );
    drop(ports);
    let _nginx = corsica_harness::nginx::Nginx::start(
        &include,
        corsica_export::nginx::wrapper_config,
        &[map_addr, if_addr],
    )
    .unwrap_or_else(|e| panic!("{e}"));

    let out = scan_port(map_addr.port(), "/api/me", &["--format", "json"]).code(1);
    let found = findings(&out.json());
    has(&found, "prefix-match", "critical");
    has(&found, "error-status-without-cors", "low");
    lacks(&found, "origin-reflected");
    lacks(&found, "suffix-match");

    let out = scan_port(if_addr.port(), "/api/me", &["--format", "json"]).code(1);
    let found = findings(&out.json());
    has(&found, "suffix-match", "critical");
    has(&found, "substring-match", "critical");
    has(&found, "prefix-match", "critical");
    lacks(&found, "origin-reflected");
    lacks(&found, "error-status-without-cors");
}

/// An HTTPS server (HTTP/2 and HTTP/1.1, a fresh self-signed certificate for api.example.com)
/// echoing the origins `allow` accepts, with credentials and `Vary: Origin`.
fn https_server(allow: fn(&str) -> bool) -> std::net::SocketAddr {
    use std::sync::Arc;

    use bytes::Bytes;
    use http_body_util::Full;
    use hyper::service::service_fn;
    use hyper_util::rt::{TokioExecutor, TokioIo};
    use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};

    let cert = rcgen::generate_simple_self_signed(vec![HOST.into()]).expect("a certificate");
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(cert.signing_key.serialize_der()));
    let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(vec![cert.cert.der().clone()], key)
    .expect("server config");
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    let Ok(tls) = acceptor.accept(stream).await else {
                        return;
                    };
                    let h2 = tls.get_ref().1.alpn_protocol() == Some(b"h2");
                    let service = service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                        let origin = req
                            .headers()
                            .get("origin")
                            .and_then(|v| v.to_str().ok())
                            .filter(|o| allow(o))
                            .map(str::to_string);
                        async move {
                            let mut res = hyper::Response::builder().header("vary", "Origin");
                            if let Some(origin) = origin {
                                res = res
                                    .header("access-control-allow-origin", origin)
                                    .header("access-control-allow-credentials", "true");
                            }
                            Ok::<_, std::convert::Infallible>(
                                res.body(Full::new(Bytes::from_static(b"{}"))).unwrap(),
                            )
                        }
                    });
                    let io = TokioIo::new(tls);
                    if h2 {
                        let _ = hyper::server::conn::http2::Builder::new(TokioExecutor::new())
                            .serve_connection(io, service)
                            .await;
                    } else {
                        let _ = hyper::server::conn::http1::Builder::new()
                            .serve_connection(io, service)
                            .await;
                    }
                });
            }
        });
    });
    addr
}

#[test]
fn https_sites_trusting_http_origins() {
    // A scheme-agnostic allow-list: `https?://(.+\.)?api.example.com`.
    let addr = https_server(|o| {
        ["http://", "https://"]
            .iter()
            .filter_map(|s| o.strip_prefix(s))
            .any(|h| h == HOST || h.ends_with(".example.com"))
    });
    let port = addr.port();
    let dir = TestDir::new();
    let out = dir
        .corsica(["scan", "-k", "--format", "json", "--resolve"])
        .arg(format!("{HOST}:{port}:127.0.0.1"))
        .arg(format!("https://{HOST}:{port}/me"))
        .run()
        .code(1);
    let found = findings(&out.json());
    has(&found, "http-origin-trusted", "high");
    has(&found, "any-subdomain", "medium");
    assert_eq!(found.len(), 2, "{found:?}");

    // Without -k, the self-signed certificate is an error.
    let out = dir
        .corsica(["scan", "--format", "json", "--resolve"])
        .arg(format!("{HOST}:{port}:127.0.0.1"))
        .arg(format!("https://{HOST}:{port}/me"))
        .run()
        .code(2);
    assert!(
        out.json()["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("certificate"),
        "{}",
        out.stdout
    );
}

/// The policy `--policy` tests enforce.
const POLICY: &str = r#"
origins = ["https://app.example.com", "https://*.example.org", "http://localhost:*"]
methods = ["GET", "PUT", "DELETE"]
request_headers = ["Content-Type", "Authorization"]
expose_headers = ["X-Request-Id"]
credentials = true
max_age = 600
private_network = true

[[route]]
path = "/public/"
origins = ["*"]
"#;

/// An axum app behind corsica-tower enforcing `policy` (TOML), answering every path with JSON
/// and an `X-Request-Id`; `strip_vary` removes `Vary` from its responses (a deviation no
/// policy can express).
fn tower_server(policy: &str, strip_vary: bool) -> std::net::SocketAddr {
    use axum::response::IntoResponse;

    let policy = corsica::PolicyConfig::parse(policy, corsica::PolicyFormat::Toml)
        .expect("the test policy parses")
        .compile()
        .expect("the test policy compiles");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let app = axum::Router::new()
                .fallback(|| async {
                    ([("x-request-id", "7")], "{\"me\": \"alice\"}").into_response()
                })
                .layer(corsica_tower::CorsLayer::new(policy))
                .layer(axum::middleware::map_response(
                    move |mut res: axum::response::Response| async move {
                        if strip_vary {
                            res.headers_mut().remove("vary");
                        }
                        res
                    },
                ));
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            let _ = axum::serve(listener, app).await;
        });
    });
    addr
}

/// `corsica scan --policy POLICY` against a tower server enforcing `served`: the policy-*
/// findings as (id, origin_sent, evidence url).
fn policy_scan(served: &str, strip_vary: bool) -> Vec<(String, String, String)> {
    let addr = tower_server(served, strip_vary);
    let dir = TestDir::new();
    let policy = dir.write("cors.toml", POLICY);
    let out = scan_port(
        addr.port(),
        "/api/me",
        &["--format", "json", "--policy", policy.to_str().unwrap()],
    );
    let doc = out.json();
    assert_eq!(doc["errors"], serde_json::json!([]), "{}", out.stdout);
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["id"].as_str().unwrap().starts_with("policy-"))
        .map(|f| {
            (
                f["id"].as_str().unwrap().to_string(),
                f["origin_sent"].as_str().unwrap_or("").to_string(),
                f["evidence"]["url"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn ids(found: &[(String, String, String)]) -> BTreeSet<&str> {
    found.iter().map(|(id, _, _)| id.as_str()).collect()
}

#[test]
fn policy_enforced_by_corsica_tower_gives_no_difference() {
    let found = policy_scan(POLICY, false);
    assert_eq!(found, [], "{found:#?}");
}

#[test]
fn policy_deviations_each_give_their_difference() {
    // An extra origin: the bare domain of `https://*.example.org`, a near-miss.
    let extra = POLICY.replace(
        "\"http://localhost:*\"]",
        "\"http://localhost:*\", \"https://example.org\"]",
    );
    let found = policy_scan(&extra, false);
    assert!(ids(&found).contains("policy-extra-origin"), "{found:#?}");
    assert!(
        ids(&found).is_subset(&["policy-extra-origin", "policy-extra-preflight"].into()),
        "{found:#?}"
    );
    assert!(
        found.iter().all(|(_, o, _)| o == "https://example.org"),
        "{found:#?}"
    );

    // A missing request header.
    let missing = POLICY.replace(
        "[\"Content-Type\", \"Authorization\"]",
        "[\"Content-Type\"]",
    );
    let found = policy_scan(&missing, false);
    assert_eq!(
        ids(&found),
        ["policy-missing-preflight"].into(),
        "{found:#?}"
    );

    // No Vary.
    let found = policy_scan(POLICY, true);
    assert_eq!(ids(&found), ["policy-vary"].into(), "{found:#?}");

    // A refused route: the server has no `/public/` route, so `*` is refused there.
    let no_route = POLICY.split("[[route]]").next().unwrap().to_string();
    let found = policy_scan(&no_route, false);
    assert_eq!(ids(&found), ["policy-missing-origin"].into(), "{found:#?}");
    assert!(
        found.iter().all(|(_, _, url)| url.ends_with("/public/")),
        "{found:#?}"
    );

    // No credentials.
    let found = policy_scan(
        &POLICY.replace("credentials = true", "credentials = false"),
        false,
    );
    assert!(ids(&found).contains("policy-credentials"), "{found:#?}");

    // X-Request-Id not exposed.
    let found = policy_scan(
        &POLICY.replace("expose_headers = [\"X-Request-Id\"]\n", ""),
        false,
    );
    assert_eq!(ids(&found), ["policy-expose-headers"].into(), "{found:#?}");

    // No Private Network Access.
    let found = policy_scan(
        &POLICY.replace("private_network = true", "private_network = false"),
        false,
    );
    assert_eq!(ids(&found), ["policy-private-network"].into(), "{found:#?}");
}

/// Validates `doc` against the SARIF 2.1.0 schema (tests/data), formats included.
#[track_caller]
fn assert_valid_sarif(doc: &Value) {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/sarif-schema-2.1.0.json");
    let mut schemas = boon::Schemas::new();
    let mut compiler = boon::Compiler::new();
    compiler.enable_format_assertions();
    let index = compiler
        .compile(path.to_str().unwrap(), &mut schemas)
        .unwrap_or_else(|e| panic!("the SARIF schema compiles: {e:#}"));
    if let Err(e) = schemas.validate(doc, index) {
        panic!("not valid SARIF 2.1.0: {e:#}\n{doc:#}");
    }
}

#[test]
fn sarif_output_is_valid_sarif_2_1_0() {
    let vulnerable = allowing(|_| true);
    let clean = canned(200, &[]);
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed_port = closed.local_addr().unwrap().port();
    drop(closed);
    let dir = TestDir::new();
    let out = dir
        .corsica(["scan", "--format", "sarif"])
        .args(
            [&vulnerable, &clean]
                .iter()
                .flat_map(|s| {
                    let port = s.addr().port();
                    [
                        format!("http://{HOST}:{port}/me"),
                        "--resolve".to_string(),
                        format!("{HOST}:{port}:127.0.0.1"),
                    ]
                })
                .collect::<Vec<_>>(),
        )
        .arg(format!("http://127.0.0.1:{closed_port}/"))
        .run()
        .code(1);
    let doc = out.json();
    assert_valid_sarif(&doc);
    assert_eq!(doc["version"], "2.1.0");
    let results = doc["runs"][0]["results"].as_array().unwrap();
    let critical = results
        .iter()
        .find(|r| r["ruleId"] == "origin-reflected")
        .expect("the reflection is a result");
    assert_eq!(critical["level"], "error");
    assert_eq!(critical["properties"]["severity"], "critical");
    let rules = doc["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    let index = critical["ruleIndex"].as_u64().unwrap() as usize;
    assert_eq!(rules[index]["id"], "origin-reflected");
    let invocation = &doc["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    assert!(
        invocation["toolExecutionNotifications"][0]["message"]["text"]
            .as_str()
            .unwrap()
            .contains("cannot connect to"),
        "{invocation:#}"
    );

    // The validator does reject what SARIF forbids.
    let mut broken = doc.clone();
    broken["runs"][0]["results"][0]["level"] = "fatal".into();
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/sarif-schema-2.1.0.json");
    let mut schemas = boon::Schemas::new();
    let index = boon::Compiler::new()
        .compile(path.to_str().unwrap(), &mut schemas)
        .unwrap();
    assert!(schemas.validate(&broken, index).is_err());

    // A clean scan: no results, still valid.
    let out = scan_server(&clean, "/", &["--format", "sarif"]).code(0);
    let doc = out.json();
    assert_valid_sarif(&doc);
    assert_eq!(doc["runs"][0]["results"], serde_json::json!([]));
}

#[test]
fn per_host_limit_rate_and_probe_cap() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    // A slow server that records how many requests it serves at once.
    let now = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let (n, m) = (Arc::clone(&now), Arc::clone(&most));
    let server = StubServer::start(move |_: &StubRequest| {
        let current = n.fetch_add(1, Ordering::SeqCst) + 1;
        m.fetch_max(current, Ordering::SeqCst);
        std::thread::sleep(std::time::Duration::from_millis(15));
        n.fetch_sub(1, Ordering::SeqCst);
        StubResponse::new(200)
    })
    .unwrap();
    let port = server.addr().port();
    let urls: Vec<String> = (0..6)
        .map(|i| format!("http://{HOST}:{port}/{i}"))
        .collect();
    let dir = TestDir::new();
    let out = dir
        .corsica([
            "scan",
            "--format",
            "json",
            "--per-host",
            "2",
            "--max-probes",
            "5",
        ])
        .arg("--resolve")
        .arg(format!("{HOST}:{port}:127.0.0.1"))
        .args(&urls)
        .run()
        .code(0);
    let doc = out.json();
    assert_eq!(doc["summary"]["targets"], 6);
    assert_eq!(
        doc["summary"]["requests"], 30,
        "5 probes for each of 6 targets"
    );
    assert_eq!(server.requests().len(), 30);
    let most = most.load(Ordering::SeqCst);
    assert!((1..=2).contains(&most), "{most} requests at once");

    // --rate 40: 20 requests take at least about half a second.
    let start = std::time::Instant::now();
    dir.corsica([
        "scan",
        "--format",
        "json",
        "--rate",
        "40",
        "--max-probes",
        "10",
    ])
    .arg("--resolve")
    .arg(format!("{HOST}:{port}:127.0.0.1"))
    .args(&urls[..2])
    .run()
    .code(0);
    let took = start.elapsed();
    assert!(took >= std::time::Duration::from_millis(450), "{took:?}");
}
