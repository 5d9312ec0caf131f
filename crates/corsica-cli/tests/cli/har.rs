//! `corsica har`: recordings made by the test itself in real Chromium, then read back.
//!
//! A page on one loopback origin fetches from an API on another (same site: both 127.0.0.1, so
//! the page's cookie goes along with `credentials: "include"`), one scenario per path: allowed,
//! no `Access-Control-Allow-Origin`, `*` with credentials, a refused preflight, an allowed
//! preflighted `PUT`, redirects. The DevTools events become a HAR (`corsica_harness::har`), with
//! the preflights (as recorded over CDP) and without them (as devtools export it), and
//! `corsica har --json` must give, entry by entry, the verdict, error kind and console line
//! Chromium gave; where the recording lacks the preflight, it must say so and offer the
//! `corsica check` command. Then hand-written files: truncated, missing fields, wrong types,
//! non-UTF-8 bytes, a Firefox-style recording.
//!
//! With `CORSICA_SAVE_HAR=DIR` the two recordings are written to `DIR/cdp.har` and
//! `DIR/devtools.har`.
//!
//! Chromium must be installed (`chromium`, or `CORSICA_CHROMIUM`): without it the test fails
//! with the command that installs it.

use std::path::Path;
use std::sync::OnceLock;
use std::time::Duration;

use corsica_harness::{Chromium, FetchResult, StubResponse, StubServer};
use serde_json::{Value, json};

use crate::util::TestDir;

/// One `fetch()` the page makes.
struct Scenario {
    path: &'static str,
    init: Value,
}

fn scenarios() -> Vec<Scenario> {
    let s = |path, init| Scenario { path, init };
    vec![
        s("/allowed", json!({})),
        s("/no-acao", json!({})),
        s("/no-acao?page=2", json!({})),
        s("/star", json!({ "credentials": "include" })),
        s(
            "/refused",
            json!({ "method": "PUT", "headers": { "Content-Type": "application/json" }, "body": "{}" }),
        ),
        s(
            "/put-ok",
            json!({ "method": "PUT", "headers": { "Content-Type": "application/json" }, "body": "{}" }),
        ),
        s(
            "/header-refused",
            json!({ "method": "PUT", "headers": { "X-Api-Key": "k" } }),
        ),
        s("/redirect", json!({})),
        s("/redirect-bare", json!({})),
        // Through a third origin: from there on the browser sends `Origin: null`.
        s("/to-other", json!({})),
        s("/to-other-echo", json!({})),
    ]
}

/// Scenarios whose request the browser never sent, its preflight having failed: without the
/// preflight, a recording cannot tell why.
const PREFLIGHT_FAILED: [&str; 2] = ["/refused", "/header-refused"];

/// The third origin's answers: `*`, or the page's origin (which a tainted request does not
/// match).
fn other(page_origin: String) -> impl Fn(&corsica_harness::StubRequest) -> StubResponse {
    move |r| match r.path() {
        "/star" => StubResponse::new(200)
            .header("Access-Control-Allow-Origin", "*")
            .body("ok"),
        _ => StubResponse::new(200)
            .header("Access-Control-Allow-Origin", page_origin.as_str())
            .body("ok"),
    }
}

/// The API's answers, by path; `other` is the third origin's.
fn api(
    page_origin: String,
    other: String,
) -> impl Fn(&corsica_harness::StubRequest) -> StubResponse {
    move |r| {
        let star = || StubResponse::new(200).header("Access-Control-Allow-Origin", "*");
        match (r.method.as_str(), r.path()) {
            (_, "/allowed" | "/star") => star().body("ok"),
            (_, "/no-acao") => StubResponse::new(200).body("ok"),
            ("OPTIONS", "/refused") => StubResponse::new(403).body("no"),
            ("OPTIONS", "/put-ok") => StubResponse::new(204)
                .header("Access-Control-Allow-Origin", page_origin.as_str())
                .header("Access-Control-Allow-Methods", "PUT")
                .header("Access-Control-Allow-Headers", "content-type"),
            (_, "/put-ok") => StubResponse::new(200)
                .header("Access-Control-Allow-Origin", page_origin.as_str())
                .body("ok"),
            (_, "/redirect") => StubResponse::new(302)
                .header("Access-Control-Allow-Origin", "*")
                .header("Location", "/allowed"),
            (_, "/redirect-bare") => StubResponse::new(302).header("Location", "/allowed"),
            ("OPTIONS", "/header-refused") => StubResponse::new(204)
                .header("Access-Control-Allow-Origin", "*")
                .header("Access-Control-Allow-Methods", "PUT")
                .header("Access-Control-Allow-Headers", "content-type"),
            (_, "/to-other") => StubResponse::new(302)
                .header("Access-Control-Allow-Origin", "*")
                .header("Location", format!("{other}/star")),
            (_, "/to-other-echo") => StubResponse::new(302)
                .header("Access-Control-Allow-Origin", "*")
                .header("Location", format!("{other}/echo")),
            _ => StubResponse::new(404),
        }
    }
}

/// What Chromium did with each scenario, and the two recordings: with preflights, without.
struct Recorded {
    results: Vec<(String, FetchResult)>,
    with_preflights: Value,
    devtools_style: Value,
    _servers: (StubServer, StubServer, StubServer),
}

/// Records once for every test of this file: one Chromium launch.
fn recorded() -> &'static Recorded {
    static RECORDED: OnceLock<Recorded> = OnceLock::new();
    RECORDED.get_or_init(|| {
        let page_server = StubServer::start(|_| {
            StubResponse::new(200)
                .header("Content-Type", "text/html")
                .header("Set-Cookie", "session=1; Path=/")
                .body("<!doctype html><title>app</title>")
        })
        .expect("start the page server");
        let page_origin = page_server.origin();
        let other_server =
            StubServer::start(other(page_origin.clone())).expect("start the third server");
        let api_server = StubServer::start(api(page_origin, other_server.origin()))
            .expect("start the API server");
        let chromium = Chromium::launch().unwrap_or_else(|e| panic!("{e}"));
        let page = chromium.new_page().expect("open a tab");
        let page_url = page_server.url("/");
        page.goto(&page_url).expect("load the page");
        let mark = page.mark();
        let mut results = Vec::new();
        for s in scenarios() {
            let url = api_server.url(s.path);
            let result = page.fetch(&url, &s.init).expect("run fetch()");
            results.push((url, result));
        }
        // Let the late ExtraInfo events arrive.
        std::thread::sleep(Duration::from_secs(1));
        let recorded = Recorded {
            with_preflights: page.har_since(mark, &page_url, true),
            devtools_style: page.har_since(mark, &page_url, false),
            results,
            _servers: (page_server, api_server, other_server),
        };
        // To look at them (the README's example is one): CORSICA_SAVE_HAR=DIR.
        if let Ok(dir) = std::env::var("CORSICA_SAVE_HAR") {
            let dir = Path::new(&dir);
            for (name, har) in [
                ("cdp.har", &recorded.with_preflights),
                ("devtools.har", &recorded.devtools_style),
            ] {
                let text = serde_json::to_string_pretty(har).expect("a HAR is JSON");
                std::fs::write(dir.join(name), text).expect("write the recording");
            }
        }
        recorded
    })
}

/// `corsica har --json` on `har`.
fn har_json(dir: &TestDir, har: &Value, code: i32) -> Value {
    let path = dir.write("recording.har", har.to_string());
    dir.corsica(["har", "--json"])
        .arg(path)
        .run()
        .code(code)
        .json()
}

/// The line Chromium's console printed for a blocked fetch.
fn console(result: &FetchResult) -> Option<&str> {
    result
        .console
        .iter()
        .map(String::as_str)
        .find(|m| m.starts_with("Access to fetch at "))
}

/// The replayed entry for the request to `url`.
fn entry_for<'a>(doc: &'a Value, url: &str) -> &'a Value {
    doc["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .find(|e| e["request"]["url"] == url)
        .unwrap_or_else(|| panic!("no entry for {url} in {doc:#}"))
}

#[test]
fn a_recording_with_preflights_gives_chromiums_verdicts() {
    let rec = recorded();
    let dir = TestDir::new();
    let doc = har_json(&dir, &rec.with_preflights, 1);
    for (url, result) in &rec.results {
        let e = entry_for(&doc, url);
        assert_eq!(e["allowed"], json!(result.ok), "{url}: {e:#}\n{result:#?}");
        assert_eq!(e["verdict"], if result.ok { "allowed" } else { "blocked" });
        match &result.cors_failure {
            Some(failure) => {
                assert_eq!(e["error"]["kind"], failure.kind.as_str(), "{url}: {e:#}");
                assert_eq!(
                    e["error"]["message"].as_str(),
                    console(result),
                    "{url}: the console line"
                );
            }
            None => assert_eq!(e["error"], Value::Null, "{url}: {e:#}"),
        }
    }
    let summary = &doc["summary"];
    assert_eq!(summary["creator"]["name"], "WebInspector");
    assert_eq!(summary["cross_origin"], rec.results.len());
    assert_eq!(summary["incomplete"], 0, "{summary:#}");
    assert_eq!(summary["unused_preflights"], json!([]), "{summary:#}");
    // The cookie the page set made the `credentials: "include"` visible in the recording.
    let star = entry_for(&doc, &rec.results[3].0);
    assert_eq!(star["credentials"]["from"], "cookies");
    assert_eq!(star["error"]["kind"], "WildcardOriginNotAllowed");
    // Failures grouped by cause, each with its fix.
    let causes = summary["causes"].as_array().expect("causes");
    // No header on the response, and none on the redirect: two causes, two fixes.
    let missing: Vec<&Value> = causes
        .iter()
        .filter(|c| c["kind"] == "MissingAllowOriginHeader")
        .collect();
    assert_eq!(missing.len(), 2, "{causes:#?}");
    assert!(
        missing[1]["fix"]
            .as_str()
            .unwrap()
            .ends_with("to the 302 redirect response"),
        "{causes:#?}"
    );
    assert!(causes.iter().all(|c| c["fix"].is_string()), "{causes:#?}");
}

#[test]
fn without_preflights_a_passed_one_is_assumed_and_a_failed_one_is_named_missing() {
    let rec = recorded();
    let dir = TestDir::new();
    let doc = har_json(&dir, &rec.devtools_style, 1);
    for (url, result) in &rec.results {
        let e = entry_for(&doc, url);
        if PREFLIGHT_FAILED.iter().any(|p| url.ends_with(p)) {
            assert_eq!(e["verdict"], "incomplete", "{e:#}");
            assert_eq!(e["missing"]["what"], "preflight", "{e:#}");
            assert_eq!(e["preflight_recorded"], false);
            if url.ends_with("/refused") {
                assert_eq!(
                    e["check_command"].as_str().unwrap(),
                    format!(
                        "corsica check {url} --origin {} -X PUT -H 'Content-Type: application/json' -d '{{}}'",
                        e["request"]["origin"].as_str().unwrap()
                    )
                );
            }
            continue;
        }
        assert_eq!(e["allowed"], json!(result.ok), "{url}: {e:#}");
        assert_eq!(
            e["error"]["message"].as_str(),
            console(result),
            "{url}: the console line"
        );
        if url.ends_with("/put-ok") {
            assert_eq!(e["preflight_recorded"], false, "{e:#}");
        }
    }
    let text = dir
        .corsica(["har"])
        .arg(dir.path().join("recording.har"))
        .run()
        .code(1)
        .stdout;
    assert!(text.contains("is not in the recording"), "{text}");
    assert!(text.contains("replay it live: corsica check"), "{text}");
    assert!(text.contains("Failures by cause:"), "{text}");
}

/// A hand-written recording under `tests/cli/har/`.
fn fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/cli/har")
        .join(name)
}

#[test]
fn broken_files_are_a_clear_error_naming_the_entry_and_field() {
    let dir = TestDir::new();
    for (file, needle, entry, field) in [
        (
            "truncated.har",
            "the file ends too early (truncated?)",
            json!(1),
            json!("log.entries[1].response.headers[0].name"),
        ),
        (
            "missing-status.har",
            "missing field `status`",
            json!(0),
            json!("log.entries[0].response"),
        ),
        (
            "wrong-type.har",
            "invalid type: integer `42`, expected a string",
            json!(0),
            json!("log.entries[0].request.headers[1].value"),
        ),
        (
            "non-utf8.har",
            "entry 0: log.entries[0].request.url: invalid unicode code point: bytes that are not UTF-8",
            json!(0),
            json!("log.entries[0].request.url"),
        ),
        (
            "not-har.json",
            "missing field `log`",
            Value::Null,
            json!("."),
        ),
    ] {
        let out = dir
            .corsica(["har"])
            .arg(fixture(file))
            .run()
            .usage_error(needle);
        assert!(!out.stderr.contains("panicked"), "{file}: {}", out.stderr);
        let out = dir
            .corsica(["har", "--json"])
            .arg(fixture(file))
            .run()
            .code(2);
        let doc = out.json();
        assert!(
            doc["error"]["message"].as_str().unwrap().contains(needle),
            "{file}: {doc:#}"
        );
        assert_eq!(doc["error"]["entry"], entry, "{file}: {doc:#}");
        assert_eq!(doc["error"]["field"], field, "{file}: {doc:#}");
    }
    dir.corsica(["har", "no-such.har"])
        .run()
        .usage_error("cannot read it");
    dir.corsica(["har", "x.har", "--browser", "netscape"])
        .run()
        .usage_error("invalid value 'netscape'");
    let help = dir.corsica(["har", "--help"]).run().code(0).stdout;
    assert!(
        help.contains("Chromium's devtools leave preflights out of the HAR"),
        "{help}"
    );
}

#[test]
fn a_firefox_recording_with_its_preflight_and_a_blocked_request() {
    let dir = TestDir::new();
    let doc = dir
        .corsica(["har", "--json"])
        .arg(fixture("firefox.har"))
        .run()
        .code(1)
        .json();
    assert_eq!(doc["summary"]["creator"]["name"], "Firefox");
    // Recorded by Firefox: judged by Firefox's rules, in Firefox's words.
    assert_eq!(doc["summary"]["browser"], "firefox");
    let entries = doc["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 2, "{doc:#}");
    // The preflight (its own entry, before the request) refuses the header.
    let put = &entries[0];
    assert_eq!(put["entries"], json!([1, 0]));
    assert_eq!(put["error"]["kind"], "HeaderDisallowedByPreflightResponse");
    assert_eq!(
        put["error"]["message"],
        "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote \
         resource at https://api.example.com/items/1. (Reason: header ‘x-api-key’ is not \
         allowed according to header ‘Access-Control-Allow-Headers’ from CORS preflight \
         response)."
    );
    // `--browser chromium` judges the same recording by Chromium's rules.
    let chromium = dir
        .corsica(["har", "--json", "--browser", "chromium"])
        .arg(fixture("firefox.har"))
        .run()
        .code(1)
        .json();
    assert_eq!(chromium["summary"]["browser"], "chromium");
    assert_eq!(
        chromium["entries"][0]["error"]["message"],
        "Access to fetch at 'https://api.example.com/items/1' from origin \
         'https://app.example.com' has been blocked by CORS policy: Request header field \
         x-api-key is not allowed by Access-Control-Allow-Headers in preflight response."
    );
    assert_eq!(put["page_origin"]["from"], "origin-header");
    // The image and the same-origin document are not CORS requests.
    assert_eq!(doc["summary"]["not_cors"], 2, "{doc:#}");
    assert_eq!(doc["summary"]["same_origin"], 1, "{doc:#}");
    // A blocked GET recorded with its response headers.
    let get = &entries[1];
    assert_eq!(get["error"]["kind"], "AllowOriginMismatch");
    assert_eq!(
        get["fix"].as_str().unwrap(),
        "make \"Access-Control-Allow-Origin\" in the response exactly \
         \"https://app.example.com\": it is \"https://app.example.com/\" (an origin has no \
         path, not even a trailing slash)"
    );
}

#[test]
fn a_playwright_recording_read_from_standard_input() {
    let dir = TestDir::new();
    let har = std::fs::read(fixture("playwright.har")).expect("read the fixture");
    let doc = dir
        .corsica(["har", "--json", "-"])
        .stdin(har)
        .run()
        .code(1)
        .json();
    let summary = &doc["summary"];
    assert_eq!(
        summary["creator"],
        json!({"name": "Playwright", "version": "1.49.0"})
    );
    assert_eq!(
        (
            &summary["allowed"],
            &summary["blocked"],
            &summary["incomplete"]
        ),
        (&json!(1), &json!(1), &json!(2)),
        "{summary:#}"
    );
    let entries = doc["entries"].as_array().unwrap();
    // Status -1 and `_failureText`: a request that got no response, whose preflight is missing.
    let login = &entries[0];
    assert_eq!(login["verdict"], "incomplete");
    assert_eq!(login["missing"]["what"], "preflight");
    assert!(
        login["missing"]["message"]
            .as_str()
            .unwrap()
            .contains("(net::ERR_FAILED)"),
        "{login:#}"
    );
    assert_eq!(
        login["check_command"],
        "corsica check http://127.0.0.1:8000/api/login --origin http://localhost:5173 \
         -H 'content-type: application/json' -d '{\"user\":\"a\"}'"
    );
    // The DELETE went out, so its preflight passed; its response lacks the header.
    let delete = &entries[2];
    assert_eq!(delete["preflight_recorded"], false);
    assert_eq!(delete["error"]["kind"], "MissingAllowOriginHeader");
    // No server listening: a network failure, not CORS.
    let refused = &entries[3];
    assert_eq!(refused["missing"]["what"], "response");
    assert!(
        refused["missing"]["message"].as_str().unwrap().ends_with(
            "(net::ERR_CONNECTION_REFUSED): a network failure (or a cancelled request), not CORS"
        ),
        "{refused:#}"
    );
    let text = dir
        .corsica(["har", "-"])
        .stdin(std::fs::read(fixture("playwright.har")).unwrap())
        .run()
        .code(1)
        .stdout;
    assert!(
        text.contains(
            "· the preflight (method DELETE is not CORS-safelisted) is not in the recording; \
             the request went out, so it passed"
        ),
        "{text}"
    );
}
