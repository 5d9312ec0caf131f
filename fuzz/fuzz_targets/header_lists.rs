//! The CORS list headers, on both sides, against a plain reference reading of the list
//! (split on `,`, trim spaces and tabs, skip empty elements; names compared in any case):
//! - server: a preflight passes only when its `Access-Control-Request-Method` and every element
//!   of its `Access-Control-Request-Headers` are in the policy's lists;
//! - browser: a fetch is allowed only when its method and its non-safelisted headers are in the
//!   preflight's `Access-Control-Allow-Methods` / `-Allow-Headers` (or `*` without credentials),
//!   and the script reads only the response headers safelisted or named by
//!   `Access-Control-Expose-Headers` (or any but `Set-Cookie` under `*` without credentials).
//!
//! Input: four values separated by NUL bytes: the request's method and header list, then the
//! preflight's allowed methods and headers; the exposed-header list is the third value again.
#![no_main]

use std::sync::LazyLock;

use corsica::Origin;
use corsica::browser::{BrowserRequest, CredentialsMode, ResponseHead, simulate};
use corsica::header::is_cors_safelisted_response_header_name;
use corsica::{Outcome, Policy, RawRequest};
use libfuzzer_sys::fuzz_target;

const METHODS: [&str; 2] = ["PUT", "patch"];
const HEADERS: [&str; 2] = ["content-type", "x-api-key"];

static POLICY: LazyLock<Policy> = LazyLock::new(|| {
    Policy::builder()
        .origins(["https://app.example"])
        .methods(METHODS)
        .request_headers(HEADERS)
        .credentials(true)
        .build()
        .unwrap()
});

/// The reference reading of a list header: elements, trimmed, empty ones skipped.
fn reference(value: &[u8]) -> Vec<String> {
    value
        .split(|&b| b == b',')
        .map(|e| String::from_utf8_lossy(e).trim_matches([' ', '\t']).to_owned())
        .filter(|e| !e.is_empty())
        .collect()
}

fn listed(list: &[String], name: &str) -> bool {
    list.iter().any(|e| e.eq_ignore_ascii_case(name))
}

fn server(method: &[u8], headers: &[u8]) {
    let request = RawRequest::new("OPTIONS")
        .header("Origin", "https://app.example")
        .header("Access-Control-Request-Method", method.to_vec())
        .header("Access-Control-Request-Headers", headers.to_vec());
    let decision = POLICY.decide(&request);
    if decision.outcome() != Outcome::PreflightOk {
        return;
    }
    let method = String::from_utf8_lossy(method);
    assert!(
        ["GET", "HEAD", "POST"].contains(&&*method) || METHODS.contains(&&*method),
        "preflight for method {method:?} passed"
    );
    for name in reference(headers) {
        assert!(
            HEADERS.iter().any(|h| h.eq_ignore_ascii_case(&name)),
            "preflight for header {name:?} passed"
        );
    }
}

fn browser(pick: u8, method: &[u8], allow_methods: &[u8], allow_headers: &[u8]) {
    let credentials = if pick & 1 == 1 { CredentialsMode::Include } else { CredentialsMode::Omit };
    let Ok(method_text) = std::str::from_utf8(method) else { return };
    let origin = Origin::parse("https://app.example").unwrap();
    let mut builder = BrowserRequest::builder(origin, "https://api.example/".parse().unwrap())
        .credentials(credentials)
        .header("X-Api-Key", "k");
    if pick & 2 == 2 {
        builder = builder.header("Authorization", "Bearer t");
    }
    if !method_text.is_empty() {
        builder = builder.method(method_text);
    }
    let Ok(request) = builder.build() else { return };
    let method = request.method().to_owned();
    let include = credentials == CredentialsMode::Include;
    let ok = |r: ResponseHead| {
        r.header("Access-Control-Allow-Origin", "https://app.example")
            .header("Access-Control-Allow-Credentials", "true")
    };
    let preflight = ok(ResponseHead::new(204))
        .header("Access-Control-Allow-Methods", allow_methods.to_vec())
        .header("Access-Control-Allow-Headers", allow_headers.to_vec());
    let actual = ok(ResponseHead::new(200))
        .header("Access-Control-Expose-Headers", allow_methods.to_vec())
        .header("Set-Cookie", "a=b")
        .header("X-Secret", "s")
        .header("Content-Type", "text/plain");
    let verdict = simulate(request, Some(preflight), actual);
    let Ok(exposed) = &verdict.result else { return };

    let methods = reference(allow_methods);
    let headers = reference(allow_headers);
    let star = |list: &[String]| !include && list.iter().any(|e| e == "*");
    assert!(
        ["GET", "HEAD", "POST"].contains(&method.as_str()) || listed(&methods, &method) || star(&methods),
        "{method} allowed by {methods:?}"
    );
    assert!(listed(&headers, "x-api-key") || star(&headers), "X-Api-Key allowed by {headers:?}");
    if pick & 2 == 2 {
        // `*` never covers `Authorization` (Fetch: CORS non-wildcard request-header name).
        assert!(listed(&headers, "authorization"), "Authorization allowed by {headers:?}");
    }
    let exposable = reference(allow_methods);
    for name in &exposed.headers {
        assert!(!name.eq_ignore_ascii_case("set-cookie"), "Set-Cookie exposed");
        assert!(
            is_cors_safelisted_response_header_name(name) || listed(&exposable, name) || star(&exposable),
            "{name} exposed by {exposable:?}"
        );
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else { return };
    let mut parts = rest.splitn(4, |&b| b == 0);
    let method = parts.next().unwrap_or_default();
    let request_headers = parts.next().unwrap_or_default();
    let allow_methods = parts.next().unwrap_or_default();
    let allow_headers = parts.next().unwrap_or_default();
    server(method, request_headers);
    browser(pick, method, allow_methods, allow_headers);
});
