//! Hostile requests for any enforcement point on loopback: each CORS request header at 64 KiB,
//! as a 10,000-element list, with bytes that are not UTF-8, and on several lines. Each must be
//! answered promptly, grant nothing, and leave the server answering the next request as usual.
//!
//! The point under test enforces [`middleware::policy`](crate::middleware::policy); the
//! requests are built so that every enforcement point refuses them, whatever its own limits (a
//! server that answers `400` or `431` to a 64 KiB header refuses it too). NUL and other control
//! bytes are not here: HTTP/1.1 parsers refuse them before any CORS layer sees them (the engine's
//! own tests and fuzz targets feed it those).

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use crate::client::{Outgoing, Received, send};
use crate::middleware::{APP, preflight, request};

/// One hostile request and the headers its answer must not carry.
#[derive(Clone, Debug)]
pub struct Hostile {
    /// Names the case in failures.
    pub name: &'static str,
    /// The request.
    pub request: Outgoing,
    /// Response headers that would grant something the request must not get.
    pub must_not_grant: &'static [&'static str],
}

const ORIGIN_GRANTS: &[&str] = &[
    "access-control-allow-origin",
    "access-control-allow-credentials",
];

fn preflight_with(method: &[u8], headers: &[&[u8]]) -> Outgoing {
    let mut r = request("OPTIONS", "/")
        .header("origin", APP)
        .header("access-control-request-method", method);
    for line in headers {
        r = r.header("access-control-request-headers", line);
    }
    r
}

/// The hostile requests, each refused by every enforcement point of `middleware::policy()`.
pub fn requests() -> Vec<Hostile> {
    let kib64 = |prefix: &str, fill: &str| {
        let mut s = prefix.to_owned();
        while s.len() < 64 * 1024 {
            s.push_str(fill);
        }
        s
    };
    let case = |name, request, must_not_grant| Hostile {
        name,
        request,
        must_not_grant,
    };
    vec![
        case(
            "origin-64kib",
            request("GET", "/").header("origin", kib64(APP, "a")),
            ORIGIN_GRANTS,
        ),
        case(
            "origin-64kib-preflight",
            preflight("/").header("origin", kib64(APP, ".app")),
            ORIGIN_GRANTS,
        ),
        case(
            "origin-not-utf8",
            request("GET", "/").header("origin", [APP.as_bytes(), b"\xff\xfe"].concat()),
            ORIGIN_GRANTS,
        ),
        case(
            "origin-two-lines",
            request("GET", "/")
                .header("origin", "https://evil.example")
                .header("origin", APP),
            ORIGIN_GRANTS,
        ),
        case(
            "acrm-64kib",
            preflight_with(kib64("PUT", "T").as_bytes(), &[]),
            ORIGIN_GRANTS,
        ),
        case(
            "acrm-not-utf8",
            preflight_with(b"PU\xffT", &[]),
            ORIGIN_GRANTS,
        ),
        case(
            "acrm-two-lines",
            preflight_with(b"PATCH", &[]).header("access-control-request-method", "PUT"),
            ORIGIN_GRANTS,
        ),
        case(
            "acrh-64kib-of-allowed-names",
            preflight_with(b"PUT", &[kib64("x-api-key", ",x-api-key").as_bytes()]),
            ORIGIN_GRANTS,
        ),
        case(
            "acrh-10000-elements",
            preflight_with(b"PUT", &["a,".repeat(10_000).as_bytes()]),
            ORIGIN_GRANTS,
        ),
        case(
            "acrh-not-utf8",
            preflight_with(b"PUT", &[b"x-api-key,x-\xff\xfe"]),
            ORIGIN_GRANTS,
        ),
        case(
            "acrh-two-lines",
            preflight_with(b"PUT", &[b"x-evil", b"x-api-key"]),
            ORIGIN_GRANTS,
        ),
        case(
            "acrpn-64kib",
            preflight("/").header("access-control-request-private-network", kib64("true", "e")),
            &["access-control-allow-private-network"],
        ),
    ]
}

/// Sends every hostile request to `addr`, each on its own connection, then a plain preflight
/// from [`APP`]: panics unless each hostile request is answered (or its connection closed)
/// within five seconds without the headers it must not get, and the preflight after it passes.
pub async fn assert_refused(addr: SocketAddr) {
    for hostile in requests() {
        let started = Instant::now();
        let answer = tokio::time::timeout(Duration::from_secs(5), send(addr, &hostile.request))
            .await
            .unwrap_or_else(|_| panic!("{}: no answer within 5 s", hostile.name));
        // A server may refuse an oversized head by closing the connection: no grant either.
        if let Ok(r) = &answer {
            for name in hostile.must_not_grant {
                assert!(
                    r.all(name).is_empty(),
                    "{}: {name} granted: {r:?}",
                    hostile.name
                );
            }
        }
        let next = send(addr, &preflight("/"))
            .await
            .unwrap_or_else(|e| panic!("after {}: the next request failed: {e}", hostile.name));
        assert_passes(hostile.name, &next);
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{}: took {:?}",
            hostile.name,
            started.elapsed()
        );
    }
}

fn assert_passes(after: &str, r: &Received) {
    assert!(
        (200..300).contains(&r.status) && r.all("access-control-allow-origin") == [APP.as_bytes()],
        "after {after}: the next preflight did not pass: {r:?}"
    );
}
