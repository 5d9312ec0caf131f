//! Why a browser blocks a response: Chromium's `network::mojom::CorsError` kinds, and the
//! network errors a fetch can end in without being a CORS error. The text Chromium's console
//! prints for each is in `console.rs`.

use std::fmt;
use std::str::FromStr;

use super::address_space::AddressSpace;

/// The error returned when a string names no [`AddressSpace`] or [`CorsErrorKind`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownName(pub String);

impl fmt::Display for UnknownName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown name {:?}", self.0)
    }
}

impl std::error::Error for UnknownName {}

macro_rules! cors_error_kinds {
    ($($(#[$doc:meta])* $kind:ident,)*) => {
        /// What the CORS protocol found wrong: Chromium's `network::mojom::CorsError`, named as in
        /// the DevTools protocol (`Network.CorsError`) without the `k` prefix.
        ///
        /// The first 25 are the current Chromium enum in order; the Private Network Access kinds
        /// after them belong to Chrome ~100–137, when PNA preflights were enforced.
        ///
        /// ```
        /// use corsica::browser::CorsErrorKind;
        /// let kind: CorsErrorKind = "PreflightAllowOriginMismatch".parse().unwrap();
        /// assert_eq!(kind, CorsErrorKind::PreflightAllowOriginMismatch);
        /// assert_eq!(kind.as_str(), "PreflightAllowOriginMismatch");
        /// assert!(kind.is_preflight());
        /// ```
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum CorsErrorKind {
            $($(#[$doc])* $kind,)*
        }

        impl CorsErrorKind {
            /// Every kind, in enum order.
            pub const ALL: &'static [CorsErrorKind] = &[$(CorsErrorKind::$kind,)*];

            /// The kind's name, exactly as Chromium's DevTools protocol spells it.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(CorsErrorKind::$kind => stringify!($kind),)*
                }
            }
        }

        impl FromStr for CorsErrorKind {
            type Err = UnknownName;

            /// Parses a kind's name (`MissingAllowOriginHeader`); a leading `k` as in Chromium's
            /// C++ (`kMissingAllowOriginHeader`) is accepted too.
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let name = s.strip_prefix('k').filter(|n| n.starts_with(|c: char| c.is_ascii_uppercase())).unwrap_or(s);
                match name {
                    $(stringify!($kind) => Ok(CorsErrorKind::$kind),)*
                    _ => Err(UnknownName(s.to_string())),
                }
            }
        }
    };
}

cors_error_kinds! {
    /// A `same-origin` mode request to another origin.
    DisallowedByMode,
    /// The response is not a valid HTTP response.
    InvalidResponse,
    /// `Access-Control-Allow-Origin: *` on a request with credentials mode `include`.
    WildcardOriginNotAllowed,
    /// No `Access-Control-Allow-Origin`.
    MissingAllowOriginHeader,
    /// `Access-Control-Allow-Origin` contains a space or a comma (several values or lines).
    MultipleAllowOriginValues,
    /// `Access-Control-Allow-Origin` is not `*`, `null` or a URL.
    InvalidAllowOriginValue,
    /// `Access-Control-Allow-Origin` is not the request's serialized origin.
    AllowOriginMismatch,
    /// Credentials mode `include` and `Access-Control-Allow-Credentials` is not exactly `true`.
    InvalidAllowCredentials,
    /// A cross-origin request to a scheme CORS does not support (`file:`, `ftp:`, …).
    CorsDisabledScheme,
    /// The preflight response's status is not 200–299.
    PreflightInvalidStatus,
    /// The preflight response is a redirect.
    PreflightDisallowedRedirect,
    /// [`WildcardOriginNotAllowed`](Self::WildcardOriginNotAllowed), on the preflight response.
    PreflightWildcardOriginNotAllowed,
    /// [`MissingAllowOriginHeader`](Self::MissingAllowOriginHeader), on the preflight response.
    PreflightMissingAllowOriginHeader,
    /// [`MultipleAllowOriginValues`](Self::MultipleAllowOriginValues), on the preflight response.
    PreflightMultipleAllowOriginValues,
    /// [`InvalidAllowOriginValue`](Self::InvalidAllowOriginValue), on the preflight response.
    PreflightInvalidAllowOriginValue,
    /// [`AllowOriginMismatch`](Self::AllowOriginMismatch), on the preflight response.
    PreflightAllowOriginMismatch,
    /// [`InvalidAllowCredentials`](Self::InvalidAllowCredentials), on the preflight response.
    PreflightInvalidAllowCredentials,
    /// `Access-Control-Allow-Methods` has an element that is not a token.
    InvalidAllowMethodsPreflightResponse,
    /// `Access-Control-Allow-Headers` has an element that is not a token.
    InvalidAllowHeadersPreflightResponse,
    /// The request's method is not allowed by `Access-Control-Allow-Methods`.
    MethodDisallowedByPreflightResponse,
    /// A request header is not allowed by `Access-Control-Allow-Headers`.
    HeaderDisallowedByPreflightResponse,
    /// A redirect to a URL with a username or password, which CORS requests may not follow.
    RedirectContainsCredentials,
    /// (Local Network Access) a non-secure context asked for a more private address space.
    InsecureLocalNetwork,
    /// (Local Network Access) the target address space declared by the request is wrong.
    InvalidLocalNetworkAccess,
    /// (Local Network Access) the user did not grant the permission.
    LocalNetworkAccessPermissionDenied,
    /// (PNA) a non-secure context asked for a more private address space.
    InsecurePrivateNetwork,
    /// (PNA) the target address space declared by the request is wrong.
    InvalidPrivateNetworkAccess,
    /// (PNA) the request declared no target address space but reached a private one.
    UnexpectedPrivateNetworkAccess,
    /// (PNA) the preflight response has no `Access-Control-Allow-Private-Network`.
    PreflightMissingAllowPrivateNetwork,
    /// (PNA) `Access-Control-Allow-Private-Network` is not exactly `true`.
    PreflightInvalidAllowPrivateNetwork,
    /// (PNA) the preflight response has no `Private-Network-Access-Id`.
    PreflightMissingPrivateNetworkAccessId,
    /// (PNA) the preflight response has no `Private-Network-Access-Name`.
    PreflightMissingPrivateNetworkAccessName,
    /// (PNA) the browser could not ask the user for permission.
    PrivateNetworkAccessPermissionUnavailable,
    /// (PNA) the user did not grant the permission.
    PrivateNetworkAccessPermissionDenied,
}

impl CorsErrorKind {
    /// Whether Chromium's console prefixes this kind's text with "Response to preflight request
    /// doesn't pass access control check: " (the `Preflight*` kinds about the preflight response
    /// itself; not the method, header and parse errors).
    pub fn is_preflight(self) -> bool {
        use CorsErrorKind::*;
        matches!(
            self,
            PreflightWildcardOriginNotAllowed
                | PreflightMissingAllowOriginHeader
                | PreflightMultipleAllowOriginValues
                | PreflightInvalidAllowOriginValue
                | PreflightAllowOriginMismatch
                | PreflightInvalidAllowCredentials
                | PreflightInvalidStatus
                | PreflightDisallowedRedirect
                | PreflightMissingAllowPrivateNetwork
                | PreflightInvalidAllowPrivateNetwork
        )
    }

    /// Whether only a preflight can cause this kind (its response's CORS headers, status, allow
    /// lists).
    pub fn arises_in_preflight(self) -> bool {
        use CorsErrorKind::*;
        self.is_preflight()
            || matches!(
                self,
                InvalidAllowMethodsPreflightResponse
                    | InvalidAllowHeadersPreflightResponse
                    | MethodDisallowedByPreflightResponse
                    | HeaderDisallowedByPreflightResponse
            )
    }

    /// The kind a CORS-check failure takes when it happens on a preflight response
    /// (`AllowOriginMismatch` → `PreflightAllowOriginMismatch`, …). Other kinds are returned as
    /// they are.
    pub fn to_preflight(self) -> CorsErrorKind {
        use CorsErrorKind::*;
        match self {
            WildcardOriginNotAllowed => PreflightWildcardOriginNotAllowed,
            MissingAllowOriginHeader => PreflightMissingAllowOriginHeader,
            MultipleAllowOriginValues => PreflightMultipleAllowOriginValues,
            InvalidAllowOriginValue => PreflightInvalidAllowOriginValue,
            AllowOriginMismatch => PreflightAllowOriginMismatch,
            InvalidAllowCredentials => PreflightInvalidAllowCredentials,
            other => other,
        }
    }
}

impl fmt::Display for CorsErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A CORS failure as Chromium reports it (`network::CorsErrorStatus`): the kind, the offending
/// value, and for Private Network Access the address spaces involved.
///
/// `failed_parameter` is the value the message quotes (the `Access-Control-Allow-Origin` value,
/// the method, the header name…), one char per byte of the header it came from (Fetch's
/// "isomorphic decode"), so any bytes survive.
///
/// ```
/// use corsica::browser::{CorsError, CorsErrorKind};
///
/// let e = CorsError::new(CorsErrorKind::AllowOriginMismatch, "https://app.example/");
/// assert_eq!(
///     e.console_message("https://api.example/data", None, "https://app.example"),
///     "Access to fetch at 'https://api.example/data' from origin 'https://app.example' has been \
///      blocked by CORS policy: The 'Access-Control-Allow-Origin' header has a value \
///      'https://app.example/' that is not equal to the supplied origin. Have the server send \
///      the header with a valid value."
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct CorsError {
    /// What went wrong.
    pub kind: CorsErrorKind,
    /// The value the message quotes; empty when the kind has none.
    pub failed_parameter: String,
    /// (Private Network Access) the address space the request targeted.
    pub target_address_space: Option<AddressSpace>,
    /// (Private Network Access) the address space the resource turned out to be in.
    pub resource_address_space: Option<AddressSpace>,
}

impl CorsError {
    /// An error of `kind` quoting `failed_parameter`.
    pub fn new(kind: CorsErrorKind, failed_parameter: impl Into<String>) -> Self {
        CorsError {
            kind,
            failed_parameter: failed_parameter.into(),
            target_address_space: None,
            resource_address_space: None,
        }
    }

    /// Sets the address spaces (Private Network Access kinds).
    #[must_use]
    pub fn with_address_spaces(
        mut self,
        target: Option<AddressSpace>,
        resource: Option<AddressSpace>,
    ) -> Self {
        self.target_address_space = target;
        self.resource_address_space = resource;
        self
    }
}

impl fmt::Display for CorsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.reason())
    }
}

impl std::error::Error for CorsError {}

/// A fetch that ends without a response for a reason other than CORS: what Chromium reports as a
/// `net::ERR_*` code (the page sees `TypeError: Failed to fetch` either way).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum NetworkError {
    /// More than 20 redirects (Fetch "HTTP-redirect fetch").
    TooManyRedirects,
    /// A redirect to a scheme other than `http` or `https` (step 6).
    UnsafeRedirect,
    /// A redirect whose `Location` is not a URL.
    InvalidRedirect,
    /// A redirect with several different `Location` values.
    MultipleLocations,
    /// No response at all (connection failed, or none was supplied to the simulation).
    Failed,
}

impl NetworkError {
    /// Chromium's net error name, without the `net::` prefix (`ERR_TOO_MANY_REDIRECTS`).
    pub fn as_str(self) -> &'static str {
        match self {
            NetworkError::TooManyRedirects => "ERR_TOO_MANY_REDIRECTS",
            NetworkError::UnsafeRedirect => "ERR_UNSAFE_REDIRECT",
            NetworkError::InvalidRedirect => "ERR_INVALID_REDIRECT",
            NetworkError::MultipleLocations => "ERR_RESPONSE_HEADERS_MULTIPLE_LOCATION",
            NetworkError::Failed => "ERR_FAILED",
        }
    }
}

impl fmt::Display for NetworkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "net::{}", self.as_str())
    }
}

impl std::error::Error for NetworkError {}

/// Why a fetch failed: a CORS error, or a network error that has nothing to do with CORS.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FetchError {
    /// The CORS protocol blocked the response.
    Cors(CorsError),
    /// The fetch failed for another reason.
    Network(NetworkError),
}

impl FetchError {
    /// The kind's name: a [`CorsErrorKind`] name or a net error name (`ERR_TOO_MANY_REDIRECTS`).
    pub fn kind_str(&self) -> &'static str {
        match self {
            FetchError::Cors(e) => e.kind.as_str(),
            FetchError::Network(e) => e.as_str(),
        }
    }

    /// The CORS error, if it is one.
    pub fn as_cors(&self) -> Option<&CorsError> {
        match self {
            FetchError::Cors(e) => Some(e),
            FetchError::Network(_) => None,
        }
    }
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FetchError::Cors(e) => e.fmt(f),
            FetchError::Network(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for FetchError {}

impl From<CorsError> for FetchError {
    fn from(e: CorsError) -> Self {
        FetchError::Cors(e)
    }
}

impl From<NetworkError> for FetchError {
    fn from(e: NetworkError) -> Self {
        FetchError::Network(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        assert_eq!(CorsErrorKind::ALL.len(), 34);
        for &kind in CorsErrorKind::ALL {
            assert_eq!(kind.as_str().parse::<CorsErrorKind>(), Ok(kind));
            assert_eq!(format!("k{kind}").parse::<CorsErrorKind>(), Ok(kind));
        }
        assert!("kinvalid".parse::<CorsErrorKind>().is_err());
        assert!("Nope".parse::<CorsErrorKind>().is_err());
    }

    #[test]
    fn preflight_mapping() {
        for &kind in CorsErrorKind::ALL {
            let mapped = kind.to_preflight();
            if mapped != kind {
                assert!(mapped.is_preflight());
                assert_eq!(mapped.as_str(), format!("Preflight{kind}"));
            }
        }
    }
}
