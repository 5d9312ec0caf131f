//! The server conformance vectors (`vectors/server/*.json`, plus an inline sample) through the
//! actix-web `Cors` middleware in a real `HttpServer` on loopback, talked to by a real HTTP/1.1
//! client (the same harness as corsica-tower's: `corsica_loopback::server_vectors`).
//!
//! Each case is its own test, `server::FILE::NAME` (or `inline::NAME`), and gets its own
//! resource `/c/{index}` wrapped in `Cors` with its policy, with a handler that counts its calls.
//! Each test checks the status, the exact CORS headers, `Vary`, the absent names, whether the
//! handler ran, and the decision the middleware logged.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use actix_web::dev::{HttpServiceFactory, Service};
use actix_web::{App, HttpResponse, test, web};
use corsica_actix::Cors;
use corsica_loopback::capture;
use corsica_loopback::client::{Outgoing, Received};
use corsica_loopback::middleware::Adapter;
use corsica_loopback::server_vectors as vectors;
use libtest_mimic::Trial;

use crate::middleware::Actix;
use crate::server;

/// The case's resource: its `Cors`, inside a span that files the logged decision under the
/// case, around a handler that counts its calls.
fn resource(
    index: usize,
    cors: Cors,
    calls: Arc<AtomicUsize>,
) -> impl HttpServiceFactory + 'static {
    web::resource(format!("/c/{index}"))
        .wrap(cors)
        .wrap_fn(move |req, srv| capture::in_case(index as u64, || srv.call(req)))
        .route(web::route().to(move || {
            calls.fetch_add(1, Ordering::SeqCst);
            async { HttpResponse::Ok().content_type("text/plain").body("ok") }
        }))
}

/// One trial per case, each against its own resource of one server.
pub(crate) fn trials() -> Vec<Trial> {
    capture::install();
    let (mut trials, runnable) = vectors::prepare(Actix::cors_from_config);

    let routes: Arc<Vec<(usize, Cors, Arc<AtomicUsize>)>> = Arc::new(
        runnable
            .iter()
            .map(|case| (case.index, case.cors.clone(), Arc::clone(&case.calls)))
            .collect(),
    );
    let addr = server::start(1, move || {
        routes.iter().fold(App::new(), |app, (i, cors, calls)| {
            app.service(resource(*i, cors.clone(), Arc::clone(calls)))
        })
    });

    for case in runnable {
        let (index, cors, calls) = (case.index, case.cors.clone(), Arc::clone(&case.calls));
        let in_process = move |send: &Outgoing| in_process(index, cors, calls, send);
        trials.push(vectors::trial(case, addr, in_process));
    }
    trials
}

/// Calls the app directly with the exact request (see `Plan::InProcess`).
fn in_process(
    index: usize,
    cors: Cors,
    calls: Arc<AtomicUsize>,
    send: &Outgoing,
) -> Result<Received, String> {
    use actix_web::http::Method;
    use actix_web::http::header::{HeaderName, HeaderValue};

    let mut request = test::TestRequest::default()
        .method(Method::from_bytes(send.method.as_bytes()).map_err(|e| e.to_string())?)
        .uri(&send.target);
    for (n, v) in &send.headers {
        let name = HeaderName::from_bytes(n.as_bytes()).map_err(|e| e.to_string())?;
        let value = HeaderValue::from_bytes(v).map_err(|e| e.to_string())?;
        request = request.append_header((name, value));
    }
    let request = request.to_request();
    actix_web::rt::System::new().block_on(async move {
        let app = test::init_service(App::new().service(resource(index, cors, calls))).await;
        let response = test::call_service(&app, request).await;
        let headers = response.headers().iter();
        let head = Received::from_parts(
            response.status().as_u16(),
            headers.map(|(n, v)| (n.as_str(), v.as_bytes())),
            Vec::new(),
        );
        let body = test::read_body(response).await.to_vec();
        Ok(Received { body, ..head })
    })
}
