//! A response as the browser's CORS checks see it: a status and header lines (Fetch "header list").

use std::borrow::Cow;

use crate::token::trim_tab_or_space;

/// The `Location` header's name, lower-case.
pub(crate) const LOCATION: &str = "location";

/// The status and header lines of a response (or a preflight response, or a redirect).
///
/// Values are bytes, as received. Leading and trailing spaces and tabs are ignored when reading
/// them, as every HTTP parser strips them (so `Access-Control-Allow-Origin:  *  ` is `*`), but
/// nothing else is: a vertical tab or form feed stays part of the value, as in browsers.
///
/// ```
/// use corsica::browser::ResponseHead;
///
/// let r = ResponseHead::new(200)
///     .header("Access-Control-Allow-Origin", " https://a.example ")
///     .header("access-control-allow-origin", "https://b.example");
/// assert_eq!(r.get("ACCESS-CONTROL-ALLOW-ORIGIN").as_deref(), Some(&b"https://a.example, https://b.example"[..]));
/// assert_eq!(r.lines("access-control-allow-origin").count(), 2);
/// assert_eq!(r.get("vary"), None);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ResponseHead {
    /// The status code.
    pub status: u16,
    /// The header lines in order: name (any case) and value bytes.
    pub headers: Vec<(String, Vec<u8>)>,
}

impl ResponseHead {
    /// A response with this status and no headers.
    pub fn new(status: u16) -> Self {
        ResponseHead {
            status,
            headers: Vec::new(),
        }
    }

    /// Appends a header line.
    #[must_use]
    pub fn header(mut self, name: impl Into<String>, value: impl Into<Vec<u8>>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// The values of every line named `name` (any case), in order, surrounding spaces and tabs
    /// stripped.
    pub fn lines<'a>(&'a self, name: &str) -> impl Iterator<Item = &'a [u8]> {
        self.headers
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| trim_tab_or_space(v))
    }

    /// Fetch "get": `None` when no line is named `name`, otherwise the values of all of
    /// them joined with `", "`, in order. This is what the CORS check reads: two
    /// `Access-Control-Allow-Origin` lines become one value with a comma in it.
    pub fn get(&self, name: &str) -> Option<Cow<'_, [u8]>> {
        let mut lines = self.lines(name);
        let first = lines.next()?;
        let Some(second) = lines.next() else {
            return Some(Cow::Borrowed(first));
        };
        let mut joined = first.to_vec();
        for line in std::iter::once(second).chain(lines) {
            joined.extend_from_slice(b", ");
            joined.extend_from_slice(line);
        }
        Some(Cow::Owned(joined))
    }

    /// Whether at least one line is named `name` (any case).
    pub fn contains(&self, name: &str) -> bool {
        self.lines(name).next().is_some()
    }

    /// Whether the response is a redirect the browser acts on: a redirect status (see
    /// 301, 302, 303, 307 or 308, Fetch "redirect status") with a `Location` header.
    pub fn is_redirect(&self) -> bool {
        super::redirect::is_redirect_status(self.status) && self.contains(LOCATION)
    }

    /// Whether the status is an ok status, 200–299 (Fetch "ok status"), as a preflight's must be.
    pub fn has_ok_status(&self) -> bool {
        (200..=299).contains(&self.status)
    }

    /// The distinct header names, lower-cased and sorted.
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .headers
            .iter()
            .map(|(n, _)| n.to_ascii_lowercase())
            .collect();
        names.sort_unstable();
        names.dedup();
        names
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn get_joins_lines() {
        let r = ResponseHead::new(200)
            .header("ACAO", "")
            .header("acao", "*")
            .header("other", "x");
        assert_eq!(r.get("acao").as_deref(), Some(&b", *"[..]));
        let r = ResponseHead::new(200).header("ACAO", " \t\x0b* \t");
        assert_eq!(r.get("acao").as_deref(), Some(&b"\x0b*"[..]));
        assert!(matches!(r.get("acao"), Some(Cow::Borrowed(_))));
    }

    #[test]
    fn names_are_unique() {
        let r = ResponseHead::new(200)
            .header("B", "1")
            .header("a", "1")
            .header("b", "2");
        assert_eq!(r.names(), ["a", "b"]);
        assert!(r.contains("A"));
        assert!(!r.contains("c"));
    }
}
