//! "Parse a MIME type" (MIME Sniffing Standard), which the CORS-safelisted `Content-Type`
//! rule uses (Fetch "CORS-safelisted request-header", case `content-type`).
//!
//! The input is a header value: bytes, read one byte per code point (Fetch's "isomorphic
//! decode"), so no UTF-8 decoding happens and no byte is ever rejected for its encoding.

use std::fmt;

use crate::token::{is_tchar, is_token};

/// A parsed MIME type: lower-cased type and subtype, and the parameters that survived parsing,
/// in order.
///
/// Parsing is the MIME Sniffing Standard's, which is lenient about parameters (a parameter
/// without `=`, with an empty value or with bad bytes is skipped; the first occurrence of a name
/// wins) and strict about the essence (`type "/" subtype`, both HTTP tokens).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct MimeType {
    type_: String,
    subtype: String,
    parameters: Vec<(String, String)>,
}

impl MimeType {
    /// Runs "parse a MIME type" on `input`; `None` is the algorithm's failure.
    pub(crate) fn parse(input: &[u8]) -> Option<MimeType> {
        // Step 1: strip leading and trailing HTTP whitespace (TAB, LF, CR, SP; not VT or FF).
        let input = trim_http_whitespace(input);
        // Steps 2–5: the type runs up to the first `/`, which must exist.
        let slash = input.iter().position(|&b| b == b'/')?;
        let type_ = &input[..slash];
        if !is_token(type_) {
            return None;
        }
        // Steps 6–8: the subtype runs up to the first `;`, trailing whitespace removed.
        let rest = &input[slash + 1..];
        let mut pos = rest.iter().position(|&b| b == b';').unwrap_or(rest.len());
        let subtype = trim_end_http_whitespace(&rest[..pos]);
        if !is_token(subtype) {
            return None;
        }
        let mut mime = MimeType {
            type_: ascii_lowercase(type_),
            subtype: ascii_lowercase(subtype),
            parameters: Vec::new(),
        };
        // Step 11: parameters. `pos` is at a `;` or at the end.
        while pos < rest.len() {
            pos += 1; // past the `;`
            while pos < rest.len() && is_http_whitespace(rest[pos]) {
                pos += 1;
            }
            let name_start = pos;
            while pos < rest.len() && rest[pos] != b';' && rest[pos] != b'=' {
                pos += 1;
            }
            let name = &rest[name_start..pos];
            if pos < rest.len() {
                if rest[pos] == b';' {
                    continue;
                }
                pos += 1; // past the `=`
            }
            if pos >= rest.len() {
                break;
            }
            let value = if rest[pos] == b'"' {
                let value = collect_quoted_string_value(rest, &mut pos);
                while pos < rest.len() && rest[pos] != b';' {
                    pos += 1;
                }
                value
            } else {
                let start = pos;
                while pos < rest.len() && rest[pos] != b';' {
                    pos += 1;
                }
                let value = trim_end_http_whitespace(&rest[start..pos]);
                if value.is_empty() {
                    continue;
                }
                value.to_vec()
            };
            let name = ascii_lowercase(name);
            if is_token(name.as_bytes())
                && value.iter().all(|&b| is_quoted_string_token_byte(b))
                && !mime.parameters.iter().any(|(n, _)| *n == name)
            {
                mime.parameters.push((name, isomorphic_decode(&value)));
            }
        }
        Some(mime)
    }

    /// The essence: `type "/" subtype` (`text/plain`).
    pub(crate) fn essence(&self) -> String {
        format!("{}/{}", self.type_, self.subtype)
    }

    /// The parameters, names lower-cased, values as given (one char per byte), in order.
    #[cfg(test)]
    pub(crate) fn parameters(&self) -> &[(String, String)] {
        &self.parameters
    }

    /// The value of the parameter named `name` (lower-case), if any.
    #[cfg(test)]
    pub(crate) fn parameter(&self, name: &str) -> Option<&str> {
        self.parameters
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// "Serialize a MIME type": the essence, then `;name=value` for each parameter, quoting values
/// that are empty or not tokens.
impl fmt::Display for MimeType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.type_, self.subtype)?;
        for (name, value) in &self.parameters {
            write!(f, ";{name}=")?;
            if !value.is_empty() && value.bytes().all(is_tchar) {
                f.write_str(value)?;
            } else {
                f.write_str("\"")?;
                for c in value.chars() {
                    if c == '"' || c == '\\' {
                        f.write_str("\\")?;
                    }
                    write!(f, "{c}")?;
                }
                f.write_str("\"")?;
            }
        }
        Ok(())
    }
}

/// "Collect an HTTP quoted string" with the extract-value flag set (Fetch): `input[*pos]`
/// is the opening `"`; returns the unescaped value and leaves `pos` after the closing quote (or at
/// the end when there is none).
fn collect_quoted_string_value(input: &[u8], pos: &mut usize) -> Vec<u8> {
    let mut value = Vec::new();
    *pos += 1;
    loop {
        while *pos < input.len() && input[*pos] != b'"' && input[*pos] != b'\\' {
            value.push(input[*pos]);
            *pos += 1;
        }
        let Some(&quote_or_backslash) = input.get(*pos) else {
            break;
        };
        *pos += 1;
        if quote_or_backslash == b'\\' {
            let Some(&escaped) = input.get(*pos) else {
                value.push(b'\\');
                break;
            };
            value.push(escaped);
            *pos += 1;
        } else {
            break;
        }
    }
    value
}

/// "HTTP whitespace" (Fetch): TAB, LF, CR, SP.
fn is_http_whitespace(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | b'\r' | b' ')
}

/// "HTTP quoted-string token code points" (MIME Sniffing): TAB, 0x20–0x7E, 0x80–0xFF.
fn is_quoted_string_token_byte(b: u8) -> bool {
    b == b'\t' || (0x20..=0x7E).contains(&b) || b >= 0x80
}

fn trim_http_whitespace(bytes: &[u8]) -> &[u8] {
    let start = bytes
        .iter()
        .position(|&b| !is_http_whitespace(b))
        .unwrap_or(bytes.len());
    trim_end_http_whitespace(&bytes[start..])
}

fn trim_end_http_whitespace(bytes: &[u8]) -> &[u8] {
    let end = bytes
        .iter()
        .rposition(|&b| !is_http_whitespace(b))
        .map_or(0, |i| i + 1);
    &bytes[..end]
}

/// Token bytes are ASCII, so this never meets a byte it cannot keep.
fn ascii_lowercase(bytes: &[u8]) -> String {
    isomorphic_decode(&bytes.to_ascii_lowercase())
}

/// Fetch "isomorphic decode": each byte becomes the code point of the same value.
pub(crate) fn isomorphic_decode(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| char::from(b)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn essence(input: &[u8]) -> Option<String> {
        MimeType::parse(input).map(|m| m.essence())
    }

    #[test]
    fn essences() {
        for (input, want) in [
            (&b"text/plain"[..], Some("text/plain")),
            (b"Text/Plain;charset=utf-8", Some("text/plain")),
            (b"  text/html \r\n", Some("text/html")),
            (b"text/plain;", Some("text/plain")),
            (b"text/plain;garbage", Some("text/plain")),
            (
                b"multipart/form-data; boundary=x",
                Some("multipart/form-data"),
            ),
            (b"text/plain ;x=y", Some("text/plain")),
            (b"text /plain", None),
            (b"text\t/\tplain", None),
            (b"text/plain,", None),
            (b",text/plain", None),
            (b"text/plain,text/plain", None),
            (b"text/plain\x0b", None),
            (b"text/plain\x0c", None),
            (b"text", None),
            (b"/plain", None),
            (b"text/", None),
            (b"text/;x=y", None),
            (b"", None),
            (b"t\xe9xt/plain", None),
        ] {
            assert_eq!(
                essence(input).as_deref(),
                want,
                "{}",
                String::from_utf8_lossy(input)
            );
        }
    }

    #[test]
    fn parameters() {
        let m = MimeType::parse(
            b"text/plain; CharSet=\"utf\\\"-8\" ;charset=latin1; x; y=; z=\"a;b\"c;=v;w=1 ",
        )
        .unwrap();
        assert_eq!(
            m.parameters(),
            [
                ("charset".to_string(), "utf\"-8".to_string()),
                ("z".to_string(), "a;b".to_string()),
                ("w".to_string(), "1".to_string()),
            ]
        );
        assert_eq!(
            m.to_string(),
            "text/plain;charset=\"utf\\\"-8\";z=\"a;b\";w=1"
        );
        // Unterminated quoted strings and trailing backslashes keep what they have.
        let m = MimeType::parse(b"a/b;x=\"abc\\").unwrap();
        assert_eq!(m.parameter("x"), Some("abc\\"));
        let m = MimeType::parse(b"a/b;x=\"\"").unwrap();
        assert_eq!(m.parameter("x"), Some(""));
        assert_eq!(m.to_string(), "a/b;x=\"\"");
        // Bytes above 0x7F are fine in values, one char per byte.
        let m = MimeType::parse(b"a/b;x=\xe9").unwrap();
        assert_eq!(m.parameter("x"), Some("\u{e9}"));
        // Control bytes are not.
        assert!(
            MimeType::parse(b"a/b;x=\x01")
                .unwrap()
                .parameters()
                .is_empty()
        );
    }

    #[test]
    fn never_panics_on_short_or_odd_input() {
        for input in [
            &b";"[..],
            b"/",
            b"a/b;",
            b"a/b;=",
            b"a/b;x=",
            b"a/b;x=\"",
            b"a/b;;;",
            b"\"",
        ] {
            let _ = MimeType::parse(input);
        }
    }

    #[test]
    fn lenient_parameters_strict_essence() {
        let m = MimeType::parse(b"Text/Plain;charset=UTF-8;garbage").unwrap();
        assert_eq!(m.essence(), "text/plain");
        assert_eq!(m.parameter("charset"), Some("UTF-8"));
        assert_eq!(m.to_string(), "text/plain;charset=UTF-8");
        assert!(MimeType::parse(b"text /plain").is_none()); // a space inside the type
        assert!(MimeType::parse(b"text/plain,").is_none()); // `,` is not a token byte
    }
}
