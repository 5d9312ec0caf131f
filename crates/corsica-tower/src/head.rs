//! The `http` 1.x types, as the adapter core sees them.

use corsica_adapter::Head;
use http::Request;

corsica_adapter::http_headers!(Http1, http);

/// The engine's view of `request`. (The engine's trait cannot be implemented for
/// `http::Request` itself: both are foreign to this crate.)
pub(crate) fn head<B>(request: &Request<B>) -> Head<'_, Http1> {
    let uri = request.uri();
    Head::new(
        request.method().as_str(),
        request.headers(),
        uri.authority().map(|a| a.as_str()),
        uri.scheme_str(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authority_and_scheme_come_from_the_uri() {
        use corsica::RequestHead;
        let req = Request::post("https://user@api.example.com:8443/x")
            .header("host", "other.example")
            .body(())
            .unwrap();
        let head = head(&req);
        assert_eq!(head.authority(), Some(&b"api.example.com:8443"[..]));
        assert_eq!(head.scheme(), Some("https"));
    }
}
