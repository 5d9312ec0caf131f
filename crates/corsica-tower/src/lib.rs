//! [CORS] for [tower] services: axum, hyper, tonic (gRPC-web) and anything else built on
//! [`http`] 1.x, driven by the [`corsica`] engine.
//!
//! [`CorsLayer`] wraps a service in [`Cors`]. For each request it asks the engine's
//! [`Policy::decide`] once, then:
//!
//! - answers preflights itself (the policy's ok status, or `403` for a refused one) without
//!   calling the inner service, unless the policy sets `preflight_continue`;
//! - answers `403` to actual requests from other origins when the policy sets
//!   `reject_disallowed` (same-origin requests excepted);
//! - otherwise calls the inner service and sets the CORS headers on whatever response it
//!   produces, error statuses included, **replacing** any `Access-Control-*` response header the
//!   inner service set itself (never a duplicate line);
//! - **appends** `Vary: origin` when the answer depends on the request's `Origin`, keeping the
//!   inner service's own `Vary` (and adding nothing when it already lists `origin` or `*`).
//!
//! Only `OPTIONS` requests with both `Origin` and `Access-Control-Request-Method` are preflights;
//! any other `OPTIONS` request reaches your service like any other request.
//!
//! A policy is validated when it is built: [`CorsLayer::from_config`] returns every mistake at
//! once as [`ConfigErrors`] and never panics. The policy can be replaced while the server runs
//! through a [`PolicyHandle`], without a lock on the request path.
//!
//! # Example
//!
//! ```
//! use axum::{Router, routing::get};
//! use corsica_tower::{CorsLayer, Policy};
//!
//! # fn main() -> Result<(), corsica_tower::ConfigErrors> {
//! let policy = Policy::builder()
//!     .origins(["https://app.example.com", "https://*.example.com"])
//!     .methods(["GET", "PUT", "DELETE"])
//!     .request_headers(["content-type", "authorization"])
//!     .credentials(true)
//!     .max_age(600)
//!     .build()?;
//!
//! let app: Router = Router::new()
//!     .route("/items", get(|| async { "[]" }))
//!     .layer(CorsLayer::new(policy));
//! # Ok(())
//! # }
//! ```
//!
//! The same layer works with any tower service, here called directly:
//!
//! ```
//! use corsica_tower::{CorsLayer, PolicyConfig};
//! use http::{Request, Response, StatusCode};
//! use std::convert::Infallible;
//! use tower::{Layer, ServiceExt, service_fn};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let config = PolicyConfig {
//!     origins: vec!["https://app.example.com".into()],
//!     methods: vec!["PUT".into()],
//!     ..PolicyConfig::default()
//! };
//! let layer = CorsLayer::from_config(&config)?;
//! let service = layer.layer(service_fn(|_req: Request<String>| async {
//!     Ok::<_, Infallible>(Response::new(String::from("hello")))
//! }));
//!
//! // A preflight is answered by the layer; the inner service is not called.
//! let preflight = Request::options("/items")
//!     .header("origin", "https://app.example.com")
//!     .header("access-control-request-method", "PUT")
//!     .body(String::new())?;
//! let response = service.clone().oneshot(preflight).await?;
//! assert_eq!(response.status(), StatusCode::NO_CONTENT);
//! assert_eq!(response.headers()["access-control-allow-methods"], "PUT");
//!
//! // An actual request goes through, and the response gets the CORS headers.
//! let get = Request::get("/items")
//!     .header("origin", "https://app.example.com")
//!     .body(String::new())?;
//! let response = service.oneshot(get).await?;
//! assert_eq!(response.headers()["access-control-allow-origin"], "https://app.example.com");
//! assert_eq!(response.headers()["vary"], "origin");
//! assert_eq!(response.body(), "hello");
//! # Ok(())
//! # }
//! ```
//!
//! # Logging
//!
//! Every decision is logged with [`tracing`] under the target `corsica`, with the fields
//! `outcome` (the words of [`Outcome::as_str`]), `reason` and `origin`: allowed and refused CORS
//! requests at `DEBUG`, requests without `Origin` at `TRACE`. So "why was my request refused" is
//! answered by `RUST_LOG=corsica=debug`:
//!
//! ```text
//! DEBUG corsica: CORS request refused outcome=preflight-denied-after reason=request header x-api-key is not allowed: add "x-api-key" to request_headers origin=https://app.example.com
//! ```
//!
//! Refusals are not logged at `INFO` or above on purpose: any client can cause them at will.
//! The warnings found while compiling a policy ([`Policy::warnings`]) are logged at `WARN` when
//! the policy is installed.
//!
//! # Details
//!
//! - **Errors.** A tower error (`Err` from the inner service) is not a response and carries no
//!   headers: it is passed on untouched. Turn errors into responses *inside* the CORS layer (axum
//!   handlers already do; otherwise use `axum::error_handling::HandleErrorLayer`, and
//!   `tower_http::catch_panic::CatchPanicLayer` for panics) so that they carry CORS headers.
//! - **Routes.** A policy compiled with `[[route]]` entries applies the first route whose path
//!   is a prefix of the request path ([`Policy::for_path`]), as `corsica policy eval --path`
//!   does. The path is the one the layer sees: inside an axum `nest`, that is the path below the
//!   prefix.
//! - **Same-origin requests** (for `reject_disallowed`) are recognised from the request URI's
//!   authority and scheme when it has them (HTTP/2, absolute-form HTTP/1.1 requests), and from
//!   the `Host` header otherwise; HTTP/1.1 requests carry no scheme, and the engine then assumes
//!   the scheme of the `Origin`.
//! - **Preflight responses** have an empty body (`ResBody::default()`) and no `Vary`: responses
//!   to `OPTIONS` are not cacheable (RFC 9110 §9.3.7).
//! - **Cost.** One `Policy::decide` per request, which allocates nothing on the common paths.
//!   Header values are taken from values rendered when the policy is installed, or shared with
//!   the request's own `Origin` header, so applying a decision copies no bytes; cloning [`Cors`]
//!   (axum does it per request) clones one `Arc`.
//!
//! [CORS]: https://fetch.spec.whatwg.org/#http-cors-protocol
//! [tower]: https://docs.rs/tower
//! [`Outcome::as_str`]: corsica::Outcome::as_str
#![forbid(unsafe_code)]

mod head;
mod layer;
mod service;

pub use corsica::{ConfigError, ConfigErrors, Policy, PolicyConfig};
pub use corsica_adapter::PolicyHandle;
pub use layer::CorsLayer;
pub use service::{Cors, ResponseFuture};
