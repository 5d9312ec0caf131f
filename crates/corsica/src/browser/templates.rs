//! What Firefox's and WebKit's consoles print for each CORS failure: one table per engine,
//! `{placeholder}`s filled in when rendering. (Chromium's texts, which have more moving parts,
//! are written out in `console.rs`.)
//!
//! Placeholders: `{url}` the URL the failure is reported at, `{origin}` the page's origin,
//! `{param}` the error's failed parameter, `{status}` the status of the response the failure
//! was found on (`(null)` when there was none).

use super::error::CorsErrorKind;
use super::profile::Engine;

/// One console text of one engine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Template {
    /// Firefox's reason code (the `security.properties` key), the message's console category.
    pub code: Option<&'static str>,
    /// The text, with placeholders.
    pub text: &'static str,
}

#[cfg(test)]
const FIREFOX_BLOCKED: &str = "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at ";

macro_rules! firefox {
    ($code:literal, $rest:literal) => {
        Template {
            code: Some($code),
            text: concat!(
                "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at ",
                $rest
            ),
        }
    };
}

const FF_MISSING_ALLOW_ORIGIN: Template = firefox!(
    "CORSMissingAllowOrigin2",
    "{url}. (Reason: CORS header \u{2018}Access-Control-Allow-Origin\u{2019} missing). Status code: {status}."
);
const FF_MULTIPLE_ALLOW_ORIGIN: Template = firefox!(
    "CORSMultipleAllowOriginNotAllowed",
    "{url}. (Reason: Multiple CORS header \u{2018}Access-Control-Allow-Origin\u{2019} not allowed)."
);
const FF_NOT_MATCHING: Template = firefox!(
    "CORSAllowOriginNotMatchingOrigin",
    "{url}. (Reason: CORS header \u{2018}Access-Control-Allow-Origin\u{2019} does not match \u{2018}{param}\u{2019})."
);
const FF_NOT_SUPPORTING_CREDENTIALS: Template = firefox!(
    "CORSNotSupportingCredentials",
    "\u{2018}{url}\u{2019}. (Reason: Credential is not supported if the CORS header \u{2018}Access-Control-Allow-Origin\u{2019} is \u{2018}*\u{2019})."
);
const FF_MISSING_ALLOW_CREDENTIALS: Template = firefox!(
    "CORSMissingAllowCredentials",
    "{url}. (Reason: expected \u{2018}true\u{2019} in CORS header \u{2018}Access-Control-Allow-Credentials\u{2019})."
);
const FF_PREFLIGHT_DID_NOT_SUCCEED: Template = firefox!(
    "CORSPreflightDidNotSucceed3",
    "{url}. (Reason: CORS preflight response did not succeed). Status code: {status}."
);
const FF_EXTERNAL_REDIRECT: Template = firefox!(
    "CORSExternalRedirectNotAllowed",
    "{url}. (Reason: CORS request external redirect not allowed)."
);
const FF_INVALID_ALLOW_METHOD: Template = firefox!(
    "CORSInvalidAllowMethod",
    "{url}. (Reason: invalid token \u{2018}{param}\u{2019} in CORS header \u{2018}Access-Control-Allow-Methods\u{2019})."
);
const FF_INVALID_ALLOW_HEADER: Template = firefox!(
    "CORSInvalidAllowHeader",
    "{url}. (Reason: invalid token \u{2018}{param}\u{2019} in CORS header \u{2018}Access-Control-Allow-Headers\u{2019})."
);
const FF_METHOD_NOT_FOUND: Template = firefox!(
    "CORSMethodNotFound",
    "{url}. (Reason: Did not find method in CORS header \u{2018}Access-Control-Allow-Methods\u{2019})."
);
const FF_MISSING_ALLOW_HEADER: Template = firefox!(
    "CORSMissingAllowHeaderFromPreflight2",
    "{url}. (Reason: header \u{2018}{param}\u{2019} is not allowed according to header \u{2018}Access-Control-Allow-Headers\u{2019} from CORS preflight response)."
);
const FF_REQUEST_NOT_HTTP: Template = firefox!(
    "CORSRequestNotHttp",
    "{url}. (Reason: CORS request not http)."
);
/// The line Firefox adds after every failed preflight: the request itself did not succeed.
pub(crate) const FF_DID_NOT_SUCCEED: Template = firefox!(
    "CORSDidNotSucceed2",
    "{url}. (Reason: CORS request did not succeed). Status code: {status}."
);
/// Firefox's warning when `Access-Control-Allow-Headers: *` let `Authorization` through.
pub(crate) const FF_AUTHORIZATION_UNDER_WILDCARD: Template = Template {
    code: Some("CORSAllowHeaderFromPreflightDeprecation"),
    text: "Cross-Origin Request Warning: The Same Origin Policy will disallow reading the remote resource at {url} soon. \
           (Reason: When the `Access-Control-Allow-Headers` is `*`, the `Authorization` header is not covered. To include \
           the `Authorization` header, it must be explicitly listed in CORS header `Access-Control-Allow-Headers`).",
};

const WK_ORIGIN_NOT_ALLOWED: Template = Template {
    code: None,
    text: "Origin {origin} is not allowed by Access-Control-Allow-Origin. Status code: {status}",
};
const WK_MORE_THAN_ONE_ORIGIN: Template = Template {
    code: None,
    text: "Access-Control-Allow-Origin cannot contain more than one origin.",
};
const WK_WILDCARD_WITH_CREDENTIALS: Template = Template {
    code: None,
    text: "Cannot use wildcard in Access-Control-Allow-Origin when credentials flag is true.",
};
const WK_CREDENTIALS: Template = Template {
    code: None,
    text: "Credentials flag is true, but Access-Control-Allow-Credentials is not \"true\".",
};
const WK_PREFLIGHT_STATUS: Template = Template {
    code: None,
    text: "Preflight response is not successful. Status code: {status}",
};
const WK_INVALID_ALLOW_METHODS: Template = Template {
    code: None,
    text: "Header Access-Control-Allow-Methods has an invalid value: {param}",
};
const WK_INVALID_ALLOW_HEADERS: Template = Template {
    code: None,
    text: "Header Access-Control-Allow-Headers has an invalid value: {param}",
};
const WK_METHOD: Template = Template {
    code: None,
    text: "Method {param} is not allowed by Access-Control-Allow-Methods.",
};
const WK_HEADER: Template = Template {
    code: None,
    text: "Request header field {param} is not allowed by Access-Control-Allow-Headers.",
};
/// WebKit's wrapper around a failure found on a redirect response: `{url}` is where the redirect
/// pointed (without a user name or password), `{param}` the reason.
pub(crate) const WK_REDIRECT_DENIED: Template = Template {
    code: None,
    text: "Cross-origin redirection to {url} denied by Cross-Origin Resource Sharing policy: {param}",
};
const WK_REDIRECT_CREDENTIALS: Template = Template {
    code: None,
    text: "redirection URL {url} has credentials",
};
const WK_REDIRECT_SCHEME: Template = Template {
    code: None,
    text: "not allowed to follow a cross-origin CORS redirection with non CORS scheme",
};
/// WebKit's line for a redirect to `ftp:`, which it never loads.
pub(crate) const WK_FTP_DISABLED: Template = Template {
    code: None,
    text: "FTP URLs are disabled",
};
/// WebKit's line for a fetch that redirected more than 20 times.
pub(crate) const WK_TOO_MANY_REDIRECTS: Template = Template {
    code: None,
    text: "Load cannot follow more than 20 redirections",
};
/// The line WebKit prints after every blocked `fetch()`.
pub(crate) const WK_CANNOT_LOAD: Template = Template {
    code: None,
    text: "Fetch API cannot load {url} due to access control checks.",
};

/// The text `engine` prints for `kind` (Firefox and WebKit; `None` for Chromium, whose texts
/// are in `console.rs`, and for kinds the engine never reports).
pub(crate) fn template(engine: Engine, kind: CorsErrorKind) -> Option<Template> {
    use CorsErrorKind::*;
    match engine {
        Engine::Chromium => None,
        Engine::Firefox => Some(match kind {
            MissingAllowOriginHeader | PreflightMissingAllowOriginHeader => FF_MISSING_ALLOW_ORIGIN,
            MultipleAllowOriginValues | PreflightMultipleAllowOriginValues => {
                FF_MULTIPLE_ALLOW_ORIGIN
            }
            AllowOriginMismatch
            | PreflightAllowOriginMismatch
            | InvalidAllowOriginValue
            | PreflightInvalidAllowOriginValue => FF_NOT_MATCHING,
            WildcardOriginNotAllowed | PreflightWildcardOriginNotAllowed => {
                FF_NOT_SUPPORTING_CREDENTIALS
            }
            InvalidAllowCredentials | PreflightInvalidAllowCredentials => {
                FF_MISSING_ALLOW_CREDENTIALS
            }
            PreflightInvalidStatus => FF_PREFLIGHT_DID_NOT_SUCCEED,
            PreflightDisallowedRedirect => FF_EXTERNAL_REDIRECT,
            InvalidAllowMethodsPreflightResponse => FF_INVALID_ALLOW_METHOD,
            InvalidAllowHeadersPreflightResponse => FF_INVALID_ALLOW_HEADER,
            MethodDisallowedByPreflightResponse => FF_METHOD_NOT_FOUND,
            HeaderDisallowedByPreflightResponse => FF_MISSING_ALLOW_HEADER,
            CorsDisabledScheme => FF_REQUEST_NOT_HTTP,
            RedirectContainsCredentials => FF_DID_NOT_SUCCEED,
            _ => return None,
        }),
        Engine::WebKit => Some(match kind {
            MissingAllowOriginHeader
            | PreflightMissingAllowOriginHeader
            | AllowOriginMismatch
            | PreflightAllowOriginMismatch
            | InvalidAllowOriginValue
            | PreflightInvalidAllowOriginValue => WK_ORIGIN_NOT_ALLOWED,
            MultipleAllowOriginValues | PreflightMultipleAllowOriginValues => {
                WK_MORE_THAN_ONE_ORIGIN
            }
            WildcardOriginNotAllowed | PreflightWildcardOriginNotAllowed => {
                WK_WILDCARD_WITH_CREDENTIALS
            }
            InvalidAllowCredentials | PreflightInvalidAllowCredentials => WK_CREDENTIALS,
            PreflightInvalidStatus | PreflightDisallowedRedirect => WK_PREFLIGHT_STATUS,
            InvalidAllowMethodsPreflightResponse => WK_INVALID_ALLOW_METHODS,
            InvalidAllowHeadersPreflightResponse => WK_INVALID_ALLOW_HEADERS,
            MethodDisallowedByPreflightResponse => WK_METHOD,
            HeaderDisallowedByPreflightResponse => WK_HEADER,
            RedirectContainsCredentials => WK_REDIRECT_CREDENTIALS,
            CorsDisabledScheme => WK_REDIRECT_SCHEME,
            _ => return None,
        }),
    }
}

/// Every template of Firefox and WebKit, for recognising a pasted line.
pub(crate) const ALL: &[(Engine, Template)] = &[
    (Engine::Firefox, FF_MISSING_ALLOW_ORIGIN),
    (Engine::Firefox, FF_MULTIPLE_ALLOW_ORIGIN),
    (Engine::Firefox, FF_NOT_MATCHING),
    (Engine::Firefox, FF_NOT_SUPPORTING_CREDENTIALS),
    (Engine::Firefox, FF_MISSING_ALLOW_CREDENTIALS),
    (Engine::Firefox, FF_PREFLIGHT_DID_NOT_SUCCEED),
    (Engine::Firefox, FF_EXTERNAL_REDIRECT),
    (Engine::Firefox, FF_INVALID_ALLOW_METHOD),
    (Engine::Firefox, FF_INVALID_ALLOW_HEADER),
    (Engine::Firefox, FF_METHOD_NOT_FOUND),
    (Engine::Firefox, FF_MISSING_ALLOW_HEADER),
    (Engine::Firefox, FF_REQUEST_NOT_HTTP),
    (Engine::Firefox, FF_DID_NOT_SUCCEED),
    (Engine::Firefox, FF_AUTHORIZATION_UNDER_WILDCARD),
    (Engine::WebKit, WK_ORIGIN_NOT_ALLOWED),
    (Engine::WebKit, WK_MORE_THAN_ONE_ORIGIN),
    (Engine::WebKit, WK_WILDCARD_WITH_CREDENTIALS),
    (Engine::WebKit, WK_CREDENTIALS),
    (Engine::WebKit, WK_PREFLIGHT_STATUS),
    (Engine::WebKit, WK_INVALID_ALLOW_METHODS),
    (Engine::WebKit, WK_INVALID_ALLOW_HEADERS),
    (Engine::WebKit, WK_METHOD),
    (Engine::WebKit, WK_HEADER),
    (Engine::WebKit, WK_REDIRECT_CREDENTIALS),
    (Engine::WebKit, WK_REDIRECT_SCHEME),
    (Engine::WebKit, WK_TOO_MANY_REDIRECTS),
    (Engine::WebKit, WK_FTP_DISABLED),
    (Engine::WebKit, WK_CANNOT_LOAD),
];

impl Template {
    /// The text with its placeholders filled in, in one pass (a value is never read as a
    /// placeholder).
    pub(crate) fn render(
        &self,
        url: &str,
        origin: &str,
        param: &str,
        status: Option<u16>,
    ) -> String {
        let status = status.map_or_else(|| "(null)".to_string(), |s| s.to_string());
        let mut out = String::with_capacity(self.text.len() + url.len() + param.len());
        let mut rest = self.text;
        while let Some(at) = rest.find('{') {
            out.push_str(&rest[..at]);
            rest = &rest[at..];
            let (value, len) = if rest.starts_with("{url}") {
                (url, 5)
            } else if rest.starts_with("{origin}") {
                (origin, 8)
            } else if rest.starts_with("{param}") {
                (param, 7)
            } else if rest.starts_with("{status}") {
                (status.as_str(), 8)
            } else {
                ("{", 1)
            };
            out.push_str(value);
            rest = &rest[len..];
        }
        out.push_str(rest);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn firefox_texts_start_alike() {
        for (engine, t) in ALL {
            if *engine == Engine::Firefox && t.code != FF_AUTHORIZATION_UNDER_WILDCARD.code {
                assert!(t.text.starts_with(FIREFOX_BLOCKED), "{t:?}");
            }
        }
    }
}
