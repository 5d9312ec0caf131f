//! Which request headers a page may send cross-origin without a preflight (Fetch
//! "CORS-safelisted request-header", "CORS-unsafe request-header names"), and which ones a page
//! may not set at all (Fetch "forbidden request-header").

use crate::header::is_forbidden_request_header_name;
use crate::method::is_forbidden_method;
use crate::token::trim_tab_or_space;

use super::mime::MimeType;
use super::range::parse_single_range;

/// Longest value, in bytes, a CORS-safelisted request header may have.
pub(crate) const MAX_SAFELISTED_VALUE_LEN: usize = 128;

/// Largest total size, in bytes, of the values of all otherwise-safelisted request headers of one
/// request; above it every one of them counts as CORS-unsafe.
pub(crate) const MAX_SAFELISTED_TOTAL_LEN: usize = 1024;

/// The three `Content-Type` essences a page may send without a preflight.
pub(crate) const CORS_SAFELISTED_CONTENT_TYPES: [&str; 3] = [
    "application/x-www-form-urlencoded",
    "multipart/form-data",
    "text/plain",
];

/// Whether `byte` is a CORS-unsafe request-header byte (Fetch): a control byte other than
/// HTAB, DEL, or one of `" ( ) : < > ? @ [ \ ] { }`.
pub(crate) fn is_cors_unsafe_request_header_byte(byte: u8) -> bool {
    (byte < 0x20 && byte != b'\t')
        || matches!(
            byte,
            b'"' | b'('
                | b')'
                | b':'
                | b'<'
                | b'>'
                | b'?'
                | b'@'
                | b'['
                | b'\\'
                | b']'
                | b'{'
                | b'}'
                | 0x7f
        )
}

/// Whether (`name`, `value`) is a CORS-safelisted request-header (Fetch): a header a page
/// may send cross-origin without a preflight. `name` is matched case-insensitively.
///
/// - every value: at most 128 bytes;
/// - `Accept`: no CORS-unsafe request-header byte;
/// - `Accept-Language`, `Content-Language`: only `0-9 A-Z a-z`, space and `* , - . ; =`;
/// - `Content-Type`: no CORS-unsafe byte, and "parse a MIME type" gives one of
///   `application/x-www-form-urlencoded`, `multipart/form-data`, `text/plain`;
/// - `Range`: a single `bytes=start-[end]` range with a start and no whitespace;
/// - any other name: never.
///
/// ```
/// use corsica::browser::is_cors_safelisted_request_header as safe;
/// assert!(safe("Content-Type", b"Text/Plain;charset=utf-8"));
/// assert!(!safe("content-type", b"application/json"));
/// assert!(safe("accept-language", b"nn-NO,nn,en"));
/// assert!(!safe("accept-language", b"nn_NO"));
/// assert!(safe("range", b"bytes=200-"));
/// assert!(!safe("range", b"bytes=-200"));
/// assert!(!safe("x-requested-with", b"XMLHttpRequest"));
/// ```
pub fn is_cors_safelisted_request_header(name: &str, value: &[u8]) -> bool {
    if value.len() > MAX_SAFELISTED_VALUE_LEN {
        return false;
    }
    if name.eq_ignore_ascii_case("accept") {
        !value.iter().any(|&b| is_cors_unsafe_request_header_byte(b))
    } else if name.eq_ignore_ascii_case("accept-language")
        || name.eq_ignore_ascii_case("content-language")
    {
        value.iter().all(|&b| {
            b.is_ascii_alphanumeric() || matches!(b, b' ' | b'*' | b',' | b'-' | b'.' | b';' | b'=')
        })
    } else if name.eq_ignore_ascii_case("content-type") {
        // Deliberately "parse a MIME type", not "extract a MIME type": no splitting on commas.
        !value.iter().any(|&b| is_cors_unsafe_request_header_byte(b))
            && MimeType::parse(value)
                .is_some_and(|m| CORS_SAFELISTED_CONTENT_TYPES.contains(&m.essence().as_str()))
    } else if name.eq_ignore_ascii_case("range") {
        parse_single_range(value, false).is_some_and(|(start, _)| start.is_some())
    } else {
        false
    }
}

/// Whether (`name`, `value`) is a forbidden request-header (Fetch): one `fetch()` silently
/// drops. That is a forbidden request-header name (see
/// [`is_forbidden_request_header_name`](crate::header::is_forbidden_request_header_name)), or one of
/// `X-HTTP-Method`, `X-HTTP-Method-Override`, `X-Method-Override` whose value lists a forbidden
/// method.
///
/// ```
/// use corsica::browser::is_forbidden_request_header;
/// assert!(is_forbidden_request_header("Cookie", b"a=b"));
/// assert!(is_forbidden_request_header("X-HTTP-Method-Override", b"GET, trace"));
/// assert!(!is_forbidden_request_header("X-HTTP-Method-Override", b"PATCH"));
/// ```
pub fn is_forbidden_request_header(name: &str, value: &[u8]) -> bool {
    if is_forbidden_request_header_name(name) {
        return true;
    }
    let overrides_method = [
        "x-http-method",
        "x-http-method-override",
        "x-method-override",
    ]
    .iter()
    .any(|n| n.eq_ignore_ascii_case(name));
    overrides_method
        && split_list_values(value)
            .any(|method| std::str::from_utf8(method).is_ok_and(is_forbidden_method))
}

/// Fetch "get, decode, and split" on one value: split on commas outside double-quoted strings
/// (which are kept, quotes and all), trimming tab-or-space around each piece.
fn split_list_values(value: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut pieces = Vec::new();
    let mut pos = 0;
    loop {
        let start = pos;
        while pos < value.len() && value[pos] != b',' {
            if value[pos] == b'"' {
                pos += 1;
                while pos < value.len() && value[pos] != b'"' {
                    // A backslash takes the next byte with it, whatever it is.
                    pos += if value[pos] == b'\\' { 2 } else { 1 };
                }
                pos = (pos + 1).min(value.len());
            } else {
                pos += 1;
            }
        }
        pieces.push(trim_tab_or_space(&value[start..pos]));
        if pos >= value.len() {
            return pieces.into_iter();
        }
        pos += 1; // past the comma
    }
}

/// The CORS-unsafe request-header names of `headers` (Fetch "CORS-unsafe request-header
/// names"): lower-cased, de-duplicated and sorted byte-wise, as they appear in
/// `Access-Control-Request-Headers`.
///
/// A header is unsafe when it is not CORS-safelisted; and when the values of the headers that
/// are safelisted add up to more than [`MAX_SAFELISTED_TOTAL_LEN`] bytes, all of those count as
/// unsafe too. Forbidden request-headers are skipped, as Chromium does: a page cannot set them,
/// so only the browser adds them, and they never need the server's permission.
pub(crate) fn cors_unsafe_request_header_names<N, V>(
    headers: impl IntoIterator<Item = (N, V)>,
) -> Vec<String>
where
    N: AsRef<str>,
    V: AsRef<[u8]>,
{
    let mut names = cors_unsafe_request_header_names_in_order(headers);
    names.sort_unstable();
    names.dedup();
    names
}

/// The same names in the order Chromium checks them against `Access-Control-Allow-Headers`:
/// unsafe names in header-list order, then (past the total-size limit) the otherwise-safelisted
/// ones; lower-cased, duplicates kept.
pub(crate) fn cors_unsafe_request_header_names_in_order<N, V>(
    headers: impl IntoIterator<Item = (N, V)>,
) -> Vec<String>
where
    N: AsRef<str>,
    V: AsRef<[u8]>,
{
    let mut unsafe_names = Vec::new();
    let mut potentially_unsafe_names = Vec::new();
    let mut safelist_value_size = 0usize;
    for (name, value) in headers {
        let (name, value) = (name.as_ref(), value.as_ref());
        if is_forbidden_request_header(name, value) {
            continue;
        }
        if is_cors_safelisted_request_header(name, value) {
            potentially_unsafe_names.push(name.to_ascii_lowercase());
            safelist_value_size = safelist_value_size.saturating_add(value.len());
        } else {
            unsafe_names.push(name.to_ascii_lowercase());
        }
    }
    if safelist_value_size > MAX_SAFELISTED_TOTAL_LEN {
        unsafe_names.append(&mut potentially_unsafe_names);
    }
    unsafe_names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsafe_bytes() {
        let unsafe_bytes: Vec<u8> = (0u8..=255)
            .filter(|&b| is_cors_unsafe_request_header_byte(b))
            .collect();
        let mut want: Vec<u8> = (0u8..0x20).filter(|&b| b != b'\t').collect();
        want.extend_from_slice(b"\"():<>?@[\\]{}\x7f");
        want.sort_unstable();
        assert_eq!(unsafe_bytes, want);
    }

    #[test]
    fn value_length_limit() {
        assert!(is_cors_safelisted_request_header("accept", &[b'a'; 128]));
        assert!(!is_cors_safelisted_request_header("accept", &[b'a'; 129]));
        let long_type = format!("text/plain; long={}", "0".repeat(112));
        assert_eq!(long_type.len(), 129);
        assert!(!is_cors_safelisted_request_header(
            "content-type",
            long_type.as_bytes()
        ));
        assert!(is_cors_safelisted_request_header(
            "content-type",
            &long_type.as_bytes()[..128]
        ));
    }

    #[test]
    fn languages() {
        assert!(is_cors_safelisted_request_header(
            "Content-Language",
            b"en-GB, fr;q=0.5, *"
        ));
        for bad in [&b"en_GB"[..], b"@", b"\x01", b"\"en\"", b"\xe9"] {
            assert!(!is_cors_safelisted_request_header("accept-language", bad));
        }
    }

    #[test]
    fn content_types() {
        for ok in [
            &b"text/plain"[..],
            b"text/plain;",
            b"text/plain;garbage",
            b"multipart/form-data",
            b"application/x-www-form-urlencoded;charset=x",
            b"TEXT/PLAIN",
        ] {
            assert!(is_cors_safelisted_request_header("content-type", ok));
        }
        for bad in [
            &b"text/html"[..],
            b"application/www-form-urlencoded",
            b"text/plain;garbage\x01\x02",
            b"application/x-www-form-urlencoded;\x7f",
            b"multipart/form-data;\"",
            b"text/plain,",
        ] {
            assert!(!is_cors_safelisted_request_header("content-type", bad));
        }
    }

    #[test]
    fn other_names_are_never_safelisted() {
        for name in [
            "x-foo",
            "authorization",
            "dpr",
            "user-agent",
            "last-event-id",
        ] {
            assert!(!is_cors_safelisted_request_header(name, b"1"));
        }
    }

    #[test]
    fn total_size_limit() {
        let value = [b'a'; 120];
        let headers: Vec<(&str, &[u8])> = (0..9).map(|_| ("Accept-Language", &value[..])).collect();
        assert_eq!(
            cors_unsafe_request_header_names(headers.clone()),
            ["accept-language"]
        );
        assert!(cors_unsafe_request_header_names(headers[..8].to_vec()).is_empty());
        // Order: unsafe names first, in header-list order, then the spilled safelisted ones.
        let mixed = [("Accept", &b"a"[..]), ("X-B", b"1"), ("X-A", b"1")];
        assert_eq!(
            cors_unsafe_request_header_names_in_order(mixed),
            ["x-b", "x-a"]
        );
    }

    #[test]
    fn forbidden_headers_are_skipped() {
        let headers = [
            ("Cookie", &b"a"[..]),
            ("Sec-Fetch-Mode", b"cors"),
            ("X-HTTP-Method-Override", b"TRACE"),
            ("X-HTTP-Method-Override", b"\"TRACE\""),
        ];
        assert_eq!(
            cors_unsafe_request_header_names(headers),
            ["x-http-method-override"]
        );
    }

    #[test]
    fn list_splitting() {
        let split = |v: &str| -> Vec<String> {
            split_list_values(v.as_bytes())
                .map(|p| String::from_utf8(p.to_vec()).unwrap())
                .collect()
        };
        assert_eq!(split("nosniff,"), ["nosniff", ""]);
        assert_eq!(split(""), [""]);
        assert_eq!(split("x / x,,,1"), ["x / x", "", "", "1"]);
        assert_eq!(split("\"1,2\", 3"), ["\"1,2\"", "3"]);
        assert_eq!(split("\"a\\\"b,c\" , d"), ["\"a\\\"b,c\"", "d"]);
        assert_eq!(split("\"unterminated, x"), ["\"unterminated, x"]);
        assert_eq!(split("\"x\\"), ["\"x\\"]);
    }

    #[test]
    fn unsafe_bytes_as_documented() {
        assert!(is_cors_unsafe_request_header_byte(b'"'));
        assert!(is_cors_unsafe_request_header_byte(0x7f));
        assert!(!is_cors_unsafe_request_header_byte(b'\t'));
        assert!(!is_cors_unsafe_request_header_byte(b';'));
    }

    #[test]
    fn unsafe_names_are_lowercased_sorted_and_unique() {
        let names = cors_unsafe_request_header_names([
            ("X-Test-Header1", &b"1"[..]),
            ("Content-Type", b"application/json"),
            ("x-test-header-a", b"a"),
            ("X-TEST-HEADER1", b"2"),
            ("Accept", b"*/*"),
            ("Cookie", b"session=1"),
        ]);
        assert_eq!(names, ["content-type", "x-test-header-a", "x-test-header1"]);
    }
}
