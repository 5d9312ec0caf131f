//! The actix-web `Cors` middleware in real servers on loopback, talked to by a real HTTP/1.1
//! client.
//!
//! The scenarios every adapter must pass are `corsica_loopback::middleware`'s, served here by an
//! actix-web `HttpServer` with two workers ([`Actix`]); this file adds what is actix-web's own:
//! extractor errors and errors from inner middleware, and what a panicking handler does.

use std::future::{Future, ready};
use std::net::SocketAddr;

use actix_web::dev::Service;
use actix_web::http::StatusCode;
use actix_web::{App, HttpResponse, error, web};
use corsica_actix::Cors;
use corsica_loopback::client::send;
use corsica_loopback::middleware::{
    APP, Adapter, Backend, Reply, assert_allowed, get_from, policy,
};
use corsica_loopback::trial;
use libtest_mimic::Trial;

use crate::server;

/// corsica-actix under the shared scenarios: `Cors` wrapping an actix-web `App`.
pub(crate) struct Actix;

impl Adapter for Actix {
    corsica_loopback::adapter_middleware!(Cors);

    /// Two workers, so two copies of the middleware share the policy handle.
    fn serve(cors: Cors, backend: Backend) -> impl Future<Output = SocketAddr> {
        let addr = server::start(2, move || {
            let app = App::new().wrap(cors.clone());
            backend.handlers().fold(app, |app, (path, handler)| {
                app.route(path, web::route().to(move || ready(reply(handler()))))
            })
        });
        ready(addr)
    }
}

fn reply(reply: Reply) -> Result<HttpResponse, actix_web::Error> {
    let status = |code| StatusCode::from_u16(code).unwrap();
    match reply {
        Reply::Response {
            status: code,
            headers,
            body,
        } => {
            let mut response = HttpResponse::build(status(code));
            for header in headers {
                response.append_header(*header);
            }
            Ok(response.body(body))
        }
        Reply::Error { status: code, body } => {
            Err(error::InternalError::new(body, status(code)).into())
        }
    }
}

/// An extractor's error and an inner middleware's `Err` get CORS headers too.
async fn errors_before_the_handler_carry_cors_headers() {
    async fn typed(id: web::Path<u32>) -> HttpResponse {
        HttpResponse::Ok().body(id.to_string())
    }
    let cors = Actix::cors(policy());
    let addr = server::start(1, move || {
        App::new()
            .wrap(cors.clone())
            .route("/item/{id}", web::get().to(typed))
            .service(
                // A middleware inside Cors that refuses with an `Err`.
                web::scope("/guarded")
                    .wrap_fn(|req, srv| {
                        let refuse = !req.headers().contains_key("authorization");
                        let call = srv.call(req);
                        async move {
                            if refuse {
                                Err(error::ErrorUnauthorized("log in first"))
                            } else {
                                call.await
                            }
                        }
                    })
                    .route(
                        "",
                        web::get().to(|| async { HttpResponse::Ok().body("secret") }),
                    ),
            )
    });

    for (path, status) in [("/item/abc", 404), ("/guarded", 401)] {
        let r = send(addr, &get_from(path, APP)).await.unwrap();
        assert_eq!(r.status, status, "{path}: {r:?}");
        assert_allowed(&r);
    }
    let r = send(addr, &get_from("/item/7", APP)).await.unwrap();
    assert_eq!((r.status, r.body.as_slice()), (200, &b"7"[..]));
    let r = send(
        addr,
        &get_from("/guarded", APP).header("authorization", "x"),
    )
    .await
    .unwrap();
    assert_eq!((r.status, r.body.as_slice()), (200, &b"secret"[..]));
}

/// What actix-web does with a panicking handler: it does not catch the panic. The task serving
/// the connection dies, the client gets no response at all (no status, so no CORS headers
/// either), and the worker goes on serving other connections.
async fn a_panicking_handler_gets_no_response_at_all() {
    corsica_loopback::quiet_panics("handler bug (on purpose)");
    let cors = Actix::cors(policy());
    let addr = server::start(1, move || {
        App::new()
            .wrap(cors.clone())
            .route(
                "/panic",
                web::get().to(|| async { panic!("handler bug (on purpose)") as HttpResponse }),
            )
            .route(
                "/ok",
                web::get().to(|| async { HttpResponse::Ok().body("ok") }),
            )
    });
    let error = send(addr, &get_from("/panic", APP)).await.unwrap_err();
    assert!(error.starts_with("no response"), "{error}");
    let r = send(addr, &get_from("/ok", APP)).await.unwrap();
    assert_eq!(r.status, 200);
    assert_allowed(&r);
}

/// The shared scenarios, then this module's tests, one trial each.
pub(crate) fn trials() -> Vec<Trial> {
    let mut trials = corsica_loopback::middleware::trials::<Actix>();
    trials.extend([
        trial!(async errors_before_the_handler_carry_cors_headers),
        trial!(async a_panicking_handler_gets_no_response_at_all),
    ]);
    trials
}
