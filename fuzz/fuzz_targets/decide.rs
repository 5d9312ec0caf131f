//! `Policy::decide` on arbitrary request heads: never panics, never pairs `*` with credentials,
//! always varies by origin when the answer depends on it.
#![no_main]

use std::sync::LazyLock;

use corsica::header::{RequestHeader, ResponseHeader};
use corsica::{Dangerous, Outcome, Policy, RawRequest};
use libfuzzer_sys::fuzz_target;

static POLICIES: LazyLock<Vec<Policy>> = LazyLock::new(|| {
    vec![
        Policy::builder()
            .origins(["https://app.example.com", "https://*.example.org", "http://localhost:*"])
            .methods(["PUT", "patch"])
            .request_headers(["content-type", "authorization"])
            .expose_headers(["x-request-id"])
            .credentials(true)
            .max_age(600)
            .reject_disallowed(true)
            .build()
            .unwrap(),
        Policy::builder().origins(["*"]).methods(["*"]).request_headers(["*"]).expose_headers(["*"]).build().unwrap(),
        Policy::builder()
            .origins(["*", "null"])
            .methods(["*"])
            .request_headers(["*", "authorization"])
            .credentials(true)
            .debug(true)
            .private_network(true)
            .dangerous(Dangerous { allow_null_origin: true, allow_any_origin_with_credentials: true, ..Dangerous::default() })
            .build()
            .unwrap(),
    ]
});

fuzz_target!(|data: &[u8]| {
    // First line: the method; then `name:value` lines.
    let mut lines = data.split(|&b| b == b'\n');
    let method = String::from_utf8_lossy(lines.next().unwrap_or_default()).into_owned();
    let mut request = RawRequest::new(method);
    for line in lines {
        let (name, value) = match line.iter().position(|&b| b == b':') {
            Some(i) => (&line[..i], &line[i + 1..]),
            None => (line, &b""[..]),
        };
        request = request.header(String::from_utf8_lossy(name).into_owned(), value.to_vec());
    }
    for policy in POLICIES.iter() {
        let d = policy.decide(&request);
        let _ = d.reason().to_string();
        let acao = d.headers().get(ResponseHeader::AccessControlAllowOrigin);
        let acac = d.headers().get(ResponseHeader::AccessControlAllowCredentials);
        assert!(!(acao == Some("*") && acac == Some("true")), "* with credentials");
        if matches!(d.outcome(), Outcome::ActualAllowed | Outcome::ActualDenied | Outcome::NotCors) && policy.varies_by_origin() {
            assert_eq!(d.vary(), Some(RequestHeader::Origin));
        }
    }
});
