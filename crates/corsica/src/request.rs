//! The request as the server sees it, and its classification (Fetch §3.2 "CORS protocol").

use crate::header::RequestHeader;

/// A borrowed view of an HTTP request head: what the engine needs from a framework's request.
///
/// Adapters implement it over their own request type; [`RawRequest`] is a plain owned one.
pub trait RequestHead {
    /// The method, as received (case preserved).
    fn method(&self) -> &[u8];

    /// The value of every header line named `name` (in any case), in order.
    fn header_values(&self, name: RequestHeader) -> impl Iterator<Item = &[u8]>;

    /// The request's own authority (`Host`, or HTTP/2's `:authority`), used to recognise
    /// same-origin requests. Defaults to the first `Host` header.
    fn authority(&self) -> Option<&[u8]> {
        self.header_values(RequestHeader::Host).next()
    }

    /// The scheme the request arrived over (`http` or `https`), when the server knows it. When
    /// `None`, same-origin comparison assumes the scheme of the request's `Origin`.
    fn scheme(&self) -> Option<&str> {
        None
    }
}

/// What a request is, as far as CORS goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RequestKind {
    /// No `Origin` header: not a CORS request (same-origin navigation, curl, a server).
    NotCors,
    /// A CORS request the browser will let the page read only if the response allows it.
    Actual,
    /// A CORS-preflight request: `OPTIONS` with `Origin` and `Access-Control-Request-Method`.
    /// Any other `OPTIONS` request is an actual request.
    Preflight,
}

/// Classifies a request (Fetch §3.2.2, §4.8 "CORS-preflight fetch" step 1–3).
///
/// ```
/// use corsica::{classify, RawRequest, RequestKind};
///
/// let plain_options = RawRequest::new("OPTIONS").header("origin", "https://a.example");
/// assert_eq!(classify(&plain_options), RequestKind::Actual);
///
/// let preflight = plain_options.header("access-control-request-method", "PUT");
/// assert_eq!(classify(&preflight), RequestKind::Preflight);
///
/// assert_eq!(classify(&RawRequest::new("GET")), RequestKind::NotCors);
/// ```
pub fn classify(request: &impl RequestHead) -> RequestKind {
    classify_parts(
        request.method(),
        request
            .header_values(RequestHeader::Origin)
            .next()
            .is_some(),
        request
            .header_values(RequestHeader::AccessControlRequestMethod)
            .next()
            .is_some(),
    )
}

/// [`classify`] from what it looks at, for callers that have read those headers already.
pub(crate) fn classify_parts(
    method: &[u8],
    has_origin: bool,
    has_request_method: bool,
) -> RequestKind {
    if !has_origin {
        RequestKind::NotCors
    } else if method == b"OPTIONS" && has_request_method {
        RequestKind::Preflight
    } else {
        RequestKind::Actual
    }
}

/// An owned request head: a method, header lines and optionally the scheme.
///
/// ```
/// use corsica::RawRequest;
/// let req = RawRequest::new("GET")
///     .header("Origin", "https://app.example.com")
///     .header("Host", "api.example.com");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RawRequest {
    method: String,
    headers: Vec<(String, Vec<u8>)>,
    scheme: Option<String>,
}

impl RawRequest {
    /// A request with this method and no headers.
    pub fn new(method: impl Into<String>) -> Self {
        RawRequest {
            method: method.into(),
            ..Self::default()
        }
    }

    /// Appends a header line.
    #[must_use]
    pub fn header(mut self, name: impl Into<String>, value: impl Into<Vec<u8>>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Sets the scheme the request arrived over.
    #[must_use]
    pub fn scheme(mut self, scheme: impl Into<String>) -> Self {
        self.scheme = Some(scheme.into());
        self
    }

    /// The header lines, in order.
    pub fn headers(&self) -> &[(String, Vec<u8>)] {
        &self.headers
    }
}

impl RequestHead for RawRequest {
    fn method(&self) -> &[u8] {
        self.method.as_bytes()
    }

    fn header_values(&self, name: RequestHeader) -> impl Iterator<Item = &[u8]> {
        self.headers
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name.as_str()))
            .map(|(_, v)| v.as_slice())
    }

    fn scheme(&self) -> Option<&str> {
        self.scheme.as_deref()
    }
}
