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
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};

use axum::body::Body;
use axum::routing::any_service;
use corsica_conformance::{Loaded, broken};
use corsica_loopback::capture;
use corsica_loopback::client::{Outgoing, Received};
use corsica_loopback::server_vectors as vectors;
use corsica_tower::CorsLayer;
use http::{Request, Response};
use libtest_mimic::Trial;
use tower::{Layer, Service, ServiceExt, service_fn};

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
    let rt = Arc::new(
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap(),
    );

    let mut router = axum::Router::new();
    let mut trials = Vec::new();
    let mut runnable = Vec::new();
    for (index, loaded) in vectors::load().into_iter().enumerate() {
        let (test, case) = match loaded {
            Loaded::Broken { test, error } => {
                trials.push(broken(test, error));
                continue;
            }
            Loaded::Case { test, case } => (test, case),
        };
        let layer = match CorsLayer::from_config(&case.policy) {
            Ok(layer) => layer,
            Err(e) => {
                trials.push(broken(test, format!("the policy does not compile: {e}")));
                continue;
            }
        };
        let calls = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&calls);
        let handler = service_fn(move |_: Request<Body>| {
            counter.fetch_add(1, Ordering::SeqCst);
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
            case: index as u64,
            inner: layer.layer(handler),
        };
        router = router.route(&format!("/c/{index}"), any_service(service.clone()));
        runnable.push((index, test, case, calls, service));
    }

    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr: SocketAddr = listener.local_addr().unwrap();
    rt.spawn(async move { axum::serve(listener, router).await });

    for (index, test, case, calls, service) in runnable {
        let in_rt = Arc::clone(&rt);
        let in_process = move |send: &Outgoing| in_rt.block_on(in_process(service, send));
        trials.push(vectors::trial(
            test,
            index,
            case,
            addr,
            calls,
            Arc::clone(&rt),
            in_process,
        ));
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
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(n, v)| (n.as_str().to_owned(), v.as_bytes().to_vec()))
        .collect();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .map_err(|e| e.to_string())?
        .to_vec();
    Ok(Received {
        status,
        headers,
        body,
    })
}
