//! Why a browser blocks a response: Chromium's `network::mojom::CorsError` kinds, with the exact
//! text Chromium's console prints for each (Blink `cors_error_string.cc`), and the network errors
//! a fetch can end in without being a CORS error.

use std::fmt;
use std::str::FromStr;

/// An IP address space, as Private Network Access names them (WICG Private Network Access, "IP address space"): `local` is loopback,
/// `private` the private ranges, `public` everything else.
///
/// Local Network Access, which replaced PNA in Chrome, renamed them: PNA `local` is LNA
/// `loopback` and PNA `private` is LNA `local`. Messages of the LNA-era kinds use the new words.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AddressSpace {
    /// Loopback (`127.0.0.0/8`, `::1`): PNA `local`, LNA `loopback`.
    Local,
    /// Private ranges (`10/8`, `172.16/12`, `192.168/16`, `fc00::/7`, …): PNA `private`, LNA
    /// `local`.
    Private,
    /// Everything else.
    Public,
    /// Not known.
    Unknown,
}

impl AddressSpace {
    /// The PNA-era word: `local`, `private`, `public` or `unknown`.
    pub fn as_str(self) -> &'static str {
        match self {
            AddressSpace::Local => "local",
            AddressSpace::Private => "private",
            AddressSpace::Public => "public",
            AddressSpace::Unknown => "unknown",
        }
    }

    /// The LNA-era word: `loopback`, `local`, `public` or `unknown`.
    pub fn as_lna_str(self) -> &'static str {
        match self {
            AddressSpace::Local => "loopback",
            AddressSpace::Private => "local",
            AddressSpace::Public => "public",
            AddressSpace::Unknown => "unknown",
        }
    }
}

impl fmt::Display for AddressSpace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error returned when a string names no [`AddressSpace`] or [`CorsErrorKind`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownName(pub String);

impl fmt::Display for UnknownName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown name {:?}", self.0)
    }
}

impl std::error::Error for UnknownName {}

impl FromStr for AddressSpace {
    type Err = UnknownName;

    /// Accepts the PNA words (`local`, `private`, `public`, `unknown`) and `loopback`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "local" | "loopback" => Ok(AddressSpace::Local),
            "private" => Ok(AddressSpace::Private),
            "public" => Ok(AddressSpace::Public),
            "unknown" => Ok(AddressSpace::Unknown),
            _ => Err(UnknownName(s.to_string())),
        }
    }
}

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

/// Which API made the request. Chromium's console words some reasons differently for each.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Initiator {
    /// `fetch()`.
    #[default]
    Fetch,
    /// `XMLHttpRequest`.
    XmlHttpRequest,
}

impl Initiator {
    /// The resource kind in "Access to … at": `fetch` or `XMLHttpRequest`.
    pub fn as_str(self) -> &'static str {
        match self {
            Initiator::Fetch => "fetch",
            Initiator::XmlHttpRequest => "XMLHttpRequest",
        }
    }
}

/// Schemes Chromium lists in its `CorsDisabledScheme` text. The list depends on the build; this
/// is what Chromium 148 (Debian) prints, checked by `corsica-cli/tests/chromium_check.rs`.
const CORS_ENABLED_SCHEMES: [&str; 7] = [
    "chrome",
    "chrome-extension",
    "chrome-untrusted",
    "data",
    "http",
    "https",
    "isolated-app",
];

/// Whether Chromium lists `scheme` as CORS-enabled (see [`CORS_ENABLED_SCHEMES`]).
pub(crate) fn is_cors_enabled_scheme(scheme: &str) -> bool {
    CORS_ENABLED_SCHEMES.contains(&scheme)
}

/// Suffix Chromium adds, for `fetch()` only, to the `Access-Control-Allow-Origin` value errors.
const NO_CORS_INFORMATION: &str = " Have the server send the header with a valid value.";

/// Sentence Chromium adds, for `XMLHttpRequest` only, to the credentials errors.
const WITH_CREDENTIALS_INFORMATION: &str = " The credentials mode of requests initiated by the XMLHttpRequest is controlled by the withCredentials attribute.";

const PREFLIGHT_PREFIX: &str = "Response to preflight request doesn't pass access control check: ";

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

    /// The reason as Chromium's console gives it for a `fetch()`, without the "Access to fetch
    /// at …" prefix, but with "Response to preflight request doesn't pass access control check: "
    /// where Chromium adds it.
    ///
    /// ```
    /// use corsica::browser::{CorsError, CorsErrorKind};
    /// let e = CorsError::new(CorsErrorKind::PreflightInvalidStatus, "");
    /// assert_eq!(
    ///     e.reason(),
    ///     "Response to preflight request doesn't pass access control check: It does not have HTTP ok status."
    /// );
    /// ```
    pub fn reason(&self) -> String {
        self.reason_for(Initiator::Fetch)
    }

    /// [`reason`](Self::reason) as worded for requests made by `initiator`.
    pub fn reason_for(&self, initiator: Initiator) -> String {
        use CorsErrorKind::*;
        let hint = encode_hint(&self.failed_parameter);
        let target = self.target_address_space.unwrap_or(AddressSpace::Unknown);
        let resource = self.resource_address_space.unwrap_or(AddressSpace::Unknown);
        let mut s = String::new();
        if self.kind.is_preflight() {
            s.push_str(PREFLIGHT_PREFIX);
        }
        match self.kind {
            DisallowedByMode => s.push_str("Cross origin requests are not allowed by request mode."),
            InvalidResponse => s.push_str("The response is invalid."),
            WildcardOriginNotAllowed | PreflightWildcardOriginNotAllowed => {
                s.push_str(
                    "The value of the 'Access-Control-Allow-Origin' header in the response must not be the wildcard \
                     '*' when the request's credentials mode is 'include'.",
                );
                if initiator == Initiator::XmlHttpRequest {
                    s.push_str(WITH_CREDENTIALS_INFORMATION);
                }
            }
            MissingAllowOriginHeader | PreflightMissingAllowOriginHeader => {
                s.push_str("No 'Access-Control-Allow-Origin' header is present on the requested resource.");
            }
            MultipleAllowOriginValues | PreflightMultipleAllowOriginValues => {
                s.push_str(&format!(
                    "The 'Access-Control-Allow-Origin' header contains multiple values '{hint}', but only one is allowed."
                ));
                if initiator == Initiator::Fetch {
                    s.push_str(NO_CORS_INFORMATION);
                }
            }
            InvalidAllowOriginValue | PreflightInvalidAllowOriginValue => {
                s.push_str(&format!("The 'Access-Control-Allow-Origin' header contains the invalid value '{hint}'."));
                if initiator == Initiator::Fetch {
                    s.push_str(NO_CORS_INFORMATION);
                }
            }
            AllowOriginMismatch | PreflightAllowOriginMismatch => {
                s.push_str(&format!(
                    "The 'Access-Control-Allow-Origin' header has a value '{hint}' that is not equal to the supplied origin."
                ));
                if initiator == Initiator::Fetch {
                    s.push_str(NO_CORS_INFORMATION);
                }
            }
            InvalidAllowCredentials | PreflightInvalidAllowCredentials => {
                s.push_str(&format!(
                    "The value of the 'Access-Control-Allow-Credentials' header in the response is '{hint}' which must \
                     be 'true' when the request's credentials mode is 'include'."
                ));
                if initiator == Initiator::XmlHttpRequest {
                    s.push_str(WITH_CREDENTIALS_INFORMATION);
                }
            }
            CorsDisabledScheme => s.push_str(&format!(
                "Cross origin requests are only supported for protocol schemes: {}.",
                CORS_ENABLED_SCHEMES.join(", ")
            )),
            PreflightInvalidStatus => s.push_str("It does not have HTTP ok status."),
            PreflightDisallowedRedirect => s.push_str("Redirect is not allowed for a preflight request."),
            InvalidAllowMethodsPreflightResponse => s.push_str(
                "Cannot parse Access-Control-Allow-Methods response header field in preflight response.",
            ),
            InvalidAllowHeadersPreflightResponse => s.push_str(
                "Cannot parse Access-Control-Allow-Headers response header field in preflight response.",
            ),
            MethodDisallowedByPreflightResponse => s.push_str(&format!(
                "Method {hint} is not allowed by Access-Control-Allow-Methods in preflight response."
            )),
            HeaderDisallowedByPreflightResponse => s.push_str(&format!(
                "Request header field {hint} is not allowed by Access-Control-Allow-Headers in preflight response."
            )),
            RedirectContainsCredentials => s.push_str(&format!(
                "Redirect location '{hint}' contains a username and password, which is disallowed for cross-origin \
                 requests."
            )),
            InsecureLocalNetwork => s.push_str(&format!(
                "The request client is not a secure context and the resource is in more-private address space `{}`.",
                resource.as_lna_str()
            )),
            InvalidLocalNetworkAccess => s.push_str(&format!(
                "Request had a target IP address space of `{}` yet the resource is in address space `{}`.",
                target.as_lna_str(),
                resource.as_lna_str()
            )),
            LocalNetworkAccessPermissionDenied => s.push_str(&format!(
                "Permission was denied for this request to access the `{}` address space.",
                resource.as_lna_str()
            )),
            InsecurePrivateNetwork => s.push_str(&format!(
                "The request client is not a secure context and the resource is in more-private address space \
                 `{resource}`."
            )),
            InvalidPrivateNetworkAccess => s.push_str(&format!(
                "Request had a target IP address space of `{target}` yet the resource is in address space \
                 `{resource}`."
            )),
            UnexpectedPrivateNetworkAccess => s.push_str(&format!(
                "Request had no target IP address space, yet the resource is in address space `{resource}`."
            )),
            PreflightMissingAllowPrivateNetwork => s.push_str(&format!(
                "No 'Access-Control-Allow-Private-Network' header was present in the preflight response for this \
                 private network request targeting the `{target}` address space."
            )),
            PreflightInvalidAllowPrivateNetwork => s.push_str(&format!(
                "The 'Access-Control-Allow-Private-Network' header in the preflight response for this private \
                 network request targeting the `{target}` address space had a value of '{hint}',  not 'true'."
            )),
            PreflightMissingPrivateNetworkAccessId => s.push_str(&format!(
                "No 'Private-Network-Access-Id' header was present in the preflight response for this private \
                 network request targeting the `{target}` address space."
            )),
            PreflightMissingPrivateNetworkAccessName => s.push_str(&format!(
                "No 'Private-Network-Access-Name' header was present in the preflight response for this private \
                 network request targeting the `{target}` address space."
            )),
            PrivateNetworkAccessPermissionUnavailable => s.push_str(&format!(
                "Unable to ask for permission to access the `{target}` IP address space."
            )),
            PrivateNetworkAccessPermissionDenied => s.push_str(&format!(
                "Permission was denied for this request to access the `{target}` address space."
            )),
        }
        s
    }

    /// The line Chromium's console prints when a `fetch()` of `url` from `origin` is blocked:
    ///
    /// `Access to fetch at '<url>' [(redirected from '<first url>') ]from origin '<origin>' has
    /// been blocked by CORS policy: <reason>`
    ///
    /// `url` is the last URL of the redirect chain and `redirected_from` the first one, when they
    /// differ. `origin` is the page's origin as serialized (`null` when opaque), even when the
    /// request itself was sending `Origin: null` after a redirect.
    ///
    /// Two kinds are caught by `fetch()` itself before any request, and print Blink's own text
    /// instead: [`DisallowedByMode`](CorsErrorKind::DisallowedByMode) and
    /// [`CorsDisabledScheme`](CorsErrorKind::CorsDisabledScheme) (whose `failed_parameter` is
    /// the scheme; a `file:` URL gets Chromium's "Not allowed to load local resource" line).
    pub fn console_message(
        &self,
        url: &str,
        redirected_from: Option<&str>,
        origin: &str,
    ) -> String {
        match self.kind {
            CorsErrorKind::DisallowedByMode => format!(
                "Fetch API cannot load {url}. Request mode is \"same-origin\" but the URL's origin is not same as the \
                 request origin {origin}."
            ),
            CorsErrorKind::CorsDisabledScheme if self.failed_parameter == "file" => {
                format!("Not allowed to load local resource: {url}")
            }
            CorsErrorKind::CorsDisabledScheme if !self.failed_parameter.is_empty() => format!(
                "Fetch API cannot load {url}. URL scheme \"{}\" is not supported.",
                self.failed_parameter
            ),
            _ => self.console_message_for(Initiator::Fetch, url, redirected_from, origin),
        }
    }

    /// The "Access to `<kind>` at …" line for a request made by `initiator`, whatever the kind.
    pub fn console_message_for(
        &self,
        initiator: Initiator,
        url: &str,
        redirected_from: Option<&str>,
        origin: &str,
    ) -> String {
        let mut s = format!("Access to {} at '{url}' ", initiator.as_str());
        if let Some(first) = redirected_from.filter(|first| *first != url) {
            s.push_str(&format!("(redirected from '{first}') "));
        }
        s.push_str(&format!(
            "from origin '{origin}' has been blocked by CORS policy: "
        ));
        s.push_str(&self.reason_for(initiator));
        s
    }
}

impl fmt::Display for CorsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.reason())
    }
}

impl std::error::Error for CorsError {}

/// Blink's `EncodeHint`: printable ASCII as is, anything else as `\uXXXX` (upper-case hex, one
/// escape per UTF-16 unit).
fn encode_hint(hint: &str) -> String {
    let mut out = String::with_capacity(hint.len());
    for unit in hint.encode_utf16() {
        if (0x20..=0x7e).contains(&unit) {
            out.push(char::from(unit as u8));
        } else {
            out.push_str(&format!("\\u{unit:04X}"));
        }
    }
    out
}

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

    #[test]
    fn hints_are_escaped_like_blink() {
        assert_eq!(encode_hint("a b"), "a b");
        assert_eq!(encode_hint("\u{b}*"), "\\u000B*");
        assert_eq!(encode_hint("caf\u{e9}\u{7f}"), "caf\\u00E9\\u007F");
        assert_eq!(encode_hint("\u{1F600}"), "\\uD83D\\uDE00");
        let e = CorsError::new(CorsErrorKind::InvalidAllowOriginValue, "\u{c}*");
        assert_eq!(
            e.reason(),
            "The 'Access-Control-Allow-Origin' header contains the invalid value '\\u000C*'. Have the server send \
             the header with a valid value."
        );
    }

    #[test]
    fn every_kind_has_a_message() {
        for &kind in CorsErrorKind::ALL {
            let e = CorsError::new(kind, "x");
            assert!(!e.reason().is_empty());
            assert!(e.console_message("https://a/", None, "https://b").len() > 20);
        }
    }

    #[test]
    fn private_network_messages() {
        let e = CorsError::new(CorsErrorKind::PreflightInvalidAllowPrivateNetwork, "false")
            .with_address_spaces(Some(AddressSpace::Private), Some(AddressSpace::Private));
        assert_eq!(
            e.reason(),
            "Response to preflight request doesn't pass access control check: The \
             'Access-Control-Allow-Private-Network' header in the preflight response for this private network \
             request targeting the `private` address space had a value of 'false',  not 'true'."
        );
        let e = CorsError::new(CorsErrorKind::InsecureLocalNetwork, "")
            .with_address_spaces(None, Some(AddressSpace::Local));
        assert!(
            e.reason()
                .ends_with("more-private address space `loopback`.")
        );
    }

    #[test]
    fn renderer_side_messages() {
        let e = CorsError::new(CorsErrorKind::DisallowedByMode, "");
        assert_eq!(
            e.console_message("https://b.example/x", None, "https://a.example"),
            "Fetch API cannot load https://b.example/x. Request mode is \"same-origin\" but the URL's origin is not \
             same as the request origin https://a.example."
        );
        let e = CorsError::new(CorsErrorKind::CorsDisabledScheme, "ftp");
        assert_eq!(
            e.console_message("ftp://b.example/x", None, "https://a.example"),
            "Fetch API cannot load ftp://b.example/x. URL scheme \"ftp\" is not supported."
        );
        assert!(e.console_message_for(Initiator::XmlHttpRequest, "ftp://b.example/x", None, "https://a.example").ends_with(
            "Cross origin requests are only supported for protocol schemes: chrome, chrome-extension, \
             chrome-untrusted, data, http, https, isolated-app."
        ));
    }
}
