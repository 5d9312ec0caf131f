//! [CORS] for [actix-web] 4, driven by the [`corsica`] engine.
//!
//! [`Cors`] is actix middleware (`App::wrap`, `Scope::wrap`, `Resource::wrap`). For each request
//! it asks the engine's [`Policy::decide`] once, then:
//!
//! - answers preflights itself (the policy's ok status, or `403` for a refused one) without
//!   calling your service, unless the policy sets `preflight_continue`;
//! - answers `403` to actual requests from other origins when the policy sets
//!   `reject_disallowed` (same-origin requests excepted);
//! - otherwise calls your service and sets the CORS headers on the response, error responses
//!   included, **replacing** any `Access-Control-*` response header it set itself (never a
//!   duplicate line);
//! - **appends** `Vary: origin` when the answer depends on the request's `Origin`, keeping your
//!   own `Vary` (and adding nothing when it already lists `origin` or `*`).
//!
//! Only `OPTIONS` requests with both `Origin` and `Access-Control-Request-Method` are preflights;
//! any other `OPTIONS` request reaches your service like any other request.
//!
//! A policy is validated when it is built: [`Cors::from_config`] returns every mistake at once as
//! [`ConfigErrors`] and never panics. The policy can be replaced while the server runs through a
//! [`PolicyHandle`], in every worker at once, without a lock on the request path.
//!
//! # Example
//!
//! ```
//! use actix_web::{App, HttpResponse, HttpServer, test, web};
//! use corsica_actix::{Cors, Policy};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let policy = Policy::builder()
//!     .origins(["https://app.example.com", "https://*.example.com"])
//!     .methods(["GET", "PUT", "DELETE"])
//!     .request_headers(["content-type", "authorization"])
//!     .credentials(true)
//!     .max_age(600)
//!     .build()?;
//! let cors = Cors::new(policy);
//!
//! // In a server: `HttpServer::new(move || App::new().wrap(cors.clone()).service(...))`.
//! actix_web::rt::System::new().block_on(async {
//!     let app = test::init_service(
//!         App::new().wrap(cors).route("/items", web::get().to(|| async { HttpResponse::Ok().body("[]") })),
//!     )
//!     .await;
//!
//!     // A preflight is answered by the middleware.
//!     let preflight = test::TestRequest::default()
//!         .method(actix_web::http::Method::OPTIONS)
//!         .uri("/items")
//!         .insert_header(("origin", "https://app.example.com"))
//!         .insert_header(("access-control-request-method", "PUT"))
//!         .to_request();
//!     let response = test::call_service(&app, preflight).await;
//!     assert_eq!(response.status(), 204);
//!     assert_eq!(response.headers().get("access-control-allow-methods").unwrap(), "GET,PUT,DELETE");
//!
//!     // An actual request reaches the handler, and the response gets the CORS headers.
//!     let get = test::TestRequest::get()
//!         .uri("/items")
//!         .insert_header(("origin", "https://admin.example.com"))
//!         .to_request();
//!     let response = test::call_service(&app, get).await;
//!     assert_eq!(response.headers().get("access-control-allow-origin").unwrap(), "https://admin.example.com");
//!     assert_eq!(response.headers().get("access-control-allow-credentials").unwrap(), "true");
//!     assert_eq!(response.headers().get("vary").unwrap(), "origin");
//! });
//! # Ok(())
//! # }
//! ```
//!
//! # Logging
//!
//! Every decision is logged with [`tracing`] under the target `corsica`, with the fields
//! `outcome` (the words of [`Outcome::as_str`]), `reason` and `origin`: allowed and refused CORS
//! requests at `DEBUG`, requests without `Origin` at `TRACE`. So "why was my request refused" is
//! answered by `RUST_LOG=corsica=debug`. Without a `tracing` subscriber, the events go to the
//! [`log`](https://docs.rs/log) crate instead, so `env_logger` shows them too.
//!
//! Refusals are not logged at `INFO` or above on purpose: any client can cause them at will. The
//! warnings found while compiling a policy ([`Policy::warnings`]) are logged at `WARN` when the
//! policy is installed.
//!
//! # Errors and panics
//!
//! - A handler returning `Err(e)` (any `ResponseError`) gets its error response from actix-web
//!   before the middleware sees it, so that response carries the CORS headers like any other.
//! - An `Err` from a middleware inside [`Cors`] stays an `Err` (outer middleware still sees
//!   the error), with a response mapper ([`actix_web::Error::add_response_mapper`]) that adds
//!   the CORS headers when actix-web turns it into the response sent.
//! - actix-web does not catch panics: a handler that panics takes its connection down with it,
//!   and the client gets no response at all (a browser reports a network error, whatever CORS
//!   says). There is no response to put headers on. Avoid panics in handlers, or catch them in
//!   a middleware inside [`Cors`] that answers `500`.
//!
//! # Details
//!
//! - **Routes.** A policy compiled with `[[route]]` entries applies the first route whose path
//!   is a prefix of the request path ([`Policy::for_path`]), as `corsica policy eval --path`
//!   does.
//! - **Same-origin requests** (for `reject_disallowed`) are recognised from the request URI's
//!   authority and scheme when it has them (HTTP/2, absolute-form HTTP/1.1 requests), from the
//!   `Host` header otherwise, and a TLS listener means `https`. `Forwarded` and `X-Forwarded-*`
//!   headers are not trusted. Without a known scheme the engine assumes the scheme of the
//!   `Origin`.
//! - **Preflight responses** have an empty body and no `Vary`: responses to `OPTIONS` are not
//!   cacheable (RFC 9110 §9.3.7).
//! - **Cost.** One `Policy::decide` per request, which allocates nothing on the common paths.
//!   Header values are taken from values rendered when the policy is installed, or shared with
//!   the request's own `Origin` header, so applying a decision copies no bytes.
//!
//! [CORS]: https://fetch.spec.whatwg.org/#http-cors-protocol
//! [actix-web]: https://docs.rs/actix-web
//! [`Outcome::as_str`]: corsica::Outcome::as_str
#![forbid(unsafe_code)]

mod head;
mod middleware;

pub use corsica::{ConfigError, ConfigErrors, Policy, PolicyConfig};
pub use corsica_adapter::PolicyHandle;
pub use middleware::{Cors, CorsFuture, CorsMiddleware};
