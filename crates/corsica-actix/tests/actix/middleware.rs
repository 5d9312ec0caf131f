//! The actix-web `Cors` middleware in real servers on loopback, talked to by a real HTTP/1.1
//! client: what reaches the handler, `Vary`, CORS headers the handler set itself, error
//! responses (handler errors, extractor errors, errors from inner middleware), what a panicking
//! handler does, policy hot swap across workers under load, and bad configurations.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use actix_web::dev::Service;
use actix_web::{App, HttpResponse, error, web};
use corsica_actix::{Cors, Policy, PolicyConfig};
use corsica_loopback::client::{Outgoing, Received, send};
use corsica_loopback::trial;
use libtest_mimic::Trial;

use crate::server;

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

fn preflight(path: &str) -> Outgoing {
    Outgoing::new("OPTIONS", path)
        .header("host", "api.example.com")
        .header("origin", APP)
        .header("access-control-request-method", "PUT")
        .header("access-control-request-headers", "content-type")
}

fn get_from(path: &str, origin: &str) -> Outgoing {
    Outgoing::new("GET", path)
        .header("host", "api.example.com")
        .header("origin", origin)
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

async fn preflights_never_reach_the_handler() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&calls);
    let cors = Cors::new(policy());
    let addr = server::start(1, move || {
        let counter = Arc::clone(&counter);
        App::new().wrap(cors.clone()).route(
            "/x",
            web::route().to(move || {
                counter.fetch_add(1, Ordering::SeqCst);
                async { HttpResponse::Ok().body("ok") }
            }),
        )
    });

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
    let options = send(
        addr,
        &Outgoing::new("OPTIONS", "/x")
            .header("host", "h")
            .header("origin", APP),
    )
    .await
    .unwrap();
    assert_eq!((options.status, options.body.as_slice()), (200, &b"ok"[..]));
    assert_allowed(&options);
    assert_eq!(calls.load(Ordering::SeqCst), 1);

    let get = send(addr, &get_from("/x", APP)).await.unwrap();
    assert_eq!((get.status, get.body.as_slice()), (200, &b"ok"[..]));
    assert_allowed(&get);
    let no_origin = send(addr, &Outgoing::new("GET", "/x").header("host", "h"))
        .await
        .unwrap();
    assert_eq!(no_origin.vary(), ["origin"]);
    assert!(no_origin.all("access-control-allow-origin").is_empty());
    assert_eq!(calls.load(Ordering::SeqCst), 3);
}

async fn the_handlers_vary_is_kept_and_origin_appended_once() {
    let cors = Cors::new(policy());
    let addr = server::start(1, move || {
        App::new()
            .wrap(cors.clone())
            .route(
                "/encoding",
                web::get().to(|| async {
                    HttpResponse::Ok()
                        .insert_header(("vary", "accept-encoding"))
                        .body("ok")
                }),
            )
            .route(
                "/origin",
                web::get().to(|| async {
                    HttpResponse::Ok()
                        .insert_header(("vary", "Accept, Origin"))
                        .body("ok")
                }),
            )
    });

    let r = send(addr, &get_from("/encoding", APP)).await.unwrap();
    assert_eq!(r.all("vary"), [&b"accept-encoding"[..], b"origin"]);
    assert_allowed(&r);
    let r = send(addr, &get_from("/encoding", "https://evil.example"))
        .await
        .unwrap();
    assert_eq!(r.all("vary"), [&b"accept-encoding"[..], b"origin"]);
    let r = send(addr, &get_from("/origin", APP)).await.unwrap();
    assert_eq!(r.all("vary"), [&b"Accept, Origin"[..]]);
}

async fn cors_headers_set_by_the_handler_are_replaced() {
    let cors = Cors::new(policy());
    let addr = server::start(1, move || {
        App::new().wrap(cors.clone()).route(
            "/x",
            web::get().to(|| async {
                HttpResponse::Ok()
                    .insert_header(("access-control-allow-origin", "*"))
                    .insert_header(("access-control-allow-credentials", "false"))
                    .insert_header(("access-control-expose-headers", "x-secret"))
                    .insert_header(("access-control-allow-methods", "TRACE"))
                    .insert_header(("x-request-id", "42"))
                    .body("ok")
            }),
        )
    });

    let r = send(addr, &get_from("/x", APP)).await.unwrap();
    assert_allowed(&r);
    assert!(r.all("access-control-allow-methods").is_empty(), "{r:?}");
    assert_eq!(r.one("x-request-id").as_deref(), Some("42"));
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

async fn error_responses_carry_cors_headers() {
    async fn fails() -> Result<HttpResponse, actix_web::Error> {
        Err(error::ErrorUnprocessableEntity("no such item"))
    }
    async fn typed(id: web::Path<u32>) -> HttpResponse {
        HttpResponse::Ok().body(id.to_string())
    }
    let cors = Cors::new(policy());
    let addr = server::start(1, move || {
        App::new()
            .wrap(cors.clone())
            .route(
                "/500",
                web::get().to(|| async { HttpResponse::InternalServerError().body("oops") }),
            )
            .route("/err", web::get().to(fails))
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

    // Handler error (`ResponseError`), extractor error, unknown route, inner middleware error.
    for (path, status) in [
        ("/500", 500),
        ("/err", 422),
        ("/item/abc", 404),
        ("/missing", 404),
        ("/guarded", 401),
    ] {
        let r = send(addr, &get_from(path, APP)).await.unwrap();
        assert_eq!(r.status, status, "{path}: {r:?}");
        assert_allowed(&r);
    }
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
    let cors = Cors::new(policy());
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

async fn the_policy_is_swapped_in_every_worker_under_concurrent_requests() {
    const A: &str = "https://a.example";
    const B: &str = "https://b.example";
    let cors = Cors::new(Policy::builder().origins([A]).build().unwrap());
    let handle = cors.handle();
    let addr = server::start(2, move || {
        App::new().wrap(cors.clone()).route(
            "/x",
            web::get().to(|| async { HttpResponse::Ok().body("ok") }),
        )
    });

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

    let bad = PolicyConfig {
        origins: vec!["https://a.example/".into()],
        ..PolicyConfig::default()
    };
    assert_eq!(handle.set_config(&bad).unwrap_err().len(), 1);
    assert_eq!(handle.get().to_config().origins, [B]);

    let (mut old_only, mut new_only) = (0, 0);
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
    let errors = Cors::from_config(&config).unwrap_err();
    assert!(errors.len() >= 6, "{errors}");
    for e in &errors {
        assert!(!e.key().is_empty() && !e.message().is_empty(), "{e}");
    }
    assert!(
        Cors::from_config(&PolicyConfig::default()).is_err(),
        "no origins"
    );

    let cors = Cors::new(policy());
    assert_eq!(cors.handle().set_config(&config).unwrap_err(), errors);
    assert_eq!(*cors.policy(), policy());
}

/// This module's tests, one trial each.
pub(crate) fn trials() -> Vec<Trial> {
    vec![
        trial!(async preflights_never_reach_the_handler),
        trial!(async the_handlers_vary_is_kept_and_origin_appended_once),
        trial!(async cors_headers_set_by_the_handler_are_replaced),
        trial!(async error_responses_carry_cors_headers),
        trial!(async a_panicking_handler_gets_no_response_at_all),
        trial!(async(multi_thread) the_policy_is_swapped_in_every_worker_under_concurrent_requests),
        trial!(bad_configurations_are_errors_not_panics),
    ]
}
