//! `corsica policy lint`: every refusal of the engine, one message per problem, in JSON and for
//! people; warnings; parse errors with lines; the three formats; exit codes.

use serde_json::{Value, json};

use crate::util::{TestDir, eq_text, example, example_path};

/// A single allowed origin, for policies whose mistake is elsewhere.
const ORIGIN: &str = "origins = [\"https://app.example.com\"]\n";

/// `policy lint --json` on a TOML policy.
fn lint_json(toml: &str) -> (i32, Value) {
    let dir = TestDir::new();
    dir.write("p.toml", toml);
    let out = dir.corsica(["policy", "lint", "p.toml", "--json"]).run();
    (out.code, out.json())
}

/// How the human report shows a value (quoted when it has spaces, quotes or control characters).
fn human_value(value: &str) -> String {
    if value
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || c == '"')
    {
        format!("{value:?}")
    } else {
        value.to_owned()
    }
}

/// Asserts that `toml` is refused with exactly one error, `key` / `value`, whose message
/// contains `hint`: in the JSON document and in the report for people.
#[track_caller]
fn assert_refused(toml: &str, key: &str, value: &str, hint: &str) {
    let (code, report) = lint_json(toml);
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(report["valid"], json!(false));
    let errors = report["errors"].as_array().expect("errors is an array");
    assert_eq!(errors.len(), 1, "exactly one error expected: {report:#}");
    assert_eq!(errors[0]["key"], json!(key), "{report:#}");
    assert_eq!(errors[0]["value"], json!(value), "{report:#}");
    let message = errors[0]["message"].as_str().expect("message is a string");
    assert!(
        message.contains(hint),
        "message {message:?} should contain {hint:?}"
    );

    let dir = TestDir::new();
    dir.write("p.toml", toml);
    let out = dir.corsica(["policy", "lint", "p.toml"]).run().code(1);
    let error_lines: Vec<&str> = out
        .stdout
        .lines()
        .filter(|l| l.starts_with("error: "))
        .collect();
    assert_eq!(
        error_lines.len(),
        1,
        "exactly one error line expected:\n{}",
        out.stdout
    );
    let head = if value.is_empty() {
        format!("error: {key} — ")
    } else {
        format!("error: {key}: {} — ", human_value(value))
    };
    eq_text(&format!("{head}{message}"), error_lines[0]);
    assert!(
        out.stdout
            .ends_with("p.toml: invalid policy, 1 error, no warnings\n"),
        "{}",
        out.stdout
    );
    assert_eq!(out.stderr, "");
}

/// Asserts that `toml` is a valid policy with no errors.
#[track_caller]
fn assert_accepted(toml: &str) {
    let (code, report) = lint_json(toml);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["valid"], json!(true));
    assert_eq!(report["errors"], json!([]));
}

/// One `#[test]` per refused policy: `name: policy => key, value, hint;`.
macro_rules! refused {
    ($($name:ident: $policy:expr => $key:expr, $value:expr, $hint:expr;)*) => {
        $(
            #[test]
            fn $name() {
                assert_refused(&$policy, $key, $value, $hint);
            }
        )*
    };
}

/// One `#[test]` per accepted policy: `name: policy;`.
macro_rules! accepted {
    ($($name:ident: $policy:expr;)*) => {
        $(
            #[test]
            fn $name() {
                assert_accepted(&$policy);
            }
        )*
    };
}

fn with(lines: &str) -> String {
    format!("{ORIGIN}{lines}\n")
}

refused! {
    // Origins.
    no_origins_key: "methods = [\"PUT\"]\n" => "origins", "", "no origins are allowed";
    empty_origins: "origins = []\n" => "origins", "", "no origins are allowed";
    origin_with_a_path: "origins = [\"https://app.example.com/login\"]" => "origins", "https://app.example.com/login", "write \"https://app.example.com\"";
    origin_with_a_trailing_slash: "origins = [\"https://app.example.com/\"]" => "origins", "https://app.example.com/", "trailing slash";
    origin_with_the_default_https_port: "origins = [\"https://app.example.com:443\"]" => "origins", "https://app.example.com:443", "write \"https://app.example.com\"";
    origin_with_the_default_http_port: "origins = [\"http://app.example.com:80\"]" => "origins", "http://app.example.com:80", "write \"http://app.example.com\"";
    origin_in_upper_case: "origins = [\"https://App.Example.com\"]" => "origins", "https://App.Example.com", "write \"https://app.example.com\"";
    origin_without_a_scheme: "origins = [\"app.example.com\"]" => "origins", "app.example.com", "has no scheme";
    any_origin_with_credentials: "origins = [\"*\"]\ncredentials = true" => "origins", "*", "allow_any_origin_with_credentials = true";
    null_origin: "origins = [\"null\"]" => "origins", "null", "allow_null_origin = true";
    null_origin_with_credentials: "origins = [\"null\"]\ncredentials = true" => "origins", "null", "allow_null_origin = true";
    insecure_origin_with_credentials: "origins = [\"http://app.example.com\"]\ncredentials = true" => "origins", "http://app.example.com", "allow_insecure_origins = true";
    insecure_wildcard_with_credentials: "origins = [\"http://*.example.com\"]\ncredentials = true" => "origins", "http://*.example.com", "allow_insecure_origins = true";
    public_suffix_wildcard_with_credentials: "origins = [\"https://*.github.io\"]\ncredentials = true" => "origins", "https://*.github.io", "allow_public_suffix_wildcards = true";
    two_label_public_suffix_wildcard_with_credentials: "origins = [\"https://*.co.uk\"]\ncredentials = true" => "origins", "https://*.co.uk", "public suffix \"co.uk\"";
    // The list's wildcard rules (`*.ck`, `*.kawasaki.jp`): every child of the domain is a public suffix.
    wildcard_rule_public_suffix_with_credentials: "origins = [\"https://*.ck\"]\ncredentials = true" => "origins", "https://*.ck", "public suffix \"ck\"";
    deeper_wildcard_rule_public_suffix_with_credentials: "origins = [\"https://*.kawasaki.jp\"]\ncredentials = true" => "origins", "https://*.kawasaki.jp", "public suffix \"kawasaki.jp\"";
    non_http_insecure_origin_with_credentials: "origins = [\"ftp://files.example.com\"]\ncredentials = true" => "origins", "ftp://files.example.com", "is not a secure context";
    regular_expression_origin: "origins = ['^https://.*\\.example\\.com$']" => "origins", "^https://.*\\.example\\.com$", "no regular expressions: write \"https://*.example.com\"";
    regular_expression_in_slashes: "origins = ['/https:\\/\\/app\\.example\\.com/']" => "origins", "/https:\\/\\/app\\.example\\.com/", "no regular expressions: write \"https://app.example.com\"";
    origins_as_one_string: "origins = [\"https://a.example, https://b.example\"]" => "origins", "https://a.example, https://b.example", "several origins, but one entry is one origin (the first here is \"https://a.example\")";
    origin_with_an_upper_case_scheme_and_host: "origins = [\"HTTP://LOCALHOST:3000\"]\ncredentials = true" => "origins", "HTTP://LOCALHOST:3000", "write \"http://localhost:3000\"";
    regular_expression_alternation: "origins = [\"https://(a|b).example.com\"]" => "origins", "https://(a|b).example.com", "no regular expressions: use exact origins";

    // Methods.
    connect_method: with("methods = [\"CONNECT\"]") => "methods", "CONNECT", "forbidden method";
    trace_method: with("methods = [\"TRACE\"]") => "methods", "TRACE", "forbidden method";
    track_method: with("methods = [\"TRACK\"]") => "methods", "TRACK", "forbidden method";
    forbidden_method_in_lower_case: with("methods = [\"trace\"]") => "methods", "trace", "forbidden method";
    method_with_a_space: with("methods = [\"GET POST\"]") => "methods", "GET POST", "not a valid method name";
    empty_method: with("methods = [\"\"]") => "methods", "", "not a valid method name";
    method_outside_ascii: with("methods = [\"PÜT\"]") => "methods", "PÜT", "not a valid method name";

    // Request headers.
    forbidden_request_header_cookie: with("request_headers = [\"Cookie\"]") => "request_headers", "Cookie", "forbidden request header";
    forbidden_request_header_host: with("request_headers = [\"Host\"]") => "request_headers", "Host", "forbidden request header";
    forbidden_request_header_sec: with("request_headers = [\"Sec-Fetch-Mode\"]") => "request_headers", "Sec-Fetch-Mode", "forbidden request header";
    forbidden_request_header_proxy: with("request_headers = [\"Proxy-Authorization\"]") => "request_headers", "Proxy-Authorization", "forbidden request header";
    request_header_with_a_space: with("request_headers = [\"Content Type\"]") => "request_headers", "Content Type", "not a valid header name";
    request_header_outside_ascii: with("request_headers = [\"X-Ü\"]") => "request_headers", "X-Ü", "not a valid header name";
    cors_header_in_request_headers: with("request_headers = [\"Access-Control-Allow-Origin\"]") => "request_headers", "Access-Control-Allow-Origin", "CORS protocol header";
    cors_request_header_in_request_headers: with("request_headers = [\"Access-Control-Request-Method\"]") => "request_headers", "Access-Control-Request-Method", "CORS protocol header";

    // Exposed headers.
    cors_header_in_expose_headers: with("expose_headers = [\"Access-Control-Allow-Credentials\"]") => "expose_headers", "Access-Control-Allow-Credentials", "CORS protocol header";
    set_cookie_exposed: with("expose_headers = [\"Set-Cookie\"]") => "expose_headers", "Set-Cookie", "never exposed";
    set_cookie2_exposed: with("expose_headers = [\"set-cookie2\"]") => "expose_headers", "set-cookie2", "never exposed";
    expose_header_with_a_space: with("expose_headers = [\"X Request Id\"]") => "expose_headers", "X Request Id", "not a valid header name";
    wildcard_expose_with_credentials: with("expose_headers = [\"*\"]\ncredentials = true") => "expose_headers", "*", "list the header names instead";

    // Numbers.
    negative_max_age: with("max_age = -1") => "max_age", "-1", "outside 0..=86400";
    max_age_over_a_day: with("max_age = 86401") => "max_age", "86401", "outside 0..=86400";
    max_age_100000: with("max_age = 100000") => "max_age", "100000", "outside 0..=86400";
    preflight_status_199: with("preflight_status = 199") => "preflight_status", "199", "not an ok status";
    preflight_status_300: with("preflight_status = 300") => "preflight_status", "300", "not an ok status";
    preflight_status_302: with("preflight_status = 302") => "preflight_status", "302", "not an ok status";
    preflight_status_404: with("preflight_status = 404") => "preflight_status", "404", "not an ok status";

    // Routes: the same checks, keys prefixed with the route.
    route_path_without_a_slash: with("[[route]]\npath = \"public/\"\norigins = [\"*\"]") => "route[0].path", "public/", "must start with '/'";
    route_origin_with_a_trailing_slash: with("[[route]]\npath = \"/a/\"\norigins = [\"https://a.example/\"]") => "route[0].origins", "https://a.example/", "trailing slash";
    route_forbidden_method: with("[[route]]\npath = \"/a/\"\norigins = [\"*\"]\n[[route]]\npath = \"/b/\"\norigins = [\"*\"]\nmethods = [\"TRACE\"]") => "route[1].methods", "TRACE", "forbidden method";
}

accepted! {
    dangerous_any_origin_with_credentials: "origins = [\"*\"]\ncredentials = true\n[dangerous]\nallow_any_origin_with_credentials = true";
    dangerous_null_origin: "origins = [\"null\"]\ncredentials = true\n[dangerous]\nallow_null_origin = true";
    dangerous_insecure_origin: "origins = [\"http://app.example.com\"]\ncredentials = true\n[dangerous]\nallow_insecure_origins = true";
    dangerous_public_suffix_wildcard: "origins = [\"https://*.github.io\"]\ncredentials = true\n[dangerous]\nallow_public_suffix_wildcards = true";
    insecure_origin_without_credentials: "origins = [\"http://app.example.com\"]";
    loopback_subdomain_wildcard_with_credentials: "origins = [\"http://*.app.localhost\", \"http://*.localhost:*\"]\ncredentials = true";
    extension_origins_with_credentials: "origins = [\"chrome-extension://abcdefghijklmnopabcdefghijklmnop\", \"moz-extension://0c2b5a2e-8a8c-4f35-9c49-5b1f2f3e4d5c\"]\ncredentials = true";
    exception_rule_under_wildcard_rule_with_credentials: "origins = [\"https://*.www.ck\"]\ncredentials = true";
    loopback_origins_with_credentials: "origins = [\"http://localhost:3000\", \"http://127.0.0.1:8080\", \"http://localhost:*\", \"http://[::1]:5173\"]\ncredentials = true";
    wildcard_expose_without_credentials: with("expose_headers = [\"*\"]");
    wildcard_methods_and_headers: with("methods = [\"*\"]\nrequest_headers = [\"*\", \"Authorization\"]\ncredentials = true");
    max_age_bounds: with("max_age = 0");
    preflight_status_200: with("preflight_status = 200");
    preflight_status_299: with("preflight_status = 299");
    every_key_at_once: example("example.toml");
}

#[test]
fn warnings_are_listed_after_errors_and_do_not_invalidate() {
    let policy = "origins = [\"https://*.github.io\", \"https://a.example\", \"https://a.example\"]\nmax_age = 86400\ndebug = true\n";
    let (code, report) = lint_json(policy);
    assert_eq!(code, 0);
    assert_eq!(
        report,
        json!({
            "valid": true,
            "errors": [],
            "warnings": [
                {"key": "origins", "value": "https://a.example", "message": "\"https://a.example\" is listed more than once"},
                {"key": "origins", "value": "https://*.github.io", "message": "\"github.io\" is a public suffix: anyone can register a subdomain of it and be allowed"},
                {"key": "max_age", "value": "86400", "message": "browsers cache a preflight result WebKit at most 600 s, Chromium at most 7200 s; Firefox keeps it the whole 86400 s, so a change to this policy can take that long to reach its users"},
                {"key": "debug", "value": "true", "message": "failed preflights reveal which part of the policy they failed; turn debug off in production"},
            ],
        })
    );
    let dir = TestDir::new();
    dir.write("p.toml", policy);
    let out = dir.corsica(["policy", "lint", "p.toml"]).run().code(0);
    eq_text(
        "warning: origins: https://a.example — \"https://a.example\" is listed more than once\n\
         warning: origins: https://*.github.io — \"github.io\" is a public suffix: anyone can register a subdomain of it and be allowed\n\
         warning: max_age: 86400 — browsers cache a preflight result WebKit at most 600 s, Chromium at most 7200 s; Firefox keeps it the whole 86400 s, so a change to this policy can take that long to reach its users\n\
         warning: debug: true — failed preflights reveal which part of the policy they failed; turn debug off in production\n\
         p.toml: valid policy, 4 warnings\n",
        &out.stdout,
    );
}

#[test]
fn a_valid_policy_says_so_in_one_line() {
    let dir = TestDir::new();
    dir.write("p.toml", ORIGIN);
    let out = dir.corsica(["policy", "lint", "p.toml"]).run().code(0);
    eq_text("p.toml: valid policy, no warnings\n", &out.stdout);
    assert_eq!(out.stderr, "");
    let out = dir
        .corsica(["policy", "lint", "p.toml", "--json"])
        .run()
        .code(0);
    assert_eq!(
        out.json(),
        json!({"valid": true, "errors": [], "warnings": []})
    );
}

/// The keys and values of the errors in a `policy lint --json` document.
fn keys_and_values(report: &Value) -> Vec<(String, String)> {
    report["errors"]
        .as_array()
        .expect("errors is an array")
        .iter()
        .map(|e| {
            (
                e["key"].as_str().unwrap().to_owned(),
                e["value"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn the_broken_example_gives_every_error_at_once() {
    let dir = TestDir::new();
    let out = dir
        .corsica(["policy", "lint", "--json"])
        .arg(example_path("broken.toml"))
        .run()
        .code(1);
    let report = out.json();
    assert_eq!(report["valid"], json!(false));
    let expected: Vec<(String, String)> = [
        ("origins", "https://app.example.com/login"),
        ("origins", "https://admin.example.com/"),
        ("origins", "https://api.example.com:443"),
        ("origins", "*"),
        ("methods", "TRACE"),
        ("request_headers", "Cookie"),
        ("expose_headers", "Set-Cookie"),
        ("max_age", "100000"),
        ("preflight_status", "302"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    assert_eq!(keys_and_values(&report), expected);
    for error in report["errors"].as_array().unwrap() {
        assert!(!error["message"].as_str().unwrap().is_empty());
    }

    let out = dir
        .corsica(["policy", "lint"])
        .arg(example_path("broken.toml"))
        .run()
        .code(1);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 10, "{}", out.stdout);
    for (line, (key, value)) in lines.iter().zip(&expected) {
        assert!(
            line.starts_with(&format!("error: {key}: {value} — ")),
            "{line}"
        );
    }
    assert!(
        lines[9].ends_with("broken.toml: invalid policy, 9 errors, no warnings"),
        "{}",
        lines[9]
    );
}

#[test]
fn the_examples_in_three_formats_are_the_same_valid_policy() {
    let dir = TestDir::new();
    for name in ["example.toml", "example.yaml", "example.json"] {
        let out = dir
            .corsica(["policy", "lint", "--json"])
            .arg(example_path(name))
            .run()
            .code(0);
        assert_eq!(
            out.json(),
            json!({"valid": true, "errors": [], "warnings": []}),
            "{name}"
        );
    }
}

#[test]
fn yaml_and_json_files_are_checked_like_toml() {
    let toml = "origins = [\"https://a.example/\", \"https://b.example\"]\nmethods = [\"TRACE\"]\ncredentials = true\n";
    let yaml = "origins:\n  - https://a.example/\n  - https://b.example\nmethods: [TRACE]\ncredentials: true\n";
    let json = r#"{"origins": ["https://a.example/", "https://b.example"], "methods": ["TRACE"], "credentials": true}"#;
    let dir = TestDir::new();
    dir.write("p.toml", toml);
    dir.write("p.yaml", yaml);
    dir.write("p.yml", yaml);
    dir.write("p.json", json);
    let reference = dir
        .corsica(["policy", "lint", "p.toml", "--json"])
        .run()
        .code(1)
        .json();
    assert_eq!(
        keys_and_values(&reference),
        [
            ("origins".to_owned(), "https://a.example/".to_owned()),
            ("methods".to_owned(), "TRACE".to_owned())
        ]
    );
    for name in ["p.yaml", "p.yml", "p.json"] {
        let report = dir
            .corsica(["policy", "lint", name, "--json"])
            .run()
            .code(1)
            .json();
        assert_eq!(report, reference, "{name}");
    }
}

/// What a parse error's message must say.
#[derive(Clone, Copy, Debug)]
enum Says {
    /// Exactly this.
    Is(&'static str),
    /// It starts with this.
    Starts(&'static str),
    /// It contains this.
    Contains(&'static str),
    /// It ends with this.
    Ends(&'static str),
}

use Says::{Contains, Ends, Is, Starts};

/// A file that does not parse: its name, its bytes, the key its one error names, and what the
/// message says.
struct ParseError {
    what: &'static str,
    file: &'static str,
    text: &'static [u8],
    key: &'static str,
    says: &'static [Says],
}

const PARSE_ERRORS: &[ParseError] = &[
    ParseError {
        what: "a misspelt TOML key names the key, the line and the fix",
        file: "p.toml",
        text: b"origins = [\"https://a.example\"]\ncredentials = true\norgins = []\n",
        key: "orgins",
        says: &[
            Starts("TOML line 3: unknown field `orgins`, expected one of "),
            Ends("; did you mean `origins`?"),
        ],
    },
    ParseError {
        what: "a TOML value of the wrong type names its key and line",
        file: "p.toml",
        text: b"origins = [\"https://a.example\"]\nmax_age = \"ten\"\n",
        key: "max_age",
        says: &[Starts("TOML line 2: invalid type: string \"ten\"")],
    },
    ParseError {
        what: "a TOML number out of range names its key and line",
        file: "p.toml",
        text: b"origins = [\"https://a.example\"]\n\npreflight_status = 70000\n",
        key: "preflight_status",
        says: &[Starts("TOML line 3: ")],
    },
    ParseError {
        what: "a misspelt key in a TOML table carries the table",
        file: "p.toml",
        text: b"origins = [\"https://a.example\"]\n\n[[route]]\npath = \"/public/\"\norigin = [\"*\"]\n",
        key: "route[0].origin",
        says: &[
            Starts("TOML line 5: unknown field `origin`"),
            Ends("did you mean `origins`?"),
        ],
    },
    ParseError {
        what: "an unclosed TOML array gives its line",
        file: "p.toml",
        text: b"# comment\norigins = [\"https://a.example\",\n",
        key: "",
        says: &[Starts("TOML line ")],
    },
    ParseError {
        what: "a TOML syntax error gives its line",
        file: "p.toml",
        text: b"[[[\n",
        key: "",
        says: &[Starts("TOML line 1: ")],
    },
    ParseError {
        what: "a misspelt nested YAML key is found",
        file: "p.yaml",
        text: b"origins: [\"https://a.example\"]\ndangerous:\n  allow_nul_origin: true\n",
        key: "dangerous.allow_nul_origin",
        says: &[
            Starts("YAML line 3: "),
            Contains("unknown field `allow_nul_origin`"),
            Ends("did you mean `allow_null_origin`?"),
        ],
    },
    ParseError {
        what: "a YAML value of the wrong type names its key",
        file: "p.yml",
        text: b"origins: [\"https://a.example\"]\ncredentials: maybe\n",
        key: "credentials",
        says: &[Starts("YAML line 2: "), Contains("invalid type")],
    },
    ParseError {
        what: "a JSON trailing comma gives its line",
        file: "p.json",
        text: b"{\n  \"origins\": [\"https://a.example\"],\n}\n",
        key: "",
        says: &[Starts("JSON line 3: trailing comma")],
    },
    ParseError {
        what: "a misspelt JSON key names the key and the line",
        file: "p.json",
        text: b"{\"origins\": [], \"orgins\": []}",
        key: "orgins",
        says: &[Starts("JSON line 1: unknown field `orgins`")],
    },
    ParseError {
        what: "an empty JSON file gives its line",
        file: "p.json",
        text: b"",
        key: "",
        says: &[Starts("JSON line 1: EOF while parsing")],
    },
    ParseError {
        what: "a file that is not UTF-8 says where and what to do",
        file: "p.toml",
        text: b"origins = [\"https://a.example\"]\n# caf\xe9\n",
        key: "",
        says: &[Is(
            "TOML line 2: byte 0xe9 is not UTF-8; policy files are UTF-8 text, so save it as UTF-8",
        )],
    },
];

/// Lints `text` as file `name` and returns the single error of the report: a file that does not
/// parse is an invalid policy with one error and no value.
#[track_caller]
fn parse_error(name: &str, text: &[u8]) -> Value {
    let dir = TestDir::new();
    dir.write(name, text);
    let out = dir
        .corsica(["policy", "lint", name, "--json"])
        .run()
        .code(1);
    let report = out.json();
    assert_eq!(report["valid"], json!(false));
    assert_eq!(report["warnings"], json!([]));
    let errors = report["errors"].as_array().unwrap();
    assert_eq!(
        errors.len(),
        1,
        "a file that does not parse is one error: {report:#}"
    );
    assert_eq!(errors[0]["value"], json!(""));
    errors[0].clone()
}

/// The problems of one row of [`PARSE_ERRORS`], if any.
fn parse_error_problems(row: &ParseError) -> Vec<String> {
    let error = parse_error(row.file, row.text);
    let mut problems = Vec::new();
    if error["key"] != json!(row.key) {
        problems.push(format!("key {}, want {:?}", error["key"], row.key));
    }
    let message = error["message"].as_str().unwrap_or_default();
    for says in row.says {
        let holds = match *says {
            Is(text) => message == text,
            Starts(text) => message.starts_with(text),
            Contains(text) => message.contains(text),
            Ends(text) => message.ends_with(text),
        };
        if !holds {
            problems.push(format!("message {message:?} fails {says:?}"));
        }
    }
    problems
}

#[test]
fn parse_errors_name_the_key_the_line_and_the_fix() {
    let failed: Vec<String> = PARSE_ERRORS
        .iter()
        .flat_map(|row| {
            parse_error_problems(row)
                .into_iter()
                .map(move |p| format!("{} ({}): {p}", row.what, row.file))
        })
        .collect();
    assert!(failed.is_empty(), "\n{}", failed.join("\n"));
}

#[test]
fn a_parse_error_for_people_is_one_line() {
    let dir = TestDir::new();
    dir.write("p.toml", "origins = [\"https://a.example\"]\norgins = []\n");
    let out = dir.corsica(["policy", "lint", "p.toml"]).run().code(1);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", out.stdout);
    assert!(
        lines[0].starts_with("error: orgins — TOML line 2: unknown field `orgins`"),
        "{}",
        lines[0]
    );
    assert_eq!(lines[1], "p.toml: invalid policy, 1 error, no warnings");
}

#[test]
fn a_file_that_is_not_utf8_is_one_line_for_people() {
    let dir = TestDir::new();
    dir.write("p.json", b"\xff\xfe{\x00}\x00");
    let out = dir.corsica(["policy", "lint", "p.json"]).run().code(1);
    assert!(
        out.stdout
            .starts_with("error: JSON line 1: byte 0xff is not UTF-8"),
        "{}",
        out.stdout
    );
}

#[test]
fn binary_garbage_is_an_invalid_policy_not_a_crash() {
    let garbage: Vec<u8> = (0..=255u8).cycle().take(10_000).collect();
    for name in ["g.toml", "g.yaml", "g.json"] {
        parse_error(name, &garbage);
    }
    for name in ["n.toml", "n.yaml", "n.json"] {
        let dir = TestDir::new();
        dir.write(name, b"\0\0\0");
        dir.corsica(["policy", "lint", name]).run().code(1);
    }
}

#[test]
fn an_empty_file_has_no_origins() {
    for name in ["e.toml", "e.yaml"] {
        let (code, report) = {
            let dir = TestDir::new();
            dir.write(name, "");
            let out = dir.corsica(["policy", "lint", name, "--json"]).run();
            (out.code, out.json())
        };
        assert_eq!(code, 1);
        assert_eq!(
            keys_and_values(&report),
            [("origins".to_owned(), String::new())],
            "{name}"
        );
    }
}

#[test]
fn a_huge_policy_is_fine() {
    let origins: Vec<String> = (0..20_000)
        .map(|i| format!("\"https://app{i}.example.com\""))
        .collect();
    let dir = TestDir::new();
    dir.write("big.toml", format!("origins = [{}]\n", origins.join(",\n")));
    let out = dir
        .corsica(["policy", "lint", "big.toml", "--json"])
        .run()
        .code(0);
    assert_eq!(out.json()["valid"], json!(true));
    dir.corsica([
        "policy",
        "eval",
        "big.toml",
        "-H",
        "Origin: https://app19999.example.com",
    ])
    .run()
    .code(0);
}

#[test]
fn every_mistake_of_a_large_policy_is_listed() {
    let methods: Vec<String> = (0..1000).map(|i| format!("\"BAD METHOD {i}\"")).collect();
    let (code, report) = lint_json(&format!("{ORIGIN}methods = [{}]\n", methods.join(",")));
    assert_eq!(code, 1);
    assert_eq!(report["errors"].as_array().unwrap().len(), 1000);
}

#[test]
fn standard_input_needs_format() {
    let dir = TestDir::new();
    let out = dir
        .corsica(["policy", "lint", "-", "--format", "toml", "--json"])
        .stdin(ORIGIN)
        .run()
        .code(0);
    assert_eq!(out.json()["valid"], json!(true));
    let out = dir
        .corsica(["policy", "lint", "-", "--format", "yaml"])
        .stdin("origins: []\n")
        .run()
        .code(1);
    assert!(
        out.stdout
            .ends_with("<stdin>: invalid policy, 1 error, no warnings\n"),
        "{}",
        out.stdout
    );
    dir.corsica(["policy", "lint", "-"])
        .stdin(ORIGIN)
        .run()
        .usage_error("needs its format: add --format toml");
}

#[test]
fn format_overrides_the_extension() {
    let dir = TestDir::new();
    dir.write("cors.txt", "origins: [\"https://a.example\"]\n");
    dir.corsica(["policy", "lint", "cors.txt"])
        .run()
        .usage_error("cannot tell the format of \"cors.txt\" from its name");
    dir.corsica(["policy", "lint", "cors.txt", "--format", "yaml"])
        .run()
        .code(0);
    // Read as TOML, the YAML file does not parse.
    dir.corsica(["policy", "lint", "cors.txt", "--format", "toml"])
        .run()
        .code(1);
    dir.corsica(["policy", "lint", "cors.txt", "--format", "xml"])
        .run()
        .usage_error("invalid value 'xml'");
}

#[test]
fn io_errors_exit_2_and_say_what_to_change() {
    let dir = TestDir::new();
    dir.corsica(["policy", "lint", "missing.toml"])
        .run()
        .usage_error("cannot open policy file \"missing.toml\"");
    // --json prints a document on every exit: here, the error.
    let out = dir
        .corsica(["policy", "lint", "missing.toml", "--json"])
        .run()
        .code(2);
    assert!(out.stderr.contains("check the path"), "{}", out.stderr);
    let doc = out.json();
    assert_eq!(doc["error"]["kind"], "usage");
    assert!(
        doc["error"]["message"]
            .as_str()
            .unwrap()
            .contains("check the path"),
        "{doc:#}"
    );
    std::fs::create_dir(dir.path().join("dir.toml")).unwrap();
    dir.corsica(["policy", "lint", "dir.toml"])
        .run()
        .usage_error("is a directory");
    dir.corsica(["policy", "lint", "no-extension"])
        .run()
        .usage_error("add --format toml|yaml|json");
}

#[cfg(unix)]
#[test]
fn an_unreadable_file_exits_2() {
    use std::os::unix::fs::PermissionsExt;
    let dir = TestDir::new();
    let path = dir.write("secret.toml", ORIGIN);
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::read(&path).is_ok() {
        return; // running as root: permissions do not apply
    }
    dir.corsica(["policy", "lint", "secret.toml"])
        .run()
        .usage_error("check its permissions");
}

/// Parse-level mistakes are all reported at once, each with its line: three misspelt keys are
/// three errors, and a string where a number belongs does not hide them.
#[test]
fn every_parse_level_mistake_at_once_with_its_line() {
    let dir = TestDir::new();
    let files = [
        (
            "p.toml",
            "orgins = [\"https://a.example\"]\nmax_age = \"ten\"\ncredentails = true\n\n[[route]]\npath = \"/a\"\nmethds = [\"GET\"]\n",
        ),
        (
            "p.yaml",
            "orgins: [\"https://a.example\"]\nmax_age: ten\ncredentails: true\n\nroute:\n  - path: /a\n    methds: [GET]\n",
        ),
        (
            "p.json",
            "{\"orgins\": [\"https://a.example\"],\n\"max_age\": \"ten\",\n\"credentails\": true,\n\n\"route\": [\n  {\"path\": \"/a\",\n   \"methds\": [\"GET\"]}\n]}\n",
        ),
    ];
    for (name, text) in files {
        dir.write(name, text);
        let out = dir
            .corsica(["policy", "lint", name, "--json"])
            .run()
            .code(1);
        let doc = out.json();
        let found: Vec<(String, u64)> = doc["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["key"].as_str().unwrap().to_owned(),
                    e["line"].as_u64().unwrap_or(0),
                )
            })
            .collect();
        assert_eq!(
            found,
            [
                ("orgins".to_owned(), 1),
                ("max_age".to_owned(), 2),
                ("credentails".to_owned(), 3),
                ("route[0].methds".to_owned(), 7),
            ],
            "{name}: {doc:#}"
        );
        assert!(
            doc["errors"][2]["message"]
                .as_str()
                .unwrap()
                .contains("did you mean `credentials`?"),
            "{name}: {doc:#}"
        );
        // For people: one line each, then the summary.
        let out = dir.corsica(["policy", "lint", name]).run().code(1);
        assert!(
            out.stdout
                .ends_with("invalid policy, 4 errors, no warnings\n"),
            "{name}: {}",
            out.stdout
        );
    }
}
