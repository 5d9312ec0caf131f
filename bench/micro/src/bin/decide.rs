//! The engine alone: `Policy::decide` on fixed requests, N times each, for instruction counts.
//!
//! `valgrind --tool=callgrind --toggle-collect='*decide_loop*' target/release/decide`

use std::hint::black_box;

use corsica::{Policy, RawRequest};

#[inline(never)]
fn decide_loop(policy: &Policy, request: &RawRequest, n: usize) -> usize {
    let mut sum = 0;
    for _ in 0..n {
        sum += black_box(policy.decide(black_box(request))).headers().len();
    }
    sum
}

fn main() {
    let n: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let which = std::env::args().nth(2).unwrap_or_else(|| "preflight".into());
    let policy = Policy::builder()
        .origins(["https://app.example.com"])
        .methods(["GET", "POST", "PUT", "DELETE"])
        .request_headers(["content-type", "authorization", "x-request-id"])
        .expose_headers(["x-request-id"])
        .credentials(true)
        .max_age(3600)
        .build()
        .unwrap();
    let request = match which.as_str() {
        "get" => RawRequest::new("GET").header("origin", "https://app.example.com"),
        _ => RawRequest::new("OPTIONS")
            .header("origin", "https://app.example.com")
            .header("access-control-request-method", "PUT")
            .header("access-control-request-headers", "content-type,authorization,x-request-id"),
    };
    println!("{}", decide_loop(&policy, &request, n));
}
