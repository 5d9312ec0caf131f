//! "Parse a single range header value" (Fetch, for "CORS-safelisted request-header"), which decides
//! whether a `Range` request header is CORS-safelisted.

use std::cmp::Ordering;

/// A parsed `bytes=start-end` value: the decimal digits of each side, `None` where the side is
/// empty. Digits are kept as text because the spec's integers are unbounded.
pub(crate) type SingleRange<'a> = (Option<&'a [u8]>, Option<&'a [u8]>);

/// Runs "parse a single range header value" on `value`. With `allow_whitespace` false (the CORS
/// safelist's setting) no space or tab is accepted anywhere.
///
/// Failure (`None`) for anything but `bytes` (case-sensitive), `=`, optional digits, `-`,
/// optional digits, end of input; for two empty sides; and for a start greater than the end.
pub(crate) fn parse_single_range(value: &[u8], allow_whitespace: bool) -> Option<SingleRange<'_>> {
    let mut rest = value.strip_prefix(b"bytes")?;
    let skip_whitespace = |bytes: &mut &[u8]| {
        if allow_whitespace {
            while let [b' ' | b'\t', tail @ ..] = *bytes {
                *bytes = tail;
            }
        }
    };
    skip_whitespace(&mut rest);
    rest = rest.strip_prefix(b"=")?;
    skip_whitespace(&mut rest);
    let start = take_digits(&mut rest);
    skip_whitespace(&mut rest);
    rest = rest.strip_prefix(b"-")?;
    skip_whitespace(&mut rest);
    let end = take_digits(&mut rest);
    if !rest.is_empty() {
        return None;
    }
    match (start, end) {
        (None, None) => None,
        (Some(s), Some(e)) if cmp_decimal(s, e) == Ordering::Greater => None,
        range => Some(range),
    }
}

/// Takes the leading ASCII digits off `bytes`; `None` when there are none.
fn take_digits<'a>(bytes: &mut &'a [u8]) -> Option<&'a [u8]> {
    let n = bytes.iter().take_while(|b| b.is_ascii_digit()).count();
    let (digits, tail) = bytes.split_at(n);
    *bytes = tail;
    (n > 0).then_some(digits)
}

/// Compares two runs of decimal digits as numbers of any size.
fn cmp_decimal(a: &[u8], b: &[u8]) -> Ordering {
    let strip = |d: &[u8]| -> usize { d.iter().take_while(|&&c| c == b'0').count() };
    let (a, b) = (&a[strip(a)..], &b[strip(b)..]);
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strict(value: &str) -> Option<(Option<String>, Option<String>)> {
        parse_single_range(value.as_bytes(), false).map(|(s, e)| {
            let text = |d: Option<&[u8]>| d.map(|d| String::from_utf8(d.to_vec()).unwrap());
            (text(s), text(e))
        })
    }

    #[test]
    fn accepted() {
        let some = |s: &str| Some(s.to_string());
        assert_eq!(strict("bytes=100-200"), Some((some("100"), some("200"))));
        assert_eq!(strict("bytes=200-"), Some((some("200"), None)));
        assert_eq!(strict("bytes=-500"), Some((None, some("500"))));
        assert_eq!(strict("bytes=0-0"), Some((some("0"), some("0"))));
        assert_eq!(strict("bytes=007-8"), Some((some("007"), some("8"))));
        // Unbounded integers compare as numbers.
        let big = format!("bytes=9{}-1{}", "0".repeat(40), "0".repeat(41));
        assert!(strict(&big).is_some());
    }

    #[test]
    fn refused() {
        for value in [
            "100-200",
            "MB=100-200",
            "BYTES=100-200",
            "Bytes=100-200",
            "bytes =100-200",
            "bytes\t=100-200",
            "bytes=  100-200",
            "bytes=100 -200",
            "bytes=100- 200",
            "bytes=100-200hello",
            "bytes=abc-def",
            "bytes=100-200,300-400",
            "bytes=200-100",
            "bytes 100-200",
            ",bytes=100-200",
            "bytes=,100-200",
            "bytes=+0-100",
            "bytes=0--1",
            "bytes=-",
            "bytes=",
            "bytes",
            "",
            "bytes=100-200\x0c",
            "bytes=1-2 ",
        ] {
            assert_eq!(strict(value), None, "{value:?}");
        }
        let big = format!("bytes=2{}-1{}", "0".repeat(40), "0".repeat(40));
        assert_eq!(strict(&big), None);
    }

    #[test]
    fn whitespace_when_allowed() {
        assert!(parse_single_range(b"bytes = 1 - 2", true).is_some());
        assert!(parse_single_range(b"bytes\t=\t1\t-", true).is_some());
        assert!(parse_single_range(b"bytes = 1 - 2 ", true).is_none());
    }
}
