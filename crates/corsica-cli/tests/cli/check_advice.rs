//! `corsica check` for the cases users hit (issue: right answers, not only right verdicts): the
//! JSON document on every exit, curl's habits, error responses without CORS headers,
//! `--diagnose`, warnings for dangerous-but-allowed answers, TLS and protocol errors in plain
//! words, and the headers Chromium sends on its own. Each against a real loopback server.

use std::io::{Read, Write};
use std::net::TcpListener;

use corsica_harness::{StubRequest, StubResponse, StubServer};
use serde_json::Value;

use crate::util::{Output, TestDir};

const ORIGIN: &str = "http://localhost:3000";

fn check(args: &[&str]) -> Output {
    TestDir::new().corsica(["check"]).args(args).run()
}

fn json(args: &[&str]) -> (i32, Value) {
    let out = check(&[args, &["--json"]].concat());
    (out.code, out.json())
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

/// The keys of `check --json`, sorted.
fn doc_keys() -> Vec<&'static str> {
    vec![
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
        "warnings",
    ]
}

/// An API like many in the wild: CORS headers on 2xx answers only (nginx's `add_header`
/// without `always`), an endpoint that reflects any origin with credentials, one that refuses
/// preflights asking for `x-api-key` with a bare 403, a redirect to another origin.
fn api(other: Option<String>) -> StubServer {
    StubServer::start(move |req: &StubRequest| {
        let origin = req.header("origin").unwrap_or_default().to_string();
        let preflight =
            req.method == "OPTIONS" && req.header("access-control-request-method").is_some();
        let cors = |r: StubResponse| {
            r.header("Access-Control-Allow-Origin", ORIGIN)
                .header("Access-Control-Allow-Methods", "GET, PUT, DELETE")
                .header("Access-Control-Allow-Headers", "content-type, x-api-key")
        };
        match (req.path(), preflight) {
            ("/nginx-500", true) | ("/app-404", true) => cors(StubResponse::new(204)),
            ("/nginx-500", false) => StubResponse::new(500)
                .header("Server", "nginx/1.24.0")
                .header("Content-Type", "text/plain")
                .body("upstream exploded: database is down\n"),
            ("/app-404", false) => StubResponse::new(404)
                .header("Content-Type", "application/json")
                .body("{\"error\": \"no such item\"}"),
            ("/reflect", _) => StubResponse::new(200)
                .header("Access-Control-Allow-Origin", origin.as_bytes().to_vec())
                .header("Access-Control-Allow-Credentials", "true")
                .body("secret"),
            ("/varied", _) => StubResponse::new(200)
                .header("Access-Control-Allow-Origin", ORIGIN)
                .header("Vary", "Origin"),
            ("/strict", true) => {
                let asked = req
                    .header("access-control-request-headers")
                    .unwrap_or_default();
                let method = req
                    .header("access-control-request-method")
                    .unwrap_or_default();
                if asked.contains("x-api-key") || method == "DELETE" {
                    StubResponse::new(403).body("Invalid CORS request")
                } else {
                    cors(StubResponse::new(204))
                }
            }
            ("/strict", false) => cors(StubResponse::new(200)),
            ("/closed", true) => StubResponse::new(403).body("Invalid CORS request"),
            ("/away", _) => match &other {
                Some(o) => StubResponse::new(302)
                    .header("Location", format!("{o}/open").into_bytes())
                    .header("Access-Control-Allow-Origin", ORIGIN),
                None => StubResponse::new(302)
                    .header("Location", "/open")
                    .header("Access-Control-Allow-Origin", ORIGIN),
            },
            ("/frag", _) => StubResponse::new(302)
                .header("Location", "/open#section-2")
                .header("Access-Control-Allow-Origin", ORIGIN),
            ("/open", _) => StubResponse::new(200)
                .header("Access-Control-Allow-Origin", ORIGIN)
                .header("Vary", "Origin")
                .body("hello"),
            ("/echo", true) => {
                cors(StubResponse::new(204)).header("Access-Control-Allow-Credentials", "true")
            }
            ("/echo", false) => StubResponse::new(200)
                .header("Access-Control-Allow-Origin", ORIGIN)
                .header("Access-Control-Allow-Credentials", "true")
                .header("Vary", "Origin"),
            _ => StubResponse::new(404),
        }
    })
    .expect("start the stub API")
}

#[test]
fn the_json_document_has_every_key_on_every_exit() {
    let api = api(None);
    let url = api.url("/open");
    // Allowed: fix is null, the request is there, no warnings.
    let (code, doc) = json(&[&format!("{url}#top"), "--origin", ORIGIN]);
    assert_eq!(code, 0, "{doc:#}");
    assert_eq!(keys(&doc), doc_keys());
    assert_eq!(doc["browser"], "chromium");
    assert_eq!(
        doc["request"],
        serde_json::json!({"url": url, "origin": ORIGIN, "method": "GET"})
    );
    assert_eq!(doc["fix"], Value::Null);
    assert_eq!(doc["warnings"], serde_json::json!([]));
    assert_eq!(doc["redirects"], serde_json::json!([]));
    assert_eq!(doc["diagnosis"], Value::Null);
    // The fragment is never sent.
    assert_eq!(api.requests()[0].target, "/open");

    // A usage error (exit 2): the same keys, error.kind "usage".
    let (code, doc) = json(&[&url, "--origin", "*"]);
    assert_eq!(code, 2);
    assert_eq!(keys(&doc), doc_keys());
    assert_eq!(doc["error"]["kind"], "usage");
    assert!(
        doc["error"]["message"]
            .as_str()
            .unwrap()
            .contains("is a pattern, not an origin"),
        "{doc:#}"
    );
    assert_eq!(doc["allowed"], false);
    // What clap refuses, too.
    let (code, doc) = json(&[&url]);
    assert_eq!(code, 2);
    assert_eq!(keys(&doc), doc_keys());
    assert_eq!(doc["request"], Value::Null);
    assert!(
        doc["error"]["message"]
            .as_str()
            .unwrap()
            .contains("--origin"),
        "{doc:#}"
    );
    // No answer: Chromium's net error name, and the request.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (code, doc) = json(&[&format!("http://127.0.0.1:{port}/x"), "--origin", ORIGIN]);
    assert_eq!(code, 2);
    assert_eq!(keys(&doc), doc_keys());
    assert_eq!(doc["error"]["kind"], "ERR_CONNECTION_REFUSED");
    assert_eq!(doc["request"]["method"], "GET");
    // The same with --browser all: the network fails for the three engines alike.
    let (code, doc) = json(&[
        &format!("http://127.0.0.1:{port}/x"),
        "--origin",
        ORIGIN,
        "--browser",
        "all",
    ]);
    assert_eq!(code, 2);
    assert_eq!(keys(&doc), doc_keys());
    assert_eq!(doc["error"]["kind"], "ERR_CONNECTION_REFUSED");
    // policy lint --json on exit 2 too.
    let out = TestDir::new()
        .corsica(["policy", "lint", "no-such-file.toml", "--json"])
        .run()
        .code(2);
    assert_eq!(out.json()["error"]["kind"], "usage");
}

#[test]
fn each_redirect_hop_is_in_the_json() {
    let api = api(None);
    let (code, doc) = json(&[&api.url("/away"), "--origin", ORIGIN]);
    assert_eq!(code, 0, "{doc:#}");
    assert_eq!(
        doc["redirects"],
        serde_json::json!([{
            "url": api.url("/away"),
            "status": 302,
            "location": api.url("/open"),
        }])
    );
}

#[test]
fn curl_habits_data_file_headers_file_cookie_user_agent_and_verbose() {
    let api = api(None);
    let dir = TestDir::new();
    dir.write("body.txt", "a=1\nb=2\n");
    dir.write("headers.txt", "Content-Type: text/plain\n\nX-Api-Key: k\n");
    let url = api.url("/echo");
    let out = dir
        .corsica([
            "check",
            &url,
            "--origin",
            ORIGIN,
            "-d",
            "@body.txt",
            "-H",
            "@headers.txt",
            "-X",
            "PUT",
            "--cookie",
            "session=s1",
            "--credentials",
            "include",
            "-A",
            "Mozilla/5.0 (X11; Linux x86_64) Chrome/130.0",
            "-v",
        ])
        .run();
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let seen = api.requests();
    let put = seen.iter().find(|r| r.method == "PUT").expect("the PUT");
    // -d @file drops the line breaks, as curl does.
    assert_eq!(put.body, b"a=1b=2");
    assert_eq!(put.header("x-api-key"), Some("k"));
    assert_eq!(put.header("cookie"), Some("session=s1"));
    assert_eq!(
        put.header("user-agent"),
        Some("Mozilla/5.0 (X11; Linux x86_64) Chrome/130.0")
    );
    let options = seen.iter().find(|r| r.method == "OPTIONS").unwrap();
    assert_eq!(
        options.header("cookie"),
        None,
        "preflights carry no cookies"
    );
    // -v: every header line sent, the response's too.
    for expected in [
        "    Cookie: session=s1",
        "    Sec-Fetch-Mode: cors",
        "    Vary: Origin",
    ] {
        assert!(
            out.stdout.contains(expected),
            "{expected:?}:\n{}",
            out.stdout
        );
    }

    // -H @- reads standard input, as in policy eval.
    api.clear();
    let out = dir
        .corsica(["check", &url, "--origin", ORIGIN, "-H", "@-"])
        .stdin("X-Api-Key: from-stdin\n")
        .run();
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(
        api.requests()
            .iter()
            .any(|r| r.header("x-api-key") == Some("from-stdin"))
    );
    dir.corsica(["check", &url, "--origin", ORIGIN, "-H", "@-", "-d", "@-"])
        .run()
        .usage_error("cannot both be read from standard input");

    // --data-binary keeps the bytes.
    api.clear();
    let out = dir
        .corsica([
            "check",
            &url,
            "--origin",
            ORIGIN,
            "--data-binary",
            "@body.txt",
        ])
        .run();
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert_eq!(api.requests()[0].body, b"a=1\nb=2\n");

    // -v shows the start of a body.
    let out = check(&[&api.url("/open"), "--origin", ORIGIN, "-v"]);
    assert!(out.stdout.contains("    | hello"), "{}", out.stdout);

    // --cookie without credentials: a warning, no cookie.
    api.clear();
    let (code, doc) = json(&[&url, "--origin", ORIGIN, "--cookie", "a=b"]);
    assert_eq!(code, 0, "{doc:#}");
    assert!(
        doc["warnings"][0]
            .as_str()
            .unwrap()
            .contains("only with --credentials include"),
        "{doc:#}"
    );
    assert_eq!(api.requests()[0].header("cookie"), None);
}

#[test]
fn chromium_s_own_headers_go_along() {
    let api = api(None);
    let (code, _) = json(&[&api.url("/open"), "--origin", ORIGIN]);
    assert_eq!(code, 0);
    let r = &api.requests()[0];
    assert_eq!(r.header("sec-fetch-mode"), Some("cors"));
    assert_eq!(r.header("sec-fetch-site"), Some("cross-site"));
    assert_eq!(r.header("sec-fetch-dest"), Some("empty"));
    assert_eq!(r.header("referer"), Some("http://localhost:3000/"));
    assert_eq!(r.header("accept-language"), Some("en-US,en;q=0.9"));
    // An https page never sends its referrer to an http URL.
    api.clear();
    let _ = json(&[&api.url("/open"), "--origin", "https://app.example"]);
    assert_eq!(api.requests()[0].header("referer"), None);
}

#[test]
fn an_error_status_without_cors_headers_names_the_real_error() {
    let api = api(None);
    let url = api.url("/nginx-500");
    let r = check(&[&url, "--origin", ORIGIN, "-X", "PUT"]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    for expected in [
        "fix: the server sends CORS headers on successful responses only: the preflight got \
         \"Access-Control-Allow-Origin: http://localhost:3000\", but the request got 500 \
         Internal Server Error without it",
        "The real problem is the 500 (it says: \"upstream exploded: database is down\")",
        "add \"always\" to each CORS add_header line",
    ] {
        assert!(r.stdout.contains(expected), "{expected:?}:\n{}", r.stdout);
    }
    let (code, doc) = json(&[&api.url("/app-404"), "--origin", ORIGIN, "-X", "DELETE"]);
    assert_eq!(code, 1);
    assert_eq!(doc["error"]["kind"], "MissingAllowOriginHeader");
    let fix = doc["fix"].as_str().unwrap();
    assert!(fix.contains("got 404 Not Found without it"), "{fix}");
    assert!(fix.contains("no such item"), "{fix}");
    assert!(
        fix.contains("make the CORS layer add its headers to error responses"),
        "{fix}"
    );
}

#[test]
fn diagnose_names_the_refused_part_and_sends_nothing_without_the_flag() {
    let api = api(None);
    let url = api.url("/strict");
    let args = [
        url.as_str(),
        "--origin",
        ORIGIN,
        "-X",
        "PUT",
        "-H",
        "X-Api-Key: k",
        "-H",
        "Content-Type: application/json",
    ];
    let (code, doc) = json(&args);
    assert_eq!(code, 1);
    assert_eq!(doc["diagnosis"], Value::Null);
    assert!(
        doc["fix"]
            .as_str()
            .unwrap()
            .ends_with("run again with --diagnose to find which part is refused"),
        "{doc:#}"
    );
    assert_eq!(api.requests().len(), 1, "no follow-up without --diagnose");
    api.clear();

    let (code, doc) = json(&[&args[..], &["--diagnose"]].concat());
    assert_eq!(code, 1, "{doc:#}");
    let fix = doc["fix"].as_str().unwrap();
    assert!(
        fix.starts_with("the server refuses the header x-api-key (--diagnose"),
        "{fix}"
    );
    assert!(
        fix.contains("add x-api-key to the allowed headers"),
        "{fix}"
    );
    let parts: Vec<(String, bool)> = doc["diagnosis"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                format!(
                    "{} {}",
                    p["part"].as_str().unwrap(),
                    p["name"].as_str().unwrap_or("")
                ),
                p["passed"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        parts,
        [
            ("origin ".to_string(), true),
            ("method PUT".to_string(), true),
            ("header content-type".to_string(), true),
            ("header x-api-key".to_string(), false),
        ]
    );
    // Only preflights: the PUT itself never went out.
    let seen = api.requests();
    assert_eq!(seen.len(), 5);
    assert!(seen.iter().all(|r| r.method == "OPTIONS"));

    let r = check(&[&args[..], &["--diagnose"]].concat());
    for expected in [
        "--diagnose: follow-up requests, each testing one part",
        "(diagnosis: the header x-api-key alone)",
        "  ✗ refused",
    ] {
        assert!(r.stdout.contains(expected), "{expected:?}:\n{}", r.stdout);
    }

    // The method refused.
    let (code, doc) = json(&[&url, "--origin", ORIGIN, "-X", "DELETE", "--diagnose"]);
    assert_eq!(code, 1);
    assert_eq!(
        doc["fix"],
        "the server refuses the method DELETE (--diagnose sent a preflight for each part alone: \
         the origin passes, this does not): add DELETE to the allowed methods \
         (\"Access-Control-Allow-Methods\")"
    );

    // A server that refuses the origin itself.
    let (code, doc) = json(&[
        &api.url("/closed"),
        "--origin",
        ORIGIN,
        "-X",
        "PUT",
        "--diagnose",
    ]);
    assert_eq!(code, 1);
    assert!(
        doc["fix"]
            .as_str()
            .unwrap()
            .starts_with("the server refuses the origin http://localhost:3000 itself"),
        "{doc:#}"
    );
}

#[test]
fn dangerous_but_allowed_answers_get_warnings() {
    let api = api(None);
    let url = api.url("/reflect");
    // One request: Access-Control-Allow-Origin names the origin without Vary: Origin.
    let (code, doc) = json(&[&url, "--origin", ORIGIN, "--credentials", "include"]);
    assert_eq!(code, 0, "{doc:#}");
    let warnings = doc["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1, "{doc:#}");
    assert!(
        warnings[0]
            .as_str()
            .unwrap()
            .contains("add \"Vary: Origin\""),
        "{doc:#}"
    );
    // --diagnose asks from a made-up origin: the server reflects any origin.
    let (code, doc) = json(&[
        &url,
        "--origin",
        ORIGIN,
        "--credentials",
        "include",
        "--diagnose",
    ]);
    assert_eq!(code, 0);
    let first = doc["warnings"][0].as_str().unwrap();
    assert!(
        first.starts_with("the server allows any origin with credentials"),
        "{doc:#}"
    );
    let r = check(&[
        &url,
        "--origin",
        ORIGIN,
        "--credentials",
        "include",
        "--diagnose",
    ]);
    assert!(
        r.stdout
            .contains("  warning: the server allows any origin with credentials"),
        "{}",
        r.stdout
    );
    // Vary: Origin and a fixed origin: nothing to say.
    let (_, doc) = json(&[&api.url("/varied"), "--origin", ORIGIN, "--diagnose"]);
    assert_eq!(doc["warnings"], serde_json::json!([]), "{doc:#}");
}

#[test]
fn a_null_origin_is_never_the_advice() {
    // A redirect to another origin: from there on Origin is null; the third server does not
    // allow it. The fix must not say "Access-Control-Allow-Origin: null".
    let third = StubServer::start(|_: &StubRequest| StubResponse::new(200)).unwrap();
    let api = api(Some(third.origin()));
    let (code, doc) = json(&[&api.url("/away"), "--origin", ORIGIN]);
    assert_eq!(code, 1, "{doc:#}");
    let fix = doc["fix"].as_str().unwrap();
    assert!(!fix.contains("Allow-Origin: null"), "{fix}");
    assert!(fix.contains("do not allow \"null\""), "{fix}");
    let (_, doc) = json(&[&third.url("/x"), "--origin", "null"]);
    let fix = doc["fix"].as_str().unwrap();
    assert!(!fix.contains("Allow-Origin: null"), "{fix}");
}

/// A TCP server that greets every connection like an SSH server.
fn ssh_like() -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let _ = stream.write_all(b"SSH-2.0-OpenSSH_9.6p1 Ubuntu-3\r\n");
            let mut buf = [0u8; 1024];
            let _ = stream.read(&mut buf);
            let _ = stream.write_all(b"Invalid SSH identification string.\r\n");
        }
    });
    addr
}

#[test]
fn protocol_errors_say_what_the_port_speaks_and_when() {
    let ssh = ssh_like();
    for scheme in ["http", "https"] {
        let r = check(&[&format!("{scheme}://{ssh}/"), "--origin", ORIGIN]);
        assert_eq!(r.code, 2, "{}", r.stderr);
        assert!(
            r.stderr
                .contains("not an HTTP server: it starts with 'SSH-2.0-OpenSSH_9.6p1 Ubuntu-3'"),
            "{scheme}: {}",
            r.stderr
        );
    }
    let (code, doc) = json(&[&format!("http://{ssh}/"), "--origin", ORIGIN]);
    assert_eq!(code, 2);
    assert_eq!(doc["error"]["kind"], "ERR_INVALID_HTTP_RESPONSE", "{doc:#}");
    assert!(
        doc["fix"]
            .as_str()
            .unwrap()
            .contains("not an HTTP server: it starts with 'SSH-2.0-"),
        "{doc:#}"
    );
    // A plain HTTP server reached with https://: it answers the TLS hello with a 400, as
    // nginx does.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            let _ = stream.write_all(
                b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            );
        }
    });
    let plain = format!("https://{addr}/open");
    let r = check(&[&plain, "--origin", ORIGIN]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("this port speaks plain HTTP, not TLS: use an http:// URL"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("while connecting to send the request GET"),
        "{}",
        r.stderr
    );
    let (_, doc) = json(&[&plain, "--origin", ORIGIN]);
    assert_eq!(doc["error"]["kind"], "ERR_SSL_PROTOCOL_ERROR");
    assert!(
        doc["fix"].as_str().unwrap().contains("use an http:// URL"),
        "{doc:#}"
    );
    // A server that reads the request and closes: while reading.
    let closing = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = closing.local_addr().unwrap();
    std::thread::spawn(move || {
        for mut stream in closing.incoming().flatten() {
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
        }
    });
    let r = check(&[&format!("http://{addr}/"), "--origin", ORIGIN]);
    assert!(
        r.stderr
            .contains("(while reading the response to the request GET"),
        "{}",
        r.stderr
    );
}

#[test]
fn tls_errors_in_plain_words_and_cacert() {
    let server = crate::check::tls_server(&[b"http/1.1"]);
    // Plain HTTP to a TLS port.
    let r = check(&[&format!("http://{}/data", server.addr), "--origin", ORIGIN]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("this port speaks TLS, not plain HTTP: use an https:// URL"),
        "{}",
        r.stderr
    );
    // A self-signed certificate: what to do.
    let url = format!("https://localhost:{}/data", server.addr.port());
    let r = check(&[&url, "--origin", ORIGIN]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("the certificate is self-signed")
            && r.stderr.contains("--cacert FILE")
            && r.stderr.contains("--insecure"),
        "{}",
        r.stderr
    );
    // --cacert trusts it.
    let dir = TestDir::new();
    dir.write("ca.pem", &server.pem);
    let out = dir
        .corsica(["check", &url, "--origin", ORIGIN, "--cacert", "ca.pem"])
        .run();
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    dir.write("empty.pem", "nothing");
    dir.corsica(["check", &url, "--origin", ORIGIN, "--cacert", "empty.pem"])
        .run()
        .usage_error("no PEM certificate");
}

/// nginx set up the way popular tutorials do it: `add_header` without `always`, so its CORS
/// headers go on 2xx and 3xx answers only, and an application error reaches the page as a CORS
/// error.
#[test]
fn nginx_without_always_is_named_with_its_fix() {
    use corsica_harness::nginx::{Nginx, free_ports};
    let (addr, listener) = free_ports(1)
        .unwrap_or_else(|e| panic!("{e}"))
        .pop()
        .unwrap();
    let include = format!(
        "server {{
    listen {addr};
    location /api/ {{
        if ($request_method = OPTIONS) {{
            add_header Access-Control-Allow-Origin {ORIGIN};
            add_header Access-Control-Allow-Methods \"GET, POST, PUT, DELETE\";
            add_header Access-Control-Allow-Headers \"Content-Type\";
            return 204;
        }}
        add_header Access-Control-Allow-Origin {ORIGIN};
        return 500 \"database is down\\n\";
    }}
}}
"
    );
    drop(listener);
    let _nginx = Nginx::start(&include, corsica_export::nginx::wrapper_config, &[addr])
        .unwrap_or_else(|e| panic!("{e}"));
    let url = format!("http://{addr}/api/items/1");
    let args = [
        url.as_str(),
        "--origin",
        ORIGIN,
        "-X",
        "PUT",
        "-H",
        "Content-Type: application/json",
    ];
    let r = check(&args);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    for expected in [
        "← 500 Internal Server Error  (HTTP/1.1)",
        "fix: the server sends CORS headers on successful responses only",
        "The real problem is the 500 (it says: \"database is down\")",
        "add \"always\" to each CORS add_header line, e.g. \"add_header \
         Access-Control-Allow-Origin http://localhost:3000 always;\"",
    ] {
        assert!(r.stdout.contains(expected), "{expected:?}:\n{}", r.stdout);
    }
    let (code, doc) = json(&args);
    assert_eq!(code, 1);
    assert!(
        doc["fix"].as_str().unwrap().contains("(\"Server: nginx/"),
        "{doc:#}"
    );
}

#[test]
fn fragments_are_never_sent_nor_printed() {
    let api = api(None);
    let r = check(&[&format!("{}#top", api.url("/frag")), "--origin", ORIGIN]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    // Only the Location header shows one, as the server sent it.
    let shown: Vec<&str> = r
        .stdout
        .lines()
        .filter(|l| l.contains('#') && !l.starts_with("    Location: "))
        .collect();
    assert!(shown.is_empty(), "{shown:?}\n{}", r.stdout);
    assert!(
        api.requests().iter().all(|s| !s.target.contains('#')),
        "nothing sent with a fragment"
    );
    let (_, doc) = json(&[&api.url("/frag"), "--origin", ORIGIN]);
    assert_eq!(doc["redirects"][0]["location"], api.url("/open"), "{doc:#}");
}

#[test]
fn a_plain_http_page_with_credentials_is_told_to_move_to_https() {
    let api = api(None);
    let (code, doc) = json(&[
        &api.url("/open"),
        "--origin",
        "http://app.example",
        "--credentials",
        "include",
    ]);
    assert_eq!(code, 1, "{doc:#}");
    let fix = doc["fix"].as_str().unwrap();
    assert!(fix.contains("serve the page over https"), "{fix}");
    // localhost is a secure context: no such note.
    let (_, doc) = json(&[
        &api.url("/open"),
        "--origin",
        ORIGIN,
        "--credentials",
        "include",
    ]);
    assert!(
        !doc["fix"].as_str().unwrap().contains("over https"),
        "{doc:#}"
    );
}

#[test]
fn argument_warnings_are_in_the_json_too() {
    let api = api(None);
    let (code, doc) = json(&[
        &api.url("/open"),
        "--origin",
        ORIGIN,
        "-X",
        "get",
        "-H",
        "Origin: x",
    ]);
    assert_eq!(code, 0, "{doc:#}");
    assert_eq!(
        doc["warnings"],
        serde_json::json!([
            "-H Origin: browsers set Origin themselves and fetch() drops it; use --origin"
        ])
    );
    let (_, doc) = json(&[&api.url("/open"), "--origin", ORIGIN, "-X", "patch"]);
    assert!(
        doc["warnings"][0]
            .as_str()
            .unwrap()
            .starts_with("-X \"patch\": fetch() sends this method as written"),
        "{doc:#}"
    );
}
