//! What every [`corsica`] server adapter shares, written once: the framework-independent half
//! of `corsica-tower`, `corsica-actix` and the proxy.
//!
//! An adapter implements [`Headers`] for its framework's header types (a handful of
//! functions over its header map; [`http_headers!`] does it for maps with the `http` crate's
//! API), then for each request:
//!
//! 1. [`PolicyCell::load`]s the installed policy ([`Installed`]),
//! 2. asks [`Policy::decide`](corsica::Policy::decide) about a [`Head`] over the request,
//! 3. [`Installed::prepare`]s the response changes ([`Apply`]), owned, so the request can move
//!    on to the inner service, and [`log`]s the decision ([`Installed::respond`] does steps 2
//!    and 3 at once),
//! 4. answers [`Decision::respond_status`](corsica::Decision::respond_status) itself or calls
//!    the inner service, and [`Apply::apply_to`]s the response's headers.
//!
//! ```
//! use corsica::Policy;
//! use corsica_adapter::{Head, Lines, PolicyCell, log};
//!
//! let cell = PolicyCell::<Lines>::new(Policy::builder().origins(["https://a.example"]).build()?);
//! let request: Vec<(String, String)> = vec![("origin".into(), "https://a.example".into())];
//!
//! let installed = cell.load();
//! let policy = installed.policy().for_path("/items");
//! let head = Head::<Lines>::new("GET", &request, None, None);
//! let decision = policy.decide(&head);
//! log(&decision, Some(b"https://a.example"));
//! let mut apply = installed.prepare(&decision, &request);
//! assert_eq!(decision.respond_status(), None); // call the inner service
//!
//! let mut response: Vec<(String, String)> = vec![("vary".into(), "accept-encoding".into())];
//! apply.apply_to(&mut response);
//! assert_eq!(response, [
//!     ("vary".into(), "accept-encoding".into()),
//!     ("access-control-allow-origin".into(), "https://a.example".into()),
//!     ("vary".into(), "origin".into()),
//! ]);
//! # Ok::<(), corsica::ConfigErrors>(())
//! ```
#![forbid(unsafe_code)]

mod apply;
mod head;
mod headers;
mod http;
mod installed;
mod lines;
mod log;

pub use apply::Apply;
pub use head::Head;
pub use headers::Headers;
pub use installed::{Installed, PolicyCell, PolicyHandle};
pub use lines::Lines;
pub use log::log;

/// What [`http_headers!`] refers to.
#[doc(hidden)]
pub mod __private {
    pub use corsica::Status;
    pub use corsica::header::{RequestHeader, ResponseHeader};
}
