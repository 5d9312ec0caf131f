//! The CORS-preflight check (Fetch "CORS-preflight fetch" steps 7–8), in Chromium's order
//! (`PreflightController`, `PreflightResult`), and Private Network Access's extra header (WICG
//! Private Network Access, "CORS preflight").

use super::cors_check::cors_check_traced;
use super::error::{CorsError, CorsErrorKind};
use super::mime::isomorphic_decode;
use super::profile::{BrowserProfile, Engine, PreflightOrder, RefusedHeader, webkit_knows_header};
use super::request::{BrowserRequest, CredentialsMode};
use super::response::{LOCATION, ResponseHead};
use super::trace::{Note, Rule, Stage};
use crate::header::{
    ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS,
    ACCESS_CONTROL_ALLOW_PRIVATE_NETWORK, ACCESS_CONTROL_MAX_AGE,
};
use crate::list;
use crate::method::is_cors_safelisted_method;

/// Seconds a preflight result is cached when the response has no usable
/// `Access-Control-Max-Age` (Fetch "HTTP responses" of the CORS protocol; every browser).
pub(crate) const DEFAULT_MAX_AGE: u64 = 5;

/// The longest Chromium caches a preflight result, in seconds (2 hours). Firefox caps at 86400,
/// WebKit at 600; see [`PreflightCache::with_max_age_cap`](super::PreflightCache::with_max_age_cap).
pub const CHROMIUM_MAX_AGE_CAP: u64 = 7200;

/// How an allow list of a [`PreflightResult`] reads a listed `*` (Fetch "CORS-preflight fetch"
/// steps 7.5–7.6).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Star {
    /// No `*` is listed.
    Absent,
    /// `*` is listed and stands for every method (or every header name but `Authorization`):
    /// the preflight was for a request without credentials.
    Wildcard,
    /// `*` is listed but is only a name: the preflight was for a request with credentials.
    Name,
}

/// What a successful preflight allows: the parsed `Access-Control-Allow-Methods` and
/// `Access-Control-Allow-Headers`, how long it may be cached, and whether it was made for a
/// request with credentials (then `*` is a literal name, not a wildcard).
///
/// Like Chromium's `PreflightResult`, methods keep their case (matching is byte-exact) and
/// header names are lower-cased (matching ignores case); both are sorted and de-duplicated.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct PreflightResult {
    /// The methods allowed, case preserved, sorted.
    pub methods: Vec<String>,
    /// The header names allowed, lower-cased, sorted.
    pub headers: Vec<String>,
    /// `Access-Control-Max-Age` as Chromium reads it, before any cap: an optional sign and
    /// decimal digits that fit a signed 64-bit integer; 5 seconds when absent or unparsable, 0
    /// (do not cache) when negative (which WPT `cors/preflight-cache.htm` expects, where the
    /// spec's `delta-seconds` would fall back to 5).
    pub max_age: u64,
    /// Whether the preflight was for a request with credentials mode `include`.
    pub credentials: bool,
    /// Whether the response allowed a Private Network Access request
    /// (`Access-Control-Allow-Private-Network: true`).
    pub private_network: bool,
}

impl PreflightResult {
    /// Parses the allow lists and max-age of a preflight `response`, for a request with
    /// `credentials` (Chromium `PreflightResult::Create`).
    ///
    /// # Errors
    ///
    /// [`InvalidAllowMethodsPreflightResponse`](CorsErrorKind::InvalidAllowMethodsPreflightResponse)
    /// or [`InvalidAllowHeadersPreflightResponse`](CorsErrorKind::InvalidAllowHeadersPreflightResponse)
    /// when an element of the list is not a token.
    pub fn parse(response: &ResponseHead, credentials: CredentialsMode) -> Result<Self, CorsError> {
        Self::parse_traced(
            &mut Stage::detached(),
            response,
            credentials,
            &BrowserProfile::chromium(),
            None,
        )
    }

    /// [`parse`](Self::parse), recording the two syntax checks in `stage`.
    fn parse_traced(
        stage: &mut Stage,
        response: &ResponseHead,
        credentials: CredentialsMode,
        profile: &BrowserProfile,
        method_first: Option<&BrowserRequest>,
    ) -> Result<Self, CorsError> {
        let list = |stage: &mut Stage, rule, name, lowercase, kind| {
            let value = response.get(name);
            let items = parse_allow_list(value.as_deref(), lowercase);
            let result = items.as_ref().map(|_| ()).map_err(|bad| {
                // What the console quotes: nothing (Chromium), the bad element (Firefox), the
                // whole value (WebKit).
                let quoted = match profile.engine() {
                    Engine::Chromium => String::new(),
                    Engine::Firefox => isomorphic_decode(bad),
                    Engine::WebKit => value.as_deref().map(isomorphic_decode).unwrap_or_default(),
                };
                CorsError::new(kind, quoted)
            });
            stage.check(
                rule,
                Some(name),
                value.as_deref(),
                "a comma-separated list of tokens",
                result.clone(),
            );
            result.map(|()| items.unwrap_or_default())
        };
        let methods = list(
            stage,
            Rule::AllowMethodsSyntax,
            ACCESS_CONTROL_ALLOW_METHODS,
            false,
            CorsErrorKind::InvalidAllowMethodsPreflightResponse,
        )?;
        if let Some(request) = method_first {
            // Firefox checks the method before it reads Access-Control-Allow-Headers.
            let allowed = allows_method(
                &methods,
                credentials == CredentialsMode::Include,
                request.method(),
            );
            record_method_check(stage, request, response, allowed)?;
        }
        let headers = list(
            stage,
            Rule::AllowHeadersSyntax,
            ACCESS_CONTROL_ALLOW_HEADERS,
            true,
            CorsErrorKind::InvalidAllowHeadersPreflightResponse,
        )?;
        Ok(PreflightResult {
            methods,
            headers,
            max_age: profile.max_age(response.get(ACCESS_CONTROL_MAX_AGE).as_deref()),
            credentials: credentials == CredentialsMode::Include,
            private_network: response
                .get(ACCESS_CONTROL_ALLOW_PRIVATE_NETWORK)
                .as_deref()
                == Some(b"true"),
        })
    }

    /// Whether `method` is allowed (Fetch "CORS-preflight fetch" step 7.5; Chromium
    /// `EnsureAllowedCrossOriginMethod`): listed byte for byte, or `GET`/`HEAD`/`POST`, or `*`
    /// is listed and the preflight was without credentials.
    ///
    /// # Errors
    ///
    /// [`MethodDisallowedByPreflightResponse`](CorsErrorKind::MethodDisallowedByPreflightResponse)
    /// quoting the method.
    pub fn check_method(&self, method: &str) -> Result<(), CorsError> {
        allows_method(&self.methods, self.credentials, method)
    }

    /// Whether the request's headers are allowed (Fetch "CORS-preflight fetch" steps 7.6–7.7; Chromium
    /// `EnsureAllowedCrossOriginHeaders`). Without credentials a listed `*` allows every header
    /// but `Authorization`, which must be listed by name; otherwise every CORS-unsafe header
    /// name must be listed (any case).
    ///
    /// # Errors
    ///
    /// [`HeaderDisallowedByPreflightResponse`](CorsErrorKind::HeaderDisallowedByPreflightResponse)
    /// quoting the first refused name, lower-cased, in the order of the request's headers.
    /// (When several are refused, Chromium names the first in the order of its internal header
    /// map, which is neither the script's order nor sorted; the verdict is the same.)
    pub fn check_headers(&self, request: &BrowserRequest) -> Result<(), CorsError> {
        let listed = |name: &str| self.headers.iter().any(|h| h == name);
        if !self.credentials && listed("*") {
            if request.header("authorization").is_some()
                && !listed("authorization")
                && !request.wildcard_covers_authorization()
            {
                return Err(CorsError::new(
                    CorsErrorKind::HeaderDisallowedByPreflightResponse,
                    "authorization",
                ));
            }
            return Ok(());
        }
        let names = match request.profile().refused_header() {
            RefusedHeader::ScriptOrder => request.cors_unsafe_header_names_in_order(),
            RefusedHeader::Sorted => request.cors_unsafe_header_names(),
            RefusedHeader::WebKitMapOrder => {
                let unsafe_names = request.cors_unsafe_header_names();
                let (known, other): (Vec<&String>, Vec<&String>) = request
                    .headers()
                    .iter()
                    .map(|(name, _)| name)
                    .filter(|name| unsafe_names.contains(&name.to_ascii_lowercase()))
                    .partition(|name| webkit_knows_header(name));
                return match known
                    .into_iter()
                    .chain(other)
                    .find(|name| !listed(&name.to_ascii_lowercase()))
                {
                    Some(name) => Err(CorsError::new(
                        CorsErrorKind::HeaderDisallowedByPreflightResponse,
                        name.clone(),
                    )),
                    None => Ok(()),
                };
            }
        };
        match names.into_iter().find(|name| !listed(name)) {
            Some(name) => Err(CorsError::new(
                CorsErrorKind::HeaderDisallowedByPreflightResponse,
                name,
            )),
            None => Ok(()),
        }
    }

    /// Whether `Access-Control-Allow-Headers: *` lets `request`'s `Authorization` through only
    /// because the request follows Chromium there
    /// ([`wildcard_covers_authorization`](super::BrowserRequestBuilder::wildcard_covers_authorization));
    /// the Fetch Standard requires it listed by name.
    pub fn allows_authorization_only_by_wildcard(&self, request: &BrowserRequest) -> bool {
        let listed = |name: &str| self.headers.iter().any(|h| h == name);
        request.wildcard_covers_authorization()
            && !self.credentials
            && listed("*")
            && request.header("authorization").is_some()
            && !listed("authorization")
    }

    /// The request header names this result refuses, in the order
    /// `Access-Control-Request-Headers` lists them (empty when [`check_headers`](Self::check_headers)
    /// passes).
    pub fn refused_headers(&self, request: &BrowserRequest) -> Vec<String> {
        let listed = |name: &str| self.headers.iter().any(|h| h == name);
        if !self.credentials && listed("*") {
            return match self.check_headers(request) {
                Ok(()) => Vec::new(),
                Err(_) => vec!["authorization".to_string()],
            };
        }
        request
            .cors_unsafe_header_names()
            .into_iter()
            .filter(|name| !listed(name))
            .collect()
    }

    /// A listed method equal to `method` but for case, if any: methods match byte for byte, so
    /// `patch` is not `PATCH`.
    pub fn method_in_other_case(&self, method: &str) -> Option<&str> {
        self.methods
            .iter()
            .find(|m| m.eq_ignore_ascii_case(method) && *m != method)
            .map(String::as_str)
    }

    /// How the `Access-Control-Allow-Methods` list reads a `*`.
    pub fn methods_star(&self) -> Star {
        self.star(&self.methods)
    }

    /// How the `Access-Control-Allow-Headers` list reads a `*`.
    pub fn headers_star(&self) -> Star {
        self.star(&self.headers)
    }

    fn star(&self, list: &[String]) -> Star {
        match (list.iter().any(|m| m == "*"), self.credentials) {
            (false, _) => Star::Absent,
            (true, false) => Star::Wildcard,
            (true, true) => Star::Name,
        }
    }

    /// Whether this result lets `request` go without a new preflight (Chromium
    /// `EnsureAllowedRequest`, the preflight cache's test): a result made without credentials
    /// does not serve a request with credentials, a Private Network Access request needs a result
    /// that allowed one, and the method and headers must pass.
    pub fn allows(&self, request: &BrowserRequest) -> bool {
        (self.credentials || request.credentials() != CredentialsMode::Include)
            && (self.private_network || request.private_network().is_none())
            && self.check_method(request.method()).is_ok()
            && self.check_headers(request).is_ok()
    }

    /// How long the result may be cached under a cap of `cap` seconds.
    pub fn cache_seconds(&self, cap: u64) -> u64 {
        self.max_age.min(cap)
    }
}

/// [`PreflightResult::check_method`] on a parsed `Access-Control-Allow-Methods`.
fn allows_method(methods: &[String], credentials: bool, method: &str) -> Result<(), CorsError> {
    let listed = |m: &str| methods.iter().any(|x| x == m);
    if listed(method) || is_cors_safelisted_method(method) || (!credentials && listed("*")) {
        Ok(())
    } else {
        Err(CorsError::new(
            CorsErrorKind::MethodDisallowedByPreflightResponse,
            method,
        ))
    }
}

/// Records the method check in `stage`.
fn record_method_check(
    stage: &mut Stage,
    request: &BrowserRequest,
    response: &ResponseHead,
    allowed: Result<(), CorsError>,
) -> Result<(), CorsError> {
    let method = request.method();
    stage.check(
        Rule::MethodAllowed {
            method: method.to_string(),
            safelisted: request.has_cors_safelisted_method(),
        },
        Some(ACCESS_CONTROL_ALLOW_METHODS),
        response.get(ACCESS_CONTROL_ALLOW_METHODS).as_deref(),
        method,
        allowed.clone(),
    );
    allowed
}

/// Parses an `Access-Control-Allow-Methods` / `-Headers` value as Chromium does: Fetch "get"
/// (lines joined with `", "`), split on `,`, spaces and tabs trimmed, empty elements skipped,
/// every other element a token. `None` on a non-token element.
fn parse_allow_list(value: Option<&[u8]>, lowercase: bool) -> Result<Vec<String>, Vec<u8>> {
    let mut items = Vec::new();
    if let Some(value) = value {
        for element in list::elements(value) {
            let element = element.map_err(<[u8]>::to_vec)?;
            let element = if lowercase {
                element.to_ascii_lowercase()
            } else {
                element.to_vec()
            };
            items.push(isomorphic_decode(&element));
        }
    }
    items.sort_unstable();
    items.dedup();
    Ok(items)
}

/// Reads `Access-Control-Max-Age` (already joined with Fetch "get") as Chromium does: an
/// optional sign and decimal digits that fit a signed 64-bit integer; anything else, and an
/// absent header, gives [`DEFAULT_MAX_AGE`]; a negative number gives 0 (do not cache).
///
/// The spec reads the header as `delta-seconds` (digits only) and falls back to 5 on failure,
/// which would cache `-1` for 5 seconds; WPT `cors/preflight-cache.htm` expects `-1` not to be
/// cached, as Chromium and Firefox do.
pub(crate) fn parse_max_age(value: Option<&[u8]>) -> u64 {
    let Some(value) = value else {
        return DEFAULT_MAX_AGE;
    };
    let (negative, digits) = match value {
        [b'-', rest @ ..] => (true, rest),
        [b'+', rest @ ..] => (false, rest),
        _ => (false, value),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return DEFAULT_MAX_AGE;
    }
    // Digits only, so the text is ASCII; `i64` bounds decide overflow as Chromium's do.
    let text: String = digits.iter().map(|&b| char::from(b)).collect();
    let parsed = if negative {
        format!("-{text}").parse::<i64>()
    } else {
        text.parse::<i64>()
    };
    match parsed {
        Ok(seconds) if seconds < 0 => 0,
        Ok(seconds) => seconds.unsigned_abs(),
        Err(_) => DEFAULT_MAX_AGE,
    }
}

/// The CORS-preflight check on `response`, the answer to `request`'s preflight, in Chromium's
/// order:
///
/// 1. a redirect (301, 302, 303, 307, 308 with `Location`):
///    [`PreflightDisallowedRedirect`](CorsErrorKind::PreflightDisallowedRedirect);
/// 2. the CORS check with the request's credentials mode, failures as `Preflight*` kinds — even
///    when the status is bad too;
/// 3. a status outside 200–299: [`PreflightInvalidStatus`](CorsErrorKind::PreflightInvalidStatus);
/// 4. for a Private Network Access request, `Access-Control-Allow-Private-Network` must be
///    exactly `true` ([`PreflightMissingAllowPrivateNetwork`](CorsErrorKind::PreflightMissingAllowPrivateNetwork),
///    [`PreflightInvalidAllowPrivateNetwork`](CorsErrorKind::PreflightInvalidAllowPrivateNetwork));
/// 5. `Access-Control-Allow-Methods` then `-Headers` must parse;
/// 6. the method, then (unless the preflight was for Private Network Access alone) the headers
///    must be allowed.
///
/// ```
/// use corsica::Origin;
/// use corsica::browser::{BrowserRequest, CorsErrorKind, ResponseHead, preflight_check};
///
/// let request = BrowserRequest::builder(
///     Origin::parse("https://app.example").unwrap(),
///     "https://api.example/data".parse().unwrap(),
/// )
/// .method("PUT")
/// .header("X-Foo", "1")
/// .build()
/// .unwrap();
///
/// let response = ResponseHead::new(204)
///     .header("Access-Control-Allow-Origin", "https://app.example")
///     .header("Access-Control-Allow-Methods", "GET, PUT")
///     .header("Access-Control-Allow-Headers", "x-foo")
///     .header("Access-Control-Max-Age", "600");
/// let result = preflight_check(&request, &response).unwrap();
/// assert_eq!(result.methods, ["GET", "PUT"]);
/// assert_eq!(result.max_age, 600);
///
/// let refused = ResponseHead::new(204)
///     .header("Access-Control-Allow-Origin", "https://app.example")
///     .header("Access-Control-Allow-Methods", "GET, POST");
/// let e = preflight_check(&request, &refused).unwrap_err();
/// assert_eq!(e.kind, CorsErrorKind::MethodDisallowedByPreflightResponse);
/// assert_eq!(e.failed_parameter, "PUT");
/// ```
///
/// # Errors
///
/// A [`CorsError`] of the kinds above.
pub fn preflight_check(
    request: &BrowserRequest,
    response: &ResponseHead,
) -> Result<PreflightResult, CorsError> {
    preflight_check_traced(&mut Stage::detached(), request, response)
}

/// [`preflight_check`], recording each check in `stage`.
pub(crate) fn preflight_check_traced(
    stage: &mut Stage,
    request: &BrowserRequest,
    response: &ResponseHead,
) -> Result<PreflightResult, CorsError> {
    let check_status = |stage: &mut Stage| {
        let status = if response.has_ok_status() {
            Ok(())
        } else {
            Err(CorsError::new(CorsErrorKind::PreflightInvalidStatus, ""))
        };
        stage.check(Rule::OkStatus, None, None, "200-299", status.clone());
        status
    };
    let check_redirect = |stage: &mut Stage| {
        let redirect = if response.is_redirect() {
            Err(CorsError::new(
                CorsErrorKind::PreflightDisallowedRedirect,
                "",
            ))
        } else {
            Ok(())
        };
        stage.check(
            Rule::PreflightNotRedirected,
            Some(LOCATION),
            response.get(LOCATION).as_deref(),
            "no redirect",
            redirect.clone(),
        );
        redirect
    };
    if response.is_redirect() {
        stage.notes.push(Note::PreflightRedirected);
    }
    match request.profile().preflight_order() {
        PreflightOrder::Chromium => {
            check_redirect(stage)?;
            cors_check_traced(stage, request, response, true)?;
            check_status(stage)?;
        }
        PreflightOrder::Firefox => {
            cors_check_traced(stage, request, response, true)?;
            check_redirect(stage)?;
            check_status(stage)?;
        }
        PreflightOrder::WebKit => {
            check_status(stage)?;
            cors_check_traced(stage, request, response, true)?;
        }
    }
    if let Some(target) = request.private_network() {
        let value = response.get(ACCESS_CONTROL_ALLOW_PRIVATE_NETWORK);
        let result = match value.as_deref() {
            None => Err(
                CorsError::new(CorsErrorKind::PreflightMissingAllowPrivateNetwork, "")
                    .with_address_spaces(Some(target), Some(target)),
            ),
            Some(value) if value != b"true" => Err(CorsError::new(
                CorsErrorKind::PreflightInvalidAllowPrivateNetwork,
                isomorphic_decode(value),
            )
            .with_address_spaces(Some(target), Some(target))),
            Some(_) => Ok(()),
        };
        stage.check(
            Rule::AllowPrivateNetwork,
            Some(ACCESS_CONTROL_ALLOW_PRIVATE_NETWORK),
            value.as_deref(),
            "true",
            result.clone(),
        );
        result?;
    }
    let firefox_order = request.profile().preflight_order() == PreflightOrder::Firefox;
    let result = PreflightResult::parse_traced(
        stage,
        response,
        request.credentials(),
        request.profile(),
        firefox_order.then_some(request),
    )?;
    if !firefox_order {
        record_method_check(
            stage,
            request,
            response,
            result.check_method(request.method()),
        )?;
    }
    // A preflight sent for Private Network Access alone does not check headers.
    if request.needs_cors_preflight() {
        let names = request.cors_unsafe_header_names();
        let allowed = result.check_headers(request);
        stage.check(
            Rule::HeadersAllowed {
                names: names.clone(),
            },
            Some(ACCESS_CONTROL_ALLOW_HEADERS),
            response.get(ACCESS_CONTROL_ALLOW_HEADERS).as_deref(),
            names.join(", "),
            allowed.clone(),
        );
        allowed?;
        if result.allows_authorization_only_by_wildcard(request) {
            stage.notes.push(Note::WildcardCoveredAuthorization);
        }
    }
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Origin;
    use crate::browser::AddressSpace;
    use CorsErrorKind::*;

    fn request(
        method: &str,
        headers: &[(&str, &str)],
        credentials: CredentialsMode,
    ) -> BrowserRequest {
        let mut b = BrowserRequest::builder(
            Origin::parse("https://app.example").unwrap(),
            "https://api.example/".parse().unwrap(),
        )
        .method(method)
        .credentials(credentials);
        for (n, v) in headers {
            b = b.header(*n, v);
        }
        b.build().unwrap()
    }

    fn ok_response(status: u16) -> ResponseHead {
        ResponseHead::new(status)
            .header("access-control-allow-origin", "https://app.example")
            .header("access-control-allow-credentials", "true")
    }

    fn kind(r: Result<PreflightResult, CorsError>) -> Option<CorsErrorKind> {
        r.err().map(|e| e.kind)
    }

    #[test]
    fn max_age_parsing() {
        for (value, want) in [
            (&b"0"[..], 0),
            (b"-0", 0),
            (b"+5", 5),
            (b"-5", 0),
            (b"7200", 7200),
            (b"9223372036854775807", i64::MAX as u64),
            (b"9223372036854775808", 5),
            (b"-9223372036854775808", 0),
            (b"-9223372036854775809", 5),
            (b"99999999999999999999999", 5),
            (b"abc", 5),
            (b"10, 20", 5),
            (b"-", 5),
            (b"+", 5),
            (b"+-1", 5),
            (b" 1", 5),
            (b"1 ", 5),
            (b"\x0b1", 5),
        ] {
            assert_eq!(
                parse_max_age(Some(value)),
                want,
                "{:?}",
                String::from_utf8_lossy(value)
            );
        }
        let r = PreflightResult::parse(
            &ResponseHead::new(200).header("access-control-max-age", "100000"),
            CredentialsMode::Omit,
        )
        .unwrap();
        assert_eq!(r.cache_seconds(CHROMIUM_MAX_AGE_CAP), 7200);
        assert_eq!(r.cache_seconds(86400), 86400);
    }

    #[test]
    fn allow_lists() {
        let r = PreflightResult::parse(
            &ResponseHead::new(200)
                .header("Access-Control-Allow-Methods", "put, PUT,,")
                .header("Access-Control-Allow-Methods", " get ")
                .header("Access-Control-Allow-Headers", ",y-lol,x-PriNT, ,,,Y-PRINT"),
            CredentialsMode::Omit,
        )
        .unwrap();
        assert_eq!(r.methods, ["PUT", "get", "put"]);
        assert_eq!(r.headers, ["x-print", "y-lol", "y-print"]);
        for (name, value, want) in [
            (
                "access-control-allow-methods",
                "GET PUT",
                InvalidAllowMethodsPreflightResponse,
            ),
            (
                "access-control-allow-methods",
                "Bad method name",
                InvalidAllowMethodsPreflightResponse,
            ),
            (
                "access-control-allow-headers",
                "x-a, header name with space",
                InvalidAllowHeadersPreflightResponse,
            ),
            (
                "access-control-allow-headers",
                "\"x\"",
                InvalidAllowHeadersPreflightResponse,
            ),
            (
                "access-control-allow-headers",
                "x-a\x0b",
                InvalidAllowHeadersPreflightResponse,
            ),
        ] {
            let e = PreflightResult::parse(
                &ResponseHead::new(200).header(name, value),
                CredentialsMode::Omit,
            )
            .unwrap_err();
            assert_eq!(e.kind, want, "{value:?}");
        }
    }

    #[test]
    fn order_of_checks() {
        let put = request("PUT", &[], CredentialsMode::Include);
        // A redirect wins over everything.
        assert_eq!(
            kind(preflight_check(
                &put,
                &ResponseHead::new(301).header("Location", "/x")
            )),
            Some(PreflightDisallowedRedirect)
        );
        // Without Location, a 3xx is just not ok.
        assert_eq!(
            kind(preflight_check(&put, &ok_response(301))),
            Some(PreflightInvalidStatus)
        );
        // The CORS check comes before the status.
        assert_eq!(
            kind(preflight_check(&put, &ResponseHead::new(500))),
            Some(PreflightMissingAllowOriginHeader)
        );
        assert_eq!(
            kind(preflight_check(&put, &ok_response(404))),
            Some(PreflightInvalidStatus)
        );
        // Parse errors come before the method check, even for a safelisted method.
        let get = request(
            "GET",
            &[("x-force-preflight", "")],
            CredentialsMode::Include,
        );
        let r = ok_response(200)
            .header("Access-Control-Allow-Headers", "x-force-preflight")
            .header("Access-Control-Allow-Methods", "Bad method name");
        assert_eq!(
            kind(preflight_check(&get, &r)),
            Some(InvalidAllowMethodsPreflightResponse)
        );
        // Method before headers.
        let both = request("PATCH", &[("x-a", "1")], CredentialsMode::Include);
        assert_eq!(
            kind(preflight_check(&both, &ok_response(200))),
            Some(MethodDisallowedByPreflightResponse)
        );
    }

    #[test]
    fn wildcards() {
        let star = |cred: CredentialsMode| {
            let r = ResponseHead::new(200)
                .header(
                    "access-control-allow-origin",
                    if cred == CredentialsMode::Include {
                        "https://app.example"
                    } else {
                        "*"
                    },
                )
                .header("access-control-allow-credentials", "true")
                .header("access-control-allow-methods", "*")
                .header("access-control-allow-headers", "*");
            move |method: &str, headers: &[(&str, &str)]| {
                preflight_check(&request(method, headers, cred), &r).err()
            }
        };
        let anonymous = star(CredentialsMode::Omit);
        assert!(anonymous("OK", &[("X-Test", "1")]).is_none());
        let e = anonymous("POST", &[("Authorization", "123")]).unwrap();
        assert_eq!(
            (e.kind, e.failed_parameter.as_str()),
            (HeaderDisallowedByPreflightResponse, "authorization")
        );
        let credentialed = star(CredentialsMode::Include);
        let e = credentialed("OK", &[("X-Test", "1")]).unwrap();
        assert_eq!(
            (e.kind, e.failed_parameter.as_str()),
            (MethodDisallowedByPreflightResponse, "OK")
        );
        let e = credentialed("GET", &[("X-Test", "1")]).unwrap();
        assert_eq!(
            (e.kind, e.failed_parameter.as_str()),
            (HeaderDisallowedByPreflightResponse, "x-test")
        );
        assert!(credentialed("*", &[("*", "1")]).is_none());
    }

    #[test]
    fn first_failing_header_in_request_order() {
        let r = request(
            "GET",
            &[("X-Zed", "1"), ("X-Alpha", "1"), ("x-mid", "1")],
            CredentialsMode::Omit,
        );
        let response = ResponseHead::new(200)
            .header("access-control-allow-origin", "*")
            .header("access-control-allow-headers", "x-mid");
        let e = preflight_check(&r, &response).unwrap_err();
        assert_eq!(e.failed_parameter, "x-zed");
    }

    #[test]
    fn private_network() {
        let r = BrowserRequest::builder(
            Origin::parse("https://app.example").unwrap(),
            "http://10.0.0.1/".parse().unwrap(),
        )
        .private_network(AddressSpace::Private)
        .build()
        .unwrap();
        let base = ResponseHead::new(200).header("access-control-allow-origin", "*");
        let e = preflight_check(&r, &base).unwrap_err();
        assert_eq!(e.kind, PreflightMissingAllowPrivateNetwork);
        assert_eq!(e.target_address_space, Some(AddressSpace::Private));
        let e = preflight_check(
            &r,
            &base
                .clone()
                .header("access-control-allow-private-network", "True"),
        )
        .unwrap_err();
        assert_eq!(
            (e.kind, e.failed_parameter.as_str()),
            (PreflightInvalidAllowPrivateNetwork, "True")
        );
        let ok = preflight_check(
            &r,
            &base.header("access-control-allow-private-network", "true"),
        )
        .unwrap();
        assert!(ok.private_network);
    }

    #[test]
    fn max_age_as_documented() {
        assert_eq!(parse_max_age(None), 5);
        assert_eq!(parse_max_age(Some(b"600")), 600);
        assert_eq!(parse_max_age(Some(b"86400")), 86400); // no cap here
        assert_eq!(parse_max_age(Some(b"-1")), 0);
        assert_eq!(parse_max_age(Some(b"")), 5);
        assert_eq!(parse_max_age(Some(b"1.5")), 5);
    }
}
