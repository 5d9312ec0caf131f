//! The corsica CORS engine.
#![forbid(unsafe_code)]

mod header;
mod method;
pub mod origin;
mod token;

pub use header::*;
pub use method::*;
pub use origin::{Origin, OriginError, OriginMatcher, OriginPattern, OriginRef, PortPattern};
