//! The server's answer to a request: [`Policy::decide`].

use std::borrow::Cow;
use std::fmt;

use crate::header::{
    ACCESS_CONTROL_ALLOW_CREDENTIALS, ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS,
    ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_ALLOW_PRIVATE_NETWORK,
    ACCESS_CONTROL_EXPOSE_HEADERS, ACCESS_CONTROL_MAX_AGE, ACCESS_CONTROL_REQUEST_HEADERS,
    ACCESS_CONTROL_REQUEST_METHOD, ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK, ORIGIN,
    is_cors_non_wildcard_request_header_name,
};
use crate::list;
use crate::method::is_cors_safelisted_method;
use crate::origin::{OriginRef, default_port};
use crate::policy::Policy;
use crate::request::{RequestHead, RequestKind, classify_parts};
use crate::token::is_token;

/// The status of a preflight or actual request the engine refuses itself.
pub const FORBIDDEN_STATUS: u16 = 403;

/// The longest `Access-Control-Request-Headers` (all lines together) a preflight may carry.
/// Browsers send each requested name once, lower-case, joined by bare commas: 4 KiB is room for
/// some 200 names. Longer values are refused before any parsing.
pub const MAX_REQUEST_HEADERS_LEN: usize = 4096;

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

    /// Parses [`Outcome::as_str`]'s words.
    pub fn from_word(word: &str) -> Option<Self> {
        [
            Outcome::NotCors,
            Outcome::ActualAllowed,
            Outcome::ActualDenied,
            Outcome::PreflightOk,
            Outcome::PreflightDeniedOrigin,
            Outcome::PreflightDeniedAfter,
        ]
        .into_iter()
        .find(|o| o.as_str() == word)
    }
}

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
    /// `Access-Control-Request-Headers` is longer than [`MAX_REQUEST_HEADERS_LEN`] (the length).
    RequestHeadersTooLong(usize),
    /// The preflight asks for private network access, which the policy does not allow.
    PrivateNetworkNotAllowed,
    /// The preflight asks only for what the policy allows.
    PreflightAllowed,
}

/// Header bytes shown as text for logs and messages: printable ASCII as is, `"` and `\\`
/// backslash-escaped, other bytes as `\xNN`, at most 80 bytes then the length. Request headers
/// are attacker-controlled; this keeps them from driving a terminal or flooding a log.
///
/// ```
/// assert_eq!(corsica::Escaped(b"a\x1b[2J\"").to_string(), "a\\x1b[2J\\\"");
/// assert!(corsica::Escaped(&[b'x'; 1000]).to_string().ends_with("… (1000 bytes)"));
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Escaped<'a>(pub &'a [u8]);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const SHOWN: usize = 80;
        for &b in self.0.iter().take(SHOWN) {
            if b == b'"' || b == b'\\' {
                write!(f, "\\{}", b as char)?;
            } else if b.is_ascii_graphic() || b == b' ' {
                write!(f, "{}", b as char)?;
            } else {
                write!(f, "\\x{b:02x}")?;
            }
        }
        if self.0.len() > SHOWN {
            write!(f, "… ({} bytes)", self.0.len())?;
        }
        Ok(())
    }
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
                "Access-Control-Request-Headers is {n} bytes long, more than any browser sends ({MAX_REQUEST_HEADERS_LEN})"
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

/// The CORS response headers of a decision: at most one of each, borrowed from the policy (all
/// pre-rendered) or from the request (the echoed origin), so deciding allocates nothing in the
/// common case.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CorsHeaders<'a> {
    entries: [Option<(&'static str, Cow<'a, str>)>; 7],
    len: usize,
}

impl<'a> CorsHeaders<'a> {
    fn push(&mut self, name: &'static str, value: impl Into<Cow<'a, str>>) {
        self.entries[self.len] = Some((name, value.into()));
        self.len += 1;
    }

    /// The headers as (lower-case name, value) pairs, in a fixed order.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &str)> {
        self.entries.iter().flatten().map(|(n, v)| (*n, &**v))
    }

    /// The value of `name`, if set.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
    }

    /// How many headers there are.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// The engine's decision for one request.
///
/// An adapter applies it like this:
/// 1. If [`Decision::respond_status`] is `Some(status)`, answer with that status and an empty
///    body without calling the inner service.
/// 2. Otherwise call the inner service, remove any of the
///    [`CORS_RESPONSE_HEADERS`](crate::CORS_RESPONSE_HEADERS) it set, and add
///    [`Decision::headers`].
/// 3. In both cases append [`Decision::vary`] to `Vary` (never overwrite it).
///
/// Preflight responses carry no `Vary`: responses to `OPTIONS` are not cacheable (RFC 9110
/// §9.3.7), and browsers never store preflights in the HTTP cache.
///
/// ```
/// use corsica::{Outcome, Policy, RawRequest};
///
/// let policy = Policy::builder().origins(["https://app.example.com"]).methods(["PUT"]).build().unwrap();
/// let preflight = RawRequest::new("OPTIONS")
///     .header("Origin", "https://app.example.com")
///     .header("Access-Control-Request-Method", "PUT");
/// let d = policy.decide(&preflight);
/// assert_eq!(d.outcome(), Outcome::PreflightOk);
/// assert_eq!(d.respond_status(), Some(204));
/// assert_eq!(d.headers().get("access-control-allow-origin"), Some("https://app.example.com"));
/// assert_eq!(d.headers().get("access-control-allow-methods"), Some("PUT"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision<'a> {
    kind: RequestKind,
    outcome: Outcome,
    respond_status: Option<u16>,
    headers: CorsHeaders<'a>,
    vary: Option<&'static str>,
    reason: Reason<'a>,
}

impl<'a> Decision<'a> {
    /// How the request was classified.
    pub fn kind(&self) -> RequestKind {
        self.kind
    }

    /// What happened.
    pub fn outcome(&self) -> Outcome {
        self.outcome
    }

    /// `Some(status)` when the engine answers the request itself and the inner service must not
    /// be called (a preflight, or a refused request with `reject_disallowed`).
    pub fn respond_status(&self) -> Option<u16> {
        self.respond_status
    }

    /// Whether the inner service handles the request.
    pub fn calls_inner(&self) -> bool {
        self.respond_status.is_none()
    }

    /// The CORS headers to set on the response, replacing any of the same name.
    pub fn headers(&self) -> &CorsHeaders<'a> {
        &self.headers
    }

    /// The value to append to the response's `Vary` header, if any.
    pub fn vary(&self) -> Option<&'static str> {
        self.vary
    }

    /// Why.
    pub fn reason(&self) -> &Reason<'a> {
        &self.reason
    }
}

/// The single `Origin` value, or `Err` when there are several lines.
fn single<'r>(mut values: impl Iterator<Item = &'r [u8]>) -> Option<Result<&'r [u8], &'r [u8]>> {
    let first = values.next()?;
    Some(if values.next().is_some() {
        Err(first)
    } else {
        Ok(first)
    })
}

impl Policy {
    /// Decides how to answer `request` (DESIGN §3).
    ///
    /// Work is linear in the size of the CORS request headers, whatever they contain, and
    /// nothing is allocated unless a credentialed `*` policy must echo a multi-line
    /// `Access-Control-Request-Headers`.
    pub fn decide<'a, R: RequestHead>(&'a self, request: &'a R) -> Decision<'a> {
        // Each request header is looked up once.
        let origin = single(request.header_values(ORIGIN));
        let request_method = single(request.header_values(ACCESS_CONTROL_REQUEST_METHOD));
        let kind = classify_parts(request.method(), origin.is_some(), request_method.is_some());
        let mut d = Decision {
            kind,
            outcome: Outcome::NotCors,
            respond_status: None,
            headers: CorsHeaders::default(),
            vary: self.varies_by_origin().then_some(ORIGIN),
            reason: Reason::NoOrigin,
        };
        let Some(origin) = origin else {
            // Fetch §3.2.6 (CORS protocol and HTTP caches): a static `*` goes on every
            // response, so a cached non-CORS response still serves later CORS requests.
            if !self.varies_by_origin() {
                self.allow_actual(&mut d, "*");
            }
            return d;
        };
        let origin = self.check_origin(origin);
        match kind {
            RequestKind::NotCors => {}
            RequestKind::Actual => self.decide_actual(request, origin, &mut d),
            RequestKind::Preflight => {
                d.vary = None;
                self.decide_preflight(request, origin, request_method, &mut d);
            }
        }
        d
    }

    /// `Ok(value to echo or "*")` for an allowed origin, `Err(reason)` otherwise.
    fn check_origin<'a>(
        &'a self,
        origin: Result<&'a [u8], &'a [u8]>,
    ) -> Result<(&'a str, Reason<'a>), Reason<'a>> {
        if !self.varies_by_origin() {
            return Ok(("*", Reason::AnyOrigin));
        }
        let raw = origin.map_err(Reason::InvalidOrigin)?;
        if raw == b"null" {
            return if self.null_origin {
                Ok(("null", Reason::OriginAllowed("null")))
            } else {
                Err(Reason::NullOriginNotAllowed)
            };
        }
        let parsed = OriginRef::parse(raw).ok_or(Reason::InvalidOrigin(raw))?;
        let text = parsed.as_str();
        if self.any_origin || self.origins.matches_origin(&parsed) {
            Ok((
                text,
                if self.any_origin {
                    Reason::AnyOrigin
                } else {
                    Reason::OriginAllowed(text)
                },
            ))
        } else {
            Err(Reason::OriginNotAllowed(text))
        }
    }

    fn allow_origin<'a>(&'a self, d: &mut Decision<'a>, value: &'a str) {
        d.headers.push(ACCESS_CONTROL_ALLOW_ORIGIN, value);
        if self.credentials {
            d.headers.push(ACCESS_CONTROL_ALLOW_CREDENTIALS, "true");
        }
    }

    /// The headers of an allowed actual response (and, for a static `*`, of every response).
    fn allow_actual<'a>(&'a self, d: &mut Decision<'a>, origin: &'a str) {
        self.allow_origin(d, origin);
        if let Some(expose) = &self.expose_headers_value {
            d.headers.push(ACCESS_CONTROL_EXPOSE_HEADERS, &**expose);
        }
    }

    fn decide_actual<'a, R: RequestHead>(
        &'a self,
        request: &'a R,
        origin: Result<(&'a str, Reason<'a>), Reason<'a>>,
        d: &mut Decision<'a>,
    ) {
        match origin {
            Ok((value, reason)) => {
                d.outcome = Outcome::ActualAllowed;
                d.reason = reason;
                self.allow_actual(d, value);
            }
            Err(reason) => {
                d.outcome = Outcome::ActualDenied;
                d.reason = reason;
                if self.reject_disallowed {
                    match same_origin(request) {
                        Some(o) => d.reason = Reason::SameOrigin(o),
                        None => d.respond_status = Some(FORBIDDEN_STATUS),
                    }
                }
            }
        }
    }

    fn decide_preflight<'a, R: RequestHead>(
        &'a self,
        request: &'a R,
        origin: Result<(&'a str, Reason<'a>), Reason<'a>>,
        request_method: Option<Result<&'a [u8], &'a [u8]>>,
        d: &mut Decision<'a>,
    ) {
        let ok_status = if self.preflight_continue {
            None
        } else {
            Some(self.preflight_status)
        };
        let denied_status = if self.preflight_continue {
            None
        } else if self.debug {
            Some(self.preflight_status)
        } else {
            Some(FORBIDDEN_STATUS)
        };
        let origin_value = match origin {
            Ok((value, _)) => value,
            Err(reason) => {
                d.outcome = Outcome::PreflightDeniedOrigin;
                d.reason = reason;
                d.respond_status = denied_status;
                return;
            }
        };
        let method = self.check_method(request_method);
        let headers = self.check_request_headers(request);
        let pna_requested = request
            .header_values(ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK)
            .any(|v| v == b"true");
        let pna_ok = !pna_requested || self.private_network;

        let failure = match (&method, &headers) {
            (Err(r), _) | (_, Err(r)) => Some(r.clone()),
            _ if !pna_ok => Some(Reason::PrivateNetworkNotAllowed),
            _ => None,
        };
        if let Some(reason) = failure {
            d.outcome = Outcome::PreflightDeniedAfter;
            d.reason = reason;
            d.respond_status = denied_status;
            if !self.debug || self.preflight_continue {
                return;
            }
        } else {
            d.outcome = Outcome::PreflightOk;
            d.reason = Reason::PreflightAllowed;
            d.respond_status = ok_status;
        }

        // Allowed, or debug: send what passes so the browser names exactly what is missing.
        self.allow_origin(d, origin_value);
        if let Some(value) = self.allow_methods_value.as_deref() {
            d.headers.push(ACCESS_CONTROL_ALLOW_METHODS, value);
        } else if let Ok(Some(m)) = method {
            d.headers.push(ACCESS_CONTROL_ALLOW_METHODS, m);
        }
        match headers {
            // Debug with `*`: list only the requested names that passed. A `*` here would let
            // browsers that read it as covering `Authorization` through (Chromium 148 does).
            Err(_) if self.request_headers.any => {
                let passed = self.passed_request_headers(request);
                if !passed.is_empty() {
                    d.headers.push(ACCESS_CONTROL_ALLOW_HEADERS, passed);
                }
            }
            Err(_) => {
                if let Some(value) = self.allow_headers_value.as_deref() {
                    d.headers.push(ACCESS_CONTROL_ALLOW_HEADERS, value);
                }
            }
            Ok(echo) => {
                if let Some(value) = self.allow_headers_value.as_deref() {
                    d.headers.push(ACCESS_CONTROL_ALLOW_HEADERS, value);
                } else if let Some(echo) = echo {
                    d.headers.push(ACCESS_CONTROL_ALLOW_HEADERS, echo);
                }
            }
        }
        if let Some(max_age) = self.max_age_value.as_deref() {
            d.headers.push(ACCESS_CONTROL_MAX_AGE, max_age);
        }
        if pna_requested && self.private_network {
            d.headers.push(ACCESS_CONTROL_ALLOW_PRIVATE_NETWORK, "true");
        }
    }

    /// Checks `Access-Control-Request-Method`. `Ok(Some(method))` when the method must be echoed
    /// (a credentialed `*` policy).
    fn check_method<'a>(
        &'a self,
        request_method: Option<Result<&'a [u8], &'a [u8]>>,
    ) -> Result<Option<&'a str>, Reason<'a>> {
        let raw = match request_method {
            Some(Ok(raw)) if is_token(raw) => raw,
            Some(Ok(raw) | Err(raw)) => return Err(Reason::InvalidRequestMethod(raw)),
            None => return Ok(None),
        };
        let method = std::str::from_utf8(raw).map_err(|_| Reason::InvalidRequestMethod(raw))?;
        // Fetch §4.8 step 7.5: safelisted methods pass whatever the response lists.
        if is_cors_safelisted_method(method) {
            Ok(None)
        } else if self.methods.any && self.allow_methods_value.is_none() {
            // Credentialed `*`: a browser reads `*` literally, so name the method itself.
            Ok(Some(method))
        } else if self.methods.any || self.methods.contains(raw) {
            Ok(None)
        } else {
            Err(Reason::MethodNotAllowed(method))
        }
    }

    /// Whether the policy allows one requested header name.
    fn allows_request_header(&self, name: &[u8]) -> bool {
        // `*` never covers Authorization (Fetch §4.8 step 7.6).
        self.request_headers.contains(name)
            || (self.request_headers.any
                && !std::str::from_utf8(name).is_ok_and(is_cors_non_wildcard_request_header_name))
    }

    /// The requested header names the policy allows, joined by `,` (debug responses only).
    fn passed_request_headers<R: RequestHead>(&self, request: &R) -> String {
        let mut passed = String::new();
        if request_headers_len(request) > MAX_REQUEST_HEADERS_LEN {
            return passed;
        }
        for line in request.header_values(ACCESS_CONTROL_REQUEST_HEADERS) {
            for name in list::elements(line).flatten() {
                if let (true, Ok(name)) =
                    (self.allows_request_header(name), std::str::from_utf8(name))
                {
                    if !passed.is_empty() {
                        passed.push(',');
                    }
                    passed.push_str(name);
                }
            }
        }
        passed
    }

    /// Checks `Access-Control-Request-Headers` element by element, without allocating.
    /// `Ok(Some(value))` when the requested list must be echoed (a credentialed `*` policy).
    fn check_request_headers<'a, R: RequestHead>(
        &'a self,
        request: &'a R,
    ) -> Result<Option<Cow<'a, str>>, Reason<'a>> {
        let total = request_headers_len(request);
        if total > MAX_REQUEST_HEADERS_LEN {
            return Err(Reason::RequestHeadersTooLong(total));
        }
        let mut lines = 0;
        for line in request.header_values(ACCESS_CONTROL_REQUEST_HEADERS) {
            lines += 1;
            for element in list::elements(line) {
                let name = element.map_err(Reason::InvalidRequestHeaders)?;
                if !self.allows_request_header(name) {
                    let name = std::str::from_utf8(name).unwrap_or("?");
                    return Err(Reason::HeaderNotAllowed(name));
                }
            }
        }
        if self.allow_headers_value.is_some() || !self.request_headers.any || lines == 0 {
            return Ok(None);
        }
        let mut values = request.header_values(ACCESS_CONTROL_REQUEST_HEADERS);
        Ok(if lines == 1 {
            values
                .next()
                .and_then(|v| std::str::from_utf8(v).ok())
                .map(Cow::Borrowed)
        } else {
            let joined: Vec<&str> = values.filter_map(|v| std::str::from_utf8(v).ok()).collect();
            Some(Cow::Owned(joined.join(",")))
        })
    }
}

/// Whether any of these `Vary` lines already lists `token` (case-insensitively) or `*`, so that
/// an adapter appends `token` only when it is missing.
///
/// ```
/// let lines: [&[u8]; 2] = [b"Accept-Encoding", b" accept , Origin"];
/// assert!(corsica::vary_lists(lines, "origin"));
/// assert!(!corsica::vary_lists([&b"accept-encoding"[..]], "origin"));
/// assert!(corsica::vary_lists([&b"*"[..]], "origin"));
/// ```
pub fn vary_lists<'v>(lines: impl IntoIterator<Item = &'v [u8]>, token: &str) -> bool {
    lines.into_iter().any(|line| {
        line.split(|&b| b == b',').any(|element| {
            let element = element.trim_ascii();
            element == b"*" || element.eq_ignore_ascii_case(token.as_bytes())
        })
    })
}

/// The length of all `Access-Control-Request-Headers` lines together.
fn request_headers_len<R: RequestHead>(request: &R) -> usize {
    request
        .header_values(ACCESS_CONTROL_REQUEST_HEADERS)
        .map(<[u8]>::len)
        .sum()
}

/// The request's `Origin` when it names the server's own origin (same scheme, host and port),
/// judged from the request's authority and scheme.
fn same_origin<R: RequestHead>(request: &R) -> Option<&str> {
    let origin = OriginRef::parse(single(request.header_values(ORIGIN))?.ok()?)?;
    let authority = std::str::from_utf8(request.authority()?).ok()?;
    let scheme = request.scheme().unwrap_or(origin.scheme());
    if scheme != origin.scheme() {
        return None;
    }
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) if !port.contains(']') => (host, Some(port.parse::<u16>().ok()?)),
        _ => (authority, None),
    };
    let port = port.or_else(|| default_port(scheme));
    let origin_port = origin.port().or_else(|| default_port(origin.scheme()));
    (host.eq_ignore_ascii_case(origin.host()) && port == origin_port).then_some(origin.as_str())
}
