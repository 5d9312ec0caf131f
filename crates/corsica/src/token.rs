//! Byte classes from RFC 9110 and the Fetch Standard, as lookup tables.

/// `tchar` (RFC 9110 §5.6.2): `!#$%&'*+-.^_`|~`, digits and letters.
const TCHAR: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric()
            || matches!(
                c,
                b'!' | b'#'
                    | b'$'
                    | b'%'
                    | b'&'
                    | b'\''
                    | b'*'
                    | b'+'
                    | b'-'
                    | b'.'
                    | b'^'
                    | b'_'
                    | b'`'
                    | b'|'
                    | b'~'
            );
        b += 1;
    }
    table
};

/// Whether `b` is an RFC 9110 `tchar`.
#[inline]
pub(crate) fn is_tchar(b: u8) -> bool {
    TCHAR[b as usize]
}

/// Whether `bytes` is a non-empty RFC 9110 `token` (method names, header names).
#[inline]
pub(crate) fn is_token(bytes: &[u8]) -> bool {
    !bytes.is_empty() && bytes.iter().all(|&b| is_tchar(b))
}

/// HTTP tab or space (Fetch): the optional whitespace around list elements.
#[inline]
pub(crate) fn is_tab_or_space(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// Strips leading and trailing HTTP tab-or-space bytes, as HTTP parsers do with field values.
pub(crate) fn trim_tab_or_space(mut bytes: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = bytes {
        if is_tab_or_space(*first) {
            bytes = rest;
        } else {
            break;
        }
    }
    while let [rest @ .., last] = bytes {
        if is_tab_or_space(*last) {
            bytes = rest;
        } else {
            break;
        }
    }
    bytes
}

/// Compares two byte strings ignoring ASCII case, ordering as if both were lower-cased.
pub(crate) fn cmp_ignore_ascii_case(a: &[u8], b: &[u8]) -> std::cmp::Ordering {
    let common = a.len().min(b.len());
    for i in 0..common {
        let (x, y) = (a[i].to_ascii_lowercase(), b[i].to_ascii_lowercase());
        if x != y {
            return x.cmp(&y);
        }
    }
    a.len().cmp(&b.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens() {
        assert!(is_token(b"x-api-key"));
        assert!(is_token(b"*"));
        assert!(!is_token(b""));
        assert!(!is_token(b"no no"));
        assert!(!is_token(b"\"x\""));
        assert!(!is_token(b"a@b"));
        assert!(!is_token("é".as_bytes()));
    }

    #[test]
    fn trimming() {
        assert_eq!(trim_tab_or_space(b" \t*  "), b"*");
        assert_eq!(trim_tab_or_space(b"\x0b*"), b"\x0b*");
        assert_eq!(trim_tab_or_space(b"   "), b"");
    }

    #[test]
    fn case_insensitive_order() {
        use std::cmp::Ordering::*;
        assert_eq!(cmp_ignore_ascii_case(b"X-Foo", b"x-foo"), Equal);
        assert_eq!(cmp_ignore_ascii_case(b"a", b"B"), Less);
        assert_eq!(cmp_ignore_ascii_case(b"ab", b"a"), Greater);
    }
}
