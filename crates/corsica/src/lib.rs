//! The corsica CORS engine.
#![forbid(unsafe_code)]

mod decision;
mod header;
mod list;
mod method;
pub mod origin;
mod policy;
mod request;
mod token;

pub use decision::{CorsHeaders, Decision, FORBIDDEN_STATUS, Outcome, Reason};
pub use header::*;
pub use method::*;
pub use origin::{Origin, OriginError, OriginMatcher, OriginPattern, OriginRef, PortPattern};
pub use policy::{
    ConfigError, ConfigErrorKind, ConfigErrors, ConfigWarning, DEFAULT_PREFLIGHT_STATUS, Dangerous, MAX_AGE_LIMIT,
    Policy, PolicyBuilder, PolicyConfig, RouteConfig,
};
#[cfg(feature = "serde")]
pub use policy::{PolicyFileError, PolicyFormat};
pub use request::{RawRequest, RequestHead, RequestKind, classify};
