//! Hostile input and allocation counts for `Policy::decide` (`docs/policy.md`, "Hostile input";
//! the no-panic invariant of `docs/architecture.md`). Runs without the test harness so that no
//! other thread allocates while counting.

use std::alloc::System;

use corsica::{Outcome, Policy, RawRequest, Reason};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Runs `decide` and returns its outcome and the number of allocations it made.
fn decide_counting(policy: &Policy, request: &RawRequest) -> (Outcome, usize, String) {
    let region = Region::new(GLOBAL);
    let decision = policy.decide(request);
    let outcome = decision.outcome();
    let allocations = region.change().allocations;
    let reason = decision.reason().to_string();
    (outcome, allocations, reason)
}

fn main() {
    let policy = Policy::builder()
        .origins([
            "https://app.example.com",
            "https://*.example.org",
            "http://localhost:*",
        ])
        .methods(["GET", "PUT", "DELETE"])
        .request_headers(["content-type", "x-api-key", "authorization"])
        .expose_headers(["x-request-id"])
        .credentials(true)
        .max_age(600)
        .build()
        .unwrap();
    let wildcard = Policy::builder()
        .origins(["*"])
        .methods(["*"])
        .request_headers(["*"])
        .build()
        .unwrap();
    let mut failures = 0;
    let mut check = |name: &str,
                     policy: &Policy,
                     request: RawRequest,
                     want: Outcome,
                     max_allocations: usize| {
        let (outcome, allocations, reason) = decide_counting(policy, &request);
        let ok = outcome == want && allocations <= max_allocations;
        println!(
            "{} {name}: {outcome} ({allocations} allocations; {reason})",
            if ok { "ok  " } else { "FAIL" }
        );
        if !ok {
            failures += 1;
        }
    };

    let preflight = |origin: &[u8], acrh: &[u8]| {
        RawRequest::new("OPTIONS")
            .header("origin", origin)
            .header("access-control-request-method", "PUT")
            .header("access-control-request-headers", acrh)
    };

    // The common paths allocate nothing.
    check(
        "not cors",
        &policy,
        RawRequest::new("GET"),
        Outcome::NotCors,
        0,
    );
    check(
        "actual allowed",
        &policy,
        RawRequest::new("GET").header("origin", "https://app.example.com"),
        Outcome::ActualAllowed,
        0,
    );
    check(
        "actual allowed by wildcard pattern",
        &policy,
        RawRequest::new("GET").header("origin", "https://a.b.example.org"),
        Outcome::ActualAllowed,
        0,
    );
    check(
        "actual denied",
        &policy,
        RawRequest::new("GET").header("origin", "https://evil.example"),
        Outcome::ActualDenied,
        0,
    );
    check(
        "preflight with three headers",
        &policy,
        preflight(
            b"https://app.example.com",
            b"authorization,content-type,x-api-key",
        ),
        Outcome::PreflightOk,
        0,
    );
    check(
        "wildcard preflight",
        &wildcard,
        preflight(b"https://x.example", b"x-a,x-b"),
        Outcome::PreflightOk,
        0,
    );

    // Hostile input: refused, linear, no allocation.
    let commas = vec![b','; 1 << 20];
    check(
        "1 MiB of commas",
        &policy,
        preflight(b"https://app.example.com", &commas),
        Outcome::PreflightDeniedAfter,
        0,
    );
    check(
        "1 MiB of commas, wildcard",
        &wildcard,
        preflight(b"https://x.example", &commas),
        Outcome::PreflightDeniedAfter,
        0,
    );
    let repeated = "content-type,".repeat(1 << 16);
    check(
        "repeated allowed name",
        &policy,
        preflight(b"https://app.example.com", repeated.as_bytes()),
        Outcome::PreflightDeniedAfter,
        0,
    );
    let long_origin = format!("https://{}.example.org", "a".repeat(10 * 1024));
    check(
        "10 KB origin",
        &policy,
        RawRequest::new("GET").header("origin", long_origin.as_bytes()),
        Outcome::ActualDenied,
        0,
    );
    check(
        "10 KB origin, preflight",
        &policy,
        preflight(long_origin.as_bytes(), b"x-api-key"),
        Outcome::PreflightDeniedOrigin,
        0,
    );
    check(
        "non-UTF-8 origin",
        &policy,
        RawRequest::new("GET").header("origin", &b"https://app.example.com\xff"[..]),
        Outcome::ActualDenied,
        0,
    );
    check(
        "non-UTF-8 request header",
        &policy,
        preflight(b"https://app.example.com", b"x-api-key,\xff\xfe"),
        Outcome::PreflightDeniedAfter,
        0,
    );
    check(
        "non-UTF-8 method",
        &policy,
        RawRequest::new("OPTIONS")
            .header("origin", "https://app.example.com")
            .header("access-control-request-method", &b"P\xffT"[..]),
        Outcome::PreflightDeniedAfter,
        0,
    );
    check(
        "two Origin lines",
        &policy,
        RawRequest::new("GET")
            .header("origin", "https://app.example.com")
            .header("origin", "https://app.example.com"),
        Outcome::ActualDenied,
        0,
    );

    // The reasons render without panicking on the hostile bytes.
    let huge = preflight(b"https://app.example.com", &commas);
    let d = policy.decide(&huge);
    assert!(matches!(d.reason(), Reason::RequestHeadersTooLong(n) if *n == 1 << 20));

    if failures > 0 {
        eprintln!("{failures} hostile-input checks failed");
        std::process::exit(1);
    }
}
