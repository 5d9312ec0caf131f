//! `corsica policy eval`: every kind of server decision, checked as JSON (one table), plus the
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
    (out.code, without_route_and_warnings(out.json()))
}

/// The document without `route` and `warnings`, which are checked where they say something
/// (`route_and_warnings_in_json_and_origin_as_in_check`): here they must be there.
#[track_caller]
fn without_route_and_warnings(mut doc: Value) -> Value {
    if let Some(map) = doc.as_object_mut().filter(|m| m.contains_key("outcome")) {
        assert!(
            map.remove("route")
                .is_some_and(|r| r.is_null() || r.is_string())
        );
        assert!(map.remove("warnings").is_some_and(|w| w.is_array()));
    }
    doc
}

#[test]
fn route_and_warnings_in_json_and_origin_as_in_check() {
    let dir = TestDir::new();
    dir.write("p.toml", POLICY);
    dir.write("w.toml", "origins = [\"*\"]\ndebug = true\n");
    let out = dir
        .corsica(["policy", "eval", "p.toml", "--json", "--path", "/public/x"])
        .args(["--origin", "https://app.example.com"])
        .run()
        .code(0);
    let doc = out.json();
    assert_eq!(doc["route"], "/public/", "{doc:#}");
    assert_eq!(doc["outcome"], "actual-allowed", "{doc:#}");
    assert_eq!(doc["warnings"], json!([]), "{doc:#}");
    let doc = dir
        .corsica([
            "policy",
            "eval",
            "w.toml",
            "--json",
            "--origin",
            "https://a.example",
        ])
        .run()
        .code(0)
        .json();
    assert_eq!(doc["route"], Value::Null);
    let warnings = doc["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1, "{doc:#}");
    assert_eq!(warnings[0]["key"], "debug", "{doc:#}");
    assert!(
        warnings[0]["message"]
            .as_str()
            .unwrap()
            .contains("turn debug off in production"),
        "{doc:#}"
    );
    dir.corsica([
        "policy",
        "eval",
        "p.toml",
        "--origin",
        "https://a.example",
        "-H",
        APP,
    ])
    .run()
    .usage_error("keep one");
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

/// How a row's expected document is compared.
enum Expect {
    /// The whole document.
    Exact(Value),
    /// Only these top-level fields.
    Fields(Value),
}

/// One `policy eval --json` run and what it must print.
struct Decision {
    /// What the row shows.
    what: &'static str,
    policy: &'static str,
    args: Vec<String>,
    code: i32,
    expect: Expect,
}

fn row(
    what: &'static str,
    policy: &'static str,
    args: &[&str],
    code: i32,
    expect: Expect,
) -> Decision {
    Decision {
        what,
        policy,
        args: args.iter().map(|a| (*a).to_owned()).collect(),
        code,
        expect,
    }
}

const ACRM_PUT: &str = "Access-Control-Request-Method: PUT";
const PRIVATE_NETWORK: &str = "origins = [\"https://app.example.com\"]\nprivate_network = true\n";
const ONE_ORIGIN: &str = "origins = [\"https://app.example.com\"]\n";

/// Every kind of server decision, with the exit code and the JSON document it gives.
fn decisions() -> Vec<Decision> {
    use Expect::{Exact, Fields};
    let denied = |origin: &str| format!("origin {origin} is not allowed: add it to origins");
    let same_origin = json!({
        "outcome": "actual-denied",
        "status": null,
        "headers": [["vary", "origin"]],
        "reason": "origin https://api.example.com is not in origins but is the server's own origin (same-origin request)",
    });
    let mut rows = vec![
        row(
            "not-cors varies by origin",
            POLICY,
            &[],
            0,
            Exact(
                json!({"outcome": "not-cors", "status": null, "headers": [["vary", "origin"]], "reason": "no Origin header: not a CORS request"}),
            ),
        ),
        // The response is the same for every origin, so caches may share it (Fetch, "CORS
        // protocol and HTTP caches").
        row(
            "not-cors under a credential-free * policy: the static star, no Vary",
            ANY,
            &["-X", "POST"],
            0,
            Exact(
                json!({"outcome": "not-cors", "status": null, "headers": [["access-control-allow-origin", "*"]], "reason": "no Origin header: not a CORS request"}),
            ),
        ),
        row(
            "actual-allowed with credentials",
            POLICY,
            &["-H", APP],
            0,
            Exact(json!({
                "outcome": "actual-allowed", "status": null,
                "headers": [
                    ["access-control-allow-origin", "https://app.example.com"],
                    ["access-control-allow-credentials", "true"],
                    ["access-control-expose-headers", "x-request-id"],
                    ["vary", "origin"],
                ],
                "reason": "origin https://app.example.com is allowed",
            })),
        ),
        row(
            "actual-allowed by a subdomain wildcard",
            POLICY,
            &["-X", "DELETE", "-H", "Origin: https://deep.api.example.com"],
            0,
            Exact(json!({
                "outcome": "actual-allowed", "status": null,
                "headers": [
                    ["access-control-allow-origin", "https://deep.api.example.com"],
                    ["access-control-allow-credentials", "true"],
                    ["access-control-expose-headers", "x-request-id"],
                    ["vary", "origin"],
                ],
                "reason": "origin https://deep.api.example.com is allowed",
            })),
        ),
        row(
            "actual-allowed under * answers * without Vary",
            ANY,
            &["-H", EVIL],
            0,
            Exact(
                json!({"outcome": "actual-allowed", "status": null, "headers": [["access-control-allow-origin", "*"]], "reason": "any origin is allowed (\"*\")"}),
            ),
        ),
        row(
            "actual-denied gets Vary only",
            POLICY,
            &["-X", "POST", "-H", EVIL],
            1,
            Exact(
                json!({"outcome": "actual-denied", "status": null, "headers": [["vary", "origin"]], "reason": denied("https://evil.example")}),
            ),
        ),
        row(
            "a null origin is denied with a reason",
            POLICY,
            &["-H", "Origin: null"],
            1,
            Fields(json!({"reason": "origin null (a sandboxed or data: document) is not allowed"})),
        ),
        row(
            "a malformed origin is denied with a reason",
            POLICY,
            &["-H", "Origin: https://APP.example.com"],
            1,
            Fields(
                json!({"reason": "Origin header \"https://APP.example.com\" is not a single origin as browsers send it"}),
            ),
        ),
        row(
            "two Origin lines are denied with a reason",
            POLICY,
            &["-H", APP, "-H", APP],
            1,
            Fields(json!({
                "outcome": "actual-denied",
                "reason": "Origin header \"https://app.example.com\" is not a single origin as browsers send it",
            })),
        ),
        row(
            "preflight-ok",
            POLICY,
            &[
                "-X",
                "OPTIONS",
                "-H",
                APP,
                "-H",
                ACRM_PUT,
                "-H",
                "Access-Control-Request-Headers: content-type",
            ],
            0,
            Exact(preflight_ok_put()),
        ),
        row(
            "preflight-denied-origin is 403 without CORS headers",
            POLICY,
            &["-X", "OPTIONS", "-H", EVIL, "-H", ACRM_PUT],
            1,
            Exact(
                json!({"outcome": "preflight-denied-origin", "status": 403, "headers": [], "reason": denied("https://evil.example")}),
            ),
        ),
        row(
            "preflight-denied-after a method",
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
            Exact(
                json!({"outcome": "preflight-denied-after", "status": 403, "headers": [], "reason": "method PATCH is not allowed: add \"PATCH\" to methods"}),
            ),
        ),
        row(
            "preflight-denied-after a header",
            POLICY,
            &[
                "-X",
                "OPTIONS",
                "-H",
                APP,
                "-H",
                ACRM_PUT,
                "-H",
                "Access-Control-Request-Headers: content-type, x-secret",
            ],
            1,
            Exact(
                json!({"outcome": "preflight-denied-after", "status": 403, "headers": [], "reason": "request header x-secret is not allowed: add \"x-secret\" to request_headers"}),
            ),
        ),
        row(
            "OPTIONS without a request method is an actual request",
            POLICY,
            &["-X", "OPTIONS", "-H", APP],
            0,
            Fields(json!({"outcome": "actual-allowed", "status": null})),
        ),
        // Methods are case-sensitive: browsers send OPTIONS, so `options` is not a preflight.
        row(
            "`options` is not a preflight",
            POLICY,
            &["-X", "options", "-H", APP, "-H", ACRM_PUT],
            0,
            Fields(json!({"outcome": "actual-allowed"})),
        ),
        row(
            "debug: a failed preflight gets the ok status and what passed",
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
            Exact(json!({
                "outcome": "preflight-denied-after",
                "status": 204,
                "headers": [
                    ["access-control-allow-origin", "https://app.example.com"],
                    ["access-control-allow-methods", "PUT"],
                    ["access-control-allow-headers", "content-type"],
                ],
                "reason": "method PATCH is not allowed: add \"PATCH\" to methods",
            })),
        ),
        row(
            "debug: a preflight from another origin gets the ok status",
            DEBUG,
            &["-X", "OPTIONS", "-H", EVIL, "-H", ACRM_PUT],
            1,
            Exact(
                json!({"outcome": "preflight-denied-origin", "status": 204, "headers": [], "reason": denied("https://evil.example")}),
            ),
        ),
        row(
            "reject_disallowed answers 403",
            REJECT,
            &["-X", "POST", "-H", EVIL],
            1,
            Exact(
                json!({"outcome": "actual-denied", "status": 403, "headers": [["vary", "origin"]], "reason": denied("https://evil.example")}),
            ),
        ),
        row(
            "reject_disallowed lets a same-origin request through",
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
            Exact(same_origin.clone()),
        ),
        row(
            "reject_disallowed lets a same-origin request through (https)",
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
            Exact(same_origin),
        ),
        row(
            "reject_disallowed: same origin with a port",
            REJECT,
            &[
                "-X",
                "POST",
                "-H",
                "Origin: https://api.example.com:8443",
                "-H",
                "Host: api.example.com:8443",
            ],
            1,
            Fields(json!({"status": null})),
        ),
        // Another scheme, host or port is another origin.
        row(
            "reject_disallowed: another scheme",
            REJECT,
            &[
                "-H",
                "Origin: https://api.example.com",
                "-H",
                "Host: api.example.com",
                "--scheme",
                "http",
            ],
            1,
            Fields(json!({"status": 403})),
        ),
        row(
            "reject_disallowed: another host",
            REJECT,
            &[
                "-H",
                "Origin: https://api.example.com",
                "-H",
                "Host: www.example.com",
                "--path",
                "/",
            ],
            1,
            Fields(json!({"status": 403})),
        ),
        row(
            "reject_disallowed: another port",
            REJECT,
            &[
                "-H",
                "Origin: https://api.example.com",
                "-H",
                "Host: api.example.com:8443",
                "--path",
                "/",
            ],
            1,
            Fields(json!({"status": 403})),
        ),
        row(
            "a private network preflight",
            PRIVATE_NETWORK,
            &[
                "-X",
                "OPTIONS",
                "-H",
                APP,
                "-H",
                "Access-Control-Request-Method: GET",
                "-H",
                "Access-Control-Request-Private-Network: true",
            ],
            0,
            Exact(json!({
                "outcome": "preflight-ok",
                "status": 204,
                "headers": [
                    ["access-control-allow-origin", "https://app.example.com"],
                    ["access-control-allow-private-network", "true"],
                ],
                "reason": "preflight allowed: origin, method and headers are all allowed",
            })),
        ),
        row(
            "a private network preflight the policy does not allow",
            ONE_ORIGIN,
            &[
                "-X",
                "OPTIONS",
                "-H",
                APP,
                "-H",
                "Access-Control-Request-Method: GET",
                "-H",
                "Access-Control-Request-Private-Network: true",
            ],
            1,
            Exact(
                json!({"outcome": "preflight-denied-after", "status": 403, "headers": [], "reason": "private network access is requested but not allowed: set private_network = true"}),
            ),
        ),
        row(
            "preflight_status",
            "origins = [\"https://app.example.com\"]\npreflight_status = 200\n",
            &[
                "-X",
                "OPTIONS",
                "-H",
                APP,
                "-H",
                "Access-Control-Request-Method: GET",
            ],
            0,
            Fields(json!({"status": 200})),
        ),
        row(
            "preflight_continue",
            "origins = [\"https://app.example.com\"]\npreflight_continue = true\n",
            &[
                "-X",
                "OPTIONS",
                "-H",
                APP,
                "-H",
                "Access-Control-Request-Method: GET",
            ],
            0,
            Fields(json!({"outcome": "preflight-ok", "status": null})),
        ),
        row(
            "--path picks the route",
            POLICY,
            &["-H", EVIL, "--path", "/public/logo.png"],
            0,
            Exact(
                json!({"outcome": "actual-allowed", "status": null, "headers": [["access-control-allow-origin", "*"]], "reason": "any origin is allowed (\"*\")"}),
            ),
        ),
        // A prefix match on the route's path, trailing slash included.
        row(
            "--path /public is not under /public/",
            POLICY,
            &["-H", EVIL, "--path", "/public"],
            1,
            Fields(json!({"outcome": "actual-denied"})),
        ),
        row(
            "--path /api/public/ is not under /public/",
            POLICY,
            &["-H", EVIL, "--path", "/api/public/"],
            1,
            Fields(json!({"outcome": "actual-denied"})),
        ),
    ];
    for origin in [
        "https://example.com",
        "https://app.example.com.evil.com",
        "https://evilexample.com",
        "http://app.example.com",
        "https://app.example.com:8443",
    ] {
        let mut look_alike = row(
            "a look-alike origin is denied",
            POLICY,
            &["-H"],
            1,
            Fields(json!({"outcome": "actual-denied", "reason": denied(origin)})),
        );
        look_alike.args.push(format!("Origin: {origin}"));
        rows.push(look_alike);
    }
    rows
}

#[test]
fn every_decision_as_json() {
    let rows = decisions();
    let mut failures = Vec::new();
    for d in &rows {
        let args: Vec<&str> = d.args.iter().map(String::as_str).collect();
        let (code, got) = eval(d.policy, &args);
        let (matches, want) = match &d.expect {
            Expect::Exact(want) => (got == *want, want),
            Expect::Fields(want) => {
                let fields = want.as_object().expect("Fields holds an object");
                (fields.iter().all(|(k, v)| got.get(k) == Some(v)), want)
            }
        };
        if code != d.code || !matches {
            failures.push(format!(
                "{}: policy eval {args:?}\n  exit {code} (want {})\n  got  {got}\n  want {want}",
                d.what, d.code
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} rows:\n{}",
        failures.len(),
        rows.len(),
        failures.join("\n")
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
                ["access-control-max-age", "600"],
            ],
            "reason": "preflight allowed: origin, method and headers are all allowed",
            "route": null,
            "warnings": [],
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
    json!({
        "outcome": "preflight-ok", "status": 204,
        "headers": [
            ["access-control-allow-origin", "https://app.example.com"],
            ["access-control-allow-credentials", "true"],
            ["access-control-allow-methods", "PUT,DELETE"],
            ["access-control-allow-headers", "content-type,authorization"],
            ["access-control-max-age", "600"],
        ],
        "reason": "preflight allowed: origin, method and headers are all allowed",
    })
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
        assert_eq!(
            without_route_and_warnings(out.json()),
            too_long(value_len(line)),
            "case {i}"
        );
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
    assert_eq!(without_route_and_warnings(out.json()), preflight_ok_put());
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

/// What `policy eval` prints for people: the file it reads (written from `policy`), the
/// arguments after it, the exit code, and the exact text.
const FOR_PEOPLE: &[(&str, &str, &[&str], i32, &str)] = &[
    (
        "p.toml",
        POLICY,
        &["-X", "OPTIONS", "-H", APP, "-H", ACRM_PUT],
        0,
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
    ),
    (
        "p.toml",
        POLICY,
        &["-H", APP],
        0,
        "\
outcome: actual-allowed
status:  none: the request goes on to the service, which answers it; corsica adds the headers below
headers: access-control-allow-origin: https://app.example.com
         access-control-allow-credentials: true
         access-control-expose-headers: x-request-id
         vary: origin (appended to the service's own Vary)
reason:  origin https://app.example.com is allowed
",
    ),
    (
        "p.toml",
        POLICY,
        &["-X", "PUT", "-H", EVIL],
        1,
        "\
outcome: actual-denied
status:  none: the request goes on to the service, which answers it; corsica adds the headers below
headers: vary: origin (appended to the service's own Vary)
reason:  origin https://evil.example is not allowed: add it to origins
",
    ),
    (
        "p.toml",
        POLICY,
        &["-H", EVIL, "--path", "/public/x"],
        0,
        "\
outcome: actual-allowed
policy:  the [[route]] for /public/
status:  none: the request goes on to the service, which answers it; corsica adds the headers below
headers: access-control-allow-origin: *
reason:  any origin is allowed (\"*\")
",
    ),
    (
        "p.toml",
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
        "\
outcome: preflight-denied-after
status:  403, answered by corsica; the service is not called
headers: none
reason:  method PATCH is not allowed: add \"PATCH\" to methods
",
    ),
    (
        "r.toml",
        REJECT,
        &["-H", EVIL],
        1,
        "\
outcome: actual-denied
status:  403, answered by corsica; the service is not called
headers: vary: origin
reason:  origin https://evil.example is not allowed: add it to origins
",
    ),
    (
        "r.toml",
        REJECT,
        &[],
        0,
        "\
outcome: not-cors
status:  none: the request goes on to the service, which answers it; corsica adds the headers below
headers: vary: origin (appended to the service's own Vary)
reason:  no Origin header: not a CORS request
",
    ),
    (
        "c.toml",
        "origins = [\"https://app.example.com\"]\npreflight_continue = true\n",
        &["-X", "OPTIONS", "-H", EVIL, "-H", ACRM_PUT],
        1,
        "\
outcome: preflight-denied-origin
status:  none: the request goes on to the service, which answers it; corsica adds no headers
reason:  origin https://evil.example is not allowed: add it to origins
",
    ),
];

#[test]
fn for_people() {
    let dir = TestDir::new();
    for (file, policy, args, code, text) in FOR_PEOPLE {
        dir.write(file, policy);
        let out = dir
            .corsica(["policy", "eval", file])
            .args(*args)
            .run()
            .code(*code);
        eq_text(text, &out.stdout);
        assert_eq!(out.stderr, "", "{file} {args:?}");
    }
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
