//! The engine alone: `Policy::decide` on one fixed request, N times, for instruction counts
//! under callgrind (`bench/instructions/check` runs every scenario and compares with the
//! budget).
//!
//! `decide SCENARIO N`, run as
//! `valgrind --tool=callgrind --toggle-collect='*decide_loop*' decide SCENARIO N`.

use std::hint::black_box;
use std::process::ExitCode;

use corsica::{Policy, RawRequest};

#[inline(never)]
fn decide_loop(policy: &Policy, request: &RawRequest, n: usize) -> usize {
    let mut sum = 0;
    for _ in 0..n {
        sum += black_box(policy.decide(black_box(request))).headers().len();
    }
    sum
}

/// The policy `bench/micro` measures: a few origins (or 1,000 and 10 patterns), four methods,
/// three request headers, one exposed header, credentials, max age.
fn policy(many: bool) -> Policy {
    let mut origins = vec!["https://app.example.com".to_owned()];
    if many {
        origins = (0..1000).map(|i| format!("https://app{i:03}.example.com")).collect();
        origins.extend((0..10).map(|i| format!("https://*.tenant{i}.example.net")));
    }
    Policy::builder()
        .origins(origins)
        .methods(["GET", "POST", "PUT", "DELETE"])
        .request_headers(["content-type", "authorization", "x-request-id"])
        .expose_headers(["x-request-id"])
        .credentials(true)
        .max_age(3600)
        .build()
        .expect("the benchmark policy compiles")
}

fn preflight(origin: &str, headers: &str) -> RawRequest {
    RawRequest::new("OPTIONS")
        .header("origin", origin)
        .header("access-control-request-method", "PUT")
        .header("access-control-request-headers", headers)
}

/// Every scenario: its name, whether it uses the 1,000-origin policy, and the request.
fn scenario(name: &str) -> Option<(bool, RawRequest)> {
    let get = |origin: &str| RawRequest::new("GET").header("origin", origin);
    Some(match name {
        "non-cors" => (false, RawRequest::new("GET")),
        "get" => (false, get("https://app.example.com")),
        "get-1000" => (true, get("https://app999.example.com")),
        "get-pattern-1000" => (true, get("https://eu.tenant9.example.net")),
        "disallowed-1000" => (true, get("https://app999.example.org")),
        "preflight" => (false, preflight("https://app.example.com", "content-type,authorization,x-request-id")),
        "hostile-8kb" => (false, preflight("https://app.example.com", &", ".repeat(4096))),
        _ => return None,
    })
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let name = args.next().unwrap_or_default();
    let n = args.next().and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let Some((many, request)) = scenario(&name) else {
        eprintln!(
            "usage: decide SCENARIO [N]; SCENARIO: non-cors get get-1000 get-pattern-1000 \
             disallowed-1000 preflight hostile-8kb"
        );
        return ExitCode::from(2);
    };
    let policy = policy(many);
    println!("{}", decide_loop(&policy, &request, n));
    ExitCode::SUCCESS
}
