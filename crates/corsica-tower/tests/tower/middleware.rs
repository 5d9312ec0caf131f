//! `CorsLayer` in real servers on loopback (axum 0.8, hyper 1 with hyper-util, tonic with
//! gRPC-web), talked to by a real HTTP/1.1 client: what reaches the handler, `Vary`, CORS
//! headers the handler set itself, error and panic responses, policy hot swap under load, and
//! bad configurations.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use corsica_loopback::client::{Outgoing, Received, send};
use corsica_loopback::trial;
use corsica_tower::{CorsLayer, Policy, PolicyConfig};
use http::Request;
use libtest_mimic::Trial;
use tower::{Layer, ServiceExt, service_fn};

const APP: &str = "https://app.example.com";

fn policy() -> Policy {
    Policy::builder()
        .origins([APP])
        .methods(["PUT", "DELETE"])
        .request_headers(["content-type", "x-api-key"])
        .expose_headers(["x-request-id"])
        .credentials(true)
        .max_age(600)
        .build()
        .unwrap()
}

async fn serve(router: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    addr
}

fn preflight(path: &str) -> Outgoing {
    Outgoing::new("OPTIONS", path)
        .header("origin", APP)
        .header("access-control-request-method", "PUT")
        .header("access-control-request-headers", "content-type")
}

fn get_from(path: &str, origin: &str) -> Outgoing {
    Outgoing::new("GET", path).header("origin", origin)
}

/// The response carries the headers of an allowed actual request from `APP`, once each.
fn assert_allowed(r: &Received) {
    assert_eq!(
        r.all("access-control-allow-origin"),
        [APP.as_bytes()],
        "{r:?}"
    );
    assert_eq!(
        r.all("access-control-allow-credentials"),
        [&b"true"[..]],
        "{r:?}"
    );
    assert_eq!(
        r.all("access-control-expose-headers"),
        [&b"x-request-id"[..]],
        "{r:?}"
    );
    assert_eq!(
        r.vary().iter().filter(|v| *v == "origin").count(),
        1,
        "{r:?}"
    );
}

fn counting_router(calls: &Arc<AtomicUsize>) -> Router {
    let calls = Arc::clone(calls);
    Router::new()
        .route(
            "/x",
            any(move || {
                calls.fetch_add(1, Ordering::SeqCst);
                async { "ok" }
            }),
        )
        .layer(CorsLayer::new(policy()))
}

async fn preflights_never_reach_the_handler() {
    let calls = Arc::new(AtomicUsize::new(0));
    let addr = serve(counting_router(&calls)).await;

    for _ in 0..3 {
        let r = send(addr, &preflight("/x")).await.unwrap();
        assert_eq!(r.status, 204);
        assert_eq!(r.one("access-control-allow-origin").as_deref(), Some(APP));
        assert_eq!(
            r.one("access-control-allow-methods").as_deref(),
            Some("PUT,DELETE")
        );
        assert_eq!(r.one("access-control-max-age").as_deref(), Some("600"));
        assert!(r.body.is_empty());
    }
    let refused = send(
        addr,
        &preflight("/x").header("access-control-request-headers", "x-secret"),
    )
    .await
    .unwrap();
    assert_eq!(refused.status, 403);
    assert!(
        refused
            .headers
            .iter()
            .all(|(n, _)| !n.starts_with("access-control-")),
        "{refused:?}"
    );
    assert_eq!(
        calls.load(Ordering::SeqCst),
        0,
        "a preflight reached the handler"
    );

    // OPTIONS without Access-Control-Request-Method is not a preflight: the handler answers it.
    let options = send(addr, &Outgoing::new("OPTIONS", "/x").header("origin", APP))
        .await
        .unwrap();
    assert_eq!((options.status, options.body.as_slice()), (200, &b"ok"[..]));
    assert_allowed(&options);
    assert_eq!(calls.load(Ordering::SeqCst), 1);

    let get = send(addr, &get_from("/x", APP)).await.unwrap();
    assert_eq!((get.status, get.body.as_slice()), (200, &b"ok"[..]));
    assert_allowed(&get);
    let no_origin = send(addr, &Outgoing::new("GET", "/x")).await.unwrap();
    assert_eq!(no_origin.vary(), ["origin"]);
    assert!(no_origin.all("access-control-allow-origin").is_empty());
    assert_eq!(calls.load(Ordering::SeqCst), 3);
}

async fn the_handlers_vary_is_kept_and_origin_appended_once() {
    let router = Router::new()
        .route(
            "/encoding",
            get(|| async { ([("vary", "accept-encoding")], "ok") }),
        )
        .route(
            "/origin",
            get(|| async { ([("vary", "Accept, Origin")], "ok") }),
        )
        .route("/star", get(|| async { ([("vary", "*")], "ok") }))
        .layer(CorsLayer::new(policy()));
    let addr = serve(router).await;

    let r = send(addr, &get_from("/encoding", APP)).await.unwrap();
    assert_eq!(r.all("vary"), [&b"accept-encoding"[..], b"origin"]);
    assert_allowed(&r);
    // Refused and non-CORS responses vary by origin too.
    let r = send(addr, &get_from("/encoding", "https://evil.example"))
        .await
        .unwrap();
    assert_eq!(r.all("vary"), [&b"accept-encoding"[..], b"origin"]);
    let r = send(addr, &Outgoing::new("GET", "/encoding"))
        .await
        .unwrap();
    assert_eq!(r.all("vary"), [&b"accept-encoding"[..], b"origin"]);

    let r = send(addr, &get_from("/origin", APP)).await.unwrap();
    assert_eq!(r.all("vary"), [&b"Accept, Origin"[..]]);
    let r = send(addr, &get_from("/star", APP)).await.unwrap();
    assert_eq!(r.all("vary"), [&b"*"[..]]);
}

async fn cors_headers_set_by_the_handler_are_replaced() {
    let handler = || async {
        (
            [
                ("access-control-allow-origin", "*"),
                ("access-control-allow-credentials", "false"),
                ("access-control-expose-headers", "x-secret"),
                ("access-control-allow-methods", "TRACE"),
                ("x-request-id", "42"),
            ],
            "ok",
        )
    };
    let router = Router::new()
        .route("/x", get(handler))
        .layer(CorsLayer::new(policy()));
    let addr = serve(router).await;

    let r = send(addr, &get_from("/x", APP)).await.unwrap();
    assert_allowed(&r);
    assert!(r.all("access-control-allow-methods").is_empty(), "{r:?}");
    assert_eq!(r.one("x-request-id").as_deref(), Some("42"));

    // Nothing the handler set leaks to an origin the policy does not allow.
    let r = send(addr, &get_from("/x", "https://evil.example"))
        .await
        .unwrap();
    assert!(
        r.headers
            .iter()
            .all(|(n, _)| !n.starts_with("access-control-")),
        "{r:?}"
    );
    assert_eq!(r.vary(), ["origin"]);
}

#[derive(Debug)]
struct AppError;

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        (StatusCode::UNPROCESSABLE_ENTITY, "no such item").into_response()
    }
}

async fn error_and_panic_responses_carry_cors_headers() {
    async fn fails() -> Result<&'static str, AppError> {
        Err(AppError)
    }
    async fn panics() -> &'static str {
        panic!("handler bug (on purpose)")
    }
    corsica_loopback::quiet_panics("handler bug (on purpose)");
    let router = Router::new()
        .route(
            "/500",
            get(|| async { (StatusCode::INTERNAL_SERVER_ERROR, "oops") }),
        )
        .route("/err", get(fails))
        .route("/panic", get(panics))
        // Panics become 500 responses inside the CORS layer, so they get CORS headers too.
        .layer(tower_http::catch_panic::CatchPanicLayer::new())
        .layer(CorsLayer::new(policy()));
    let addr = serve(router).await;

    for (path, status) in [
        ("/500", 500),
        ("/err", 422),
        ("/panic", 500),
        ("/missing", 404),
    ] {
        let r = send(addr, &get_from(path, APP)).await.unwrap();
        assert_eq!(r.status, status, "{path}");
        assert_allowed(&r);
    }
}

async fn tower_errors_pass_through_untouched() {
    let service = CorsLayer::new(policy()).layer(service_fn(|_: Request<String>| async {
        Err::<http::Response<String>, _>("inner failure")
    }));
    let get = Request::get("/")
        .header("origin", APP)
        .body(String::new())
        .unwrap();
    assert_eq!(
        service.clone().oneshot(get).await.unwrap_err(),
        "inner failure"
    );
    // Preflights are answered without the (failing) inner service.
    let preflight = Request::options("/")
        .header("origin", APP)
        .header("access-control-request-method", "PUT")
        .body(String::new())
        .unwrap();
    assert_eq!(service.oneshot(preflight).await.unwrap().status(), 204);
}

async fn the_policy_is_swapped_under_concurrent_requests() {
    const A: &str = "https://a.example";
    const B: &str = "https://b.example";
    let layer = CorsLayer::new(Policy::builder().origins([A]).build().unwrap());
    let handle = layer.handle();
    let router = Router::new()
        .route("/x", get(|| async { "ok" }))
        .layer(layer.clone());
    let addr = serve(router).await;

    let swapped = Arc::new(AtomicBool::new(false));
    let sent = Arc::new(AtomicUsize::new(0));
    let mut clients = Vec::new();
    for c in 0..4 {
        let (swapped, sent) = (Arc::clone(&swapped), Arc::clone(&sent));
        clients.push(tokio::spawn(async move {
            let mut seen = Vec::new();
            for i in 0..60 {
                let origin = if (c + i) % 2 == 0 { A } else { B };
                let after_swap = swapped.load(Ordering::SeqCst);
                let r = send(addr, &get_from("/x", origin)).await.unwrap();
                sent.fetch_add(1, Ordering::SeqCst);
                assert_eq!(r.status, 200);
                let acao = r.one("access-control-allow-origin");
                // Policy A allows only A, policy B only B: each response is one or the other.
                let by_a = acao.as_deref() == (origin == A).then_some(A);
                let by_b = acao.as_deref() == (origin == B).then_some(B);
                assert!(by_a || by_b, "{origin}: {acao:?}");
                assert!(
                    !after_swap || by_b,
                    "sent after the swap, answered by the old policy"
                );
                seen.push((by_a, by_b));
            }
            seen
        }));
    }
    while sent.load(Ordering::SeqCst) < 60 {
        tokio::task::yield_now().await;
    }
    handle.set(Policy::builder().origins([B]).build().unwrap());
    swapped.store(true, Ordering::SeqCst);

    // An invalid configuration is refused and B stays in force.
    let bad = PolicyConfig {
        origins: vec!["https://a.example/".into()],
        ..PolicyConfig::default()
    };
    let errors = handle.set_config(&bad).unwrap_err();
    assert_eq!(errors.len(), 1, "{errors}");
    assert_eq!(layer.policy().to_config().origins, [B]);

    let mut old_only = 0;
    let mut new_only = 0;
    for client in clients {
        for (by_a, by_b) in client.await.unwrap() {
            old_only += usize::from(by_a && !by_b);
            new_only += usize::from(by_b && !by_a);
        }
    }
    assert!(
        old_only > 0 && new_only > 0,
        "old {old_only}, new {new_only}"
    );
    let r = send(addr, &get_from("/x", B)).await.unwrap();
    assert_eq!(r.one("access-control-allow-origin").as_deref(), Some(B));
}

fn bad_configurations_are_errors_not_panics() {
    let config = PolicyConfig {
        origins: vec!["https://app.example.com/".into(), "*".into(), "null".into()],
        methods: vec!["GET POST".into()],
        expose_headers: vec!["*".into()],
        credentials: true,
        max_age: Some(100_000),
        preflight_status: Some(302),
        ..PolicyConfig::default()
    };
    let errors = CorsLayer::from_config(&config).unwrap_err();
    assert!(errors.len() >= 6, "{errors}");
    for e in &errors {
        assert!(!e.key().is_empty() && !e.message().is_empty(), "{e}");
    }
    assert!(
        CorsLayer::from_config(&PolicyConfig::default()).is_err(),
        "no origins"
    );

    // A handle keeps the policy in force when a new configuration is refused.
    let layer = CorsLayer::new(policy());
    assert_eq!(layer.handle().set_config(&config).unwrap_err(), errors);
    assert_eq!(*layer.policy(), policy());
}

async fn policy_routes_apply_by_path() {
    let public = PolicyConfig {
        origins: vec!["*".into()],
        ..PolicyConfig::default()
    };
    let config = PolicyConfig {
        origins: vec![APP.into()],
        route: vec![corsica::RouteConfig::new("/public/", public)],
        ..PolicyConfig::default()
    };
    let router = Router::new()
        .route("/public/x", get(|| async { "ok" }))
        .route("/private", get(|| async { "ok" }))
        .layer(CorsLayer::from_config(&config).unwrap());
    let addr = serve(router).await;
    let r = send(addr, &get_from("/public/x", "https://evil.example"))
        .await
        .unwrap();
    assert_eq!(r.one("access-control-allow-origin").as_deref(), Some("*"));
    let r = send(addr, &get_from("/private", "https://evil.example"))
        .await
        .unwrap();
    assert!(r.all("access-control-allow-origin").is_empty());
}

async fn hyper_with_hyper_util() {
    use hyper_util::rt::TokioIo;
    use hyper_util::service::TowerToHyperService;

    let calls = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&calls);
    let service =
        CorsLayer::new(policy()).layer(service_fn(move |_: Request<hyper::body::Incoming>| {
            counter.fetch_add(1, Ordering::SeqCst);
            async {
                Ok::<_, Infallible>(http::Response::new(http_body_util::Full::new(
                    hyper::body::Bytes::from("hi"),
                )))
            }
        }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            let service = TowerToHyperService::new(service.clone());
            tokio::spawn(
                hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service),
            );
        }
    });

    let r = send(addr, &preflight("/")).await.unwrap();
    assert_eq!(r.status, 204);
    let r = send(addr, &get_from("/", APP)).await.unwrap();
    assert_eq!(r.body, b"hi");
    assert_allowed(&r);
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

async fn tonic_grpc_web_from_a_browser() {
    let page = "http://localhost:5173";
    let policy = Policy::builder()
        .origins([page])
        .methods(["POST"])
        .request_headers(["content-type", "x-grpc-web", "x-user-agent"])
        .expose_headers(["grpc-status", "grpc-message"])
        .build()
        .unwrap();
    let (_reporter, health) = tonic_health::server::health_reporter();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tonic::transport::Server::builder()
        .accept_http1(true)
        .layer(CorsLayer::new(policy))
        .layer(tonic_web::GrpcWebLayer::new())
        .add_service(health);
    tokio::spawn(server.serve_with_incoming(tonic::transport::server::TcpIncoming::from(listener)));

    let path = "/grpc.health.v1.Health/Check";
    let preflight = Outgoing::new("OPTIONS", path)
        .header("origin", page)
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "content-type,x-grpc-web,x-user-agent",
        );
    let r = send(addr, &preflight).await.unwrap();
    assert_eq!(r.status, 204, "{r:?}");
    assert_eq!(r.one("access-control-allow-origin").as_deref(), Some(page));
    assert_eq!(
        r.one("access-control-allow-headers").as_deref(),
        Some("content-type,x-grpc-web,x-user-agent")
    );

    // HealthCheckRequest { service: "" } is an empty message: one uncompressed gRPC-web frame.
    let call = Outgoing::new("POST", path)
        .header("origin", page)
        .header("content-type", "application/grpc-web+proto")
        .header("x-grpc-web", "1")
        .body(vec![0, 0, 0, 0, 0]);
    let r = send(addr, &call).await.unwrap();
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(
        r.one("content-type").as_deref(),
        Some("application/grpc-web+proto")
    );
    assert_eq!(r.one("access-control-allow-origin").as_deref(), Some(page));
    assert_eq!(
        r.one("access-control-expose-headers").as_deref(),
        Some("grpc-status,grpc-message")
    );
    let body = String::from_utf8_lossy(&r.body);
    assert!(body.contains("grpc-status:0"), "{body:?}");
}

/// This module's tests, one trial each.
pub(crate) fn trials() -> Vec<Trial> {
    vec![
        trial!(async preflights_never_reach_the_handler),
        trial!(async the_handlers_vary_is_kept_and_origin_appended_once),
        trial!(async cors_headers_set_by_the_handler_are_replaced),
        trial!(async error_and_panic_responses_carry_cors_headers),
        trial!(async tower_errors_pass_through_untouched),
        trial!(async(multi_thread) the_policy_is_swapped_under_concurrent_requests),
        trial!(bad_configurations_are_errors_not_panics),
        trial!(async policy_routes_apply_by_path),
        trial!(async hyper_with_hyper_util),
        trial!(async tonic_grpc_web_from_a_browser),
    ]
}
