//! How the server answers a request: [`Policy::decide`] (Fetch §3.2 "CORS protocol").

use super::{CorsHeaders, Decision, Entry, Outcome, Reason};
use crate::header::{RequestHeader, ResponseHeader, is_cors_non_wildcard_request_header_name};
use crate::list;
use crate::method::is_cors_safelisted_method;
use crate::origin::{OriginRef, default_port};
use crate::policy::{ANY_INDEX, Policy, RenderedValue, TRUE_INDEX};
use crate::request::{RequestHead, RequestKind, classify_parts};
use crate::status::Status;
use crate::token::is_token;

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
    /// Decides how to answer `request`.
    ///
    /// Work is linear in the size of the CORS request headers, whatever they contain, and
    /// nothing is allocated unless a credentialed `*` policy must echo a multi-line
    /// `Access-Control-Request-Headers`.
    pub fn decide<'a, R: RequestHead>(&'a self, request: &'a R) -> Decision<'a> {
        // Each request header is looked up once.
        let origin = single(request.header_values(RequestHeader::Origin));
        let request_method =
            single(request.header_values(RequestHeader::AccessControlRequestMethod));
        let kind = classify_parts(request.method(), origin.is_some(), request_method.is_some());
        let mut d = Decision {
            kind,
            outcome: Outcome::NotCors,
            respond_status: None,
            headers: CorsHeaders::default(),
            vary: self.varies_by_origin().then_some(RequestHeader::Origin),
            reason: Reason::NoOrigin,
        };
        let Some(origin) = origin else {
            // Fetch §3.2.6 (CORS protocol and HTTP caches): a static `*` goes on every
            // response, so a cached non-CORS response still serves later CORS requests.
            if !self.varies_by_origin() {
                self.allow_actual(&mut d, Entry::rendered(ANY_INDEX, "*"));
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

    /// `Ok(the Access-Control-Allow-Origin value: the origin echoed, or "*")` for an allowed
    /// origin, `Err(reason)` otherwise.
    fn check_origin<'a>(
        &'a self,
        origin: Result<&'a [u8], &'a [u8]>,
    ) -> Result<(Entry<'a>, Reason<'a>), Reason<'a>> {
        if !self.varies_by_origin() {
            return Ok((Entry::rendered(ANY_INDEX, "*"), Reason::AnyOrigin));
        }
        let raw = origin.map_err(Reason::InvalidOrigin)?;
        if raw == b"null" {
            return if self.null_origin {
                Ok((Entry::origin("null"), Reason::OriginAllowed("null")))
            } else {
                Err(Reason::NullOriginNotAllowed)
            };
        }
        // Most requests come from an exactly listed origin: found without parsing.
        if let Some(text) = self.origins.exact_match(raw).filter(|_| !self.any_origin) {
            return Ok((Entry::origin(text), Reason::OriginAllowed(text)));
        }
        let parsed = OriginRef::parse(raw).ok_or(Reason::InvalidOrigin(raw))?;
        let text = parsed.as_str();
        if self.any_origin || self.origins.matches_origin(&parsed) {
            Ok((
                // A canonical origin: `text` is the request's `Origin`, byte for byte.
                Entry::origin(text),
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

    fn allow_origin<'a>(&'a self, d: &mut Decision<'a>, value: Entry<'a>) {
        d.headers
            .set(ResponseHeader::AccessControlAllowOrigin, value);
        if self.credentials {
            d.headers.set(
                ResponseHeader::AccessControlAllowCredentials,
                Entry::rendered(TRUE_INDEX, "true"),
            );
        }
    }

    /// The headers of an allowed actual response (and, for a static `*`, of every response).
    fn allow_actual<'a>(&'a self, d: &mut Decision<'a>, origin: Entry<'a>) {
        self.allow_origin(d, origin);
        if let Some(expose) = &self.expose_headers_value {
            d.headers
                .set(ResponseHeader::AccessControlExposeHeaders, rendered(expose));
        }
    }

    fn decide_actual<'a, R: RequestHead>(
        &'a self,
        request: &'a R,
        origin: Result<(Entry<'a>, Reason<'a>), Reason<'a>>,
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
                        None => d.respond_status = Some(Status::FORBIDDEN),
                    }
                }
            }
        }
    }

    /// The status the engine answers a preflight with itself, by outcome: `preflight_status`
    /// when it passes (and, with `debug`, when it fails, so the browser names what is missing),
    /// `403` when it fails; `None` with `preflight_continue` (the inner service answers) and for
    /// outcomes that are not a preflight's. Exported configurations answer the same way.
    ///
    /// ```
    /// use corsica::{Outcome, Policy, Status};
    ///
    /// let policy = Policy::builder().origins(["https://a.example"]).build().unwrap();
    /// assert_eq!(policy.preflight_answer(Outcome::PreflightOk), Some(Status::NO_CONTENT));
    /// assert_eq!(policy.preflight_answer(Outcome::PreflightDeniedOrigin), Some(Status::FORBIDDEN));
    /// assert_eq!(policy.preflight_answer(Outcome::ActualAllowed), None);
    /// ```
    #[inline]
    pub fn preflight_answer(&self, outcome: Outcome) -> Option<Status> {
        if self.preflight_continue {
            return None;
        }
        match outcome {
            Outcome::PreflightOk => Some(self.preflight_status),
            Outcome::PreflightDeniedOrigin | Outcome::PreflightDeniedAfter if self.debug => {
                Some(self.preflight_status)
            }
            Outcome::PreflightDeniedOrigin | Outcome::PreflightDeniedAfter => {
                Some(Status::FORBIDDEN)
            }
            Outcome::NotCors | Outcome::ActualAllowed | Outcome::ActualDenied => None,
        }
    }

    fn decide_preflight<'a, R: RequestHead>(
        &'a self,
        request: &'a R,
        origin: Result<(Entry<'a>, Reason<'a>), Reason<'a>>,
        request_method: Option<Result<&'a [u8], &'a [u8]>>,
        d: &mut Decision<'a>,
    ) {
        let ok_status = self.preflight_answer(Outcome::PreflightOk);
        let denied_status = self.preflight_answer(Outcome::PreflightDeniedAfter);
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
            .header_values(RequestHeader::AccessControlRequestPrivateNetwork)
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
        if let Some(value) = &self.allow_methods_value {
            d.headers
                .set(ResponseHeader::AccessControlAllowMethods, rendered(value));
        } else if let Ok(Some(m)) = method {
            d.headers.set(
                ResponseHeader::AccessControlAllowMethods,
                Entry::echo(RequestHeader::AccessControlRequestMethod, m),
            );
        }
        match headers {
            // Debug with `*`: list only the requested names that passed. A `*` here would let
            // browsers that read it as covering `Authorization` through (Chromium 148 does).
            Err(_) if self.request_headers.any => {
                let passed = self.passed_request_headers(request);
                if !passed.is_empty() {
                    d.headers
                        .set_built(ResponseHeader::AccessControlAllowHeaders, passed);
                }
            }
            Err(_) => {
                if let Some(value) = &self.allow_headers_value {
                    d.headers
                        .set(ResponseHeader::AccessControlAllowHeaders, rendered(value));
                }
            }
            Ok(echo) => {
                if let Some(value) = &self.allow_headers_value {
                    d.headers
                        .set(ResponseHeader::AccessControlAllowHeaders, rendered(value));
                } else if let Some(echo) = echo {
                    let name = ResponseHeader::AccessControlAllowHeaders;
                    match echo {
                        RequestedHeaders::Line(line) => d.headers.set(
                            name,
                            Entry::echo(RequestHeader::AccessControlRequestHeaders, line),
                        ),
                        RequestedHeaders::Joined(joined) => d.headers.set_built(name, joined),
                    }
                }
            }
        }
        if let Some(max_age) = &self.max_age_value {
            d.headers
                .set(ResponseHeader::AccessControlMaxAge, rendered(max_age));
        }
        if pna_requested && self.private_network {
            d.headers.set(
                ResponseHeader::AccessControlAllowPrivateNetwork,
                Entry::rendered(TRUE_INDEX, "true"),
            );
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
        if request_headers_len(request) > Policy::MAX_REQUEST_HEADERS_LEN {
            return passed;
        }
        for line in request.header_values(RequestHeader::AccessControlRequestHeaders) {
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
    ) -> Result<Option<RequestedHeaders<'a>>, Reason<'a>> {
        // Browsers send one line: judged from one lookup.
        let mut values = request.header_values(RequestHeader::AccessControlRequestHeaders);
        let Some(line) = values.next() else {
            return Ok(None);
        };
        if values.next().is_some() {
            return self.check_request_header_lines(request);
        }
        if line.len() > Policy::MAX_REQUEST_HEADERS_LEN {
            return Err(Reason::RequestHeadersTooLong(line.len()));
        }
        self.check_request_header_names(line)?;
        if self.allow_headers_value.is_some() || !self.request_headers.any {
            return Ok(None);
        }
        Ok(std::str::from_utf8(line).ok().map(RequestedHeaders::Line))
    }

    /// [`Policy::check_request_headers`] when the request has several lines.
    fn check_request_header_lines<'a, R: RequestHead>(
        &'a self,
        request: &'a R,
    ) -> Result<Option<RequestedHeaders<'a>>, Reason<'a>> {
        let total = request_headers_len(request);
        if total > Policy::MAX_REQUEST_HEADERS_LEN {
            return Err(Reason::RequestHeadersTooLong(total));
        }
        for line in request.header_values(RequestHeader::AccessControlRequestHeaders) {
            self.check_request_header_names(line)?;
        }
        if self.allow_headers_value.is_some() || !self.request_headers.any {
            return Ok(None);
        }
        let values = request.header_values(RequestHeader::AccessControlRequestHeaders);
        let joined: Vec<&str> = values.filter_map(|v| std::str::from_utf8(v).ok()).collect();
        Ok(Some(RequestedHeaders::Joined(joined.join(","))))
    }

    /// `Err` naming the first element of `line` that is not a token or not allowed.
    fn check_request_header_names<'a>(&self, line: &'a [u8]) -> Result<(), Reason<'a>> {
        for element in list::elements(line) {
            let name = element.map_err(Reason::InvalidRequestHeaders)?;
            if !self.allows_request_header(name) {
                let name = std::str::from_utf8(name).unwrap_or("?");
                return Err(Reason::HeaderNotAllowed(name));
            }
        }
        Ok(())
    }
}

/// A value rendered when the policy was compiled.
fn rendered(value: &RenderedValue) -> Entry<'_> {
    Entry::rendered(value.index, &value.text)
}

/// The requested header names to echo: the single `Access-Control-Request-Headers` line, or
/// several joined.
enum RequestedHeaders<'a> {
    Line(&'a str),
    Joined(String),
}

/// The length of all `Access-Control-Request-Headers` lines together.
fn request_headers_len<R: RequestHead>(request: &R) -> usize {
    request
        .header_values(RequestHeader::AccessControlRequestHeaders)
        .map(<[u8]>::len)
        .sum()
}

/// The request's `Origin` when it names the server's own origin (same scheme, host and port),
/// judged from the request's authority and scheme.
fn same_origin<R: RequestHead>(request: &R) -> Option<&str> {
    let origin = OriginRef::parse(single(request.header_values(RequestHeader::Origin))?.ok()?)?;
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
