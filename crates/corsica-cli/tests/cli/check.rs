//! `corsica check`, run as a user runs it: the built binary against loopback stub servers (plain
//! HTTP/1.1 from the harness, and an HTTPS server with a self-signed certificate speaking HTTP/2
//! or HTTP/1.1), checking exit codes, the JSON contract, the human trace and the errors.

use std::io::Read;
use std::net::TcpListener;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use corsica_harness::{StubRequest, StubResponse, StubServer};
use http_body_util::Full;
use serde_json::Value;

use crate::util::{Output, TestDir};

const ORIGIN: &str = "http://localhost:3000";

/// `corsica check ARGS…`.
fn check(args: &[&str]) -> Output {
    TestDir::new().corsica(["check"]).args(args).run()
}

/// `corsica check ARGS… --json`: the exit code and the document.
fn json(args: &[&str]) -> (i32, Value) {
    let out = check(&[args, &["--json"]].concat());
    (out.code, out.json())
}

/// A server with routes that show each typical outcome.
fn api() -> StubServer {
    StubServer::start(|req: &StubRequest| {
        let preflight =
            req.method == "OPTIONS" && req.header("access-control-request-method").is_some();
        let ok_origin = |r: StubResponse| r.header("Access-Control-Allow-Origin", ORIGIN);
        match (req.path(), preflight) {
            ("/open", true) => ok_origin(StubResponse::new(204))
                .header("Access-Control-Allow-Methods", "PUT, DELETE")
                .header("Access-Control-Allow-Headers", "content-type, x-api-key")
                .header("Access-Control-Allow-Credentials", "true")
                .header("Access-Control-Max-Age", "86400"),
            ("/open", false) => ok_origin(StubResponse::new(200))
                .header("Access-Control-Allow-Credentials", "true")
                .header("Access-Control-Expose-Headers", "X-Request-Id")
                .header("X-Request-Id", "42")
                .header("X-Secret", "s")
                .header("Content-Type", "application/json")
                .body("{}"),
            ("/missing", _) => StubResponse::new(200).body("no CORS here"),
            ("/star", _) => StubResponse::new(200)
                .header("Access-Control-Allow-Origin", "*")
                .header("Access-Control-Allow-Methods", "PUT")
                .body("public"),
            ("/methods", true) => ok_origin(StubResponse::new(204))
                .header("Access-Control-Allow-Methods", "GET, POST"),
            ("/headers", true) => ok_origin(StubResponse::new(204))
                .header("Access-Control-Allow-Methods", "PUT")
                .header("Access-Control-Allow-Headers", "content-type"),
            ("/no-options", true) => StubResponse::new(404).body("not found"),
            ("/vt", _) => {
                StubResponse::new(200).header("Access-Control-Allow-Origin", b"\x0b*".to_vec())
            }
            ("/redirect", _) => StubResponse::new(302)
                .header("Location", "/open")
                .header("Access-Control-Allow-Origin", "*"),
            ("/pna", true) => ok_origin(StubResponse::new(204)),
            ("/pna-ok", true) => ok_origin(StubResponse::new(204))
                .header("Access-Control-Allow-Private-Network", "true"),
            ("/pna" | "/pna-ok", false) => ok_origin(StubResponse::new(200)),
            ("/echo", false) => ok_origin(StubResponse::new(200)),
            ("/any-headers", true) => {
                ok_origin(StubResponse::new(204)).header("Access-Control-Allow-Headers", "*")
            }
            ("/any-headers", false) => ok_origin(StubResponse::new(200)),
            _ => StubResponse::new(404),
        }
    })
    .expect("start the stub API")
}

fn keys(v: &Value) -> Vec<&str> {
    let mut k: Vec<&str> = v
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    k.sort_unstable();
    k
}

#[test]
fn json_contract_for_an_allowed_preflighted_request() {
    let api = api();
    let url = api.url("/open");
    let (code, doc) = json(&[
        &url,
        "--origin",
        ORIGIN,
        "-X",
        "PUT",
        "-H",
        "Content-Type: application/json",
        "-H",
        "X-Api-Key: k",
        "--credentials",
        "include",
    ]);
    assert_eq!(code, 0, "{doc:#}");
    assert_eq!(
        keys(&doc),
        [
            "allowed",
            "browser",
            "diagnosis",
            "error",
            "exposed",
            "fix",
            "preflight",
            "redirects",
            "request",
            "response",
            "warnings"
        ]
    );
    assert_eq!(doc["browser"], "chromium");
    assert_eq!(doc["allowed"], true);
    let pre = &doc["preflight"];
    assert_eq!(keys(pre), ["cache_seconds", "headers", "sent", "status"]);
    assert_eq!(pre["sent"], true);
    assert_eq!(pre["status"], 204);
    // Chromium's cap on Access-Control-Max-Age.
    assert_eq!(pre["cache_seconds"], 7200);
    assert!(
        pre["headers"]
            .as_array()
            .unwrap()
            .contains(&serde_json::json!([
                "Access-Control-Allow-Methods",
                "PUT, DELETE"
            ]))
    );
    assert_eq!(keys(&doc["response"]), ["headers", "status"]);
    assert_eq!(doc["response"]["status"], 200);
    assert_eq!(
        doc["exposed"],
        serde_json::json!(["content-length", "content-type", "x-request-id"])
    );
    assert_eq!(doc["error"], Value::Null);
    assert_eq!(doc["fix"], Value::Null);
    let seen = api.requests();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].method, "OPTIONS");
    assert_eq!(seen[0].header("origin"), Some(ORIGIN));
    assert_eq!(seen[0].header("access-control-request-method"), Some("PUT"));
    assert_eq!(
        seen[0].header("access-control-request-headers"),
        Some("content-type,x-api-key")
    );
    assert_eq!(seen[0].header("accept"), Some("*/*"));
    assert_eq!(seen[1].method, "PUT");
    assert_eq!(seen[1].header("x-api-key"), Some("k"));
}

/// Chromium still lets `Access-Control-Allow-Headers: *` cover `Authorization` (the Fetch
/// Standard does not): `check` reports what Chromium does, and the fix asks for the spec's way.
#[test]
fn authorization_under_wildcard_is_allowed_like_chromium_with_a_fix() {
    let api = api();
    let url = api.url("/any-headers");
    let (code, doc) = json(&[&url, "--origin", ORIGIN, "-H", "Authorization: Bearer t"]);
    assert_eq!(code, 0, "{doc:#}");
    assert_eq!(doc["allowed"], true);
    let fix = doc["fix"].as_str().unwrap();
    assert!(fix.contains("never covers Authorization"), "{fix}");
    assert!(fix.contains("*, authorization"), "{fix}");

    // Listed explicitly: nothing to fix.
    let (code, doc) = json(&[&url, "--origin", ORIGIN, "-H", "X-Trace: 1"]);
    assert_eq!(code, 0, "{doc:#}");
    assert_eq!(doc["fix"], Value::Null);
}

#[test]
fn json_contract_for_a_blocked_simple_request() {
    let api = api();
    let url = api.url("/missing");
    let (code, doc) = json(&[&url, "--origin", ORIGIN]);
    assert_eq!(code, 1);
    assert_eq!(doc["allowed"], false);
    assert_eq!(doc["preflight"], Value::Null);
    assert_eq!(doc["response"]["status"], 200);
    assert_eq!(doc["exposed"], serde_json::json!([]));
    assert_eq!(
        keys(&doc["error"]),
        ["console", "kind", "message", "reason_code", "script_error"]
    );
    assert_eq!(doc["error"]["reason_code"], Value::Null);
    assert_eq!(doc["error"]["script_error"], "TypeError: Failed to fetch");
    assert_eq!(doc["error"]["kind"], "MissingAllowOriginHeader");
    assert_eq!(
        doc["error"]["message"],
        format!(
            "Access to fetch at '{url}' from origin '{ORIGIN}' has been blocked by CORS policy: No \
             'Access-Control-Allow-Origin' header is present on the requested resource."
        )
    );
    assert_eq!(
        doc["fix"],
        format!("add \"Access-Control-Allow-Origin: {ORIGIN}\" to the response")
    );
}

#[test]
fn typical_failures_each_have_their_kind_and_fix() {
    let api = api();
    let cases: [(&str, &[&str], &str, &str); 6] = [
        (
            "/missing",
            &[],
            "MissingAllowOriginHeader",
            "add \"Access-Control-Allow-Origin",
        ),
        (
            "/star",
            &["--credentials", "include"],
            "WildcardOriginNotAllowed",
            "the server answers \"*\" but the request sends credentials: send the page's origin",
        ),
        (
            "/methods",
            &["-X", "DELETE"],
            "MethodDisallowedByPreflightResponse",
            "add \"DELETE\" to \"Access-Control-Allow-Methods\" in the preflight response",
        ),
        (
            "/headers",
            &["-X", "PUT", "-H", "X-Api-Key: k"],
            "HeaderDisallowedByPreflightResponse",
            "add \"x-api-key\" to \"Access-Control-Allow-Headers\" in the preflight response",
        ),
        (
            "/no-options",
            &["-X", "PUT"],
            "PreflightMissingAllowOriginHeader",
            "make the preflight (OPTIONS) answer 2xx with \"Access-Control-Allow-Origin: \
             http://localhost:3000\" (it answered 404 without it): the OPTIONS route is probably missing",
        ),
        (
            "/vt",
            &[],
            "InvalidAllowOriginValue",
            "make \"Access-Control-Allow-Origin\" exactly",
        ),
    ];
    for (path, extra, kind, fix) in cases {
        let url = api.url(path);
        let (code, doc) = json(&[&[url.as_str(), "--origin", ORIGIN], extra].concat());
        assert_eq!(code, 1, "{path}: {doc:#}");
        assert_eq!(doc["error"]["kind"], kind, "{path}: {doc:#}");
        let text = doc["fix"].as_str().unwrap();
        assert!(text.starts_with(fix), "{path}: {text}");
    }
}

#[test]
fn human_output_traces_checks_message_and_fix() {
    let api = api();
    let url = api.url("/headers");
    let r = check(&[&url, "--origin", ORIGIN, "-X", "PUT", "-H", "X-Api-Key: k"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let out = &r.stdout;
    for expected in [
        &format!(
            "→ OPTIONS {url}  (preflight: method PUT is not CORS-safelisted; CORS-unsafe \
             request headers: x-api-key)"
        ) as &str,
        "    Access-Control-Request-Method: PUT",
        "    Access-Control-Request-Headers: x-api-key",
        &format!("    Origin: {ORIGIN}"),
        "← 204 No Content  (HTTP/1.1)",
        &format!("    Access-Control-Allow-Origin: {ORIGIN}"),
        &format!("  ✓ Access-Control-Allow-Origin matches {ORIGIN}"),
        "  ✓ status 204 is ok (2xx)",
        "  ✓ method PUT is allowed",
        "  ✗ request header x-api-key is not allowed by Access-Control-Allow-Headers",
        "✗ blocked: HeaderDisallowedByPreflightResponse",
        &format!(
            "    Access to fetch at '{url}' from origin '{ORIGIN}' has been blocked by CORS policy: \
             Request header field x-api-key is not allowed by Access-Control-Allow-Headers in \
             preflight response."
        ),
        "  fix: add \"x-api-key\" to \"Access-Control-Allow-Headers\" in the preflight response",
    ] {
        assert!(out.contains(expected), "missing {expected:?} in:\n{out}");
    }
    assert!(!out.contains('\x1b'), "no colour when piped:\n{out}");
    // The actual request was never sent.
    assert_eq!(api.requests().len(), 1);

    let url = api.url("/redirect");
    let r = check(&[&url, "--origin", ORIGIN]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    for expected in [
        &format!("→ GET {url}") as &str,
        "← 302 Found  (HTTP/1.1)",
        "    Location: /open",
        &format!("  · redirected to {}", api.url("/open")),
        "  · the script can read: content-length, content-type, x-request-id",
        "✓ allowed: the page can read the response (status 200)",
    ] {
        assert!(
            r.stdout.contains(expected),
            "missing {expected:?} in:\n{}",
            r.stdout
        );
    }
}

#[test]
fn colour_follows_the_environment() {
    let api = api();
    let url = api.url("/missing");
    let dir = TestDir::new();
    let forced = dir
        .corsica(["check", &url, "--origin", ORIGIN])
        .env("CLICOLOR_FORCE", "1")
        .run();
    assert!(forced.stdout.contains('\x1b'), "{}", forced.stdout);
    let none = dir
        .corsica(["check", &url, "--origin", ORIGIN])
        .env("CLICOLOR_FORCE", "1")
        .env("NO_COLOR", "1")
        .run();
    assert!(!none.stdout.contains('\x1b'), "{}", none.stdout);
    // JSON never carries styles.
    let doc = dir
        .corsica(["check", &url, "--origin", ORIGIN, "--json"])
        .env("CLICOLOR_FORCE", "1")
        .run();
    assert!(!doc.stdout.contains('\x1b'));
}

#[test]
fn data_makes_a_simple_post_like_fetch() {
    let api = api();
    let url = api.url("/echo");
    let (code, doc) = json(&[&url, "--origin", ORIGIN, "-d", "a=1"]);
    assert_eq!(code, 0, "{doc:#}");
    assert_eq!(doc["preflight"], Value::Null);
    let seen = api.requests();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].method, "POST");
    assert_eq!(seen[0].body, b"a=1");
    assert_eq!(
        seen[0].header("content-type"),
        Some("text/plain;charset=UTF-8")
    );
    assert_eq!(seen[0].header("origin"), Some(ORIGIN));
}

#[test]
fn private_network_requests() {
    let api = api();
    let url = api.url("/pna");
    let (code, doc) = json(&[&url, "--origin", ORIGIN, "--private-network"]);
    assert_eq!(code, 1);
    assert_eq!(doc["error"]["kind"], "PreflightMissingAllowPrivateNetwork");
    assert_eq!(
        api.requests()[0].header("access-control-request-private-network"),
        Some("true")
    );
    let (code, doc) = json(&[&api.url("/pna-ok"), "--origin", ORIGIN, "--private-network"]);
    assert_eq!(code, 0, "{doc:#}");
    api.clear();
    let (code, doc) = json(&[&url, "--origin", "http://app.example", "--private-network"]);
    assert_eq!(code, 1);
    assert_eq!(doc["error"]["kind"], "InsecurePrivateNetwork");
    assert!(
        api.requests().is_empty(),
        "nothing is sent from an insecure page"
    );
}

/// `check ARGS…` is an error: exit 2, nothing on stdout, one `corsica: error: ` line on stderr
/// containing `needle`.
#[track_caller]
fn usage_error(args: &[&str], needle: &str) {
    let r = check(args).usage_error(needle);
    assert_eq!(
        r.stderr.trim_end().lines().count(),
        1,
        "one line: {}",
        r.stderr
    );
}

#[test]
fn usage_errors_exit_2_with_one_line() {
    const URL: &str = "http://127.0.0.1/";
    let cases: &[(&[&str], &str)] = &[
        (
            &["not a url", "--origin", ORIGIN],
            "URL \"not a url\" has no scheme",
        ),
        (
            &["127.0.0.1:9/x", "--origin", ORIGIN],
            "has no scheme: write \"http://127.0.0.1:9/x\"",
        ),
        (
            &["localhost:3000/api", "--origin", ORIGIN],
            "has no scheme: write \"http://localhost:3000/api\"",
        ),
        (&["http://[x/", "--origin", ORIGIN], "URL \"http://[x/\""),
        (
            &[URL, "--origin", "HTTP://LOCALHOST:3000"],
            "write \"http://localhost:3000\"",
        ),
        (&[URL, "--origin", "*"], "\"*\" is a pattern, not an origin"),
        (
            &[URL, "--origin", "https://a.example,https://b.example"],
            "holds several origins, but one entry is one origin (the first here is \"https://a.example\")",
        ),
        (&["ftp://x/", "--origin", ORIGIN], "only http and https"),
        (
            &[URL, "--origin", "https://a.example/"],
            "--origin \"https://a.example/\"",
        ),
        (
            &[URL, "--origin", ORIGIN, "-H", "nocolon"],
            "-H \"nocolon\"",
        ),
        (
            &[URL, "--origin", ORIGIN, "-H", "Bad Name: x"],
            "not a header name",
        ),
        (&[URL, "--origin", ORIGIN, "--timeout", "0"], "--timeout"),
        (
            &[URL, "--origin", ORIGIN, "-X", "TRACE"],
            "fetch() would throw",
        ),
        (
            &[URL, "--origin", ORIGIN, "-X", "GET", "-d", "x"],
            "GET/HEAD method cannot have body",
        ),
    ];
    for (args, needle) in cases {
        usage_error(args, needle);
    }
    let r = check(&[URL]);
    assert_eq!(r.code, 2, "--origin is required");
}

#[test]
fn methods_fetch_does_not_upper_case_are_warned_about() {
    // A port nothing listens on: the warning comes before any connection.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}/");
    let r = check(&[&url, "--origin", ORIGIN, "-X", "patch"]);
    assert!(
        r.stderr.contains(
            "corsica: warning: -X \"patch\": fetch() sends this method as written (it upper-cases \
             only DELETE, GET, HEAD, OPTIONS, POST and PUT); servers almost always expect \"PATCH\""
        ),
        "{}",
        r.stderr
    );
    // Methods fetch() normalizes, and methods already in upper case, get no warning.
    for method in ["delete", "PATCH", "Post"] {
        let r = check(&[&url, "--origin", ORIGIN, "-X", method]);
        assert!(!r.stderr.contains("warning"), "{method}: {}", r.stderr);
    }
}

#[test]
fn network_failures_exit_2_with_one_line() {
    // A port nothing listens on.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    usage_error(
        &[&format!("http://127.0.0.1:{port}/"), "--origin", ORIGIN],
        &format!("cannot connect to 127.0.0.1:{port}: connection refused"),
    );
    // A name that never resolves (RFC 6761); a resolver that hangs hits the timeout instead.
    let r = check(&[
        "http://no-such-host.invalid/",
        "--origin",
        ORIGIN,
        "--timeout",
        "5",
    ]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("cannot resolve no-such-host.invalid") || r.stderr.contains("no answer"),
        "{}",
        r.stderr
    );
    // A server that closes without answering.
    let closing = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = closing.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in closing.incoming().flatten() {
            let mut stream = stream;
            let mut buf = [0u8; 1024];
            let _ = stream.read(&mut buf);
        }
    });
    usage_error(
        &[&format!("http://{addr}/"), "--origin", ORIGIN],
        "closed the connection without answering",
    );
}

#[test]
fn timeout_bounds_the_whole_check() {
    // Accepts connections and never answers.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = silent.local_addr().unwrap();
    let held = std::thread::spawn(move || {
        let mut kept = Vec::new();
        for stream in silent.incoming().take(1) {
            kept.push(stream);
            std::thread::sleep(Duration::from_secs(5));
        }
    });
    let start = Instant::now();
    usage_error(
        &[
            &format!("http://{addr}/"),
            "--origin",
            ORIGIN,
            "--timeout",
            "0.5",
        ],
        &format!("no answer from {addr} within 0.5 s (raise --timeout)"),
    );
    assert!(
        start.elapsed() < Duration::from_secs(4),
        "{:?}",
        start.elapsed()
    );
    drop(held);
}

/// An HTTPS server with a fresh self-signed certificate for 127.0.0.1 and localhost, offering
/// `alpn` (HTTP/2 and/or HTTP/1.1), answering every preflight and request for ORIGIN.
pub(crate) struct TlsServer {
    pub(crate) addr: std::net::SocketAddr,
    /// The certificate, PEM.
    pub(crate) pem: String,
}

pub(crate) fn tls_server(alpn: &[&[u8]]) -> TlsServer {
    use hyper::service::service_fn;
    use hyper_util::rt::{TokioExecutor, TokioIo};
    use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};

    let cert = rcgen::generate_simple_self_signed(vec!["127.0.0.1".into(), "localhost".into()])
        .expect("a self-signed certificate");
    let pem = cert.cert.pem();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(cert.signing_key.serialize_der()));
    let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(vec![cert.cert.der().clone()], key)
    .expect("server config");
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
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
                    let service =
                        service_fn(|req: hyper::Request<hyper::body::Incoming>| async move {
                            let mut res = hyper::Response::builder()
                                .header("access-control-allow-origin", ORIGIN);
                            if req.uri().path() == "/dup" {
                                res = res.header("access-control-allow-origin", ORIGIN);
                            }
                            res = if req.method() == hyper::Method::OPTIONS {
                                res.status(204)
                                    .header("access-control-allow-methods", "PUT")
                                    .header("access-control-allow-headers", "x-api-key")
                            } else {
                                res.status(200).header("x-request-id", "7")
                            };
                            Ok::<_, std::convert::Infallible>(
                                res.body(Full::new(Bytes::new())).unwrap(),
                            )
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
    TlsServer { addr, pem }
}

#[test]
fn https_with_a_self_signed_certificate() {
    let server = tls_server(&[b"h2", b"http/1.1"]);
    let url = format!("https://{}/data", server.addr);
    let r = check(&[&url, "--origin", ORIGIN]);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.is_empty());
    assert!(
        r.stderr.starts_with(&format!(
            "corsica: error: TLS handshake with {} failed: ",
            server.addr
        )) && r.stderr.contains("certificate")
            && r.stderr.contains("--insecure"),
        "{}",
        r.stderr
    );
    assert_eq!(r.stderr.trim_end().lines().count(), 1, "{}", r.stderr);

    // With --insecure the certificate is not verified; the rest is checked as usual, over
    // HTTP/2 as ALPN chose.
    let r = check(&[
        &url,
        "--origin",
        ORIGIN,
        "--insecure",
        "-X",
        "PUT",
        "-H",
        "X-Api-Key: k",
    ]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains(&format!(
            "→ OPTIONS {url}  (preflight: method PUT is not CORS-safelisted; CORS-unsafe \
             request headers: x-api-key)"
        )),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("← 204 No Content  (HTTP/2)"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("← 200 OK  (HTTP/2)"), "{}", r.stdout);
    assert!(r.stdout.contains("✓ allowed"), "{}", r.stdout);
}

#[test]
fn http2_and_http1_over_tls() {
    for (alpn, protocol) in [
        (&[&b"h2"[..]][..], "HTTP/2"),
        (&[&b"http/1.1"[..]][..], "HTTP/1.1"),
    ] {
        let server = tls_server(alpn);
        let url = format!("https://localhost:{}/dup", server.addr.port());
        let r = check(&[&url, "--origin", ORIGIN, "-k"]);
        assert!(
            r.stdout.contains(&format!("← 200 OK  ({protocol})")),
            "{}{}",
            r.stdout,
            r.stderr
        );
        let (code, doc) = json(&[&url, "--origin", ORIGIN, "-k"]);
        assert_eq!(code, 1, "{doc:#}");
        assert_eq!(doc["error"]["kind"], "MultipleAllowOriginValues");
        let values: Vec<&Value> = doc["response"]["headers"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|h| {
                h[0].as_str()
                    .unwrap()
                    .eq_ignore_ascii_case("access-control-allow-origin")
            })
            .collect();
        assert_eq!(values.len(), 2, "both lines kept over {protocol}: {doc:#}");
    }
}

#[test]
fn each_engine_words_a_missing_allow_origin_its_own_way() {
    let api = api();
    let url = api.url("/missing");
    let (code, doc) = json(&[&url, "--origin", ORIGIN, "--browser", "firefox"]);
    assert_eq!(code, 1);
    assert_eq!(doc["browser"], "firefox");
    assert_eq!(doc["error"]["reason_code"], "CORSMissingAllowOrigin2");
    assert_eq!(
        doc["error"]["script_error"],
        "TypeError: NetworkError when attempting to fetch resource."
    );
    assert_eq!(
        doc["error"]["message"],
        format!(
            "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at {url}. (Reason: CORS header \u{2018}Access-Control-Allow-Origin\u{2019} missing). Status code: 200."
        )
    );
    let (code, doc) = json(&[&url, "--origin", ORIGIN, "--browser", "webkit"]);
    assert_eq!(code, 1);
    assert_eq!(doc["browser"], "webkit");
    assert_eq!(doc["error"]["reason_code"], Value::Null);
    assert_eq!(
        doc["error"]["console"],
        serde_json::json!([
            format!(
                "Origin {ORIGIN} is not allowed by Access-Control-Allow-Origin. Status code: 200"
            ),
            format!("Fetch API cannot load {url} due to access control checks."),
        ])
    );
    let (code, doc) = json(&[&url, "--origin", ORIGIN, "--browser", "all"]);
    assert_eq!(code, 1);
    assert_eq!(doc["allowed"], false);
    let engines: Vec<&str> = doc["browsers"]
        .as_array()
        .expect("browsers")
        .iter()
        .map(|d| d["browser"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(engines, ["chromium", "firefox", "webkit"]);
}

#[test]
fn explain_reads_back_what_check_prints() {
    let api = api();
    let url = api.url("/missing");
    for browser in ["chromium", "firefox", "webkit"] {
        let (_, doc) = json(&[&url, "--origin", ORIGIN, "--browser", browser]);
        let lines: Vec<String> = doc["error"]["console"]
            .as_array()
            .expect("console lines")
            .iter()
            .map(|l| l.as_str().unwrap_or_default().to_string())
            .collect();
        let dir = TestDir::new();
        let out = dir
            .corsica(["explain", "--json"])
            .arg(lines.join("\n"))
            .run()
            .code(0);
        let explained = out.json();
        assert_eq!(explained["browser"], browser, "{lines:?}");
        assert_eq!(explained["kind"], "MissingAllowOriginHeader", "{lines:?}");
        assert_eq!(explained["url"], url.as_str(), "{lines:?}");
        assert!(
            explained["check_command"]
                .as_str()
                .unwrap_or_default()
                .starts_with(&format!("corsica check {url} --origin ")),
            "{explained:#}"
        );
    }
    let out = TestDir::new()
        .corsica([
            "explain",
            "--json",
            "Uncaught ReferenceError: x is not defined",
        ])
        .run()
        .code(2);
    assert!(
        out.json()["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .starts_with("not a CORS console message I know")
    );
}
