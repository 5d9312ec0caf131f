//! One HTTP server for `bench/run`'s end-to-end runs: axum's hello world on one tokio thread,
//! bare or behind a CORS layer, for the same policy as `bench/micro`.
//!
//! `server VARIANT ORIGINS ADDR`, VARIANT one of:
//! - `bare`: no CORS at all;
//! - `constant`: the CORS response headers of an allowed GET set as constants (the floor: what
//!   the bytes alone cost);
//! - `corsica`: corsica-tower's `CorsLayer`;
//! - `tower-http`: tower-http's `CorsLayer`.
//!
//! ORIGINS is 1 or 1000 (then the allowed origin is the last one, after 10 patterns for corsica).

use std::process::ExitCode;
use std::time::Duration;

use axum::Router;
use axum::routing::get;
use http::{HeaderName, HeaderValue, Method, header};
use tower_http::set_header::SetResponseHeaderLayer;

fn origins(n: usize) -> Vec<String> {
    if n == 1 {
        vec!["https://app.example.com".to_owned()]
    } else {
        (0..n).map(|i| format!("https://app{i:03}.example.com")).collect()
    }
}

fn corsica_layer(n: usize) -> corsica_tower::CorsLayer {
    let mut all = origins(n);
    if n > 1 {
        all.extend((0..10).map(|i| format!("https://*.tenant{i}.example.net")));
    }
    let policy = corsica::Policy::builder()
        .origins(all)
        .methods(["GET", "POST", "PUT", "DELETE"])
        .request_headers(["content-type", "authorization", "x-request-id"])
        .expose_headers(["x-request-id"])
        .credentials(true)
        .max_age(3600)
        .build()
        .expect("the benchmark policy compiles");
    corsica_tower::CorsLayer::new(policy)
}

fn tower_http_layer(n: usize) -> tower_http::cors::CorsLayer {
    use tower_http::cors::{AllowOrigin, CorsLayer};
    let list = origins(n).into_iter().map(|o| HeaderValue::from_str(&o).unwrap());
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(list))
        .allow_methods([Method::GET, Method::POST, Method::PUT, Method::DELETE])
        .allow_headers([
            header::CONTENT_TYPE,
            header::AUTHORIZATION,
            HeaderName::from_static("x-request-id"),
        ])
        .expose_headers([HeaderName::from_static("x-request-id")])
        .allow_credentials(true)
        .max_age(Duration::from_secs(3600))
}

fn app(variant: &str, n: usize) -> Option<Router> {
    let hello = Router::new().route("/", get(|| async { "Hello, World!" }));
    Some(match variant {
        "bare" => hello,
        "constant" => {
            let origin = origins(n).pop().unwrap();
            let set = |name: &'static str, value: &str| {
                SetResponseHeaderLayer::overriding(
                    HeaderName::from_static(name),
                    HeaderValue::from_str(value).unwrap(),
                )
            };
            hello
                .layer(set("access-control-allow-origin", &origin))
                .layer(set("access-control-allow-credentials", "true"))
                .layer(set("access-control-expose-headers", "x-request-id"))
                .layer(set("vary", "origin"))
        }
        "corsica" => hello.layer(corsica_layer(n)),
        "tower-http" => hello.layer(tower_http_layer(n)),
        _ => return None,
    })
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [variant, n, addr] = &args[..] else {
        eprintln!("usage: server bare|constant|corsica|tower-http 1|1000 ADDR");
        return ExitCode::from(2);
    };
    let (Ok(n), Some(app)) = (n.parse::<usize>(), n.parse().ok().and_then(|n| app(variant, n)))
    else {
        eprintln!("usage: server bare|constant|corsica|tower-http 1|1000 ADDR");
        return ExitCode::from(2);
    };
    let _ = n;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
        .expect("a tokio runtime");
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(addr.as_str())
            .await
            .unwrap_or_else(|e| panic!("bind {addr}: {e}"));
        axum::serve(listener, app).await.expect("serve");
    });
    ExitCode::SUCCESS
}
