//! What happened to a request ([`Outcome`]) and why ([`Reason`]).

use std::fmt;
use std::str::FromStr;

use crate::policy::Policy;
use crate::text::Escaped;

/// What happened to a request, in the words of the conformance vectors.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// No `Origin`: not a CORS request.
    NotCors,
    /// An actual request from an allowed origin.
    ActualAllowed,
    /// An actual request from an origin the policy does not allow.
    ActualDenied,
    /// A preflight the policy allows.
    PreflightOk,
    /// A preflight from an origin the policy does not allow.
    PreflightDeniedOrigin,
    /// A preflight from an allowed origin asking for a method, header or private-network access
    /// the policy does not allow.
    PreflightDeniedAfter,
}

impl Outcome {
    /// `not-cors`, `actual-allowed`, `actual-denied`, `preflight-ok`, `preflight-denied-origin`
    /// or `preflight-denied-after`.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::NotCors => "not-cors",
            Outcome::ActualAllowed => "actual-allowed",
            Outcome::ActualDenied => "actual-denied",
            Outcome::PreflightOk => "preflight-ok",
            Outcome::PreflightDeniedOrigin => "preflight-denied-origin",
            Outcome::PreflightDeniedAfter => "preflight-denied-after",
        }
    }

    /// Every outcome.
    pub const ALL: [Outcome; 6] = [
        Outcome::NotCors,
        Outcome::ActualAllowed,
        Outcome::ActualDenied,
        Outcome::PreflightOk,
        Outcome::PreflightDeniedOrigin,
        Outcome::PreflightDeniedAfter,
    ];
}

/// Parses [`Outcome::as_str`]'s words.
///
/// ```
/// use corsica::Outcome;
///
/// assert_eq!("preflight-ok".parse(), Ok(Outcome::PreflightOk));
/// assert!("allowed".parse::<Outcome>().is_err());
/// ```
impl FromStr for Outcome {
    type Err = UnknownOutcome;

    fn from_str(word: &str) -> Result<Self, UnknownOutcome> {
        Outcome::ALL
            .into_iter()
            .find(|o| o.as_str() == word)
            .ok_or(UnknownOutcome)
    }
}

/// A word that is not one of [`Outcome::as_str`]'s.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnknownOutcome;

impl fmt::Display for UnknownOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not an outcome: expected not-cors, actual-allowed, actual-denied, preflight-ok, preflight-denied-origin or preflight-denied-after")
    }
}

impl std::error::Error for UnknownOutcome {}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why the engine decided as it did: for logs, `corsica policy eval` and the demo. It is never
/// sent to the client.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Reason<'a> {
    /// No `Origin` header.
    NoOrigin,
    /// The origin matches the policy.
    OriginAllowed(&'a str),
    /// The policy allows any origin with `*`.
    AnyOrigin,
    /// The origin is well formed but not allowed.
    OriginNotAllowed(&'a str),
    /// `Origin: null` without `null` in the policy.
    NullOriginNotAllowed,
    /// The `Origin` value is not an origin a browser sends (or there are several).
    InvalidOrigin(&'a [u8]),
    /// Not allowed, but the request is same-origin, so it is let through even with
    /// `reject_disallowed`.
    SameOrigin(&'a str),
    /// The preflight asks for a method the policy does not allow.
    MethodNotAllowed(&'a str),
    /// `Access-Control-Request-Method` is not a method token (or there are several).
    InvalidRequestMethod(&'a [u8]),
    /// The preflight asks for a header the policy does not allow.
    HeaderNotAllowed(&'a str),
    /// `Access-Control-Request-Headers` contains something that is not a header name.
    InvalidRequestHeaders(&'a [u8]),
    /// `Access-Control-Request-Headers` is longer than [`Policy::MAX_REQUEST_HEADERS_LEN`] (the
    /// length).
    RequestHeadersTooLong(usize),
    /// The preflight asks for private network access, which the policy does not allow.
    PrivateNetworkNotAllowed,
    /// The preflight asks only for what the policy allows.
    PreflightAllowed,
}

impl fmt::Display for Reason<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::NoOrigin => f.write_str("no Origin header: not a CORS request"),
            Reason::OriginAllowed(o) => write!(f, "origin {o} is allowed"),
            Reason::AnyOrigin => f.write_str("any origin is allowed (\"*\")"),
            Reason::OriginNotAllowed(o) => {
                write!(f, "origin {o} is not allowed: add it to origins")
            }
            Reason::NullOriginNotAllowed => {
                f.write_str("origin null (a sandboxed or data: document) is not allowed")
            }
            Reason::InvalidOrigin(v) => write!(
                f,
                "Origin header \"{}\" is not a single origin as browsers send it",
                Escaped(v)
            ),
            Reason::SameOrigin(o) => write!(
                f,
                "origin {o} is not in origins but is the server's own origin (same-origin request)"
            ),
            Reason::MethodNotAllowed(m) => {
                let m = Escaped(m.as_bytes());
                write!(f, "method {m} is not allowed: add \"{m}\" to methods")
            }
            Reason::InvalidRequestMethod(v) => write!(
                f,
                "Access-Control-Request-Method \"{}\" is not a single method",
                Escaped(v)
            ),
            Reason::HeaderNotAllowed(h) => {
                let h = Escaped(h.as_bytes());
                write!(
                    f,
                    "request header {h} is not allowed: add \"{h}\" to request_headers"
                )
            }
            Reason::InvalidRequestHeaders(v) => write!(
                f,
                "Access-Control-Request-Headers element \"{}\" is not a header name",
                Escaped(v)
            ),
            Reason::RequestHeadersTooLong(n) => write!(
                f,
                "Access-Control-Request-Headers is {n} bytes long, more than any browser sends ({})",
                Policy::MAX_REQUEST_HEADERS_LEN
            ),
            Reason::PrivateNetworkNotAllowed => f.write_str(
                "private network access is requested but not allowed: set private_network = true",
            ),
            Reason::PreflightAllowed => {
                f.write_str("preflight allowed: origin, method and headers are all allowed")
            }
        }
    }
}
