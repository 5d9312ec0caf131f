//! Methods, as the Fetch Standard classifies them (§2.2.1 "Methods").

use std::borrow::Cow;

use crate::token::is_token;

/// Whether `method` is a CORS-safelisted method: `GET`, `HEAD` or `POST`, byte for byte.
///
/// Browsers never preflight these, and a preflight response never needs to list them.
///
/// ```
/// assert!(corsica::method::is_cors_safelisted_method("POST"));
/// assert!(!corsica::method::is_cors_safelisted_method("post")); // normalize first
/// assert!(!corsica::method::is_cors_safelisted_method("PUT"));
/// ```
pub fn is_cors_safelisted_method(method: &str) -> bool {
    matches!(method, "GET" | "HEAD" | "POST")
}

/// Whether `method` is a forbidden method (`CONNECT`, `TRACE`, `TRACK`, in any case).
///
/// Browsers refuse to send these from script, so allowing them in a policy is a mistake.
///
/// ```
/// assert!(corsica::method::is_forbidden_method("trace"));
/// assert!(!corsica::method::is_forbidden_method("PATCH"));
/// ```
pub fn is_forbidden_method(method: &str) -> bool {
    ["CONNECT", "TRACE", "TRACK"]
        .iter()
        .any(|m| m.eq_ignore_ascii_case(method))
}

/// Normalizes a method as Fetch does: only `DELETE`, `GET`, `HEAD`, `OPTIONS`, `POST` and `PUT`
/// are upper-cased when they match case-insensitively; every other method keeps its case
/// (`patch` stays `patch`).
///
/// ```
/// assert_eq!(corsica::method::normalize_method("delete"), "DELETE");
/// assert_eq!(corsica::method::normalize_method("patch"), "patch");
/// ```
pub fn normalize_method(method: &str) -> Cow<'_, str> {
    const NORMALIZED: [&str; 6] = ["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"];
    match NORMALIZED.iter().find(|m| m.eq_ignore_ascii_case(method)) {
        Some(m) if *m != method => Cow::Borrowed(*m),
        _ => Cow::Borrowed(method),
    }
}

/// Whether `method` is a syntactically valid method (an RFC 9110 token).
pub fn is_method_token(method: &str) -> bool {
    is_token(method.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalization_touches_only_the_six() {
        for (input, want) in [
            ("get", "GET"),
            ("Get", "GET"),
            ("options", "OPTIONS"),
            ("put", "PUT"),
            ("patch", "patch"),
            ("PATCH", "PATCH"),
            ("chicken", "chicken"),
        ] {
            assert_eq!(normalize_method(input), want, "{input}");
        }
    }

    #[test]
    fn forbidden() {
        for m in ["CONNECT", "connect", "Trace", "TRACK"] {
            assert!(is_forbidden_method(m), "{m}");
        }
        assert!(!is_forbidden_method("TRACKS"));
    }
}
