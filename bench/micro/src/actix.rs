//! The actix-web side: corsica-actix's `Cors` and actix-cors's `Cors` wrapping the same app,
//! next to the bare app, each called directly (`init_service`, then `call` polled once). actix
//! requests cannot be cloned, so each call builds its request: the bare app's time includes
//! that, and is the floor.

use std::future::Future;
use std::hint::black_box;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use actix_web::dev::{Service, ServiceResponse};
use actix_web::test::{TestRequest, init_service};
use actix_web::{App, web};

use crate::Scenario;

/// A request of the benchmark: method, `Origin`, `Access-Control-Request-Headers`.
pub(crate) type Case = (&'static str, Option<&'static str>, Option<String>);

fn request(case: &Case) -> actix_http::Request {
    let (method, origin, acrh) = case;
    let mut r = TestRequest::default()
        .method(method.parse().unwrap())
        .uri("/api/items?page=2")
        .insert_header(("host", "api.example.com"))
        .insert_header(("user-agent", "bench"))
        .insert_header(("accept", "*/*"));
    if let Some(o) = origin {
        r = r.insert_header(("origin", *o));
    }
    if *method == "OPTIONS" {
        r = r.insert_header(("access-control-request-method", "PUT"));
        if let Some(h) = acrh {
            r = r.insert_header(("access-control-request-headers", h.as_str()));
        }
    }
    r.to_request()
}

fn call<S, B>(service: &S, case: &Case)
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
{
    let future = pin!(service.call(request(case)));
    match future.poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(response) => drop(black_box(response)),
        Poll::Pending => panic!("the app answers at once"),
    }
}

fn scenario<S, B>(name: String, service: S, case: Case) -> Scenario
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
{
    Scenario { name: Box::leak(name.into_boxed_str()), run: Box::new(move || call(&service, &case)) }
}

/// Three scenarios for `case`: the bare app, corsica-actix, actix-cors.
pub(crate) fn scenarios(label: &str, case: Case, origins: &[String], wildcards: usize) -> [Scenario; 3] {
    let system = actix_web::rt::System::new();
    let route = || web::resource("/api/items").to(|| async { "" });
    let bare = system.block_on(init_service(App::new().service(route())));
    let mut all = origins.to_vec();
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
    let ours = system.block_on(init_service(App::new().wrap(corsica_actix::Cors::new(policy)).service(route())));
    let cors = origins
        .iter()
        .fold(actix_cors::Cors::default(), |c, o| c.allowed_origin(o))
        .allowed_methods(["GET", "POST", "PUT", "DELETE"])
        .allowed_headers(["content-type", "authorization", "x-request-id"])
        .expose_headers(["x-request-id"])
        .supports_credentials()
        .max_age(3600);
    let theirs = system.block_on(init_service(App::new().wrap(cors).service(route())));
    // The services may need the system's context: it lives as long as the benchmark.
    std::mem::forget(system);
    [
        scenario(format!("actix bare  {label}"), bare, case.clone()),
        scenario(format!("actix-cors  {label}"), theirs, case.clone()),
        scenario(format!("corsica-ax  {label}"), ours, case),
    ]
}
