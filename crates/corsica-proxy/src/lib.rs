//! The reverse proxy behind `corsica proxy`: a corsica CORS policy in front of one fixed HTTP
//! upstream, for services whose code cannot change.
//!
//! ```text
//! client ──► Proxy (listen) ── decide ──► preflight / refusal answered here
//!                                  └────► upstream (one fixed URL), response CORS headers replaced
//! ```
//!
//! The proxy is the third user of the adapter core ([`corsica_adapter`]): it decides with
//! [`Policy::for_path`](corsica::Policy::for_path) (the `[[route]]` of the request's path),
//! answers preflights itself, forwards everything else to the upstream with the hop-by-hop
//! headers removed and `X-Forwarded-*` / `Forwarded` added, and replaces the upstream's own CORS
//! headers with the decision's. Bodies stream in both directions. When the upstream cannot be
//! reached or is too slow, the answer is a `502` or `504` that still carries the decision's CORS
//! headers, so that a page's script can read the error.
//!
//! It never forwards anywhere else than the upstream it was given: it is not an open proxy.
#![forbid(unsafe_code)]

mod body;
mod forward;
mod metrics;
mod reload;
mod server;
mod tls;

use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

pub use reload::{PolicySource, Reloader, watch};
pub use server::Proxy;
pub use tls::tls_config;

/// The upstream every request goes to: `http://host[:port][/base]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Upstream {
    authority: http::uri::Authority,
    /// The path prefix, without a trailing `/` (empty for none).
    base: String,
}

impl Upstream {
    /// Parses the `--upstream` URL: `http://`, a host, an optional port and path; no query,
    /// fragment or userinfo.
    ///
    /// # Errors
    ///
    /// What is wrong with the URL and what to write instead.
    ///
    /// ```
    /// use corsica_proxy::Upstream;
    /// assert!(Upstream::parse("http://127.0.0.1:8080").is_ok());
    /// assert!(Upstream::parse("127.0.0.1:8080").is_err());
    /// ```
    pub fn parse(text: &str) -> Result<Self, String> {
        let uri: http::Uri = text.parse().map_err(|e| {
            format!("--upstream {text:?} is not a URL ({e}); write it as http://HOST:PORT")
        })?;
        match uri.scheme_str() {
            Some("http") => {}
            Some("https") => {
                return Err(format!(
                    "--upstream {text:?}: an https upstream is not supported yet; give its plain http:// address"
                ));
            }
            Some(other) => {
                return Err(format!(
                    "--upstream {text:?}: the scheme {other:?} is not http; write it as http://HOST:PORT"
                ));
            }
            None => {
                return Err(format!(
                    "--upstream {text:?} has no scheme; write it as http://{text}"
                ));
            }
        }
        let Some(authority) = uri.authority().cloned() else {
            return Err(format!(
                "--upstream {text:?} has no host; write it as http://HOST:PORT"
            ));
        };
        if authority.as_str().contains('@') {
            return Err(format!(
                "--upstream {text:?}: user names and passwords in the URL are not supported; remove the part before @"
            ));
        }
        if authority.host().is_empty() {
            return Err(format!(
                "--upstream {text:?} has no host; write it as http://HOST:PORT"
            ));
        }
        if uri.query().is_some() || text.contains('#') {
            return Err(format!(
                "--upstream {text:?}: a query or fragment cannot be part of the upstream; remove the part from ? or #"
            ));
        }
        let base = uri.path().trim_end_matches('/').to_owned();
        Ok(Upstream { authority, base })
    }

    /// `host:port` of the upstream.
    pub fn authority(&self) -> &str {
        self.authority.as_str()
    }
}

impl fmt::Display for Upstream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "http://{}{}", self.authority, self.base)
    }
}

/// The proxy's limits and timeouts. [`Default`] gives the values `corsica proxy` uses.
#[derive(Clone, Debug)]
pub struct Limits {
    /// The largest request head (request line and headers) read from a client; larger gets 431.
    pub max_header_bytes: usize,
    /// The largest request body forwarded (`None`: no limit); larger gets 413.
    pub max_body_bytes: Option<u64>,
    /// How many client connections are served at once; more wait to be accepted.
    pub max_connections: usize,
    /// How long a client may take to send a request head.
    pub client_header_timeout: Duration,
    /// How long connecting to the upstream may take (then 504).
    pub connect_timeout: Duration,
    /// How long the upstream may take to start its response, counted from when the request is
    /// forwarded, its body included (then 504).
    pub first_byte_timeout: Duration,
    /// How long a body may stay silent: a stalled request body gets 408, a stalled response
    /// body is cut off.
    pub idle_timeout: Duration,
    /// How long in-flight requests get to finish after a stop is asked for.
    pub drain_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_header_bytes: 64 * 1024,
            max_body_bytes: None,
            max_connections: 10_000,
            client_header_timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(5),
            first_byte_timeout: Duration::from_secs(60),
            idle_timeout: Duration::from_secs(60),
            drain_timeout: Duration::from_secs(10),
        }
    }
}

/// What a [`Proxy`] needs to start.
#[derive(Clone, Debug)]
pub struct Options {
    /// Where to listen.
    pub listen: SocketAddr,
    /// Where to forward.
    pub upstream: Upstream,
    /// Limits and timeouts.
    pub limits: Limits,
}

/// Why a proxy could not start.
#[derive(Debug)]
pub enum StartError {
    /// The listen address could not be bound.
    Listen {
        /// The address.
        addr: SocketAddr,
        /// Why.
        error: std::io::Error,
    },
    /// The `--metrics` address could not be bound.
    Metrics {
        /// The address.
        addr: SocketAddr,
        /// Why.
        error: std::io::Error,
    },
}

impl fmt::Display for StartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StartError::Listen { addr, error } => {
                let why = match error.kind() {
                    std::io::ErrorKind::AddrInUse => format!(
                        "the port {} is taken; pick another --listen address",
                        addr.port()
                    ),
                    std::io::ErrorKind::PermissionDenied => format!(
                        "not allowed to use port {} (ports below 1024 need privileges); pick another --listen address",
                        addr.port()
                    ),
                    std::io::ErrorKind::AddrNotAvailable => {
                        "no network interface has that address; use 127.0.0.1 or 0.0.0.0".to_owned()
                    }
                    _ => error.to_string(),
                };
                write!(f, "cannot listen on {addr}: {why}")
            }
            StartError::Metrics { addr, error } => {
                write!(
                    f,
                    "cannot listen on {addr} for --metrics: {error}; pick another --metrics address"
                )
            }
        }
    }
}

impl std::error::Error for StartError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upstream_urls() {
        let up = Upstream::parse("http://127.0.0.1:3000/api/").unwrap();
        assert_eq!(up.authority(), "127.0.0.1:3000");
        assert_eq!(up.to_string(), "http://127.0.0.1:3000/api");
        assert_eq!(
            Upstream::parse("http://localhost").unwrap().to_string(),
            "http://localhost"
        );
        for (bad, says) in [
            ("127.0.0.1:3000", "write it as http://127.0.0.1:3000"),
            ("https://a.example", "https upstream is not supported"),
            ("ftp://a.example", "is not http"),
            ("http://user:pw@a.example", "remove the part before @"),
            ("http://a.example/?x=1", "query or fragment"),
            ("http://a.example/#x", "query or fragment"),
            ("http://", "not a URL"),
            ("not a url", "not a URL"),
        ] {
            let err = Upstream::parse(bad).unwrap_err();
            assert!(err.contains(says), "{bad}: {err}");
        }
    }
}
