//! `corsica policy eval`: every server decision of DESIGN §3, checked as exact JSON, plus the
//! output for people, hostile input and usage errors.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::util::{TestDir, eq_text, example_path};

/// A credentialed policy with a public route.
const POLICY: &str = r#"
origins = ["https://app.example.com", "https://*.example.com"]
methods = ["PUT", "DELETE"]
request_headers = ["Content-Type", "Authorization"]
expose_headers = ["X-Request-Id"]
credentials = true
max_age = 600

[[route]]
path = "/public/"
origins = ["*"]
"#;

/// A credential-free policy for any origin.
const ANY: &str = "origins = [\"*\"]\n";

/// Debug mode: failed preflights answer with the ok status and the headers that passed.
const DEBUG: &str = r#"
origins = ["https://app.example.com"]
methods = ["PUT"]
request_headers = ["Content-Type"]
debug = true
"#;

/// 403 for actual requests from other origins.
const REJECT: &str = r#"
origins = ["https://app.example.com"]
reject_disallowed = true
"#;

const APP: &str = "Origin: https://app.example.com";
const EVIL: &str = "Origin: https://evil.example";

/// Runs `policy eval p.toml --json ARGS…` with `policy` as p.toml.
fn eval(policy: &str, args: &[&str]) -> (i32, Value) {
    let dir = TestDir::new();
    dir.write("p.toml", policy);
    let out = dir
        .corsica(["policy", "eval", "p.toml", "--json"])
        .args(args)
        .run();
    assert_eq!(out.stderr, "", "nothing on stderr for --json");
    (out.code, out.json())
}

/// Asserts the exit code and the exact JSON document of `policy eval --json`.
#[track_caller]
fn assert_eval(policy: &str, args: &[&str], code: i32, expected: Value) {
    let (got_code, got) = eval(policy, args);
    let shown: Vec<String> = args
        .iter()
        .map(|a| {
            if a.len() > 100 {
                format!("{}…", &a[..100])
            } else {
                (*a).to_owned()
            }
        })
        .collect();
    assert_eq!(got, expected, "policy eval {shown:?}");
    assert_eq!(got_code, code, "exit code of policy eval {shown:?}");
}

/// The CORS headers of an allowed, credentialed request under [`POLICY`].
fn credentialed(origin: &str) -> Vec<Value> {
    vec![
        json!(["access-control-allow-origin", origin]),
        json!(["access-control-allow-credentials", "true"]),
    ]
}

#[test]
fn not_cors_varies_by_origin() {
    assert_eval(
        POLICY,
        &[],
        0,
        json!({"outcome": "not-cors", "status": null, "headers": [["vary", "origin"]], "reason": "no Origin header: not a CORS request"}),
    );
}

#[test]
fn not_cors_under_a_credential_free_any_origin_policy_gets_the_static_star_and_no_vary() {
    // The response is the same for every origin, so caches may share it (Fetch, "CORS protocol
    // and HTTP caches").
    assert_eval(
        ANY,
        &["-X", "POST"],
        0,
        json!({"outcome": "not-cors", "status": null, "headers": [["access-control-allow-origin", "*"]], "reason": "no Origin header: not a CORS request"}),
    );
}

#[test]
fn actual_allowed_with_credentials() {
    let mut headers = credentialed("https://app.example.com");
    headers.push(json!(["access-control-expose-headers", "x-request-id"]));
    headers.push(json!(["vary", "origin"]));
    assert_eval(
        POLICY,
        &["-H", APP],
        0,
        json!({"outcome": "actual-allowed", "status": null, "headers": headers, "reason": "origin https://app.example.com is allowed"}),
    );
}

#[test]
fn actual_allowed_by_a_subdomain_wildcard() {
    let (code, got) = eval(
        POLICY,
        &["-X", "DELETE", "-H", "Origin: https://deep.api.example.com"],
    );
    assert_eq!(code, 0);
    assert_eq!(got["outcome"], json!("actual-allowed"));
    assert_eq!(
        got["headers"][0],
        json!([
            "access-control-allow-origin",
            "https://deep.api.example.com"
        ])
    );
}

#[test]
fn actual_allowed_any_origin_answers_star_without_vary() {
    assert_eval(
        ANY,
        &["-H", EVIL],
        0,
        json!({"outcome": "actual-allowed", "status": null, "headers": [["access-control-allow-origin", "*"]], "reason": "any origin is allowed (\"*\")"}),
    );
}

#[test]
fn actual_denied_gets_vary_only() {
    assert_eval(
        POLICY,
        &["-X", "POST", "-H", EVIL],
        1,
        json!({"outcome": "actual-denied", "status": null, "headers": [["vary", "origin"]], "reason": "origin https://evil.example is not allowed: add it to origins"}),
    );
}

#[test]
fn look_alike_origins_are_denied() {
    for origin in [
        "https://example.com",
        "https://app.example.com.evil.com",
        "https://evilexample.com",
        "http://app.example.com",
        "https://app.example.com:8443",
    ] {
        let (code, got) = eval(POLICY, &["-H", &format!("Origin: {origin}")]);
        assert_eq!(code, 1, "{origin}");
        assert_eq!(got["outcome"], json!("actual-denied"), "{origin}");
        assert_eq!(
            got["reason"],
            json!(format!("origin {origin} is not allowed: add it to origins"))
        );
    }
}

#[test]
fn malformed_and_null_origins_are_denied_with_a_reason() {
    let (code, got) = eval(POLICY, &["-H", "Origin: null"]);
    assert_eq!(
        (code, &got["reason"]),
        (
            1,
            &json!("origin null (a sandboxed or data: document) is not allowed")
        )
    );
    let (code, got) = eval(POLICY, &["-H", "Origin: https://APP.example.com"]);
    assert_eq!(code, 1);
    assert_eq!(
        got["reason"],
        json!(
            "Origin header \"https://APP.example.com\" is not a single origin as browsers send it"
        )
    );
    let (code, got) = eval(POLICY, &["-H", APP, "-H", APP]);
    assert_eq!(code, 1);
    assert_eq!(got["outcome"], json!("actual-denied"));
    assert_eq!(
        got["reason"],
        json!(
            "Origin header \"https://app.example.com\" is not a single origin as browsers send it"
        )
    );
}

#[test]
fn preflight_ok() {
    let mut headers = credentialed("https://app.example.com");
    headers.push(json!(["access-control-allow-methods", "PUT,DELETE"]));
    headers.push(json!([
        "access-control-allow-headers",
        "content-type,authorization"
    ]));
    headers.push(json!(["access-control-max-age", "600"]));
    assert_eval(
        POLICY,
        &[
            "-X",
            "OPTIONS",
            "-H",
            APP,
            "-H",
            "Access-Control-Request-Method: PUT",
            "-H",
            "Access-Control-Request-Headers: content-type",
        ],
        0,
        json!({"outcome": "preflight-ok", "status": 204, "headers": headers, "reason": "preflight allowed: origin, method and headers are all allowed"}),
    );
}

#[test]
fn the_readme_example_is_a_preflight_ok() {
    let dir = TestDir::new();
    let out = dir
        .corsica(["policy", "eval"])
        .arg(example_path("example.toml"))
        .args([
            "-X",
            "OPTIONS",
            "-H",
            "Origin: https://app.example.com",
            "-H",
            "Access-Control-Request-Method: PUT",
            "-H",
            "Access-Control-Request-Headers: content-type",
            "--json",
        ])
        .run()
        .code(0);
    assert_eq!(
        out.json(),
        json!({
            "outcome": "preflight-ok",
            "status": 204,
            "headers": [
                ["access-control-allow-origin", "https://app.example.com"],
                ["access-control-allow-credentials", "true"],
                ["access-control-allow-methods", "GET,POST,PUT,DELETE"],
                ["access-control-allow-headers", "content-type,authorization"],
                ["access-control-max-age", "7200"],
            ],
            "reason": "preflight allowed: origin, method and headers are all allowed",
        })
    );
}

#[test]
fn the_three_example_formats_answer_alike() {
    let dir = TestDir::new();
    let answers: Vec<Value> = ["example.toml", "example.yaml", "example.json"]
        .iter()
        .map(|name| {
            dir.corsica([
                "policy",
                "eval",
                "--json",
                "-X",
                "OPTIONS",
                "-H",
                APP,
                "-H",
                "Access-Control-Request-Method: DELETE",
            ])
            .arg(example_path(name))
            .run()
            .code(0)
            .json()
        })
        .collect();
    assert_eq!(answers[0], answers[1]);
    assert_eq!(answers[0], answers[2]);
}

#[test]
fn preflight_denied_origin_is_403_without_cors_headers() {
    assert_eval(
        POLICY,
        &[
            "-X",
            "OPTIONS",
            "-H",
            EVIL,
            "-H",
            "Access-Control-Request-Method: PUT",
        ],
        1,
        json!({"outcome": "preflight-denied-origin", "status": 403, "headers": [], "reason": "origin https://evil.example is not allowed: add it to origins"}),
    );
}

#[test]
fn preflight_denied_after_a_method() {
    assert_eval(
        POLICY,
        &[
            "-X",
            "OPTIONS",
            "-H",
            APP,
            "-H",
            "Access-Control-Request-Method: PATCH",
        ],
        1,
        json!({"outcome": "preflight-denied-after", "status": 403, "headers": [], "reason": "method PATCH is not allowed: add \"PATCH\" to methods"}),
    );
}

#[test]
fn preflight_denied_after_a_header() {
    assert_eval(
        POLICY,
        &[
            "-X",
            "OPTIONS",
            "-H",
            APP,
            "-H",
            "Access-Control-Request-Method: PUT",
            "-H",
            "Access-Control-Request-Headers: content-type, x-secret",
        ],
        1,
        json!({"outcome": "preflight-denied-after", "status": 403, "headers": [], "reason": "request header x-secret is not allowed: add \"x-secret\" to request_headers"}),
    );
}

#[test]
fn options_without_a_request_method_is_an_actual_request() {
    let (code, got) = eval(POLICY, &["-X", "OPTIONS", "-H", APP]);
    assert_eq!(
        (code, &got["outcome"], &got["status"]),
        (0, &json!("actual-allowed"), &json!(null))
    );
    // Methods are case-sensitive: browsers send OPTIONS, so `options` is not a preflight.
    let (code, got) = eval(
        POLICY,
        &[
            "-X",
            "options",
            "-H",
            APP,
            "-H",
            "Access-Control-Request-Method: PUT",
        ],
    );
    assert_eq!((code, &got["outcome"]), (0, &json!("actual-allowed")));
}

#[test]
fn debug_mode_answers_failed_preflights_with_the_ok_status_and_what_passed() {
    assert_eval(
        DEBUG,
        &[
            "-X",
            "OPTIONS",
            "-H",
            APP,
            "-H",
            "Access-Control-Request-Method: PATCH",
            "-H",
            "Access-Control-Request-Headers: content-type",
        ],
        1,
        json!({
            "outcome": "preflight-denied-after",
            "status": 204,
            "headers": [
                ["access-control-allow-origin", "https://app.example.com"],
                ["access-control-allow-methods", "PUT"],
                ["access-control-allow-headers", "content-type"],
            ],
            "reason": "method PATCH is not allowed: add \"PATCH\" to methods",
        }),
    );
    assert_eval(
        DEBUG,
        &[
            "-X",
            "OPTIONS",
            "-H",
            EVIL,
            "-H",
            "Access-Control-Request-Method: PUT",
        ],
        1,
        json!({"outcome": "preflight-denied-origin", "status": 204, "headers": [], "reason": "origin https://evil.example is not allowed: add it to origins"}),
    );
}

#[test]
fn debug_mode_warns_people_on_stderr() {
    let dir = TestDir::new();
    dir.write("p.toml", DEBUG);
    let out = dir
        .corsica(["policy", "eval", "p.toml", "-H", APP])
        .run()
        .code(0);
    eq_text(
        "corsica: warning: debug: true — failed preflights reveal which part of the policy they failed; turn debug off in production\n",
        &out.stderr,
    );
}

#[test]
fn reject_disallowed_answers_403() {
    assert_eval(
        REJECT,
        &["-X", "POST", "-H", EVIL],
        1,
        json!({"outcome": "actual-denied", "status": 403, "headers": [["vary", "origin"]], "reason": "origin https://evil.example is not allowed: add it to origins"}),
    );
}

#[test]
fn reject_disallowed_lets_same_origin_requests_through() {
    let same_origin = json!({
        "outcome": "actual-denied",
        "status": null,
        "headers": [["vary", "origin"]],
        "reason": "origin https://api.example.com is not in origins but is the server's own origin (same-origin request)",
    });
    assert_eval(
        REJECT,
        &[
            "-X",
            "POST",
            "-H",
            "Origin: https://api.example.com",
            "-H",
            "Host: api.example.com",
        ],
        1,
        same_origin.clone(),
    );
    assert_eval(
        REJECT,
        &[
            "-X",
            "POST",
            "-H",
            "Origin: https://api.example.com",
            "-H",
            "Host: api.example.com",
            "--scheme",
            "https",
        ],
        1,
        same_origin,
    );
    let (_, got) = eval(
        REJECT,
        &[
            "-X",
            "POST",
            "-H",
            "Origin: https://api.example.com:8443",
            "-H",
            "Host: api.example.com:8443",
        ],
    );
    assert_eq!(got["status"], json!(null));
    // Another scheme, host or port is another origin.
    for args in [
        [
            "-H",
            "Origin: https://api.example.com",
            "-H",
            "Host: api.example.com",
            "--scheme",
            "http",
        ],
        [
            "-H",
            "Origin: https://api.example.com",
            "-H",
            "Host: www.example.com",
            "--path",
            "/",
        ],
        [
            "-H",
            "Origin: https://api.example.com",
            "-H",
            "Host: api.example.com:8443",
            "--path",
            "/",
        ],
    ] {
        let (code, got) = eval(REJECT, &args);
        assert_eq!((code, &got["status"]), (1, &json!(403)), "{args:?}");
    }
}

#[test]
fn private_network_preflights() {
    let policy = "origins = [\"https://app.example.com\"]\nprivate_network = true\n";
    let preflight = [
        "-X",
        "OPTIONS",
        "-H",
        APP,
        "-H",
        "Access-Control-Request-Method: GET",
        "-H",
        "Access-Control-Request-Private-Network: true",
    ];
    assert_eval(
        policy,
        &preflight,
        0,
        json!({
            "outcome": "preflight-ok",
            "status": 204,
            "headers": [
                ["access-control-allow-origin", "https://app.example.com"],
                ["access-control-allow-private-network", "true"],
            ],
            "reason": "preflight allowed: origin, method and headers are all allowed",
        }),
    );
    assert_eval(
        "origins = [\"https://app.example.com\"]\n",
        &preflight,
        1,
        json!({"outcome": "preflight-denied-after", "status": 403, "headers": [], "reason": "private network access is requested but not allowed: set private_network = true"}),
    );
}

#[test]
fn preflight_status_and_continue() {
    let (_, got) = eval(
        "origins = [\"https://app.example.com\"]\npreflight_status = 200\n",
        &[
            "-X",
            "OPTIONS",
            "-H",
            APP,
            "-H",
            "Access-Control-Request-Method: GET",
        ],
    );
    assert_eq!(got["status"], json!(200));
    let (code, got) = eval(
        "origins = [\"https://app.example.com\"]\npreflight_continue = true\n",
        &[
            "-X",
            "OPTIONS",
            "-H",
            APP,
            "-H",
            "Access-Control-Request-Method: GET",
        ],
    );
    assert_eq!(
        (code, &got["outcome"], &got["status"]),
        (0, &json!("preflight-ok"), &json!(null))
    );
}

#[test]
fn path_picks_the_route() {
    assert_eval(
        POLICY,
        &["-H", EVIL, "--path", "/public/logo.png"],
        0,
        json!({"outcome": "actual-allowed", "status": null, "headers": [["access-control-allow-origin", "*"]], "reason": "any origin is allowed (\"*\")"}),
    );
    // A prefix match on the route's path, trailing slash included.
    let (code, got) = eval(POLICY, &["-H", EVIL, "--path", "/public"]);
    assert_eq!((code, &got["outcome"]), (1, &json!("actual-denied")));
    let (code, got) = eval(POLICY, &["-H", EVIL, "--path", "/api/public/"]);
    assert_eq!((code, &got["outcome"]), (1, &json!("actual-denied")));
}

/// `Access-Control-Request-Headers: content-type,content-type,…`, about `bytes` bytes of value.
fn repeated_request_headers(bytes: usize) -> String {
    let element = "content-type,";
    format!(
        "Access-Control-Request-Headers: {}",
        element.repeat(bytes / element.len())
    )
}

/// The answer to an allowed preflight for PUT under [`POLICY`].
fn preflight_ok_put() -> Value {
    let mut headers = credentialed("https://app.example.com");
    headers.push(json!(["access-control-allow-methods", "PUT,DELETE"]));
    headers.push(json!([
        "access-control-allow-headers",
        "content-type,authorization"
    ]));
    headers.push(json!(["access-control-max-age", "600"]));
    json!({"outcome": "preflight-ok", "status": 204, "headers": headers, "reason": "preflight allowed: origin, method and headers are all allowed"})
}

/// The engine's refusal of an `Access-Control-Request-Headers` value of `len` bytes.
fn too_long(len: usize) -> Value {
    json!({
        "outcome": "preflight-denied-after",
        "status": 403,
        "headers": [],
        "reason": format!(
            "Access-Control-Request-Headers is {len} bytes long, more than any browser sends ({})",
            corsica::Policy::MAX_REQUEST_HEADERS_LEN
        ),
    })
}

/// The value length of a `Name: value` line.
fn value_len(line: &str) -> usize {
    line.split_once(": ").expect("a header line").1.len()
}

#[test]
fn a_hostile_megabyte_of_request_headers_from_a_file() {
    let dir = TestDir::new();
    dir.write("p.toml", POLICY);
    let megabyte = 1 << 20;
    let lines = [
        repeated_request_headers(megabyte),
        format!("Access-Control-Request-Headers: {}", ",".repeat(megabyte)),
        format!(
            "Access-Control-Request-Headers: {}",
            "content-type, x y,".repeat(megabyte / 18)
        ),
        format!("Access-Control-Request-Headers: {}", "x".repeat(megabyte)),
    ];
    for (i, line) in lines.iter().enumerate() {
        let file = format!("headers{i}.txt");
        dir.write(&file, format!("Origin: https://app.example.com\r\nAccess-Control-Request-Method: PUT\r\n{line}\r\n"));
        let start = Instant::now();
        let out = dir
            .corsica(["policy", "eval", "p.toml", "--json", "-X", "OPTIONS", "-H"])
            .arg(format!("@{file}"))
            .run();
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "a hostile header must not be slow"
        );
        assert_eq!(out.json(), too_long(value_len(line)), "case {i}");
        assert_eq!(out.code, 1, "case {i}");
    }
}

#[test]
fn a_hostile_request_header_list_as_an_argument() {
    // Linux limits one argument to 128 KiB, so this one stays just under.
    let line = repeated_request_headers(120 * 1024);
    let preflight = [
        "-X",
        "OPTIONS",
        "-H",
        APP,
        "-H",
        "Access-Control-Request-Method: PUT",
    ];
    assert_eval(
        POLICY,
        &[&preflight[..], &["-H", &line]].concat(),
        1,
        too_long(value_len(&line)),
    );
    // Within the engine's bound, a long list of allowed names is simply allowed.
    let line = repeated_request_headers(corsica::Policy::MAX_REQUEST_HEADERS_LEN - 20);
    assert_eval(
        POLICY,
        &[&preflight[..], &["-H", &line]].concat(),
        0,
        preflight_ok_put(),
    );
    // Split over two header lines, the bound counts both.
    let half = repeated_request_headers(corsica::Policy::MAX_REQUEST_HEADERS_LEN / 2 + 20);
    let (_, got) = eval(
        POLICY,
        &[&preflight[..], &["-H", &half, "-H", &half]].concat(),
    );
    assert_eq!(got, too_long(2 * value_len(&half)));

    let long_origin = format!("Origin: https://{}.example.com", "a".repeat(100_000));
    let (code, got) = eval(POLICY, &["-H", &long_origin]);
    assert_eq!((code, &got["outcome"]), (1, &json!("actual-denied")));
    assert!(
        got["reason"].as_str().unwrap().len() < 300,
        "the reason stays short: {}",
        got["reason"]
    );
}

#[test]
fn headers_from_standard_input() {
    let dir = TestDir::new();
    dir.write("p.toml", POLICY);
    let out = dir
        .corsica([
            "policy", "eval", "p.toml", "--json", "-X", "OPTIONS", "-H", "@-",
        ])
        .stdin("Origin: https://app.example.com\n\nAccess-Control-Request-Method: PUT\n")
        .run()
        .code(0);
    assert_eq!(out.json(), preflight_ok_put());
    dir.corsica(["policy", "eval", "-", "--format", "toml", "-H", "@-"])
        .stdin(POLICY)
        .run()
        .usage_error("cannot both be read from standard input");
}

#[test]
fn the_policy_from_standard_input() {
    let dir = TestDir::new();
    let out = dir
        .corsica([
            "policy", "eval", "-", "--format", "toml", "--json", "-H", APP,
        ])
        .stdin(POLICY)
        .run()
        .code(0);
    assert_eq!(out.json()["outcome"], json!("actual-allowed"));
}

#[cfg(unix)]
#[test]
fn header_values_are_bytes() {
    use std::ffi::OsString;
    use std::os::unix::ffi::OsStringExt;
    let dir = TestDir::new();
    dir.write("p.toml", POLICY);
    let out = dir
        .corsica(["policy", "eval", "p.toml", "--json", "-H"])
        .arg(OsString::from_vec(
            b"Origin: https://app.example.com\xff\x1b[31m".to_vec(),
        ))
        .run()
        .code(1);
    assert_eq!(
        out.json()["reason"],
        json!(
            "Origin header \"https://app.example.com\\xff\\x1b[31m\" is not a single origin as browsers send it"
        )
    );
}

#[test]
fn an_invalid_policy_exits_1_with_the_lint_errors() {
    let dir = TestDir::new();
    let out = dir
        .corsica(["policy", "eval", "--json", "-H", APP])
        .arg(example_path("broken.toml"))
        .run()
        .code(1);
    let report = out.json();
    assert_eq!(report["valid"], json!(false));
    assert_eq!(report["errors"].as_array().unwrap().len(), 9);

    let out = dir
        .corsica(["policy", "eval", "-H", APP])
        .arg(example_path("broken.toml"))
        .run()
        .code(1);
    assert_eq!(out.stdout, "");
    assert!(out.stderr.starts_with("corsica: error: "), "{}", out.stderr);
    assert!(
        out.stderr.contains(
            "is not a valid policy, so there is nothing to evaluate; fix these 9 problems"
        ),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("\n  methods: TRACE — \"TRACE\" is a forbidden method"),
        "{}",
        out.stderr
    );
    assert_eq!(out.stderr.lines().count(), 10);

    dir.write("p.toml", "orgins = []\n");
    let out = dir.corsica(["policy", "eval", "p.toml"]).run().code(1);
    assert!(out.stderr.contains("fix this problem"), "{}", out.stderr);
}

#[test]
fn for_people_an_allowed_preflight() {
    let dir = TestDir::new();
    dir.write("p.toml", POLICY);
    let out = dir
        .corsica([
            "policy",
            "eval",
            "p.toml",
            "-X",
            "OPTIONS",
            "-H",
            APP,
            "-H",
            "Access-Control-Request-Method: PUT",
        ])
        .run()
        .code(0);
    eq_text(
        "\
outcome: preflight-ok
status:  204, answered by corsica; the service is not called
headers: access-control-allow-origin: https://app.example.com
         access-control-allow-credentials: true
         access-control-allow-methods: PUT,DELETE
         access-control-allow-headers: content-type,authorization
         access-control-max-age: 600
reason:  preflight allowed: origin, method and headers are all allowed
",
        &out.stdout,
    );
    assert_eq!(out.stderr, "");
}

#[test]
fn for_people_allowed_and_denied_actual_requests() {
    let dir = TestDir::new();
    dir.write("p.toml", POLICY);
    let out = dir
        .corsica(["policy", "eval", "p.toml", "-H", APP])
        .run()
        .code(0);
    eq_text(
        "\
outcome: actual-allowed
status:  none: the request goes on to the service, which answers it; corsica adds the headers below
headers: access-control-allow-origin: https://app.example.com
         access-control-allow-credentials: true
         access-control-expose-headers: x-request-id
         vary: origin (appended to the service's own Vary)
reason:  origin https://app.example.com is allowed
",
        &out.stdout,
    );
    let out = dir
        .corsica(["policy", "eval", "p.toml", "-X", "PUT", "-H", EVIL])
        .run()
        .code(1);
    eq_text(
        "\
outcome: actual-denied
status:  none: the request goes on to the service, which answers it; corsica adds the headers below
headers: vary: origin (appended to the service's own Vary)
reason:  origin https://evil.example is not allowed: add it to origins
",
        &out.stdout,
    );
    let out = dir
        .corsica([
            "policy",
            "eval",
            "p.toml",
            "-H",
            EVIL,
            "--path",
            "/public/x",
        ])
        .run()
        .code(0);
    eq_text(
        "\
outcome: actual-allowed
policy:  the [[route]] for /public/
status:  none: the request goes on to the service, which answers it; corsica adds the headers below
headers: access-control-allow-origin: *
reason:  any origin is allowed (\"*\")
",
        &out.stdout,
    );
}

#[test]
fn for_people_a_denied_preflight_and_a_rejected_request() {
    let dir = TestDir::new();
    dir.write("p.toml", POLICY);
    let out = dir
        .corsica([
            "policy",
            "eval",
            "p.toml",
            "-X",
            "OPTIONS",
            "-H",
            APP,
            "-H",
            "Access-Control-Request-Method: PATCH",
        ])
        .run()
        .code(1);
    eq_text(
        "\
outcome: preflight-denied-after
status:  403, answered by corsica; the service is not called
headers: none
reason:  method PATCH is not allowed: add \"PATCH\" to methods
",
        &out.stdout,
    );
    dir.write("r.toml", REJECT);
    let out = dir
        .corsica(["policy", "eval", "r.toml", "-H", EVIL])
        .run()
        .code(1);
    eq_text(
        "\
outcome: actual-denied
status:  403, answered by corsica; the service is not called
headers: vary: origin
reason:  origin https://evil.example is not allowed: add it to origins
",
        &out.stdout,
    );
    let out = dir.corsica(["policy", "eval", "r.toml"]).run().code(0);
    eq_text(
        "\
outcome: not-cors
status:  none: the request goes on to the service, which answers it; corsica adds the headers below
headers: vary: origin (appended to the service's own Vary)
reason:  no Origin header: not a CORS request
",
        &out.stdout,
    );
    dir.write(
        "c.toml",
        "origins = [\"https://app.example.com\"]\npreflight_continue = true\n",
    );
    let out = dir
        .corsica([
            "policy",
            "eval",
            "c.toml",
            "-X",
            "OPTIONS",
            "-H",
            EVIL,
            "-H",
            "Access-Control-Request-Method: PUT",
        ])
        .run()
        .code(1);
    eq_text(
        "\
outcome: preflight-denied-origin
status:  none: the request goes on to the service, which answers it; corsica adds no headers
reason:  origin https://evil.example is not allowed: add it to origins
",
        &out.stdout,
    );
}

#[test]
fn bad_headers_are_usage_errors_that_show_the_right_form() {
    let dir = TestDir::new();
    dir.write("p.toml", POLICY);
    let run = |header: &str| {
        dir.corsica(["policy", "eval", "p.toml", "-H", header])
            .run()
    };
    run("Origin https://app.example.com")
        .usage_error("is the colon missing after \"Origin\"?; write it as -H 'Name: value'");
    run("Origin").usage_error("has no colon between the name and the value; write it as -H 'Name: value', e.g. -H 'Origin: https://app.example.com'");
    run(": https://app.example.com").usage_error("has no name before the colon");
    run("Origin : https://app.example.com").usage_error("has a space before the colon");
    run("Orig(in): x").usage_error("is not a header name");
}

#[test]
fn bad_header_files_are_usage_errors() {
    let dir = TestDir::new();
    dir.write("p.toml", POLICY);
    dir.write(
        "req.txt",
        "Origin: https://app.example.com\nAccess-Control-Request-Method PUT\n",
    );
    dir.corsica(["policy", "eval", "p.toml", "-H", "@req.txt"])
        .run()
        .usage_error("\"req.txt\" line 2: \"Access-Control-Request-Method PUT\" has no colon between the name and the value; write one header per line as 'Name: value'");
    dir.corsica(["policy", "eval", "p.toml", "-H", "@missing.txt"])
        .run()
        .usage_error("cannot open header file \"missing.txt\"");
}

#[test]
fn bad_methods_paths_and_schemes_are_usage_errors() {
    let dir = TestDir::new();
    dir.write("p.toml", POLICY);
    dir.corsica(["policy", "eval", "p.toml", "-X", "GET POST"])
        .run()
        .usage_error("not a method name");
    dir.corsica(["policy", "eval", "p.toml", "-X", ""])
        .run()
        .usage_error("e.g. -X PUT");
    dir.corsica(["policy", "eval", "p.toml", "--path", "api/users"])
        .run()
        .usage_error("a request path starts with '/'");
    dir.corsica(["policy", "eval", "p.toml", "--scheme", "ftp"])
        .run()
        .usage_error("invalid value 'ftp'");
    // Usage errors win over reading the policy.
    dir.corsica(["policy", "eval", "missing.toml", "-H", "nonsense"])
        .run()
        .usage_error("-H: ");
}
