//! Comma-separated lists of tokens (RFC 9110 §5.6.1 `#rule`), as CORS list headers use them.

use crate::token::{is_tab_or_space, is_tchar};

/// The elements of one header line of a `#token` list, in order, with surrounding tab-or-space
/// trimmed and empty elements skipped (`a,,b`, `,a`, `a,` are all fine). An element that is not
/// a token yields `Err(element)`.
///
/// Work is linear in the length of `line` and nothing is allocated, whatever the input.
pub(crate) fn elements(line: &[u8]) -> Elements<'_> {
    Elements { rest: line }
}

/// The iterator of [`elements`]: each byte is looked at once (finding the comma, trimming and
/// checking the token in one pass), since preflights parse this on every request.
pub(crate) struct Elements<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for Elements<'a> {
    type Item = Result<&'a [u8], &'a [u8]>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.rest.is_empty() {
            let bytes = self.rest;
            let mut i = 0;
            while i < bytes.len() && is_tab_or_space(bytes[i]) {
                i += 1;
            }
            let start = i;
            // The usual element is a run of tchars ended by a comma or the line's end.
            while i < bytes.len() && is_tchar(bytes[i]) {
                i += 1;
            }
            let mut end = i;
            // Otherwise any byte but tab or space before the comma makes it a non-token.
            let mut token = true;
            while i < bytes.len() && bytes[i] != b',' {
                if !is_tab_or_space(bytes[i]) {
                    token = false;
                    end = i + 1;
                }
                i += 1;
            }
            self.rest = bytes.get(i + 1..).unwrap_or_default();
            let element = &bytes[start..end];
            if !element.is_empty() {
                return Some(if token { Ok(element) } else { Err(element) });
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(line: &str) -> Result<Vec<String>, String> {
        elements(line.as_bytes())
            .map(|e| {
                e.map(|b| String::from_utf8_lossy(b).into_owned())
                    .map_err(|b| String::from_utf8_lossy(b).into_owned())
            })
            .collect()
    }

    #[test]
    fn lists() {
        assert_eq!(parse("a, b ,\tc").unwrap(), ["a", "b", "c"]);
        assert_eq!(
            parse(",y-lol,x-PriNT, ,,,Y-PRINT").unwrap(),
            ["y-lol", "x-PriNT", "Y-PRINT"]
        );
        assert_eq!(parse("").unwrap(), Vec::<String>::new());
        assert_eq!(parse("x-print,").unwrap(), ["x-print"]);
        assert_eq!(parse("a, no no").unwrap_err(), "no no");
        assert_eq!(parse("bb-8\x0b").unwrap_err(), "bb-8\x0b");
        assert_eq!(parse(" \ta\t b ,c").unwrap_err(), "a\t b");
        assert_eq!(parse("  ,\t, x ,").unwrap(), ["x"]);
        assert_eq!(parse("a,b,").unwrap(), ["a", "b"]);
    }

    #[test]
    fn a_megabyte_of_commas_is_empty() {
        let line = vec![b','; 1 << 20];
        assert_eq!(elements(&line).count(), 0);
    }
}
