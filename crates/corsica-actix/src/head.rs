//! The actix-web types (`http` 0.2 names and values, actix's header map), as the adapter core
//! sees them.

use actix_web::dev::RequestHead;
use corsica_adapter::Head;

corsica_adapter::http_headers!(Actix, actix_web::http);

/// The engine's view of an actix request head. `secure`: whether the connection is TLS
/// (`AppConfig::secure`).
pub(crate) fn head(head: &RequestHead, secure: bool) -> Head<'_, Actix> {
    // The URI's scheme (HTTP/2, absolute-form), else https on a TLS listener; on a plain
    // listener the scheme is unknown (a TLS-terminating proxy may be in front).
    let scheme = head.uri.scheme_str().or(secure.then_some("https"));
    Head::new(
        head.method.as_str(),
        &head.headers,
        head.uri.authority().map(|a| a.as_str()),
        scheme,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;
    use corsica::RequestHead as _;

    #[test]
    fn a_tls_listener_means_https() {
        let req = TestRequest::post()
            .uri("/x")
            .insert_header(("host", "api.example.com"))
            .to_srv_request();
        assert_eq!(head(req.head(), false).scheme(), None);
        assert_eq!(head(req.head(), true).scheme(), Some("https"));
        assert_eq!(
            head(req.head(), false).authority(),
            Some(&b"api.example.com"[..])
        );
    }
}
