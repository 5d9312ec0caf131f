use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

use super::OriginRef;
use super::pattern::{OriginPattern, PatternKind, PortPattern};

/// The multiply-rotate hash rustc uses (FxHash). The sets below are built once from the policy
/// and only read afterwards, so an attacker choosing the looked-up keys cannot lengthen any
/// probe sequence: a keyed hash (SipHash, the default) buys nothing here and costs a third of
/// a lookup.
#[derive(Clone, Copy, Debug, Default)]
struct FxHasher(u64);

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let word = u64::from_le_bytes(chunk.try_into().unwrap_or_default());
            self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(K);
        }
        for &b in chunks.remainder() {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(K);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

type Fast = BuildHasherDefault<FxHasher>;

/// A set of origin patterns compiled for lookup: exact origins in a hash set, `:*` hosts in a
/// second one, and `*.` patterns in a tree of domain labels read right to left, so a lookup costs
/// one hash probe per label of the request's host, whatever the number of patterns. No regular
/// expressions, no linear scan.
///
/// ```
/// use corsica::origin::{OriginMatcher, OriginPattern};
///
/// let patterns: Vec<_> = ["https://foo.com", "https://bar.com", "https://*.example.com"]
///     .iter()
///     .map(|p| OriginPattern::parse(p).unwrap())
///     .collect();
/// let m = OriginMatcher::new(&patterns);
/// assert!(m.matches(b"https://bar.com"));
/// assert!(m.matches(b"https://api.eu.example.com"));
/// assert!(!m.matches(b"https://barfoo.com"));
/// assert!(!m.matches(b"https://example.com.evil.com"));
/// assert!(!m.matches(b"null"));
/// ```
#[derive(Clone, Debug, Default)]
pub struct OriginMatcher {
    any: bool,
    null: bool,
    exact: HashSet<Box<str>, Fast>,
    /// `scheme://host` for `scheme://host:*` patterns.
    any_port: HashSet<Box<str>, Fast>,
    subdomains: Node,
}

#[derive(Clone, Debug, Default)]
struct Node {
    children: HashMap<Box<str>, Node, Fast>,
    /// `*.` patterns whose domain ends at this node: (scheme, ports).
    rules: Vec<(Box<str>, PortPattern)>,
}

impl OriginMatcher {
    /// Compiles `patterns`.
    pub fn new<'a>(patterns: impl IntoIterator<Item = &'a OriginPattern>) -> Self {
        let mut m = OriginMatcher::default();
        for p in patterns {
            match &p.kind {
                PatternKind::Any => m.any = true,
                PatternKind::Null => m.null = true,
                PatternKind::Exact(o) => {
                    m.exact.insert(o.as_str().into());
                }
                PatternKind::AnyPort { scheme, host } => {
                    m.any_port.insert(format!("{scheme}://{host}").into());
                }
                PatternKind::Subdomains {
                    scheme,
                    domain,
                    port,
                } => {
                    let node = domain.rsplit('.').fold(&mut m.subdomains, |node, label| {
                        node.children.entry(label.into()).or_default()
                    });
                    node.rules.push((scheme.clone(), *port));
                }
            }
        }
        m
    }

    /// Whether a request's raw `Origin` header value matches one of the patterns. `null` matches
    /// only a `null` or `*` pattern; a value that is not a canonical origin matches only `*`.
    pub fn matches(&self, origin: &[u8]) -> bool {
        if self.any {
            return true;
        }
        if origin == b"null" {
            return self.null;
        }
        OriginRef::parse(origin).is_some_and(|o| self.matches_origin(&o))
    }

    /// `origin` as text when it is, byte for byte, one of the exact origins. Exact origins are
    /// stored in canonical form, so such a value is canonical too: it needs no parsing.
    pub(crate) fn exact_match<'a>(&self, origin: &'a [u8]) -> Option<&'a str> {
        let text = std::str::from_utf8(origin).ok()?;
        self.exact.contains(text).then_some(text)
    }

    /// Whether a parsed request origin matches one of the patterns.
    pub fn matches_origin(&self, o: &OriginRef<'_>) -> bool {
        if self.any || self.exact.contains(o.as_str()) {
            return true;
        }
        if !self.any_port.is_empty() && self.any_port.contains(o.without_port()) {
            return true;
        }
        self.matches_subdomain(o)
    }

    fn matches_subdomain(&self, o: &OriginRef<'_>) -> bool {
        let mut node = &self.subdomains;
        let mut rest = o.host();
        while let Some(dot) = rest.rfind('.') {
            let (left, label) = (&rest[..dot], &rest[dot + 1..]);
            let Some(child) = node.children.get(label) else {
                return false;
            };
            node = child;
            if !left.is_empty()
                && node
                    .rules
                    .iter()
                    .any(|(scheme, port)| &**scheme == o.scheme() && port.accepts(o.port()))
            {
                return true;
            }
            rest = left;
        }
        false
    }

    /// Whether the set contains `*`.
    pub fn is_any(&self) -> bool {
        self.any
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matcher(patterns: &[&str]) -> OriginMatcher {
        let patterns: Vec<_> = patterns
            .iter()
            .map(|p| OriginPattern::parse(p).unwrap())
            .collect();
        OriginMatcher::new(&patterns)
    }

    #[test]
    fn known_bypasses_are_refused() {
        let m = matcher(&[
            "https://example.com",
            "https://foo.com",
            "https://bar.com",
            "https://*.example.org",
        ]);
        for bad in [
            "https://example.com.evil.com",
            "https://evilexample.com",
            "https://barfoo.com",
            "https://foobar.com",
            "https://example.com@evil.com",
            "https://evil.com#.example.com",
            "https://Example.com",
            "https://example.com.",
            "https://example.com:443",
            "http://example.com",
            "https://example.org",
            "https://.example.org",
            "https://evilexample.org",
            "https://example.org.evil.com",
            "null",
            "",
        ] {
            assert!(!m.matches(bad.as_bytes()), "{bad} must not match");
        }
        for good in [
            "https://example.com",
            "https://bar.com",
            "https://a.example.org",
            "https://a.b.example.org",
        ] {
            assert!(m.matches(good.as_bytes()), "{good} must match");
        }
    }

    #[test]
    fn jub0bs_radix_regression() {
        let m = matcher(&[
            "https://cat",
            "https://concat",
            "https://kin",
            "https://pin",
        ]);
        assert!(!m.matches(b"https://pkin"));
        assert!(!m.matches(b"https://kpin"));
        assert!(m.matches(b"https://kin"));
    }

    #[test]
    fn ports_and_schemes() {
        let m = matcher(&["http://localhost:*", "https://*.example.com:8443"]);
        assert!(m.matches(b"http://localhost"));
        assert!(m.matches(b"http://localhost:3000"));
        assert!(!m.matches(b"https://localhost:3000"));
        assert!(m.matches(b"https://a.example.com:8443"));
        assert!(!m.matches(b"https://a.example.com"));
        assert!(!m.matches(b"http://a.example.com:8443"));
    }

    #[test]
    fn null_and_any() {
        assert!(matcher(&["null"]).matches(b"null"));
        assert!(matcher(&["*"]).matches(b"null"));
        assert!(matcher(&["*"]).matches(b"https://anything.example"));
    }
}
