//! The server conformance vectors (`vectors/server/*.json`, plus an inline sample) through
//! `CorsLayer` in an axum 0.8 server on loopback, talked to by a real HTTP/1.1 client.
//!
//! Each case is its own test, `server::FILE::NAME` (or `inline::NAME`), and gets its own route
//! `/c/{index}` behind its policy, with a handler that counts its calls. Each test checks the
//! status, the exact CORS headers, `Vary`, the absent names, whether the handler ran, and the
//! decision the layer logged. See `corsica_loopback::server_vectors` for the cases HTTP/1.1
//! cannot carry.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::task::{Context, Poll};

use axum::body::Body;
use axum::routing::any_service;
use corsica_loopback::capture;
use corsica_loopback::client::{Outgoing, Received};
use corsica_loopback::middleware::Adapter;
use corsica_loopback::server_vectors as vectors;
use http::{Request, Response};
use libtest_mimic::Trial;
use tower::{Layer, Service, ServiceExt, service_fn};

use crate::middleware::Tower;

/// Enters the case's span around the CORS service's `call`, where the decision is logged.
#[derive(Clone)]
struct InCase<S> {
    case: u64,
    inner: S,
}

impl<S: Service<R>, R> Service<R> for InCase<S> {
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: R) -> S::Future {
        capture::in_case(self.case, || self.inner.call(request))
    }
}

/// One trial per case, each against its own route of one server.
pub(crate) fn trials() -> Vec<Trial> {
    capture::install();
    let rt = vectors::runtime();
    let (mut trials, runnable) = vectors::prepare(Tower::cors_from_config);

    let mut router = axum::Router::new();
    let mut services = Vec::new();
    for case in &runnable {
        let calls = Arc::clone(&case.calls);
        let handler = service_fn(move |_: Request<Body>| {
            calls.fetch_add(1, Ordering::SeqCst);
            async {
                Ok::<_, Infallible>(
                    Response::builder()
                        .header("content-type", "text/plain")
                        .body(Body::from("ok"))
                        .unwrap(),
                )
            }
        });
        let service = InCase {
            case: case.index as u64,
            inner: case.cors.layer(handler),
        };
        router = router.route(&format!("/c/{}", case.index), any_service(service.clone()));
        services.push(service);
    }

    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr: SocketAddr = listener.local_addr().unwrap();
    rt.spawn(async move { axum::serve(listener, router).await });

    for (case, service) in runnable.into_iter().zip(services) {
        let in_process = move |send: &Outgoing| rt.block_on(in_process(service, send));
        trials.push(vectors::trial(case, addr, in_process));
    }
    trials
}

/// Calls the service directly with the exact request (see `Plan::InProcess`).
async fn in_process<S>(service: S, send: &Outgoing) -> Result<Received, String>
where
    S: Service<Request<Body>, Response = Response<Body>, Error = Infallible>,
{
    let request = send.build()?.map(|_| Body::empty());
    let response = service
        .oneshot(request)
        .await
        .unwrap_or_else(|e| match e {});
    let (parts, body) = response.into_parts();
    let body = axum::body::to_bytes(body, usize::MAX)
        .await
        .map_err(|e| e.to_string())?
        .to_vec();
    let headers = parts
        .headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_bytes()));
    Ok(Received::from_parts(parts.status.as_u16(), headers, body))
}
