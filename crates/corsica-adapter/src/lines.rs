//! [`Lines`]: header lines as owned strings, for tests, examples and sans-IO callers.

use corsica::header::{RequestHeader, ResponseHeader, VARY};

use crate::Headers;

/// [`Headers`] over a list of `(name, value)` lines with lower-case names, in order, as owned
/// strings. Names given by the caller are matched in any case.
///
/// ```
/// use corsica::Policy;
/// use corsica_adapter::{Head, Lines, PolicyCell};
///
/// let cell = PolicyCell::<Lines>::new(Policy::builder().origins(["https://a.example"]).build()?);
/// let request = vec![("Origin".to_owned(), "https://a.example".to_owned())];
/// let installed = cell.load();
/// let head = Head::<Lines>::new("GET", &request, None, None);
/// let decision = installed.policy().decide(&head);
/// let mut response = Vec::new();
/// installed.prepare(&decision, &request).apply_to(&mut response);
/// assert_eq!(response[0], ("access-control-allow-origin".to_owned(), "https://a.example".to_owned()));
/// # Ok::<(), corsica::ConfigErrors>(())
/// ```
#[derive(Debug)]
pub enum Lines {}

impl Headers for Lines {
    type Map = Vec<(String, String)>;
    type Name = str;
    type Value = String;

    fn request_name(header: RequestHeader) -> &'static str {
        header.as_str()
    }

    fn response_name(header: ResponseHeader) -> &'static str {
        header.as_str()
    }

    fn vary_name() -> &'static str {
        VARY
    }

    fn value(text: &str) -> Option<String> {
        Some(text.to_owned())
    }

    fn value_bytes(value: &String) -> &[u8] {
        value.as_bytes()
    }

    fn get_all<'m>(map: &'m Self::Map, name: &str) -> impl Iterator<Item = &'m String> {
        map.iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }

    fn same_name(a: &str, b: &str) -> bool {
        a.eq_ignore_ascii_case(b)
    }

    fn names(map: &Self::Map) -> impl Iterator<Item = &str> {
        map.iter().map(|(n, _)| n.as_str())
    }

    fn remove(map: &mut Self::Map, name: &'static str) {
        map.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
    }

    fn insert(map: &mut Self::Map, name: &'static str, value: String) {
        Self::remove(map, name);
        map.push((name.to_owned(), value));
    }

    fn append(map: &mut Self::Map, name: &'static str, value: String) {
        map.push((name.to_owned(), value));
    }
}
