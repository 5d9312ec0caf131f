//! Comma-separated lists of tokens (RFC 9110 §5.6.1 `#rule`), as CORS list headers use them.

use crate::token::{is_token, trim_tab_or_space};

/// The elements of one header line of a `#token` list, in order, with surrounding tab-or-space
/// trimmed and empty elements skipped (`a,,b`, `,a`, `a,` are all fine). An element that is not
/// a token yields `Err(element)`.
///
/// Work is linear in the length of `line` and nothing is allocated, whatever the input.
pub(crate) fn elements(line: &[u8]) -> impl Iterator<Item = Result<&[u8], &[u8]>> {
    line.split(|&b| b == b',').filter_map(|raw| {
        let element = trim_tab_or_space(raw);
        if element.is_empty() {
            None
        } else if is_token(element) {
            Some(Ok(element))
        } else {
            Some(Err(element))
        }
    })
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
    }

    #[test]
    fn a_megabyte_of_commas_is_empty() {
        let line = vec![b','; 1 << 20];
        assert_eq!(elements(&line).count(), 0);
    }
}
