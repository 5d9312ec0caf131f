//! [`Head`]: the engine's view of a request, over any [`Headers`] map.

use std::fmt;

use corsica::RequestHead;
use corsica::header::RequestHeader;

use crate::Headers;

/// A borrowed request head for [`Policy::decide`](corsica::Policy::decide): the method, the
/// header map, and what the framework knows of the request's authority and scheme.
pub struct Head<'r, H: Headers> {
    method: &'r str,
    headers: &'r H::Map,
    uri_authority: Option<&'r str>,
    scheme: Option<&'r str>,
}

impl<'r, H: Headers> Head<'r, H> {
    /// `uri_authority`: the request URI's authority (HTTP/2 `:authority`, absolute-form
    /// HTTP/1.1), which takes precedence over `Host` (RFC 9112 §3.2.2). `scheme`: the scheme the
    /// request arrived over, when the server knows it. Forwarding headers are not trusted.
    pub fn new(
        method: &'r str,
        headers: &'r H::Map,
        uri_authority: Option<&'r str>,
        scheme: Option<&'r str>,
    ) -> Self {
        Head {
            method,
            headers,
            uri_authority,
            scheme,
        }
    }
}

impl<'r, H: Headers> Head<'r, H> {
    /// The request's header map.
    pub(crate) fn headers(&self) -> &'r H::Map {
        self.headers
    }
}

impl<H: Headers> RequestHead for Head<'_, H> {
    fn method(&self) -> &[u8] {
        self.method.as_bytes()
    }

    fn header_values(&self, name: RequestHeader) -> impl Iterator<Item = &[u8]> {
        H::get_all(self.headers, H::request_name(name)).map(H::value_bytes)
    }

    /// The URI's authority without any userinfo (the origin is host and port), else the first
    /// `Host` header.
    fn authority(&self) -> Option<&[u8]> {
        match self.uri_authority {
            Some(text) => Some(text.rsplit_once('@').map_or(text, |(_, h)| h).as_bytes()),
            None => self.header_values(RequestHeader::Host).next(),
        }
    }

    fn scheme(&self) -> Option<&str> {
        self.scheme
    }
}

impl<H: Headers> fmt::Debug for Head<'_, H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Head")
            .field("method", &self.method)
            .field("uri_authority", &self.uri_authority)
            .field("scheme", &self.scheme)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Lines;

    fn lines(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn authority_prefers_the_uri() {
        let headers = lines(&[("host", "other.example")]);
        let head = Head::<Lines>::new(
            "POST",
            &headers,
            Some("user@api.example.com:8443"),
            Some("https"),
        );
        assert_eq!(head.authority(), Some(&b"api.example.com:8443"[..]));
        assert_eq!(head.scheme(), Some("https"));

        let headers = lines(&[("host", "api.example.com")]);
        let head = Head::<Lines>::new("POST", &headers, None, None);
        assert_eq!(head.authority(), Some(&b"api.example.com"[..]));
        assert_eq!(head.scheme(), None);
    }

    #[test]
    fn header_values_are_every_line() {
        let headers = lines(&[
            ("Origin", "https://a.example"),
            ("origin", "https://b.example"),
        ]);
        let head = Head::<Lines>::new("GET", &headers, None, None);
        let values: Vec<&[u8]> = head.header_values(RequestHeader::Origin).collect();
        assert_eq!(values, [&b"https://a.example"[..], b"https://b.example"]);
        assert_eq!(head.method(), b"GET");
    }
}
