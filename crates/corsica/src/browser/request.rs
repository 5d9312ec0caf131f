//! The request a page makes, as `fetch()` builds it (Fetch "Request class", "`Origin`
//! header"), and what it implies for CORS: whether it needs a preflight ("main fetch") and
//! what the preflight carries ("CORS-preflight fetch").

use std::fmt;
use std::str::FromStr;

use url::Url;

use crate::Origin;
use crate::method::{is_cors_safelisted_method, is_forbidden_method, normalize_method};
use crate::token::is_token;

use super::address_space::AddressSpace;
use super::error::UnknownName;
use super::profile::BrowserProfile;
use super::safelist::{
    cors_unsafe_request_header_names, cors_unsafe_request_header_names_in_order,
    is_forbidden_request_header,
};
use super::trace::PreflightReason;

/// A request's credentials mode (Fetch "request"): whether cookies and HTTP authentication go with
/// it. Only `include` changes the CORS check, which then requires
/// `Access-Control-Allow-Credentials: true` and forbids `*`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum CredentialsMode {
    /// Never send credentials.
    Omit,
    /// Send credentials to the page's own origin only (the `fetch()` default): none go with a
    /// cross-origin request.
    #[default]
    SameOrigin,
    /// Always send credentials.
    Include,
}

impl CredentialsMode {
    /// The IDL spelling: `omit`, `same-origin` or `include`.
    pub fn as_str(self) -> &'static str {
        match self {
            CredentialsMode::Omit => "omit",
            CredentialsMode::SameOrigin => "same-origin",
            CredentialsMode::Include => "include",
        }
    }
}

impl fmt::Display for CredentialsMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for CredentialsMode {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "omit" => Ok(CredentialsMode::Omit),
            "same-origin" => Ok(CredentialsMode::SameOrigin),
            "include" => Ok(CredentialsMode::Include),
            _ => Err(UnknownName(s.to_string())),
        }
    }
}

/// A request's mode (Fetch "request"), for the modes `fetch()` offers that take part in CORS.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum RequestMode {
    /// `cors` (the `fetch()` default): cross-origin requests use the CORS protocol.
    #[default]
    Cors,
    /// `same-origin`: a cross-origin request fails with
    /// [`DisallowedByMode`](super::CorsErrorKind::DisallowedByMode).
    SameOrigin,
}

impl RequestMode {
    /// The IDL spelling: `cors` or `same-origin`.
    pub fn as_str(self) -> &'static str {
        match self {
            RequestMode::Cors => "cors",
            RequestMode::SameOrigin => "same-origin",
        }
    }
}

impl FromStr for RequestMode {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "cors" => Ok(RequestMode::Cors),
            "same-origin" => Ok(RequestMode::SameOrigin),
            _ => Err(UnknownName(s.to_string())),
        }
    }
}

/// A request's response tainting (Fetch "request"): `basic` for same-origin (and `data:`) requests,
/// which the CORS protocol leaves alone, `cors` once any URL of the request was cross-origin.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ResponseTainting {
    /// Same-origin: no CORS check, every header but `Set-Cookie` readable.
    Basic,
    /// Cross-origin: CORS check, only safelisted and exposed headers readable.
    Cors,
}

impl ResponseTainting {
    /// `basic` or `cors`.
    pub fn as_str(self) -> &'static str {
        match self {
            ResponseTainting::Basic => "basic",
            ResponseTainting::Cors => "cors",
        }
    }
}

/// Why `fetch()` throws a `TypeError` before sending anything. Messages follow Chromium's.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RequestError {
    /// The URL has a username or password (Fetch "new Request").
    UrlIncludesCredentials {
        /// The URL.
        url: String,
    },
    /// The method is not an HTTP token.
    InvalidMethod {
        /// The method.
        method: String,
    },
    /// `CONNECT`, `TRACE` or `TRACK`.
    ForbiddenMethod {
        /// The method.
        method: String,
    },
    /// A header name that is not an HTTP token.
    InvalidHeaderName {
        /// The name.
        name: String,
    },
    /// A header value with NUL, CR or LF (after stripping surrounding whitespace).
    InvalidHeaderValue {
        /// The header's name.
        name: String,
    },
}

impl fmt::Display for RequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Failed to execute 'fetch' on 'Window': ")?;
        match self {
            RequestError::UrlIncludesCredentials { url } => {
                write!(
                    f,
                    "Request cannot be constructed from a URL that includes credentials: {url}"
                )
            }
            RequestError::InvalidMethod { method } => {
                write!(f, "'{method}' is not a valid HTTP method.")
            }
            RequestError::ForbiddenMethod { method } => {
                write!(f, "'{method}' HTTP method is unsupported.")
            }
            RequestError::InvalidHeaderName { name } => write!(f, "Invalid name: {name:?}"),
            RequestError::InvalidHeaderValue { name } => {
                write!(f, "Invalid value for header {name:?}")
            }
        }
    }
}

impl std::error::Error for RequestError {}

/// A request a page makes with `fetch()`: the page's origin, the URL, the method, the headers the
/// script set, the credentials mode; plus, once redirects happen, the URL list and whether the
/// request's origin is tainted.
///
/// Build one with [`BrowserRequest::builder`]; building does what `fetch()` does with its
/// arguments: the method is normalized (`delete` → `DELETE`, `patch` stays `patch`), a forbidden
/// method or an invalid name or value throws ([`RequestError`]), forbidden headers (`Cookie`,
/// `Origin`, `Sec-*`, …) are silently dropped, values are stripped of surrounding whitespace, and
/// headers set twice under the same name are combined into one value joined by `", "`, as
/// Chromium sends them.
///
/// ```
/// use corsica::Origin;
/// use corsica::browser::{BrowserRequest, CredentialsMode};
///
/// let request = BrowserRequest::builder(
///     Origin::parse("https://app.example").unwrap(),
///     "https://api.example/data".parse().unwrap(),
/// )
/// .method("put")
/// .header("Content-Type", "application/json")
/// .header("X-Request-Id", "42")
/// .header("Cookie", "dropped=1")
/// .credentials(CredentialsMode::Include)
/// .build()
/// .unwrap();
///
/// assert_eq!(request.method(), "PUT");
/// assert!(request.needs_preflight());
/// assert_eq!(
///     request.preflight_request(),
///     [
///         ("Accept", "*/*".to_string()),
///         ("Access-Control-Request-Method", "PUT".to_string()),
///         ("Access-Control-Request-Headers", "content-type,x-request-id".to_string()),
///         ("Origin", "https://app.example".to_string()),
///     ]
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BrowserRequest {
    origin: Origin,
    initial_url: Url,
    /// The URLs redirects led to, in order: the URL list without its first item.
    redirect_urls: Vec<Url>,
    method: String,
    headers: Vec<(String, Vec<u8>)>,
    credentials: CredentialsMode,
    mode: RequestMode,
    private_network: Option<AddressSpace>,
    force_preflight: bool,
    partition_key: String,
    tainted: bool,
    cors_flag: bool,
    wildcard_covers_authorization: bool,
    profile: BrowserProfile,
}

/// Builds a [`BrowserRequest`]; see there.
#[derive(Clone, Debug)]
#[must_use]
pub struct BrowserRequestBuilder {
    origin: Origin,
    url: Url,
    method: String,
    headers: Vec<(String, Vec<u8>)>,
    credentials: CredentialsMode,
    mode: RequestMode,
    private_network: Option<AddressSpace>,
    force_preflight: bool,
    partition_key: String,
    wildcard_covers_authorization: bool,
    profile: BrowserProfile,
}

impl BrowserRequestBuilder {
    /// The method (default `GET`), as passed to `fetch()`; normalized when building.
    pub fn method(mut self, method: impl Into<String>) -> Self {
        self.method = method.into();
        self
    }

    /// Appends a header the script sets, as `Headers.append` does.
    pub fn header(mut self, name: impl Into<String>, value: impl AsRef<[u8]>) -> Self {
        self.headers.push((name.into(), value.as_ref().to_vec()));
        self
    }

    /// The credentials mode (default `same-origin`).
    pub fn credentials(mut self, credentials: CredentialsMode) -> Self {
        self.credentials = credentials;
        self
    }

    /// The mode (default `cors`).
    pub fn mode(mut self, mode: RequestMode) -> Self {
        self.mode = mode;
        self
    }

    /// Marks the request as a Private Network Access request targeting `target` (Chrome's legacy
    /// PNA preflights, WICG Private Network Access "private network request"): the target is less public than the page. Such a request is
    /// always preflighted, the preflight carries `Access-Control-Request-Private-Network: true`
    /// and its response must carry `Access-Control-Allow-Private-Network: true`. Pages that are
    /// not secure contexts may not make them at all.
    pub fn private_network(mut self, target: AddressSpace) -> Self {
        self.private_network = Some(target);
        self
    }

    /// Sets the use-CORS-preflight flag (Fetch "request"), as `XMLHttpRequest` does when upload
    /// listeners are registered: a preflight even for a simple request.
    pub fn force_preflight(mut self, force: bool) -> Self {
        self.force_preflight = force;
        self
    }

    /// Lets `Access-Control-Allow-Headers: *` (without credentials) cover `Authorization`, as
    /// Chromium 148 and Firefox still do, against the Fetch Standard ("CORS non-wildcard
    /// request-header name"; Chromium postponed enforcing it). Default: `false`, the spec.
    pub fn wildcard_covers_authorization(mut self, yes: bool) -> Self {
        self.wildcard_covers_authorization = yes;
        self
    }

    /// The browser engine whose behaviour the request follows where engines differ (see
    /// [`BrowserProfile`]); also sets
    /// [`wildcard_covers_authorization`](Self::wildcard_covers_authorization) to the engine's.
    /// Default: [`BrowserProfile::chromium`], with the Fetch Standard's `Authorization` rule.
    ///
    /// ```
    /// use corsica::Origin;
    /// use corsica::browser::{AddressSpace, BrowserProfile, BrowserRequest, Engine};
    ///
    /// let request = BrowserRequest::builder(
    ///     Origin::parse("https://app.example").unwrap(),
    ///     "http://192.168.1.2/".parse().unwrap(),
    /// )
    /// .private_network(AddressSpace::Private)
    /// .profile(BrowserProfile::firefox())
    /// .build()
    /// .unwrap();
    /// assert_eq!(request.profile().engine(), Engine::Firefox);
    /// // Only Chromium sends Private Network Access preflights.
    /// assert!(!request.needs_preflight());
    /// ```
    pub fn profile(mut self, profile: BrowserProfile) -> Self {
        self.profile = profile;
        self.wildcard_covers_authorization = profile.wildcard_covers_authorization();
        self
    }

    /// The network partition key (Fetch "network partition key", the top-level site): preflight cache entries made
    /// under one key never serve another. Default: empty.
    pub fn partition_key(mut self, key: impl Into<String>) -> Self {
        self.partition_key = key.into();
        self
    }

    /// Checks and normalizes everything as `fetch()` does.
    ///
    /// # Errors
    ///
    /// A [`RequestError`] where `fetch()` throws a `TypeError`: a URL with credentials, a
    /// method that is not a token or is forbidden, a header name that is not a token, or a
    /// header value with NUL, CR or LF.
    pub fn build(self) -> Result<BrowserRequest, RequestError> {
        if !self.url.username().is_empty() || self.url.password().is_some() {
            return Err(RequestError::UrlIncludesCredentials {
                url: self.url.to_string(),
            });
        }
        if !is_token(self.method.as_bytes()) {
            return Err(RequestError::InvalidMethod {
                method: self.method,
            });
        }
        if is_forbidden_method(&self.method) {
            return Err(RequestError::ForbiddenMethod {
                method: self.method,
            });
        }
        let method = normalize_method(&self.method).into_owned();
        let mut headers: Vec<(String, Vec<u8>)> = Vec::with_capacity(self.headers.len());
        for (name, value) in self.headers {
            // Fetch Headers "append": normalize, validate, skip forbidden, then combine.
            let value = strip_http_whitespace(&value);
            if !is_token(name.as_bytes()) {
                return Err(RequestError::InvalidHeaderName { name });
            }
            if value.iter().any(|&b| matches!(b, 0 | b'\r' | b'\n')) {
                return Err(RequestError::InvalidHeaderValue { name });
            }
            if is_forbidden_request_header(&name, value) {
                continue;
            }
            match headers
                .iter_mut()
                .find(|(n, _)| n.eq_ignore_ascii_case(&name))
            {
                Some((_, existing)) => {
                    existing.extend_from_slice(b", ");
                    existing.extend_from_slice(value);
                }
                None => headers.push((name, value.to_vec())),
            }
        }
        Ok(BrowserRequest {
            origin: self.origin,
            initial_url: self.url,
            redirect_urls: Vec::new(),
            method,
            headers,
            credentials: self.credentials,
            mode: self.mode,
            // Private Network Access is Chromium's alone.
            private_network: self
                .private_network
                .filter(|_| self.profile.private_network_access()),
            force_preflight: self.force_preflight,
            partition_key: self.partition_key,
            tainted: false,
            cors_flag: false,
            wildcard_covers_authorization: self.wildcard_covers_authorization,
            profile: self.profile,
        })
    }
}

/// Strips leading and trailing HTTP whitespace bytes (TAB, LF, CR, SP): Fetch "normalize".
fn strip_http_whitespace(value: &[u8]) -> &[u8] {
    let ws = |b: &u8| matches!(b, b'\t' | b'\n' | b'\r' | b' ');
    let start = value.iter().position(|b| !ws(b)).unwrap_or(value.len());
    let end = value.iter().rposition(|b| !ws(b)).map_or(start, |i| i + 1);
    &value[start..end]
}

impl BrowserRequest {
    /// Starts a `GET` request from a page of `origin` to `url`, credentials mode `same-origin`,
    /// mode `cors`, no headers.
    pub fn builder(origin: Origin, url: Url) -> BrowserRequestBuilder {
        BrowserRequestBuilder {
            origin,
            url,
            method: "GET".to_string(),
            headers: Vec::new(),
            credentials: CredentialsMode::default(),
            mode: RequestMode::default(),
            private_network: None,
            force_preflight: false,
            partition_key: String::new(),
            wildcard_covers_authorization: false,
            profile: BrowserProfile::chromium(),
        }
    }

    /// The page's origin (the request's origin; HTML "origin" of the environment).
    pub fn origin(&self) -> &Origin {
        &self.origin
    }

    /// The current URL: the last of the URL list.
    pub fn url(&self) -> &Url {
        self.redirect_urls.last().unwrap_or(&self.initial_url)
    }

    /// The URL the page asked for: the first of the URL list.
    pub fn initial_url(&self) -> &Url {
        &self.initial_url
    }

    /// Every URL the request went to, redirects included (Fetch "URL list").
    pub fn url_list(&self) -> impl Iterator<Item = &Url> {
        std::iter::once(&self.initial_url).chain(&self.redirect_urls)
    }

    /// How many redirects were followed.
    pub fn redirect_count(&self) -> usize {
        self.redirect_urls.len()
    }

    /// The method, normalized.
    pub fn method(&self) -> &str {
        &self.method
    }

    /// The headers the script set that survived (forbidden ones dropped, duplicates combined), in
    /// order. The browser's own headers (`Origin`, `User-Agent`, `Sec-Fetch-*`…) are not here.
    pub fn headers(&self) -> &[(String, Vec<u8>)] {
        &self.headers
    }

    /// The value of the header named `name` (any case).
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_slice())
    }

    /// The credentials mode.
    pub fn credentials(&self) -> CredentialsMode {
        self.credentials
    }

    /// The mode.
    pub fn mode(&self) -> RequestMode {
        self.mode
    }

    /// The target address space of a Private Network Access request.
    pub fn private_network(&self) -> Option<AddressSpace> {
        self.private_network
    }

    /// Whether the use-CORS-preflight flag is set.
    pub fn force_preflight(&self) -> bool {
        self.force_preflight
    }

    /// Whether `Access-Control-Allow-Headers: *` covers `Authorization` for this request
    /// (see [`BrowserRequestBuilder::wildcard_covers_authorization`]).
    pub fn wildcard_covers_authorization(&self) -> bool {
        self.wildcard_covers_authorization
    }

    /// The engine the request follows where engines differ.
    pub fn profile(&self) -> &BrowserProfile {
        &self.profile
    }

    /// The network partition key.
    pub fn partition_key(&self) -> &str {
        &self.partition_key
    }

    /// Whether a redirect tainted the request's origin (Chromium's tainted-origin flag; Fetch
    /// "redirect-taint" other than `same-origin`): from then on `Origin` is `null`.
    pub fn is_tainted(&self) -> bool {
        self.tainted
    }

    /// "Serializing a request origin" (Fetch): `null` when the origin is opaque or tainted,
    /// otherwise the origin's serialization. What `Origin` carries and what
    /// `Access-Control-Allow-Origin` must equal.
    pub fn serialized_origin(&self) -> &str {
        if self.tainted {
            "null"
        } else {
            self.origin.as_str()
        }
    }

    /// The response tainting for the current URL (Fetch "main fetch"): `basic` for
    /// a `data:` URL or a URL same-origin with the page (as long as no earlier URL of the request
    /// was cross-origin), `cors` otherwise.
    pub fn response_tainting(&self) -> ResponseTainting {
        let url = self.url();
        if url.scheme() == "data" {
            return ResponseTainting::Basic;
        }
        if !self.cors_flag && self.origin.is_same_origin(&Origin::from_url(url)) {
            ResponseTainting::Basic
        } else {
            ResponseTainting::Cors
        }
    }

    /// Whether the CORS protocol applies to the current URL.
    pub fn uses_cors(&self) -> bool {
        self.response_tainting() == ResponseTainting::Cors
    }

    /// The CORS-unsafe request-header names of the request's headers (Fetch "CORS-unsafe
    /// request-header names"), as `Access-Control-Request-Headers` lists them: lower-cased,
    /// de-duplicated, sorted. Safelisted headers whose values add up to more than 1024 bytes
    /// count as unsafe too; forbidden request-headers are skipped, as Chromium does.
    pub fn cors_unsafe_header_names(&self) -> Vec<String> {
        cors_unsafe_request_header_names(self.headers.iter().map(|(n, v)| (n, v)))
    }

    /// The unsafe names in the order Chromium checks them.
    pub(crate) fn cors_unsafe_header_names_in_order(&self) -> Vec<String> {
        cors_unsafe_request_header_names_in_order(self.headers.iter().map(|(n, v)| (n, v)))
    }

    /// Whether the request needs a CORS preflight part (Fetch "main fetch"): the CORS protocol
    /// applies and the use-CORS-preflight flag is set, the method is not CORS-safelisted, or a
    /// header is CORS-unsafe.
    pub(crate) fn needs_cors_preflight(&self) -> bool {
        self.uses_cors()
            && (self.force_preflight
                || !is_cors_safelisted_method(&self.method)
                || !self.cors_unsafe_header_names_in_order().is_empty())
    }

    /// Whether the request needs a preflight, ignoring any cache: a CORS preflight (see
    /// [`response_tainting`](Self::response_tainting); the use-CORS-preflight flag, a method
    /// other than `GET`/`HEAD`/`POST`, or a CORS-unsafe header), or a Private Network Access
    /// one.
    ///
    /// ```
    /// use corsica::Origin;
    /// use corsica::browser::BrowserRequest;
    /// let origin = Origin::parse("https://app.example").unwrap();
    /// let simple = BrowserRequest::builder(origin.clone(), "https://api.example/".parse().unwrap())
    ///     .method("POST")
    ///     .header("Content-Type", "text/plain;charset=UTF-8")
    ///     .build()
    ///     .unwrap();
    /// assert!(!simple.needs_preflight());
    /// let same_origin = BrowserRequest::builder(origin, "https://app.example/x".parse().unwrap())
    ///     .method("DELETE")
    ///     .build()
    ///     .unwrap();
    /// assert!(!same_origin.needs_preflight());
    /// ```
    pub fn needs_preflight(&self) -> bool {
        self.needs_cors_preflight() || self.private_network.is_some()
    }

    /// Why the request needs a preflight (see [`needs_preflight`](Self::needs_preflight)):
    /// empty when it needs none.
    ///
    /// ```
    /// use corsica::Origin;
    /// use corsica::browser::{BrowserRequest, PreflightReason};
    /// let request = BrowserRequest::builder(
    ///     Origin::parse("https://app.example").unwrap(),
    ///     "https://api.example/".parse().unwrap(),
    /// )
    /// .method("PUT")
    /// .header("X-Api-Key", "k")
    /// .build()
    /// .unwrap();
    /// assert_eq!(
    ///     request.preflight_reasons(),
    ///     [
    ///         PreflightReason::Method("PUT".to_string()),
    ///         PreflightReason::Headers(vec!["x-api-key".to_string()]),
    ///     ]
    /// );
    /// ```
    pub fn preflight_reasons(&self) -> Vec<PreflightReason> {
        let mut reasons = Vec::new();
        if self.uses_cors() {
            if self.force_preflight {
                reasons.push(PreflightReason::Forced);
            }
            if !self.has_cors_safelisted_method() {
                reasons.push(PreflightReason::Method(self.method.clone()));
            }
            let names = self.cors_unsafe_header_names();
            if !names.is_empty() {
                reasons.push(PreflightReason::Headers(names));
            }
        }
        if let Some(target) = self.private_network {
            reasons.push(PreflightReason::PrivateNetwork(target));
        }
        reasons
    }

    /// Whether the method is a CORS-safelisted method (`GET`, `HEAD` or `POST`), which a
    /// preflight never needs to allow (Fetch "CORS-safelisted method").
    pub fn has_cors_safelisted_method(&self) -> bool {
        is_cors_safelisted_method(&self.method)
    }

    /// The headers of the preflight for this request, in the order Chromium sets them
    /// (`CreatePreflightRequest`; Fetch "CORS-preflight fetch" steps 2–5):
    ///
    /// - `Accept: */*`;
    /// - `Access-Control-Request-Method: <method>`;
    /// - `Access-Control-Request-Headers: <unsafe names joined by ",">`, left out when there are
    ///   none;
    /// - `Access-Control-Request-Private-Network: true` for a Private Network Access request;
    /// - `Origin: <serialized request origin>`.
    ///
    /// A preflight sent for Private Network Access alone (the request is otherwise simple) has
    /// no `Accept` and no `Access-Control-Request-Headers`, as in Chromium. The preflight goes to
    /// the current URL with method `OPTIONS` and never carries credentials. Browsers add their
    /// usual `User-Agent`, `Sec-Fetch-*` and `Referer` headers too.
    pub fn preflight_request(&self) -> Vec<(&'static str, String)> {
        let cors = self.needs_cors_preflight();
        let mut headers = Vec::with_capacity(5);
        if cors {
            headers.push(("Accept", "*/*".to_string()));
        }
        headers.push(("Access-Control-Request-Method", self.method.clone()));
        if cors {
            let names = self.cors_unsafe_header_names();
            if !names.is_empty() {
                headers.push(("Access-Control-Request-Headers", names.join(",")));
            }
        }
        if self.private_network.is_some() {
            headers.push(("Access-Control-Request-Private-Network", "true".to_string()));
        }
        headers.push(("Origin", self.preflight_origin().to_string()));
        headers
    }

    /// The origin a preflight sends and is checked against: the
    /// [serialized origin](Self::serialized_origin), except in Firefox, whose preflights keep
    /// the page's origin after a tainting redirect.
    pub(crate) fn preflight_origin(&self) -> &str {
        if self.profile.preflight_ignores_taint() {
            self.origin.as_str()
        } else {
            self.serialized_origin()
        }
    }

    /// The headers of the request itself as the browser sends it: the script's headers, then
    /// `Origin` when the CORS protocol applies or the method is neither `GET` nor `HEAD` (Fetch
    /// "append a request `Origin` header").
    pub fn request_headers(&self) -> Vec<(String, Vec<u8>)> {
        let mut headers = self.headers.clone();
        if self.uses_cors() || !matches!(self.method.as_str(), "GET" | "HEAD") {
            headers.push((
                "Origin".to_string(),
                self.serialized_origin().as_bytes().to_vec(),
            ));
        }
        headers
    }

    /// Whether cookies and HTTP authentication go with the request itself (Fetch
    /// "HTTP-network-or-cache fetch", includeCredentials): credentials mode `include`, or `same-origin` when the response
    /// tainting is `basic`. Preflights never carry them.
    pub fn includes_credentials(&self) -> bool {
        match self.credentials {
            CredentialsMode::Include => true,
            CredentialsMode::SameOrigin => self.response_tainting() == ResponseTainting::Basic,
            CredentialsMode::Omit => false,
        }
    }

    /// The request after a redirect to `location` (used by [`follow_redirect`](super::follow_redirect)).
    pub(crate) fn redirected(
        &self,
        location: Url,
        method: String,
        headers: Vec<(String, Vec<u8>)>,
        tainted: bool,
    ) -> Self {
        let mut next = self.clone();
        next.cors_flag = self.uses_cors();
        next.redirect_urls.push(location);
        next.method = method;
        next.headers = headers;
        next.tainted = tainted;
        next
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origin() -> Origin {
        Origin::parse("https://app.example").unwrap()
    }

    fn builder(url: &str) -> BrowserRequestBuilder {
        BrowserRequest::builder(origin(), url.parse().unwrap())
    }

    #[test]
    fn fetch_argument_errors() {
        assert!(matches!(
            builder("https://u:p@api.example/").build(),
            Err(RequestError::UrlIncludesCredentials { .. })
        ));
        assert!(matches!(
            builder("https://api.example/").method("trace").build(),
            Err(RequestError::ForbiddenMethod { .. })
        ));
        assert!(matches!(
            builder("https://api.example/").method("BAD METHOD").build(),
            Err(RequestError::InvalidMethod { .. })
        ));
        assert!(matches!(
            builder("https://api.example/").header("a b", "1").build(),
            Err(RequestError::InvalidHeaderName { .. })
        ));
        assert!(matches!(
            builder("https://api.example/").header("a", "1\n2").build(),
            Err(RequestError::InvalidHeaderValue { .. })
        ));
        let e = builder("https://api.example/")
            .method("TRACK")
            .build()
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "Failed to execute 'fetch' on 'Window': 'TRACK' HTTP method is unsupported."
        );
    }

    #[test]
    fn headers_are_normalized_filtered_and_combined() {
        let r = builder("https://api.example/")
            .header("X-Foo", " a\t")
            .header("Origin", "https://evil.example")
            .header("Sec-Fetch-Site", "none")
            .header("x-foo", "b")
            .header("Accept", "\r\n")
            .build()
            .unwrap();
        assert_eq!(
            r.headers(),
            [
                ("X-Foo".to_string(), b"a, b".to_vec()),
                ("Accept".to_string(), Vec::new())
            ]
        );
        assert_eq!(r.cors_unsafe_header_names(), ["x-foo"]);
        assert_eq!(r.header("x-FOO"), Some(&b"a, b"[..]));
    }

    #[test]
    fn tainting_and_origin() {
        let same = builder("https://app.example/x")
            .method("POST")
            .build()
            .unwrap();
        assert_eq!(same.response_tainting(), ResponseTainting::Basic);
        assert!(same.includes_credentials());
        assert_eq!(
            same.request_headers(),
            [("Origin".to_string(), b"https://app.example".to_vec())]
        );
        let get = builder("https://app.example/x").build().unwrap();
        assert!(get.request_headers().is_empty());
        let cross = builder("https://api.example/x").build().unwrap();
        assert_eq!(cross.response_tainting(), ResponseTainting::Cors);
        assert!(!cross.includes_credentials());
        let data = builder("data:,hello").build().unwrap();
        assert_eq!(data.response_tainting(), ResponseTainting::Basic);
        let opaque =
            BrowserRequest::builder(Origin::opaque(), "https://api.example/".parse().unwrap())
                .build()
                .unwrap();
        assert_eq!(opaque.serialized_origin(), "null");
        assert!(opaque.uses_cors());
    }

    #[test]
    fn preflight_headers() {
        let r = builder("https://api.example/")
            .header("x-b", "1")
            .header("X-A", "1")
            .header("Accept", "*/*")
            .build()
            .unwrap();
        assert_eq!(
            r.preflight_request(),
            [
                ("Accept", "*/*".to_string()),
                ("Access-Control-Request-Method", "GET".to_string()),
                ("Access-Control-Request-Headers", "x-a,x-b".to_string()),
                ("Origin", "https://app.example".to_string()),
            ]
        );
        let pna = builder("http://192.168.1.1/")
            .private_network(AddressSpace::Private)
            .build()
            .unwrap();
        assert!(pna.needs_preflight());
        assert_eq!(
            pna.preflight_request(),
            [
                ("Access-Control-Request-Method", "GET".to_string()),
                ("Access-Control-Request-Private-Network", "true".to_string()),
                ("Origin", "https://app.example".to_string()),
            ]
        );
    }
}
