//! [`Apply`]: a decision's changes to the response headers, and `Vary` merging.

use std::fmt;

use corsica::header::ResponseHeader;

use crate::Headers;

/// The headers a decision sets on the response, owned: made by
/// [`Installed::prepare`](crate::Installed::prepare) before the request moves on, applied to
/// whatever response comes back.
pub struct Apply<H: Headers> {
    /// By [`ResponseHeader::index`].
    values: [Option<H::Value>; ResponseHeader::ALL.len()],
    /// The request header name to append to `Vary`.
    vary: Option<H::Value>,
}

impl<H: Headers> Apply<H> {
    pub(crate) fn new(
        values: [Option<H::Value>; ResponseHeader::ALL.len()],
        vary: Option<H::Value>,
    ) -> Self {
        Apply { values, vary }
    }

    /// Replaces the response's CORS headers (every [`ResponseHeader`], whatever the inner service
    /// set) with the decision's, and appends to `Vary` unless a `Vary` line already lists the
    /// name (or `*`). Leaves this `Apply` empty: it is taken in place rather than moved, since it
    /// is large and lives in a response future.
    pub fn apply_to(&mut self, headers: &mut H::Map) {
        // One pass over the (usually few) response headers spares seven lookups, and the `Vary`
        // lookup when there is none.
        let names = ResponseHeader::ALL.map(H::response_name);
        let (mut has_cors, mut has_vary) = (false, false);
        for name in H::names(headers) {
            if names.iter().any(|n| H::same_name(n, name)) {
                has_cors = true;
            } else if H::same_name(name, H::vary_name()) {
                has_vary = true;
            }
        }
        if has_cors {
            for name in names {
                H::remove(headers, name);
            }
        }
        for (name, value) in names.into_iter().zip(&mut self.values) {
            if let Some(value) = value.take() {
                H::insert(headers, name, value);
            }
        }
        if let Some(vary) = self.vary.take() {
            let listed = has_vary && {
                let lines = H::get_all(headers, H::vary_name()).map(H::value_bytes);
                lists(lines, H::value_bytes(&vary))
            };
            if !listed {
                H::append(headers, H::vary_name(), vary);
            }
        }
    }
}

/// Whether any of these `Vary` lines already lists `token` (case-insensitively) or `*`.
fn lists<'v>(lines: impl IntoIterator<Item = &'v [u8]>, token: &[u8]) -> bool {
    lines.into_iter().any(|line| {
        line.split(|&b| b == b',').any(|element| {
            let element = element.trim_ascii();
            element == b"*" || element.eq_ignore_ascii_case(token)
        })
    })
}

impl<H: Headers> Default for Apply<H> {
    fn default() -> Self {
        Apply {
            values: Default::default(),
            vary: None,
        }
    }
}

impl<H: Headers> Clone for Apply<H> {
    fn clone(&self) -> Self {
        Apply {
            values: self.values.clone(),
            vary: self.vary.clone(),
        }
    }
}

impl<H: Headers> fmt::Debug for Apply<H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = |v: &H::Value| String::from_utf8_lossy(H::value_bytes(v)).into_owned();
        let mut map = f.debug_map();
        for (name, value) in ResponseHeader::ALL.into_iter().zip(&self.values) {
            if let Some(value) = value {
                map.entry(&name.as_str(), &text(value));
            }
        }
        if let Some(vary) = &self.vary {
            map.entry(&corsica::header::VARY, &text(vary));
        }
        map.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Lines;

    fn vary_lines(map: &[(String, String)]) -> Vec<&str> {
        map.iter()
            .filter(|(n, _)| n == "vary")
            .map(|(_, v)| v.as_str())
            .collect()
    }

    fn apply_vary(map: &mut Vec<(String, String)>) {
        Apply::<Lines>::new(Default::default(), Some("origin".into())).apply_to(map);
    }

    #[test]
    fn vary_is_appended_once() {
        let mut headers = vec![("vary".to_owned(), "accept-encoding".to_owned())];
        apply_vary(&mut headers);
        apply_vary(&mut headers);
        assert_eq!(vary_lines(&headers), ["accept-encoding", "origin"]);

        let mut headers = vec![("vary".to_owned(), "Accept, Origin".to_owned())];
        apply_vary(&mut headers);
        assert_eq!(vary_lines(&headers).len(), 1);

        let mut headers = vec![("vary".to_owned(), "*".to_owned())];
        apply_vary(&mut headers);
        assert_eq!(vary_lines(&headers).len(), 1);
    }

    #[test]
    fn cors_headers_are_replaced() {
        let mut headers = vec![
            ("access-control-allow-origin".to_owned(), "*".to_owned()),
            ("access-control-max-age".to_owned(), "5".to_owned()),
            ("x-other".to_owned(), "1".to_owned()),
        ];
        let mut values: [Option<String>; 7] = Default::default();
        values[ResponseHeader::AccessControlAllowOrigin.index()] = Some("https://a.example".into());
        Apply::<Lines>::new(values, None).apply_to(&mut headers);
        assert_eq!(
            headers,
            [
                ("x-other".to_owned(), "1".to_owned()),
                (
                    "access-control-allow-origin".to_owned(),
                    "https://a.example".to_owned()
                ),
            ]
        );
    }
}
