//! The CORS check (Fetch "CORS check"), with Chromium's classification of failures
//! (`network::cors::CheckAccess`).

use super::error::{CorsError, CorsErrorKind};
use super::mime::isomorphic_decode;
use super::profile::AllowOriginClasses;
use super::request::{BrowserRequest, CredentialsMode};
use super::response::ResponseHead;
use super::trace::{Rule, Stage};
use crate::header::{ACCESS_CONTROL_ALLOW_CREDENTIALS, ACCESS_CONTROL_ALLOW_ORIGIN};

/// The CORS check on an actual response (or a redirect response) to `request`: whether the
/// page may read it.
///
/// Reads `Access-Control-Allow-Origin` and `Access-Control-Allow-Credentials` with Fetch "get"
/// (several lines are joined with `", "`), and compares with the request's serialized origin
/// (`null` when opaque or tainted). Failures are classified as Chromium does
/// (`network::cors::CheckAccess`):
///
/// 1. `Access-Control-Allow-Origin` is `*`: success unless credentials mode is `include`
///    ([`WildcardOriginNotAllowed`](CorsErrorKind::WildcardOriginNotAllowed)).
/// 2. absent: [`MissingAllowOriginHeader`](CorsErrorKind::MissingAllowOriginHeader).
/// 3. not byte-for-byte the serialized origin:
///    - it contains a space or a comma:
///      [`MultipleAllowOriginValues`](CorsErrorKind::MultipleAllowOriginValues);
///    - it is `null`: [`AllowOriginMismatch`](CorsErrorKind::AllowOriginMismatch);
///    - it is not a URL (WHATWG URL parser, as the `url` crate implements it):
///      [`InvalidAllowOriginValue`](CorsErrorKind::InvalidAllowOriginValue);
///    - otherwise [`AllowOriginMismatch`](CorsErrorKind::AllowOriginMismatch);
///
///    each quoting the value.
/// 4. credentials mode `include` and `Access-Control-Allow-Credentials` is not exactly `true`:
///    [`InvalidAllowCredentials`](CorsErrorKind::InvalidAllowCredentials), quoting the value (or
///    nothing when absent).
///
/// ```
/// use corsica::Origin;
/// use corsica::browser::{BrowserRequest, CorsErrorKind, CredentialsMode, ResponseHead, cors_check};
///
/// let request = BrowserRequest::builder(
///     Origin::parse("https://app.example").unwrap(),
///     "https://api.example/data".parse().unwrap(),
/// )
/// .credentials(CredentialsMode::Include)
/// .build()
/// .unwrap();
///
/// let ok = ResponseHead::new(200)
///     .header("Access-Control-Allow-Origin", "https://app.example")
///     .header("Access-Control-Allow-Credentials", "true");
/// assert!(cors_check(&request, &ok).is_ok());
///
/// let star = ResponseHead::new(200)
///     .header("Access-Control-Allow-Origin", "*")
///     .header("Access-Control-Allow-Credentials", "true");
/// assert_eq!(cors_check(&request, &star).unwrap_err().kind, CorsErrorKind::WildcardOriginNotAllowed);
/// ```
///
/// # Errors
///
/// A [`CorsError`] of the kinds above.
pub fn cors_check(request: &BrowserRequest, response: &ResponseHead) -> Result<(), CorsError> {
    cors_check_traced(&mut Stage::detached(), request, response, false)
}

/// [`cors_check`], recording each check in `stage`; on a preflight response (`preflight`),
/// failures take the `Preflight*` kinds (`AllowOriginMismatch` → `PreflightAllowOriginMismatch`,
/// …), the credentials mode used being the actual request's (Fetch "CORS-preflight fetch" step
/// 7).
pub(crate) fn cors_check_traced(
    stage: &mut Stage,
    request: &BrowserRequest,
    response: &ResponseHead,
    preflight: bool,
) -> Result<(), CorsError> {
    let as_kind = |mut e: CorsError| {
        if preflight {
            e.kind = e.kind.to_preflight();
        }
        e
    };
    let include = request.credentials() == CredentialsMode::Include;
    let origin = if preflight {
        request.preflight_origin()
    } else {
        request.serialized_origin()
    };
    let allow_origin = response.get(ACCESS_CONTROL_ALLOW_ORIGIN);
    let lines = response.lines(ACCESS_CONTROL_ALLOW_ORIGIN).count();
    let result = check_allow_origin(allow_origin.as_deref(), include, origin)
        .map_err(|e| classify(e, request.profile().allow_origin_classes(), lines))
        .map_err(as_kind);
    stage.check(
        Rule::AllowOrigin,
        Some(ACCESS_CONTROL_ALLOW_ORIGIN),
        allow_origin.as_deref(),
        origin,
        result.clone(),
    );
    result?;
    if include {
        let allow_credentials = response.get(ACCESS_CONTROL_ALLOW_CREDENTIALS);
        let result = check_allow_credentials(allow_credentials.as_deref()).map_err(as_kind);
        stage.check(
            Rule::AllowCredentials,
            Some(ACCESS_CONTROL_ALLOW_CREDENTIALS),
            allow_credentials.as_deref(),
            "true",
            result.clone(),
        );
        result?;
    }
    Ok(())
}

/// The CORS check on raw header values, classified as [`cors_check`] says.
#[cfg(test)]
pub(crate) fn check_access(
    allow_origin: Option<&[u8]>,
    allow_credentials: Option<&[u8]>,
    credentials: CredentialsMode,
    serialized_origin: &str,
) -> Result<(), CorsError> {
    let include = credentials == CredentialsMode::Include;
    check_allow_origin(allow_origin, include, serialized_origin)?;
    if include {
        check_allow_credentials(allow_credentials)?;
    }
    Ok(())
}

/// Steps 1–3 of [`cors_check`]'s classification.
fn check_allow_origin(
    allow_origin: Option<&[u8]>,
    include: bool,
    serialized_origin: &str,
) -> Result<(), CorsError> {
    let Some(allow_origin) = allow_origin else {
        return Err(CorsError::new(CorsErrorKind::MissingAllowOriginHeader, ""));
    };
    if allow_origin == b"*" {
        return if include {
            Err(CorsError::new(CorsErrorKind::WildcardOriginNotAllowed, ""))
        } else {
            Ok(())
        };
    }
    if allow_origin != serialized_origin.as_bytes() {
        let value = isomorphic_decode(allow_origin);
        let kind = if allow_origin.iter().any(|&b| b == b' ' || b == b',') {
            CorsErrorKind::MultipleAllowOriginValues
        } else if allow_origin == b"null" {
            CorsErrorKind::AllowOriginMismatch
        } else if url::Url::parse(&value).is_err() {
            CorsErrorKind::InvalidAllowOriginValue
        } else {
            CorsErrorKind::AllowOriginMismatch
        };
        return Err(CorsError::new(kind, value));
    }
    Ok(())
}

/// Re-classifies a failure of steps 1–3 (Chromium's kinds) as another engine tells them
/// apart; `lines` is how many `Access-Control-Allow-Origin` lines the response had. The verdict
/// never changes, only the kind.
fn classify(e: CorsError, classes: AllowOriginClasses, lines: usize) -> CorsError {
    use CorsErrorKind::*;
    let kind = match (classes, e.kind) {
        (AllowOriginClasses::Chromium, kind) => kind,
        // Firefox counts header lines before anything else, and has no "invalid value".
        (AllowOriginClasses::Firefox, _) if lines > 1 => MultipleAllowOriginValues,
        (AllowOriginClasses::Firefox, MultipleAllowOriginValues | InvalidAllowOriginValue) => {
            AllowOriginMismatch
        }
        // WebKit looks for a comma only; a space is just a value that does not match.
        (AllowOriginClasses::WebKit, MultipleAllowOriginValues)
            if !e.failed_parameter.contains(',') =>
        {
            AllowOriginMismatch
        }
        (AllowOriginClasses::WebKit, InvalidAllowOriginValue) => AllowOriginMismatch,
        (_, kind) => kind,
    };
    CorsError { kind, ..e }
}

/// Step 4 of [`cors_check`]'s classification, for credentials mode `include`.
fn check_allow_credentials(allow_credentials: Option<&[u8]>) -> Result<(), CorsError> {
    if allow_credentials != Some(b"true") {
        return Err(CorsError::new(
            CorsErrorKind::InvalidAllowCredentials,
            allow_credentials.map(isomorphic_decode).unwrap_or_default(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use CorsErrorKind::*;

    const O: &str = "http://web-platform.test:8000";

    fn kind(acao: &str) -> Option<CorsErrorKind> {
        check_access(Some(acao.as_bytes()), None, CredentialsMode::SameOrigin, O)
            .err()
            .map(|e| e.kind)
    }

    /// WPT `cors/origin.htm` values and the kinds Chromium's classification
    /// gives them with a WHATWG URL parser.
    #[test]
    fn allow_origin_classification() {
        let o = |suffix: &str| format!("{O}{suffix}");
        for (value, want) in [
            ("*".to_string(), None),
            (o(""), None),
            (
                "http://www1.web-platform.test:8000".into(),
                Some(AllowOriginMismatch),
            ),
            (
                "//web-platform.test:8000".into(),
                Some(InvalidAllowOriginValue),
            ),
            (
                "://web-platform.test:8000".into(),
                Some(InvalidAllowOriginValue),
            ),
            (
                "ftp://web-platform.test:8000".into(),
                Some(AllowOriginMismatch),
            ),
            (
                "http:://web-platform.test:8000".into(),
                Some(InvalidAllowOriginValue),
            ),
            (
                "http:/web-platform.test:8000".into(),
                Some(AllowOriginMismatch),
            ),
            (
                "http:web-platform.test:8000".into(),
                Some(AllowOriginMismatch),
            ),
            ("web-platform.test:8000".into(), Some(AllowOriginMismatch)),
            (o("?"), Some(AllowOriginMismatch)),
            (o("/"), Some(AllowOriginMismatch)),
            (o(" /"), Some(MultipleAllowOriginValues)),
            (o("#"), Some(AllowOriginMismatch)),
            (o("%23"), Some(InvalidAllowOriginValue)),
            (o(":80"), Some(InvalidAllowOriginValue)),
            (o(", *"), Some(MultipleAllowOriginValues)),
            (O.to_uppercase(), Some(AllowOriginMismatch)),
            (
                "HTTP://web-platform.test:8000".into(),
                Some(AllowOriginMismatch),
            ),
            ("-".into(), Some(InvalidAllowOriginValue)),
            ("**".into(), Some(InvalidAllowOriginValue)),
            (",*".into(), Some(MultipleAllowOriginValues)),
            ("*,".into(), Some(MultipleAllowOriginValues)),
            ("\u{b}*".into(), Some(InvalidAllowOriginValue)),
            ("\u{c}*".into(), Some(InvalidAllowOriginValue)),
            ("*\u{b}".into(), Some(InvalidAllowOriginValue)),
            ("*\u{c}".into(), Some(InvalidAllowOriginValue)),
            ("'*'".into(), Some(InvalidAllowOriginValue)),
            ("\"*\"".into(), Some(InvalidAllowOriginValue)),
            ("* *".into(), Some(MultipleAllowOriginValues)),
            ("* null".into(), Some(MultipleAllowOriginValues)),
            ("*http://*".into(), Some(InvalidAllowOriginValue)),
            (format!("*{O}"), Some(InvalidAllowOriginValue)),
            (format!("* {O}"), Some(MultipleAllowOriginValues)),
            ("http://example.net".into(), Some(AllowOriginMismatch)),
            ("null".into(), Some(AllowOriginMismatch)),
            (String::new(), Some(InvalidAllowOriginValue)),
            (o("/cors/origin.htm"), Some(AllowOriginMismatch)),
            ("test:8000".into(), Some(AllowOriginMismatch)),
            ("http://test:8000".into(), Some(AllowOriginMismatch)),
            (".test:8000".into(), Some(InvalidAllowOriginValue)),
            ("*.test:8000".into(), Some(InvalidAllowOriginValue)),
        ] {
            assert_eq!(kind(&value), want, "{value:?}");
        }
    }

    #[test]
    fn credentials() {
        let check = |acao: &str, acac: Option<&str>| {
            check_access(
                Some(acao.as_bytes()),
                acac.map(str::as_bytes),
                CredentialsMode::Include,
                O,
            )
        };
        assert!(check(O, Some("true")).is_ok());
        for bad in ["TRUE", "True", "\"true\"", "false", "1", "0", "true, true"] {
            let e = check(O, Some(bad)).unwrap_err();
            assert_eq!(
                (e.kind, e.failed_parameter.as_str()),
                (InvalidAllowCredentials, bad)
            );
        }
        let e = check(O, None).unwrap_err();
        assert_eq!(
            (e.kind, e.failed_parameter.as_str()),
            (InvalidAllowCredentials, "")
        );
        assert_eq!(
            check("*", Some("true")).unwrap_err().kind,
            WildcardOriginNotAllowed
        );
        // Without credentials, ACAC is not looked at.
        assert!(check_access(Some(b"*"), Some(b"nope"), CredentialsMode::Omit, O).is_ok());
    }

    #[test]
    fn null_origin() {
        assert!(check_access(Some(b"null"), None, CredentialsMode::Omit, "null").is_ok());
        let e = check_access(None, None, CredentialsMode::Omit, "null").unwrap_err();
        assert_eq!(e.kind, MissingAllowOriginHeader);
    }

    #[test]
    fn non_utf8_values_are_quoted_byte_for_byte() {
        let e =
            check_access(Some(b"http://\xff.example"), None, CredentialsMode::Omit, O).unwrap_err();
        assert_eq!(e.failed_parameter, "http://\u{ff}.example");
    }
}
