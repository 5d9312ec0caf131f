//! The corsica CORS engine: the whole CORS protocol, both sides, exact to the
//! [Fetch Standard](https://fetch.spec.whatwg.org/#http-cors-protocol) and checked against
//! Chromium.
//!
//! Sans-IO: no network, no async, no clock, no framework types. Adapters (`corsica-tower`,
//! `corsica-actix`) and the `corsica` command build on it.
//!
//! # Server side
//!
//! A [`PolicyConfig`] (from a TOML/YAML/JSON file or [`Policy::builder`]) is validated and
//! compiled once into a [`Policy`]; every mistake is reported at once, with its fix. Then each
//! request is [`classify`]'d and answered by [`Policy::decide`], which allocates nothing on the
//! common paths and does bounded work on hostile input.
//!
//! ```
//! use corsica::header::{RequestHeader, ResponseHeader};
//! use corsica::{Outcome, Policy, RawRequest};
//!
//! let policy = Policy::builder()
//!     .origins(["https://app.example.com", "https://*.example.com"])
//!     .methods(["GET", "PUT"])
//!     .request_headers(["content-type"])
//!     .credentials(true)
//!     .build()?;
//!
//! let request = RawRequest::new("GET").header("Origin", "https://admin.example.com");
//! let decision = policy.decide(&request);
//! assert_eq!(decision.outcome(), Outcome::ActualAllowed);
//! assert_eq!(decision.headers().get(ResponseHeader::AccessControlAllowOrigin), Some("https://admin.example.com"));
//! assert_eq!(decision.headers().get(ResponseHeader::AccessControlAllowCredentials), Some("true"));
//! assert_eq!(decision.vary(), Some(RequestHeader::Origin));
//!
//! // A look-alike origin is refused.
//! let evil = RawRequest::new("GET").header("Origin", "https://admin.example.com.evil.net");
//! assert_eq!(policy.decide(&evil).outcome(), Outcome::ActualDenied);
//! # Ok::<(), corsica::ConfigErrors>(())
//! ```
//!
//! # Browser side
//!
//! The [`browser`] module does what a browser does: decides whether a request needs a
//! preflight, builds it, runs the CORS check and the preflight check, caches preflight results,
//! follows redirects, and reports failures with the kind and console message Chromium uses.
#![forbid(unsafe_code)]

pub mod browser;
mod decision;
pub mod header;
mod list;
pub mod method;
pub mod origin;
mod policy;
mod request;
mod status;
pub mod text;
mod token;

pub use decision::{CorsHeaders, Decision, Outcome, Reason, UnknownOutcome, ValueSource};
pub use origin::{Origin, OriginError};
pub use policy::{
    ConfigError, ConfigErrorKind, ConfigErrors, ConfigWarning, Dangerous, Policy, PolicyBuilder,
    PolicyConfig, RouteConfig,
};
#[cfg(feature = "serde")]
pub use policy::{PolicyFileError, PolicyFormat};
pub use request::{RawRequest, RequestHead, RequestKind, classify};
pub use status::Status;
