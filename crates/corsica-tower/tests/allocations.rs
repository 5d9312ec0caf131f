//! Heap allocations per request added by `Cors`, counted with a counting global allocator, next
//! to tower-http's `CorsLayer` on the same policy and requests.
//!
//! The service is called directly (no network): `call`, one poll (every future here is ready at
//! once), and the response dropped; the request is cloned before counting starts. The policy is
//! the one `bench/micro` measures: one origin, four
//! methods, three request headers, one exposed header, credentials, max-age (tower-http with
//! `AllowOrigin::list`, which, like corsica, checks the origin and sends `Vary`). Request header
//! values are shared, as hyper's parsed headers are, so cloning one allocates nothing.
//!
//! `cargo test --release -p corsica-tower --test allocations -- --nocapture` prints the table,
//! with times per call (meaningful only in release builds).

use std::alloc::System;
use std::convert::Infallible;
use std::future::{Future, Ready, ready};
use std::hint::black_box;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use corsica_tower::{CorsLayer, Policy};
use http::header::{self, CONTENT_TYPE};
use http::{HeaderValue, Method, Request, Response};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};
use tower::{Layer, Service, service_fn};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

const ITERATIONS: u32 = 2000;
const APP: &str = "https://app.example.com";

fn policy() -> Policy {
    Policy::builder()
        .origins([APP])
        .methods(["GET", "POST", "PUT", "DELETE"])
        .request_headers(["content-type", "authorization", "x-request-id"])
        .expose_headers(["x-request-id"])
        .credentials(true)
        .max_age(3600)
        .build()
        .unwrap()
}

fn tower_http() -> tower_http::cors::CorsLayer {
    use tower_http::cors::{AllowOrigin, CorsLayer};
    CorsLayer::new()
        .allow_origin(AllowOrigin::list([HeaderValue::from_static(APP)]))
        .allow_methods([Method::GET, Method::POST, Method::PUT, Method::DELETE])
        .allow_headers([
            header::CONTENT_TYPE,
            header::AUTHORIZATION,
            header::HeaderName::from_static("x-request-id"),
        ])
        .expose_headers([header::HeaderName::from_static("x-request-id")])
        .allow_credentials(true)
        .max_age(Duration::from_secs(3600))
}

fn request(method: &str, headers: &[(&'static str, &'static str)]) -> Request<()> {
    let mut builder = Request::builder()
        .method(method)
        .uri("/api/items?page=2")
        .header("host", "api.example.com")
        .header("user-agent", "bench")
        .header("accept", "*/*");
    for (n, v) in headers {
        builder = builder.header(*n, HeaderValue::from_static(v));
    }
    builder.body(()).unwrap()
}

type Inner = Ready<Result<Response<()>, Infallible>>;

/// The inner service: a response with no headers, or with a `Content-Type` as most have.
fn inner(
    with_header: bool,
) -> impl Service<Request<()>, Response = Response<()>, Error = Infallible, Future = Inner> + Clone
{
    service_fn(move |_: Request<()>| {
        let mut response = Response::new(());
        if with_header {
            response
                .headers_mut()
                .insert(CONTENT_TYPE, HeaderValue::from_static("text/plain"));
        }
        ready(Ok(response))
    })
}

/// Per call of `service` on clones of `request`: allocations (and reallocations), bytes
/// allocated, and nanoseconds (request clone included).
#[derive(Clone, Copy, Debug)]
struct Cost {
    allocations: f64,
    bytes: f64,
    nanos: f64,
}

fn measure<S>(mut service: S, request: &Request<()>) -> Cost
where
    S: Service<Request<()>, Response = Response<()>, Error = Infallible>,
{
    let mut cx = Context::from_waker(Waker::noop());
    let once = |service: &mut S| {
        let future = pin!(service.call(request.clone()));
        let Poll::Ready(Ok(response)) = future.poll(&mut Context::from_waker(Waker::noop())) else {
            panic!("not ready")
        };
        drop(black_box(response));
    };
    for _ in 0..200 {
        once(&mut service);
    }
    let (mut allocations, mut bytes) = (0, 0);
    for _ in 0..ITERATIONS {
        let request = request.clone();
        let region = Region::new(GLOBAL);
        let future = pin!(service.call(request));
        let Poll::Ready(Ok(response)) = future.poll(&mut cx) else {
            panic!("not ready")
        };
        drop(black_box(response));
        let stats = region.change();
        allocations += stats.allocations + stats.reallocations;
        bytes += stats.bytes_allocated;
    }
    let timed = if cfg!(debug_assertions) {
        ITERATIONS
    } else {
        50 * ITERATIONS
    };
    let start = Instant::now();
    for _ in 0..timed {
        once(&mut service);
    }
    let n = f64::from(ITERATIONS);
    Cost {
        allocations: allocations as f64 / n,
        bytes: bytes as f64 / n,
        nanos: start.elapsed().as_nanos() as f64 / f64::from(timed),
    }
}

#[test]
fn allocations_per_request() {
    let origin = ("origin", APP);
    let scenarios = [
        ("not CORS (no Origin)", request("GET", &[])),
        ("GET, allowed origin", request("GET", &[origin])),
        (
            "GET, disallowed origin",
            request("GET", &[("origin", "https://app.example.org")]),
        ),
        (
            "preflight PUT + 3 headers",
            request(
                "OPTIONS",
                &[
                    origin,
                    ("access-control-request-method", "PUT"),
                    (
                        "access-control-request-headers",
                        "content-type,authorization,x-request-id",
                    ),
                ],
            ),
        ),
    ];
    println!(
        "added per request over the bare service: allocations (bytes), ns [{} build]",
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        }
    );
    println!(
        "  {:<27} {:<8} {:>28} {:>28}",
        "request", "inner", "corsica-tower", "tower-http 0.6 list(1)"
    );
    let mut added = Vec::new();
    for (name, request) in &scenarios {
        for with_header in [false, true] {
            let floor = measure(inner(with_header), request);
            let ours = measure(CorsLayer::new(policy()).layer(inner(with_header)), request);
            let theirs = measure(tower_http().layer(inner(with_header)), request);
            let show = |c: Cost| {
                format!(
                    "{:+.1} ({:+5.0} B) {:+7.0} ns",
                    c.allocations - floor.allocations,
                    c.bytes - floor.bytes,
                    c.nanos - floor.nanos
                )
            };
            let inner = if with_header { "1 header" } else { "empty" };
            println!(
                "  {name:<27} {inner:<8} {:>28} {:>28}",
                show(ours),
                show(theirs)
            );
            added.push((name, with_header, ours.allocations - floor.allocations));
        }
    }
    // A response that gets its first header allocates its header map (2 allocations); nothing
    // else may allocate: header values are shared, the decision borrows, the future is inline.
    for (name, with_header, allocations) in added {
        let bound = if with_header && !name.starts_with("preflight") {
            0.0
        } else {
            2.0
        };
        assert!(
            allocations <= bound,
            "{name} (inner sets a header: {with_header}): {allocations} allocations added"
        );
    }
    hostile_requests_allocate_no_more_than_ordinary_ones();
}

/// Hostile requests (`corsica_loopback::hostile`: 64 KiB values, 10,000-element lists, bytes
/// that are not UTF-8, repeated lines) cost no more than ordinary ones: at most the response's
/// header map, whatever their size. Called by the one test of this binary: a second test
/// running alongside would allocate while this one counts.
fn hostile_requests_allocate_no_more_than_ordinary_ones() {
    for hostile in corsica_loopback::hostile::requests() {
        let mut builder = Request::builder()
            .method(hostile.request.method.as_str())
            .uri(hostile.request.target.as_str());
        for (name, value) in &hostile.request.headers {
            builder = builder.header(name.as_str(), HeaderValue::from_bytes(value).unwrap());
        }
        let request = builder.body(()).unwrap();
        let policy = corsica_loopback::middleware::policy();
        let floor = measure(inner(false), &request);
        let ours = measure(CorsLayer::new(policy).layer(inner(false)), &request);
        let added = ours.allocations - floor.allocations;
        println!(
            "  {:<27} {added:+.1} allocations ({:+.0} B)",
            hostile.name,
            ours.bytes - floor.bytes
        );
        assert!(added <= 2.0, "{}: {added} allocations added", hostile.name);
    }
}
