//! The text Chromium's console prints for a blocked fetch (Blink `cors_error_string.cc`,
//! `fetch_manager.cc`), worded per initiating API.

use super::address_space::AddressSpace;
use super::error::{CorsError, CorsErrorKind};
use super::profile::Engine;
use super::templates;

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
/// is what Chromium 156 (Debian) prints, checked by `corsica-cli/tests/chromium_check.rs`
/// (Chromium 148 did not list `chrome-experimental-site-token-provider`).
const CORS_ENABLED_SCHEMES: [&str; 8] = [
    "chrome",
    "chrome-experimental-site-token-provider",
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

impl CorsError {
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

impl CorsError {
    /// Firefox's reason code for this error (the `security.properties` key its console files
    /// the message under, and the name of MDN's page about it), `None` for Chromium and WebKit,
    /// which have none.
    ///
    /// ```
    /// use corsica::browser::{CorsError, CorsErrorKind, Engine};
    /// let e = CorsError::new(CorsErrorKind::MissingAllowOriginHeader, "");
    /// assert_eq!(e.reason_code(Engine::Firefox), Some("CORSMissingAllowOrigin2"));
    /// assert_eq!(e.reason_code(Engine::WebKit), None);
    /// ```
    pub fn reason_code(&self, engine: Engine) -> Option<&'static str> {
        templates::template(engine, self.kind).and_then(|t| t.code)
    }

    /// The lines `engine`'s console prints for this error, in order (see
    /// [`Verdict::console_lines`](super::Verdict::console_lines)).
    pub(crate) fn console_lines(&self, engine: Engine, at: &Reported<'_>) -> Vec<String> {
        use CorsErrorKind::*;
        let Some(template) = templates::template(engine, self.kind) else {
            return match engine {
                Engine::Chromium => {
                    vec![self.console_message(at.url, at.redirected_from, at.origin)]
                }
                _ => Vec::new(),
            };
        };
        let param = match engine {
            // Firefox reads header bytes as UTF-8 where Chromium and Fetch read one char per byte.
            Engine::Firefox => utf8_if_possible(&self.failed_parameter),
            _ => self.failed_parameter.clone(),
        };
        let line = |t: templates::Template, url: &str, param: &str, status| {
            t.render(url, at.request_origin, param, status)
        };
        let first = match (engine, &at.redirect_to) {
            (Engine::WebKit, _)
                if self.kind == CorsDisabledScheme && self.failed_parameter == "ftp" =>
            {
                line(templates::WK_FTP_DISABLED, at.url, "", None)
            }
            // WebKit names the location of a redirect it refused, and the origin as sent.
            (Engine::WebKit, Some((shown, full))) => {
                let reason = line(template, full, &param, at.status);
                line(templates::WK_REDIRECT_DENIED, shown, &reason, None)
            }
            (Engine::WebKit, None) => line(template, at.url, &param, at.status),
            // "did not succeed" lines give no status.
            _ if template == templates::FF_DID_NOT_SUCCEED => {
                template.render(at.url, at.origin, "", None)
            }
            _ => template.render(at.url, at.origin, &param, at.status),
        };
        let mut lines = vec![first];
        let did_not_succeed = || line(templates::FF_DID_NOT_SUCCEED, at.url, "", None);
        match engine {
            Engine::Firefox
                if at.preflight_redirected && self.kind == PreflightDisallowedRedirect =>
            {
                if let Some(t) = templates::template(engine, PreflightInvalidStatus) {
                    lines.push(line(t, at.url, "", at.status));
                }
                lines.push(did_not_succeed());
            }
            Engine::Firefox if at.preflight_redirected && self.kind.arises_in_preflight() => {
                lines.push(did_not_succeed());
                lines.push(did_not_succeed());
            }
            Engine::Firefox if self.kind.arises_in_preflight() => lines.push(did_not_succeed()),
            // A failure on a redirect: the request that redirected did not succeed either
            // (Firefox reports a refused user name or password with that line alone).
            Engine::Firefox
                if at.redirect_to.is_some() && self.kind != RedirectContainsCredentials =>
            {
                lines.push(line(templates::FF_DID_NOT_SUCCEED, at.stage_url, "", None));
            }
            Engine::WebKit => lines.push(line(templates::WK_CANNOT_LOAD, at.url, "", None)),
            _ => {}
        }
        lines
    }
}

/// Where and on what an error was reported, for the engines' console texts.
pub(crate) struct Reported<'a> {
    /// The URL the console names.
    pub url: &'a str,
    /// The first URL, when a redirect changed it.
    pub redirected_from: Option<&'a str>,
    /// The page's origin.
    pub origin: &'a str,
    /// The URL of the request whose response the failure was found on.
    pub stage_url: &'a str,
    /// The origin the request sent (`null` once a redirect tainted it), which WebKit prints.
    pub request_origin: &'a str,
    /// When the failure was found on a redirect response: where it pointed, as WebKit shows it
    /// (without a user name or password) and in full.
    pub redirect_to: Option<(String, String)>,
    /// The status of the response the failure was found on.
    pub status: Option<u16>,
    /// Whether that response was a preflight answered with a redirect.
    pub preflight_redirected: bool,
}

/// A failed parameter (one char per byte) read as UTF-8.
fn utf8_if_possible(isomorphic: &str) -> String {
    let bytes: Option<Vec<u8>> = isomorphic
        .chars()
        .map(|c| u8::try_from(u32::from(c)).ok())
        .collect();
    // Bytes that are not UTF-8 become U+FFFD, as Firefox shows them.
    bytes.map_or_else(
        || isomorphic.to_string(),
        |b| String::from_utf8_lossy(&b).into_owned(),
    )
}

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

#[cfg(test)]
mod tests {
    use super::*;

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
        assert!(
            e.console_message_for(
                Initiator::XmlHttpRequest,
                "ftp://b.example/x",
                None,
                "https://a.example"
            )
            .ends_with(
                "Cross origin requests are only supported for protocol schemes: chrome, \
             chrome-experimental-site-token-provider, chrome-extension, \
             chrome-untrusted, data, http, https, isolated-app."
            )
        );
    }
}
