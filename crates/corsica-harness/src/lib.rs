//! Test support for corsica: a real headless Chromium driven over the Chrome DevTools Protocol
//! ([`Chromium`], [`Page`]), a canned-response HTTP/1.1 server on loopback ([`StubServer`]) and
//! real edge servers running an exported configuration ([`nginx::Nginx`], [`apache::Apache`],
//! [`haproxy::Haproxy`], [`caddy::Caddy`]).
//!
//! Blocking and thread-based on purpose: tests that use it stay plain `#[test]` functions.
//! Chromium must be installed (`chromium` on `PATH`, or `CORSICA_CHROMIUM`); when it is not,
//! [`Chromium::launch`] fails with instructions, because a browser test that silently skips
//! proves nothing.

pub mod apache;
pub mod caddy;
mod cdp;
mod edge;
mod firefox;
pub mod haproxy;
pub mod har;
pub mod nginx;
mod stub;
mod webkit;

pub use cdp::{Chromium, CorsFailure, FetchResult, Page, SentRequest};
pub use firefox::{ConsoleEntry, Firefox, FirefoxFetch};
pub use stub::{StubRequest, StubResponse, StubServer};
pub use webkit::{WebKit, WebKitFetch};

/// Errors from the harness: launching Chromium, talking to it, or serving.
#[derive(Debug)]
pub enum Error {
    /// Chromium could not be started (missing binary, no DevTools URL).
    Launch(String),
    /// The DevTools connection failed or answered with an error.
    Protocol(String),
    /// Chromium did not answer in time.
    Timeout(String),
    /// Socket I/O.
    Io(std::io::Error),
    /// A server under test (nginx) is missing, refused its configuration or did not start.
    Server(String),
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Launch(m) => write!(f, "cannot launch chromium: {m}"),
            Error::Protocol(m) => write!(f, "DevTools protocol: {m}"),
            Error::Timeout(m) => write!(f, "timed out: {m}"),
            Error::Io(e) => write!(f, "I/O: {e}"),
            Error::Server(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for Error {}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::Io(e)
    }
}
