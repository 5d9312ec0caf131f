//! The engine's view of an `http` 1.x request head.

use corsica::RequestHead;
use http::header::{self, HOST, HeaderName};
use http::{HeaderMap, HeaderValue, Method, Request, Uri};

/// A borrowed request head. (The engine's trait cannot be implemented for `http::Request`
/// itself: both are foreign to this crate.)
pub(crate) struct Head<'r> {
    method: &'r Method,
    uri: &'r Uri,
    headers: &'r HeaderMap,
}

impl<'r> Head<'r> {
    pub(crate) fn new<B>(request: &'r Request<B>) -> Self {
        Head {
            method: request.method(),
            uri: request.uri(),
            headers: request.headers(),
        }
    }
}

impl RequestHead for Head<'_> {
    fn method(&self) -> &[u8] {
        self.method.as_str().as_bytes()
    }

    fn header_values(&self, name: &'static str) -> impl Iterator<Item = &[u8]> {
        match known(name) {
            Some(name) => self.headers.get_all(name),
            None => self.headers.get_all(name),
        }
        .into_iter()
        .map(HeaderValue::as_bytes)
    }

    /// The URI's authority (HTTP/2 `:authority`, absolute-form HTTP/1.1), which takes precedence
    /// over `Host` (RFC 9112 §3.2.2), else the first `Host` header.
    fn authority(&self) -> Option<&[u8]> {
        match self.uri.authority() {
            Some(authority) => {
                let text = authority.as_str();
                // Drop any userinfo: the origin is host and port.
                let host_port = text.rsplit_once('@').map_or(text, |(_, h)| h);
                Some(host_port.as_bytes())
            }
            None => self.headers.get(HOST).map(HeaderValue::as_bytes),
        }
    }

    fn scheme(&self) -> Option<&str> {
        self.uri.scheme_str()
    }
}

/// The request headers the engine reads, as `HeaderName`s: looking them up this way spares
/// parsing (and, for a non-standard name, allocating) a `HeaderName` from text per lookup.
static KNOWN: [(&str, HeaderName); 5] = [
    (corsica::ORIGIN, header::ORIGIN),
    (
        corsica::ACCESS_CONTROL_REQUEST_METHOD,
        header::ACCESS_CONTROL_REQUEST_METHOD,
    ),
    (
        corsica::ACCESS_CONTROL_REQUEST_HEADERS,
        header::ACCESS_CONTROL_REQUEST_HEADERS,
    ),
    (
        corsica::ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK,
        HeaderName::from_static("access-control-request-private-network"),
    ),
    (corsica::HOST, header::HOST),
];

fn known(name: &str) -> Option<&'static HeaderName> {
    KNOWN.iter().find(|(n, _)| *n == name).map(|(_, h)| h)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authority_prefers_the_uri() {
        let req = Request::post("https://user@api.example.com:8443/x")
            .header("host", "other.example")
            .body(())
            .unwrap();
        let head = Head::new(&req);
        assert_eq!(head.authority(), Some(&b"api.example.com:8443"[..]));
        assert_eq!(head.scheme(), Some("https"));

        let req = Request::post("/x")
            .header("host", "api.example.com")
            .body(())
            .unwrap();
        let head = Head::new(&req);
        assert_eq!(head.authority(), Some(&b"api.example.com"[..]));
        assert_eq!(head.scheme(), None);
    }

    #[test]
    fn header_values_are_every_line() {
        let req = Request::get("/")
            .header("Origin", "https://a.example")
            .header("origin", "https://b.example")
            .body(())
            .unwrap();
        let head = Head::new(&req);
        let values: Vec<&[u8]> = head.header_values("origin").collect();
        assert_eq!(values, [&b"https://a.example"[..], b"https://b.example"]);
        assert_eq!(head.method(), b"GET");
    }
}
