//! The harness against real Chromium: a page on one loopback origin fetches from another.

use corsica_harness::{Chromium, StubResponse, StubServer};
use serde_json::json;

const HTML: &str = "<!doctype html><title>corsica harness</title><p>page";

#[test]
fn chromium_reports_cors_verdicts_and_kinds() {
    let page_server = StubServer::start(|_| {
        StubResponse::new(200)
            .header("Content-Type", "text/html")
            .body(HTML)
    })
    .unwrap();
    let page_origin = page_server.origin();
    let origin_for_api = page_origin.clone();
    let api = StubServer::start(move |req| match req.path() {
        "/missing" => StubResponse::new(200).body("no"),
        "/star" => StubResponse::new(200)
            .header("Access-Control-Allow-Origin", "*")
            .header("X-Hidden", "1")
            .body("yes"),
        "/echo" if req.method == "OPTIONS" => StubResponse::new(204)
            .header("Access-Control-Allow-Origin", origin_for_api.as_bytes())
            .header("Access-Control-Allow-Methods", "PUT"),
        "/echo" => StubResponse::new(200)
            .header("Access-Control-Allow-Origin", origin_for_api.as_bytes())
            .body("put"),
        _ => StubResponse::new(404),
    })
    .unwrap();

    let chromium =
        Chromium::launch().expect("chromium must be installed: apt-get install -y chromium");
    let page = chromium.new_page().unwrap();
    page.goto(&page_server.url("/")).unwrap();

    let r = page.fetch(&api.url("/missing"), &json!({})).unwrap();
    assert!(!r.ok);
    let failure = r.cors_failure.expect("a CORS failure");
    assert_eq!(failure.kind, "MissingAllowOriginHeader");
    assert!(
        r.console.iter().any(|m| m
            .contains("has been blocked by CORS policy: No 'Access-Control-Allow-Origin' header")),
        "{:?}",
        r.console
    );

    let r = page.fetch(&api.url("/star"), &json!({})).unwrap();
    assert!(r.ok, "{r:?}");
    assert_eq!(r.body, "yes");
    assert!(
        !r.headers.iter().any(|(n, _)| n == "x-hidden"),
        "not exposed: {:?}",
        r.headers
    );

    let r = page
        .fetch(&api.url("/star"), &json!({ "credentials": "include" }))
        .unwrap();
    assert_eq!(r.cors_failure.unwrap().kind, "WildcardOriginNotAllowed");

    api.clear();
    let r = page
        .fetch(&api.url("/echo"), &json!({ "method": "PUT" }))
        .unwrap();
    assert!(r.ok, "{r:?}");
    let seen = api.requests();
    assert_eq!(seen[0].method, "OPTIONS");
    assert_eq!(seen[0].header("access-control-request-method"), Some("PUT"));
    assert_eq!(seen[0].header("origin"), Some(page_origin.as_str()));
    assert_eq!(seen[1].method, "PUT");

    let r = page
        .fetch(&api.url("/echo"), &json!({ "method": "DELETE" }))
        .unwrap();
    let failure = r.cors_failure.unwrap();
    assert_eq!(failure.kind, "MethodDisallowedByPreflightResponse");
    assert_eq!(failure.failed_parameter, "DELETE");
}
