//! Per-request cost of corsica-tower next to tower-http's `CorsLayer`, in the same run (see
//! `bench/README.md`): a `std::time` loop, the service called directly and its future polled
//! once, interleaved repetitions, medians, and a separate counting-allocator pass.
//!
//! `REPS=31 TARGET_MS=40 taskset -c 1 cargo run --release`

mod actix;

use std::alloc::System;
use std::future::Future;
use std::hint::black_box;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{HeaderValue, Method, Request, Response, header};
use http_body_util::Empty;
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};
use tower::{Layer, Service, ServiceExt, service_fn};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

type Req = Request<Empty<Bytes>>;
type Res = Response<Empty<Bytes>>;

fn inner() -> impl Service<Req, Response = Res, Error = std::convert::Infallible, Future = std::future::Ready<Result<Res, std::convert::Infallible>>> + Clone {
    service_fn(|_: Req| std::future::ready(Ok::<_, std::convert::Infallible>(Response::new(Empty::new()))))
}

fn request(method: Method, origin: Option<&str>, acrh: Option<&str>) -> Req {
    let mut b = Request::builder()
        .method(method.clone())
        .uri("https://api.example.com/api/items?page=2")
        .header(header::HOST, "api.example.com")
        .header(header::USER_AGENT, "bench")
        .header(header::ACCEPT, "*/*");
    if let Some(o) = origin {
        b = b.header(header::ORIGIN, HeaderValue::from_str(o).unwrap());
    }
    if method == Method::OPTIONS {
        b = b.header("access-control-request-method", "PUT");
        if let Some(h) = acrh {
            b = b.header("access-control-request-headers", HeaderValue::from_str(h).unwrap());
        }
    }
    b.body(Empty::new()).unwrap()
}

/// Calls the service once on a clone of `req`, polling its future once.
fn call_once<S>(svc: &mut S, req: &Req) -> Res
where
    S: Service<Req, Response = Res>,
    S::Error: std::fmt::Debug,
{
    let mut cx = Context::from_waker(Waker::noop());
    assert!(matches!(svc.poll_ready(&mut cx), Poll::Ready(Ok(()))));
    let fut = pin!(svc.call(req.clone()));
    match fut.poll(&mut cx) {
        Poll::Ready(r) => r.unwrap(),
        Poll::Pending => panic!("the inner service is always ready"),
    }
}

struct Scenario {
    name: &'static str,
    run: Box<dyn FnMut()>,
}

fn scenario<S>(name: &'static str, mut svc: S, req: Req) -> Scenario
where
    S: Service<Req, Response = Res> + 'static,
    S::Error: std::fmt::Debug,
{
    Scenario { name, run: Box::new(move || drop(black_box(call_once(&mut svc, black_box(&req))))) }
}

fn tower_http_layer(origins: &[String]) -> tower_http::cors::CorsLayer {
    use tower_http::cors::{AllowOrigin, CorsLayer};
    let origin = if origins.len() == 1 {
        AllowOrigin::exact(HeaderValue::from_str(&origins[0]).unwrap())
    } else {
        AllowOrigin::list(origins.iter().map(|o| HeaderValue::from_str(o).unwrap()))
    };
    CorsLayer::new()
        .allow_origin(origin)
        .allow_methods([Method::GET, Method::POST, Method::PUT, Method::DELETE])
        .allow_headers([header::CONTENT_TYPE, header::AUTHORIZATION, "x-request-id".parse().unwrap()])
        .expose_headers(["x-request-id".parse::<http::HeaderName>().unwrap()])
        .allow_credentials(true)
        .max_age(Duration::from_secs(3600))
}

fn corsica_layer(origins: &[String], wildcards: usize) -> corsica_tower::CorsLayer {
    let mut all: Vec<String> = origins.to_vec();
    all.extend((0..wildcards).map(|i| format!("https://*.tenant{i}.example.net")));
    let policy = corsica::Policy::builder()
        .origins(all)
        .methods(["GET", "POST", "PUT", "DELETE"])
        .request_headers(["content-type", "authorization", "x-request-id"])
        .expose_headers(["x-request-id"])
        .credentials(true)
        .max_age(3600)
        .build()
        .unwrap();
    corsica_tower::CorsLayer::new(policy)
}

fn main() {
    let reps: usize = std::env::var("REPS").ok().and_then(|v| v.parse().ok()).unwrap_or(15);
    let target = Duration::from_millis(std::env::var("TARGET_MS").ok().and_then(|v| v.parse().ok()).unwrap_or(20));
    let one = vec!["https://app.example.com".to_owned()];
    let many: Vec<String> = (0..1000).map(|i| format!("https://app{i:03}.example.com")).collect();
    let hostile = ", ".repeat(4096);
    let acrh = "content-type,authorization,x-request-id";

    let get = |o: Option<&str>| request(Method::GET, o, None);
    let pre = |o: &str, h: &str| request(Method::OPTIONS, Some(o), Some(h));

    // (label, request, uses the 1,000-origin policies); labels start with the scenario's name
    // in bench/instructions and bench/run.
    let cases: Vec<(&'static str, Req, bool)> = vec![
        ("non-cors: a GET without Origin", get(None), false),
        ("get: allowed origin (1 origin)", get(Some("https://app.example.com")), false),
        ("get-1000: allowed origin, last of 1,000", get(Some("https://app999.example.com")), true),
        ("disallowed-1000: GET, disallowed origin", get(Some("https://app999.example.org")), true),
        ("preflight: PUT + 3 headers", pre("https://app.example.com", acrh), false),
        ("hostile-8kb: preflight, 8 KB ACRH", pre("https://app.example.com", &hostile), false),
    ];

    let mut scenarios = vec![scenario("floor: bare service", inner(), get(Some("https://app.example.com")))];
    for (label, req, big) in &cases {
        let origins = if *big { &many } else { &one };
        let th = tower_http_layer(origins).layer(inner());
        let co = corsica_layer(origins, if *big { 10 } else { 0 }).layer(inner());
        scenarios.push(scenario(Box::leak(format!("tower-http  {label}").into_boxed_str()), th, req.clone()));
        scenarios.push(scenario(Box::leak(format!("corsica     {label}").into_boxed_str()), co, req.clone()));
    }
    // The real per-request path in axum/hyper-util clones the layered service for every request.
    for (label, req, big) in &cases[1..3] {
        let origins = if *big { &many } else { &one };
        let th = tower_http_layer(origins).layer(inner());
        let co = corsica_layer(origins, if *big { 10 } else { 0 }).layer(inner());
        let (req1, req2) = (req.clone(), req.clone());
        scenarios.push(Scenario {
            name: Box::leak(format!("tower-http  clone+call {label}").into_boxed_str()),
            run: Box::new(move || drop(black_box(call_once(&mut th.clone(), &req1)))),
        });
        scenarios.push(Scenario {
            name: Box::leak(format!("corsica     clone+call {label}").into_boxed_str()),
            run: Box::new(move || drop(black_box(call_once(&mut co.clone(), &req2)))),
        });
    }
    // The same cases through actix-web: bare app, actix-cors, corsica-actix.
    // The constant floor, per case: a bare service whose response carries the very headers (and
    // status) corsica answers that request with, as prebuilt values. What writing those bytes
    // costs any layer; corsica's cost above it is the cost of deciding.
    let first_constant = scenarios.len();
    for (label, req, big) in &cases {
        let origins = if *big { &many } else { &one };
        let mut co = corsica_layer(origins, if *big { 10 } else { 0 }).layer(inner());
        let answer = call_once(&mut co, req);
        let (status, headers) = (answer.status(), answer.headers().clone());
        let constant = service_fn(move |_: Req| {
            let mut response = Response::new(Empty::new());
            *response.status_mut() = status;
            for (name, value) in &headers {
                response.headers_mut().append(name.clone(), value.clone());
            }
            std::future::ready(Ok::<_, std::convert::Infallible>(response))
        });
        scenarios.push(scenario(Box::leak(format!("constant    {label}").into_boxed_str()), constant, req.clone()));
    }
    let first_actix = scenarios.len();
    let actix_cases: Vec<actix::Case> = vec![
        ("GET", None, None),
        ("GET", Some("https://app.example.com"), None),
        ("GET", Some("https://app999.example.com"), None),
        ("GET", Some("https://app999.example.org"), None),
        ("OPTIONS", Some("https://app.example.com"), Some(acrh.to_owned())),
        ("OPTIONS", Some("https://app.example.com"), Some(hostile.clone())),
    ];
    for ((label, _, big), case) in cases.iter().zip(actix_cases) {
        let origins = if *big { &many } else { &one };
        scenarios.extend(actix::scenarios(label, case, origins, if *big { 10 } else { 0 }));
    }
    let _ = inner().oneshot(get(None));
    // ONLY=TEXT keeps the scenarios whose name contains TEXT (and the floor): for profiling one
    // path under callgrind or perf.
    let only = std::env::var("ONLY").ok();
    if let Some(only) = &only {
        assert!(!std::env::args().any(|a| a == "--json"), "ONLY and --json do not mix");
        let mut first = true;
        scenarios.retain(|s| std::mem::take(&mut first) || s.name.contains(only.as_str()));
    }

    // CALLS=N with ONLY: each kept scenario called exactly N times and nothing measured, for
    // callgrind (its total minus the same run with ONLY matching nothing, over N, is the
    // instructions per call).
    if let (Some(_), Some(n)) = (&only, std::env::var("CALLS").ok().and_then(|v| v.parse::<u64>().ok())) {
        for s in &mut scenarios {
            for _ in 0..n {
                (s.run)();
            }
        }
        return;
    }
    // Calibrate batch sizes, then interleave repetitions.
    let mut batches = Vec::new();
    for s in &mut scenarios {
        for _ in 0..1000 {
            (s.run)();
        }
        let start = Instant::now();
        let mut n = 0u64;
        while start.elapsed() < target / 4 {
            (s.run)();
            n += 1;
        }
        batches.push((n * 4).max(1));
    }
    let mut samples = vec![Vec::with_capacity(reps); scenarios.len()];
    for _ in 0..reps {
        for (i, s) in scenarios.iter_mut().enumerate() {
            let start = Instant::now();
            for _ in 0..batches[i] {
                (s.run)();
            }
            samples[i].push(start.elapsed().as_nanos() as f64 / batches[i] as f64);
        }
    }
    // Allocation pass.
    let mut allocs = Vec::new();
    for s in &mut scenarios {
        let region = Region::new(GLOBAL);
        for _ in 0..10_000 {
            (s.run)();
        }
        let st = region.change();
        allocs.push((st.allocations as f64 / 10_000.0, st.reallocations as f64 / 10_000.0, st.bytes_allocated as f64 / 10_000.0));
    }

    let json = std::env::args().any(|a| a == "--json");
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        (v[v.len() / 2], v[0], v[v.len() - 1])
    };
    let floor = median(&mut samples[0].clone()).0;
    if json {
        // One document for bench/run: per scenario, the median ns per call of each layer (the
        // floor included, not subtracted) and corsica's allocations per call.
        let mut rows = Vec::new();
        for (k, (label, ..)) in cases.iter().enumerate() {
            let (t, c) = (1 + 2 * k, 2 + 2 * k);
            let name = label.split(':').next().unwrap();
            let constant = first_constant + k;
            let (ab, ac, ca) = (first_actix + 3 * k, first_actix + 3 * k + 1, first_actix + 3 * k + 2);
            let added = |i: usize, floor: usize| allocs[i].0 + allocs[i].1 - (allocs[floor].0 + allocs[floor].1);
            rows.push(format!(
                "{{\"name\":\"{name}\",\"tower_http_ns\":{:.1},\"corsica_ns\":{:.1},\"passthrough_ns\":{floor:.1},\"constant_ns\":{:.1},\"corsica_allocs\":{:.2},\"constant_allocs\":{:.2},\"tower_http_allocs\":{:.2},\
                 \"actix_passthrough_ns\":{:.1},\"actix_cors_ns\":{:.1},\"corsica_actix_ns\":{:.1},\"corsica_actix_allocs\":{:.2},\"actix_cors_allocs\":{:.2}}}",
                median(&mut samples[t].clone()).0,
                median(&mut samples[c].clone()).0,
                median(&mut samples[constant].clone()).0,
                added(c, 0),
                added(constant, 0),
                added(t, 0),
                median(&mut samples[ab].clone()).0,
                median(&mut samples[ac].clone()).0,
                median(&mut samples[ca].clone()).0,
                added(ca, ab),
                added(ac, ab),
            ));
        }
        println!("{{\"scenarios\":[{}]}}", rows.join(","));
        return;
    }
    println!("reps={reps} batch≈{target:?}; floor (clone + call of a bare service) {floor:.0} ns");
    println!("{:<62} {:>9} {:>17} {:>8} {:>7} {:>9}", "scenario", "ns/call", "(min–max)", "net ns", "allocs", "bytes");
    let mut nets = Vec::new();
    for (i, s) in scenarios.iter().enumerate() {
        let (m, lo, hi) = median(&mut samples[i]);
        let (a, r, b) = allocs[i];
        let net = m - floor;
        nets.push(net);
        println!(
            "{:<62} {:>9.0} {:>17} {:>8.0} {:>7} {:>9.0}",
            s.name,
            m,
            format!("({lo:.0}–{hi:.0})"),
            net,
            format!("{a:.0}+{r:.0}r"),
            b
        );
    }
    if only.is_some() {
        return;
    }
    println!("\nratio corsica ÷ tower-http, net of the floor (lower is better):");
    for pair in 0..(first_constant - 1) / 2 {
        let (t, c) = (1 + 2 * pair, 2 + 2 * pair);
        println!(
            "  {:<56} {:>6.2}  ({:.0} ns vs {:.0} ns)",
            scenarios[c].name.trim_start_matches("corsica").trim(),
            nets[c] / nets[t],
            nets[c],
            nets[t]
        );
    }
    println!("\nratio corsica ÷ tower-http, net of the constant floor (corsica's own headers written as constants):");
    for (k, (label, ..)) in cases.iter().enumerate() {
        let (t, c) = (1 + 2 * k, 2 + 2 * k);
        let constant = median(&mut samples[first_constant + k]).0;
        let (ours, theirs) = (nets[c] + floor - constant, nets[t] + floor - constant);
        println!("  {:<56} {:>6.2}  ({ours:.0} ns vs {theirs:.0} ns)", label, ours / theirs);
    }

}
