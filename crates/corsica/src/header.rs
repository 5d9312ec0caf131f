//! Header names the CORS protocol uses, and the Fetch Standard's classes of header names.
//!
//! Names are lower-case `&'static str`s so that adapters can turn them into their framework's
//! header-name type without checks (`http::HeaderName::from_static`).

/// `Origin` (Fetch §3.2.1).
pub const ORIGIN: &str = "origin";
/// `Vary` (RFC 9110 §12.5.5).
pub const VARY: &str = "vary";
/// `Host`: compared with `Origin` to recognise same-origin requests.
pub const HOST: &str = "host";
/// `Access-Control-Request-Method` (preflight request).
pub const ACCESS_CONTROL_REQUEST_METHOD: &str = "access-control-request-method";
/// `Access-Control-Request-Headers` (preflight request).
pub const ACCESS_CONTROL_REQUEST_HEADERS: &str = "access-control-request-headers";
/// `Access-Control-Request-Private-Network` (Private Network Access preflight request).
pub const ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK: &str = "access-control-request-private-network";
/// `Access-Control-Allow-Origin`.
pub const ACCESS_CONTROL_ALLOW_ORIGIN: &str = "access-control-allow-origin";
/// `Access-Control-Allow-Credentials`.
pub const ACCESS_CONTROL_ALLOW_CREDENTIALS: &str = "access-control-allow-credentials";
/// `Access-Control-Allow-Methods` (preflight response).
pub const ACCESS_CONTROL_ALLOW_METHODS: &str = "access-control-allow-methods";
/// `Access-Control-Allow-Headers` (preflight response).
pub const ACCESS_CONTROL_ALLOW_HEADERS: &str = "access-control-allow-headers";
/// `Access-Control-Max-Age` (preflight response).
pub const ACCESS_CONTROL_MAX_AGE: &str = "access-control-max-age";
/// `Access-Control-Expose-Headers` (actual response).
pub const ACCESS_CONTROL_EXPOSE_HEADERS: &str = "access-control-expose-headers";
/// `Access-Control-Allow-Private-Network` (Private Network Access preflight response).
pub const ACCESS_CONTROL_ALLOW_PRIVATE_NETWORK: &str = "access-control-allow-private-network";

/// The response headers this engine writes. Adapters remove these from the inner service's
/// response before applying a decision, so that they are replaced, never duplicated.
pub const CORS_RESPONSE_HEADERS: [&str; 7] = [
    ACCESS_CONTROL_ALLOW_ORIGIN,
    ACCESS_CONTROL_ALLOW_CREDENTIALS,
    ACCESS_CONTROL_ALLOW_METHODS,
    ACCESS_CONTROL_ALLOW_HEADERS,
    ACCESS_CONTROL_MAX_AGE,
    ACCESS_CONTROL_EXPOSE_HEADERS,
    ACCESS_CONTROL_ALLOW_PRIVATE_NETWORK,
];

/// Whether `name` is a syntactically valid header name (an RFC 9110 token).
///
/// ```
/// assert!(corsica::is_header_name("X-Api-Key"));
/// assert!(!corsica::is_header_name("x api key"));
/// ```
pub fn is_header_name(name: &str) -> bool {
    crate::token::is_token(name.as_bytes())
}

/// Whether `name` (any case) is a forbidden request-header name (Fetch §2.2.2): one a script
/// cannot set, so listing it in a policy's `request_headers` can never have an effect.
///
/// ```
/// assert!(corsica::is_forbidden_request_header_name("Cookie"));
/// assert!(corsica::is_forbidden_request_header_name("sec-fetch-mode"));
/// assert!(!corsica::is_forbidden_request_header_name("Authorization"));
/// ```
pub fn is_forbidden_request_header_name(name: &str) -> bool {
    const FORBIDDEN: [&str; 22] = [
        "accept-charset",
        "accept-encoding",
        ACCESS_CONTROL_REQUEST_HEADERS,
        ACCESS_CONTROL_REQUEST_METHOD,
        ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK,
        "connection",
        "content-length",
        "cookie",
        "cookie2",
        "date",
        "dnt",
        "expect",
        HOST,
        "keep-alive",
        ORIGIN,
        "referer",
        "set-cookie",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "via",
    ];
    FORBIDDEN.iter().any(|f| f.eq_ignore_ascii_case(name))
        || starts_with_ignore_ascii_case(name, "proxy-")
        || starts_with_ignore_ascii_case(name, "sec-")
}

/// Whether `name` (any case) is a forbidden response-header name: `Set-Cookie` or `Set-Cookie2`.
/// Browsers never expose these to script, whatever `Access-Control-Expose-Headers` says.
pub fn is_forbidden_response_header_name(name: &str) -> bool {
    name.eq_ignore_ascii_case("set-cookie") || name.eq_ignore_ascii_case("set-cookie2")
}

/// The CORS-safelisted response-header names (Fetch §2.2.2): readable by script without being
/// exposed.
pub const CORS_SAFELISTED_RESPONSE_HEADER_NAMES: [&str; 7] = [
    "cache-control",
    "content-language",
    "content-length",
    "content-type",
    "expires",
    "last-modified",
    "pragma",
];

/// Whether `name` (any case) is always readable by script (see
/// [`CORS_SAFELISTED_RESPONSE_HEADER_NAMES`]).
pub fn is_cors_safelisted_response_header_name(name: &str) -> bool {
    CORS_SAFELISTED_RESPONSE_HEADER_NAMES
        .iter()
        .any(|s| s.eq_ignore_ascii_case(name))
}

/// Whether `name` (any case) is a CORS non-wildcard request-header name: `Authorization`, which a
/// `*` in `Access-Control-Allow-Headers` never covers.
pub fn is_cors_non_wildcard_request_header_name(name: &str) -> bool {
    name.eq_ignore_ascii_case("authorization")
}

/// Whether `name` (any case) is one of the CORS protocol's own `Access-Control-*` headers.
pub fn is_cors_protocol_header_name(name: &str) -> bool {
    starts_with_ignore_ascii_case(name, "access-control-")
}

fn starts_with_ignore_ascii_case(s: &str, prefix: &str) -> bool {
    s.len() >= prefix.len() && s.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forbidden_request_names() {
        for n in [
            "Host",
            "proxy-authorization",
            "Sec-CH-UA",
            "ORIGIN",
            "te",
            "Via",
        ] {
            assert!(is_forbidden_request_header_name(n), "{n}");
        }
        for n in [
            "x-api-key",
            "user-agent",
            "authorization",
            "content-type",
            "s",
        ] {
            assert!(!is_forbidden_request_header_name(n), "{n}");
        }
    }

    #[test]
    fn response_names() {
        assert!(is_forbidden_response_header_name("Set-Cookie2"));
        assert!(is_cors_safelisted_response_header_name("Content-Type"));
        assert!(!is_cors_safelisted_response_header_name("date"));
        assert!(is_cors_protocol_header_name("Access-Control-Allow-Origin"));
    }
}
