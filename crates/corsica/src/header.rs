//! Header names the CORS protocol uses, and the Fetch Standard's classes of header names.
//!
//! The engine names the headers it reads with [`RequestHeader`] and the headers it writes with
//! [`ResponseHeader`]: closed sets, like the `http` crate's standard headers, so that adapters map
//! each to their framework's header-name type once and never compare text.

use std::fmt;
use std::str::FromStr;

/// `Vary` (RFC 9110 §12.5.5): adapters append [`Decision::vary`](crate::Decision::vary) to it.
pub const VARY: &str = "vary";

/// Declares a closed set of header names: the enum, its lower-case names, `ALL`, `Display` and a
/// case-insensitive `FromStr`.
macro_rules! header_names {
    ($(#[$doc:meta])* $ty:ident { $($(#[$vdoc:meta])* $variant:ident => $name:literal,)* }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $ty {
            $($(#[$vdoc])* $variant,)*
        }

        impl $ty {
            /// Every one, in declaration order: `ALL[h.index()] == h`.
            pub const ALL: [$ty; [$($name),*].len()] = [$($ty::$variant),*];

            /// The lower-case name, as HTTP/2 and the `http` crate write it.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($ty::$variant => $name,)*
                }
            }

            /// The position in [`Self::ALL`], for tables indexed by header.
            pub const fn index(self) -> usize {
                self as usize
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $ty {
            type Err = UnknownHeader;

            /// Parses a name in any case.
            fn from_str(name: &str) -> Result<Self, UnknownHeader> {
                $ty::ALL
                    .into_iter()
                    .find(|h| h.as_str().eq_ignore_ascii_case(name))
                    .ok_or(UnknownHeader)
            }
        }
    };
}

header_names! {
    /// A request header the engine reads.
    ///
    /// ```
    /// use corsica::header::RequestHeader;
    ///
    /// assert_eq!(RequestHeader::AccessControlRequestMethod.as_str(), "access-control-request-method");
    /// assert_eq!("Origin".parse(), Ok(RequestHeader::Origin));
    /// ```
    RequestHeader {
        /// `Origin` (Fetch §3.2.1).
        Origin => "origin",
        /// `Access-Control-Request-Method` (preflight request).
        AccessControlRequestMethod => "access-control-request-method",
        /// `Access-Control-Request-Headers` (preflight request).
        AccessControlRequestHeaders => "access-control-request-headers",
        /// `Access-Control-Request-Private-Network` (Private Network Access preflight request).
        AccessControlRequestPrivateNetwork => "access-control-request-private-network",
        /// `Host`: compared with `Origin` to recognise same-origin requests.
        Host => "host",
    }
}

header_names! {
    /// A response header the engine writes. Adapters remove all of these from the inner
    /// service's response before applying a decision, so that they are replaced, never
    /// duplicated.
    ///
    /// ```
    /// use corsica::header::ResponseHeader;
    ///
    /// assert_eq!(ResponseHeader::AccessControlAllowOrigin.to_string(), "access-control-allow-origin");
    /// assert_eq!("Access-Control-Max-Age".parse(), Ok(ResponseHeader::AccessControlMaxAge));
    /// assert!("vary".parse::<ResponseHeader>().is_err());
    /// ```
    ResponseHeader {
        /// `Access-Control-Allow-Origin`.
        AccessControlAllowOrigin => "access-control-allow-origin",
        /// `Access-Control-Allow-Credentials`.
        AccessControlAllowCredentials => "access-control-allow-credentials",
        /// `Access-Control-Allow-Methods` (preflight response).
        AccessControlAllowMethods => "access-control-allow-methods",
        /// `Access-Control-Allow-Headers` (preflight response).
        AccessControlAllowHeaders => "access-control-allow-headers",
        /// `Access-Control-Max-Age` (preflight response).
        AccessControlMaxAge => "access-control-max-age",
        /// `Access-Control-Expose-Headers` (actual response).
        AccessControlExposeHeaders => "access-control-expose-headers",
        /// `Access-Control-Allow-Private-Network` (Private Network Access preflight response).
        AccessControlAllowPrivateNetwork => "access-control-allow-private-network",
    }
}

/// A name that is not one of the set parsed ([`RequestHeader`] or [`ResponseHeader`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnknownHeader;

impl fmt::Display for UnknownHeader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not a header the CORS engine reads or writes")
    }
}

impl std::error::Error for UnknownHeader {}

// The names as text, for the browser side, which reads them from any response.
pub(crate) const ORIGIN: &str = RequestHeader::Origin.as_str();
pub(crate) const HOST: &str = RequestHeader::Host.as_str();
pub(crate) const ACCESS_CONTROL_REQUEST_METHOD: &str =
    RequestHeader::AccessControlRequestMethod.as_str();
pub(crate) const ACCESS_CONTROL_REQUEST_HEADERS: &str =
    RequestHeader::AccessControlRequestHeaders.as_str();
pub(crate) const ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK: &str =
    RequestHeader::AccessControlRequestPrivateNetwork.as_str();
pub(crate) const ACCESS_CONTROL_ALLOW_ORIGIN: &str =
    ResponseHeader::AccessControlAllowOrigin.as_str();
pub(crate) const ACCESS_CONTROL_ALLOW_CREDENTIALS: &str =
    ResponseHeader::AccessControlAllowCredentials.as_str();
pub(crate) const ACCESS_CONTROL_ALLOW_METHODS: &str =
    ResponseHeader::AccessControlAllowMethods.as_str();
pub(crate) const ACCESS_CONTROL_ALLOW_HEADERS: &str =
    ResponseHeader::AccessControlAllowHeaders.as_str();
pub(crate) const ACCESS_CONTROL_MAX_AGE: &str = ResponseHeader::AccessControlMaxAge.as_str();
pub(crate) const ACCESS_CONTROL_EXPOSE_HEADERS: &str =
    ResponseHeader::AccessControlExposeHeaders.as_str();
pub(crate) const ACCESS_CONTROL_ALLOW_PRIVATE_NETWORK: &str =
    ResponseHeader::AccessControlAllowPrivateNetwork.as_str();

/// Whether `name` is a syntactically valid header name (an RFC 9110 token).
///
/// ```
/// assert!(corsica::header::is_header_name("X-Api-Key"));
/// assert!(!corsica::header::is_header_name("x api key"));
/// ```
pub fn is_header_name(name: &str) -> bool {
    crate::token::is_token(name.as_bytes())
}

/// Whether `name` (any case) is a forbidden request-header name (Fetch §2.2.2): one a script
/// cannot set, so listing it in a policy's `request_headers` can never have an effect.
///
/// ```
/// assert!(corsica::header::is_forbidden_request_header_name("Cookie"));
/// assert!(corsica::header::is_forbidden_request_header_name("sec-fetch-mode"));
/// assert!(!corsica::header::is_forbidden_request_header_name("Authorization"));
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
    fn names_round_trip() {
        for h in RequestHeader::ALL {
            assert_eq!(h.as_str().to_ascii_uppercase().parse(), Ok(h));
            assert_eq!(RequestHeader::ALL[h.index()], h);
        }
        for h in ResponseHeader::ALL {
            assert_eq!(h.as_str().parse(), Ok(h));
            assert_eq!(ResponseHeader::ALL[h.index()], h);
            assert!(is_cors_protocol_header_name(h.as_str()));
        }
        assert_eq!(
            "access-control-allow".parse::<ResponseHeader>(),
            Err(UnknownHeader)
        );
    }

    #[test]
    fn response_names() {
        assert!(is_forbidden_response_header_name("Set-Cookie2"));
        assert!(is_cors_safelisted_response_header_name("Content-Type"));
        assert!(!is_cors_safelisted_response_header_name("date"));
        assert!(is_cors_protocol_header_name("Access-Control-Allow-Origin"));
    }
}
