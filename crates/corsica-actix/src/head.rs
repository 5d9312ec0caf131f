//! The engine's view of an actix-web request head (`http` 0.2 types).

use actix_web::dev::RequestHead as ActixHead;
use actix_web::http::header::{self, HOST, HeaderName, HeaderValue};
use corsica::RequestHead;

/// A borrowed actix request head, with the scheme the server knows it arrived over.
pub(crate) struct Head<'r> {
    head: &'r ActixHead,
    scheme: Option<&'r str>,
}

impl<'r> Head<'r> {
    /// `secure`: whether the connection is TLS (`AppConfig::secure`).
    pub(crate) fn new(head: &'r ActixHead, secure: bool) -> Self {
        // The URI's scheme (HTTP/2, absolute-form), else https on a TLS listener; on a plain
        // listener the scheme is unknown (a TLS-terminating proxy may be in front).
        let scheme = head.uri.scheme_str().or(secure.then_some("https"));
        Head { head, scheme }
    }
}

impl RequestHead for Head<'_> {
    fn method(&self) -> &[u8] {
        self.head.method.as_str().as_bytes()
    }

    fn header_values(&self, name: &'static str) -> impl Iterator<Item = &[u8]> {
        match known(name) {
            Some(name) => self.head.headers.get_all(name),
            None => self.head.headers.get_all(name),
        }
        .map(HeaderValue::as_bytes)
    }

    /// The URI's authority (HTTP/2 `:authority`, absolute-form HTTP/1.1), which takes precedence
    /// over `Host` (RFC 9112 §3.2.2), else the first `Host` header. Forwarding headers are not
    /// trusted.
    fn authority(&self) -> Option<&[u8]> {
        match self.head.uri.authority() {
            Some(authority) => {
                let text = authority.as_str();
                let host_port = text.rsplit_once('@').map_or(text, |(_, h)| h);
                Some(host_port.as_bytes())
            }
            None => self.head.headers.get(HOST).map(HeaderValue::as_bytes),
        }
    }

    fn scheme(&self) -> Option<&str> {
        self.scheme
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
    use actix_web::test::TestRequest;

    #[test]
    fn authority_and_scheme() {
        let req = TestRequest::post()
            .uri("https://user@api.example.com:8443/x")
            .insert_header(("host", "other.example"))
            .to_srv_request();
        let head = Head::new(req.head(), false);
        assert_eq!(head.authority(), Some(&b"api.example.com:8443"[..]));
        assert_eq!(head.scheme(), Some("https"));

        let req = TestRequest::post()
            .uri("/x")
            .insert_header(("host", "api.example.com"))
            .to_srv_request();
        assert_eq!(
            Head::new(req.head(), false).authority(),
            Some(&b"api.example.com"[..])
        );
        assert_eq!(Head::new(req.head(), false).scheme(), None);
        assert_eq!(Head::new(req.head(), true).scheme(), Some("https"));
    }

    #[test]
    fn header_values_are_every_line() {
        let req = TestRequest::get()
            .append_header(("Origin", "https://a.example"))
            .append_header(("origin", "https://b.example"))
            .to_srv_request();
        let head = Head::new(req.head(), false);
        let values: Vec<&[u8]> = head.header_values("origin").collect();
        assert_eq!(values, [&b"https://a.example"[..], b"https://b.example"]);
        assert_eq!(head.method(), b"GET");
    }
}
