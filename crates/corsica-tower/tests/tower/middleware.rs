//! `CorsLayer` in real servers on loopback (axum 0.8, hyper 1 with hyper-util, tonic with
//! gRPC-web), talked to by a real HTTP/1.1 client.
//!
//! The scenarios every adapter must pass are `corsica_loopback::middleware`'s, served here by
//! axum ([`Tower`]); this file adds what is tower's own: panics caught by `CatchPanicLayer`
//! inside the layer, errors of the inner service, and the hyper and tonic stacks.

use std::convert::Infallible;
use std::future::{Future, ready};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use corsica_loopback::client::{Outgoing, send};
use corsica_loopback::middleware::{
    APP, Adapter, Backend, Reply, assert_allowed, get_from, policy, preflight,
};
use corsica_loopback::trial;
use corsica_tower::{CorsLayer, Policy};
use http::Request;
use libtest_mimic::Trial;
use tower::{Layer, ServiceExt, service_fn};

/// corsica-tower under the shared scenarios: `CorsLayer` around an axum `Router`.
pub(crate) struct Tower;

impl Adapter for Tower {
    corsica_loopback::adapter_middleware!(CorsLayer);

    fn serve(cors: CorsLayer, backend: Backend) -> impl Future<Output = SocketAddr> {
        let router = backend
            .handlers()
            .fold(Router::new(), |router, (path, handler)| {
                router.route(path, any(move || ready(reply(handler()))))
            });
        serve(router.layer(cors))
    }
}

/// A handler's error type, as an axum application has one.
#[derive(Debug)]
struct AppError(StatusCode, &'static str);

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        (self.0, self.1).into_response()
    }
}

fn reply(reply: Reply) -> Result<Response, AppError> {
    let status = |code| StatusCode::from_u16(code).unwrap();
    match reply {
        Reply::Response {
            status: code,
            headers,
            body,
        } => {
            let mut response = (status(code), body).into_response();
            for (name, value) in headers {
                response
                    .headers_mut()
                    .append(*name, http::HeaderValue::from_static(value));
            }
            Ok(response)
        }
        Reply::Error { status: code, body } => Err(AppError(status(code), body)),
    }
}

async fn serve(router: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    addr
}

/// `CatchPanicLayer` inside the CORS layer turns a panic into a 500 that gets CORS headers too.
async fn a_panic_caught_inside_the_layer_carries_cors_headers() {
    async fn panics() -> &'static str {
        panic!("handler bug (on purpose)")
    }
    corsica_loopback::quiet_panics("handler bug (on purpose)");
    let router = Router::new()
        .route("/panic", get(panics))
        .layer(tower_http::catch_panic::CatchPanicLayer::new())
        .layer(Tower::cors(policy()));
    let addr = serve(router).await;

    let r = send(addr, &get_from("/panic", APP)).await.unwrap();
    assert_eq!(r.status, 500);
    assert_allowed(&r);
}

async fn tower_errors_pass_through_untouched() {
    let service = Tower::cors(policy()).layer(service_fn(|_: Request<String>| async {
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

async fn hyper_with_hyper_util() {
    use hyper_util::rt::TokioIo;
    use hyper_util::service::TowerToHyperService;

    let calls = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&calls);
    let service =
        Tower::cors(policy()).layer(service_fn(move |_: Request<hyper::body::Incoming>| {
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
        .layer(Tower::cors(policy))
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

/// The shared scenarios, then this module's tests, one trial each.
pub(crate) fn trials() -> Vec<Trial> {
    let mut trials = corsica_loopback::middleware::trials::<Tower>();
    trials.extend([
        trial!(async a_panic_caught_inside_the_layer_carries_cors_headers),
        trial!(async tower_errors_pass_through_untouched),
        trial!(async hyper_with_hyper_util),
        trial!(async tonic_grpc_web_from_a_browser),
    ]);
    trials
}
