use std::fmt;

use super::{
    MAX_ORIGIN_LEN, Origin, OriginError, OriginRef, default_port, is_canonical_scheme,
    is_special_scheme, parse_canonical_port,
};

/// Which ports an origin pattern accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PortPattern {
    /// No port in the serialization: the scheme's default.
    Default,
    /// This port.
    Exact(u16),
    /// Any port, or none (`:*`).
    Any,
}

impl PortPattern {
    pub(crate) fn accepts(self, port: Option<u16>) -> bool {
        match self {
            PortPattern::Default => port.is_none(),
            PortPattern::Exact(p) => port == Some(p),
            PortPattern::Any => true,
        }
    }
}

/// One entry of a policy's `origins` list.
///
/// | pattern | matches |
/// |---|---|
/// | `https://app.example.com` | that origin only |
/// | `https://*.example.com` | `https://a.example.com`, `https://a.b.example.com`, not `https://example.com` |
/// | `http://localhost:*` | `http://localhost` on any port |
/// | `https://*.example.com:*` | any subdomain, any port |
/// | `*` | any origin |
/// | `null` | the opaque origin |
///
/// Nothing else is accepted: no regular expressions, no `*` inside a label.
///
/// ```
/// use corsica::origin::OriginPattern;
///
/// let p = OriginPattern::parse("https://*.example.com").unwrap();
/// assert!(p.matches("https://a.b.example.com"));
/// assert!(!p.matches("https://example.com"));
/// assert!(!p.matches("https://example.com.evil.com"));
/// assert!(!p.matches("https://evilexample.com"));
///
/// assert!(OriginPattern::parse("https://*example.com").is_err());
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct OriginPattern {
    pub(crate) kind: PatternKind,
    text: Box<str>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum PatternKind {
    Any,
    Null,
    Exact(Origin),
    AnyPort {
        scheme: Box<str>,
        host: Box<str>,
    },
    Subdomains {
        scheme: Box<str>,
        domain: Box<str>,
        port: PortPattern,
    },
}

/// `scheme`, `host` and the port text of a `scheme://host[:port]` string, checked for everything
/// but the host's own syntax.
pub(crate) struct Parts<'a> {
    pub(crate) scheme: &'a str,
    pub(crate) host: &'a str,
    pub(crate) port: Option<&'a str>,
}

pub(crate) fn split(s: &str) -> Result<Parts<'_>, OriginError> {
    if s.is_empty() {
        return Err(OriginError::Empty);
    }
    if s.len() > MAX_ORIGIN_LEN {
        return Err(OriginError::TooLong);
    }
    let input = || Box::<str>::from(s);
    // "https://a.example, https://b.example": one string holding a list.
    if s.contains(',') || s.matches("://").count() > 1 {
        let first = s
            .split([',', ' ', '\t'])
            .find(|part| !part.is_empty())
            .unwrap_or(s);
        return Err(OriginError::List {
            input: input(),
            first: first.into(),
        });
    }
    if s.bytes()
        .any(|b| b.is_ascii_whitespace() || b.is_ascii_control())
    {
        return Err(OriginError::Whitespace { input: input() });
    }
    let Some((scheme, rest)) = s.split_once("://") else {
        return Err(OriginError::MissingScheme { input: input() });
    };
    if !is_canonical_scheme(scheme) {
        let lower = scheme.to_ascii_lowercase();
        if is_canonical_scheme(&lower) {
            // The rest may need fixing too (`HTTP://LOCALHOST:3000`): suggest the whole fix.
            let candidate = format!("{lower}://{rest}");
            let canonical = match OriginPattern::parse(&candidate) {
                Err(OriginError::NotCanonical { canonical, .. }) => canonical,
                _ => candidate.into(),
            };
            return Err(OriginError::NotCanonical {
                input: input(),
                canonical,
            });
        }
        return Err(OriginError::InvalidScheme { input: input() });
    }
    if matches!(scheme, "file" | "data" | "blob" | "about" | "javascript") {
        return Err(OriginError::OpaqueScheme { input: input() });
    }
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    if !tail.is_empty() {
        let canonical = format!("{scheme}://{authority}").into();
        return Err(if tail == "/" {
            OriginError::TrailingSlash {
                input: input(),
                canonical,
            }
        } else {
            OriginError::Path {
                input: input(),
                canonical,
            }
        });
    }
    if let Some((_, after)) = authority.rsplit_once('@') {
        return Err(OriginError::Userinfo {
            input: input(),
            canonical: format!("{scheme}://{after}").into(),
        });
    }
    let (host, port) = if authority.starts_with('[') {
        match authority.find(']') {
            Some(end) => {
                let (host, after) = authority.split_at(end + 1);
                match after.strip_prefix(':') {
                    Some(port) => (host, Some(port)),
                    None if after.is_empty() => (host, None),
                    None => {
                        return Err(OriginError::InvalidHost {
                            input: input(),
                            reason: "text after ']'".into(),
                        });
                    }
                }
            }
            None => {
                return Err(OriginError::InvalidHost {
                    input: input(),
                    reason: "unclosed '['".into(),
                });
            }
        }
    } else {
        match authority.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    if host.is_empty() {
        return Err(OriginError::InvalidHost {
            input: input(),
            reason: "empty host".into(),
        });
    }
    Ok(Parts { scheme, host, port })
}

pub(crate) fn parse_port(input: &str, scheme: &str, digits: &str) -> Result<u16, OriginError> {
    let port = parse_canonical_port(digits).ok_or_else(|| OriginError::InvalidPort {
        input: input.into(),
    })?;
    if Some(port) == default_port(scheme) {
        let canonical = input.replacen(&format!(":{digits}"), "", 1).into();
        return Err(OriginError::DefaultPort {
            input: input.into(),
            port,
            canonical,
        });
    }
    Ok(port)
}

/// Checks that `host` is written exactly as a browser serializes it.
pub(crate) fn check_host(
    input: &str,
    scheme: &str,
    host: &str,
    _port: Option<u16>,
) -> Result<HostKind, OriginError> {
    let canonical_with = |canonical_host: &str| -> Box<str> {
        let authority_start = scheme.len() + 3;
        let host_at = authority_start + input[authority_start..].find(host).unwrap_or(0);
        format!(
            "{}{}{}",
            &input[..host_at],
            canonical_host,
            &input[host_at + host.len()..]
        )
        .into()
    };
    if host.starts_with('.') || host.contains("..") {
        return Err(OriginError::InvalidHost {
            input: input.into(),
            reason: "a label is empty (a leading or doubled dot)".into(),
        });
    }
    if let Some(stripped) = host.strip_suffix('.') {
        return Err(OriginError::TrailingDot {
            input: input.into(),
            canonical: canonical_with(stripped),
        });
    }
    if is_special_scheme(scheme) {
        let parsed = url::Host::parse(host).map_err(|e| OriginError::InvalidHost {
            input: input.into(),
            reason: e.to_string().into(),
        })?;
        let canonical = parsed.to_string();
        // The URL Standard lets hosts contain `!$&'()*+,;=_{}~`; no browser loads such a site,
        // so a policy naming one holds a typo.
        if matches!(parsed, url::Host::Domain(_))
            && !canonical
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'))
        {
            return Err(OriginError::InvalidHost {
                input: input.into(),
                reason: "only letters, digits, '-', '.' and '_' are allowed".into(),
            });
        }
        if canonical != host {
            return Err(OriginError::NotCanonical {
                input: input.into(),
                canonical: canonical_with(&canonical),
            });
        }
        Ok(match parsed {
            url::Host::Domain(_) => HostKind::Domain,
            url::Host::Ipv4(_) | url::Host::Ipv6(_) => HostKind::Ip,
        })
    } else {
        if !host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'))
        {
            return Err(OriginError::InvalidHost {
                input: input.into(),
                reason: "only letters, digits, '-', '.' and '_' are allowed".into(),
            });
        }
        if host.bytes().any(|b| b.is_ascii_uppercase()) {
            return Err(OriginError::NotCanonical {
                input: input.into(),
                canonical: canonical_with(&host.to_ascii_lowercase()),
            });
        }
        Ok(HostKind::Domain)
    }
}

/// Whether `s` is written as a regular expression: anchors, escapes, groups, character classes,
/// alternation, `.*`/`.+`, or `/…/` delimiters. None of these can occur in an origin (the
/// brackets of an IPv6 address hold only hex digits, `:` and `.`).
fn looks_like_regex(s: &str) -> bool {
    let class = s.split('[').skip(1).any(|rest| {
        let inside = rest.split(']').next().unwrap_or(rest);
        inside.is_empty()
            || !inside
                .bytes()
                .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.')
    });
    class
        || s.contains(['^', '$', '\\', '(', ')', '|'])
        || any_char_repeated(s)
        || (s.len() > 2 && s.starts_with('/') && s.ends_with('/'))
}

/// Whether `s` has a regular expression's "any characters" (`.*`, `.+`) where no label could
/// be: at the start of the host, or not followed by a dot. (`https://foo.*.com` is a misplaced
/// wildcard, not a regular expression.)
fn any_char_repeated(s: &str) -> bool {
    let b = s.as_bytes();
    (1..b.len()).any(|i| {
        b[i - 1] == b'.'
            && matches!(b[i], b'*' | b'+')
            && (i < 2 || b[i - 2] == b'/' || b.get(i + 1) != Some(&b'.'))
    })
}

/// The pattern a regular expression most likely means (`^https://.*\.example\.com$` →
/// `https://*.example.com`), when the rewrite is a valid pattern.
fn regex_to_pattern(s: &str) -> Option<String> {
    let mut t = s;
    if t.len() > 2 && t.starts_with('/') && t.ends_with('/') {
        t = &t[1..t.len() - 1];
    }
    let t = t.trim_start_matches('^').trim_end_matches('$');
    let mut t = t.replace("\\.", ".").replace("\\/", "/");
    for any_label in [
        "([^.]+)",
        "[^.]+",
        "[^.]*",
        "[a-z]+",
        "[a-z0-9]+",
        "[a-z0-9-]+",
        "[\\w-]+",
        "\\w+",
        "(.*)",
        "(.+)",
        ".*",
        ".+",
    ] {
        t = t.replace(any_label, "*");
    }
    // Only a rewrite that is no longer regex-like is parsed (parsing a regex-like string would
    // come back here).
    (!looks_like_regex(&t) && OriginPattern::parse(&t).is_ok()).then_some(t)
}

pub(crate) enum HostKind {
    Domain,
    Ip,
}

impl OriginPattern {
    /// Parses an origin pattern strictly (see the table above).
    ///
    /// # Errors
    ///
    /// An [`OriginError`] naming the mistake and the fix.
    pub fn parse(s: &str) -> Result<Self, OriginError> {
        if looks_like_regex(s) {
            return Err(OriginError::RegularExpression {
                input: s.into(),
                suggestion: regex_to_pattern(s).map(Into::into),
            });
        }
        let kind = match s {
            "*" => PatternKind::Any,
            "null" => PatternKind::Null,
            _ => {
                let parts = split(s)?;
                let port = match parts.port {
                    None => PortPattern::Default,
                    Some("*") => PortPattern::Any,
                    Some(digits) => PortPattern::Exact(parse_port(s, parts.scheme, digits)?),
                };
                if let Some(domain) = parts.host.strip_prefix("*.") {
                    if domain.contains('*') {
                        return Err(OriginError::MisplacedWildcard { input: s.into() });
                    }
                    if let HostKind::Ip = check_host(s, parts.scheme, domain, None)? {
                        return Err(OriginError::WildcardOnIp { input: s.into() });
                    }
                    PatternKind::Subdomains {
                        scheme: parts.scheme.into(),
                        domain: domain.into(),
                        port,
                    }
                } else if parts.host.contains('*') {
                    return Err(OriginError::MisplacedWildcard { input: s.into() });
                } else {
                    check_host(s, parts.scheme, parts.host, None)?;
                    match port {
                        PortPattern::Any => PatternKind::AnyPort {
                            scheme: parts.scheme.into(),
                            host: parts.host.into(),
                        },
                        PortPattern::Default => {
                            PatternKind::Exact(Origin::from_parts(parts.scheme, parts.host, None))
                        }
                        PortPattern::Exact(p) => PatternKind::Exact(Origin::from_parts(
                            parts.scheme,
                            parts.host,
                            Some(p),
                        )),
                    }
                }
            }
        };
        Ok(OriginPattern {
            kind,
            text: s.into(),
        })
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// `*`: any origin.
    pub fn is_any(&self) -> bool {
        matches!(self.kind, PatternKind::Any)
    }

    /// `null`: the opaque origin.
    pub fn is_null(&self) -> bool {
        matches!(self.kind, PatternKind::Null)
    }

    /// The scheme this pattern is limited to (`None` for `*` and `null`).
    pub fn scheme(&self) -> Option<&str> {
        match &self.kind {
            PatternKind::Any | PatternKind::Null => None,
            PatternKind::Exact(o) => Some(o.scheme()),
            PatternKind::AnyPort { scheme, .. } | PatternKind::Subdomains { scheme, .. } => {
                Some(scheme)
            }
        }
    }

    /// The host, or for `*.` patterns the domain under which any subdomain matches.
    pub fn host(&self) -> Option<&str> {
        match &self.kind {
            PatternKind::Any | PatternKind::Null => None,
            PatternKind::Exact(o) => Some(o.host()),
            PatternKind::AnyPort { host, .. } => Some(host),
            PatternKind::Subdomains { domain, .. } => Some(domain),
        }
    }

    /// Whether this is a `*.domain` pattern.
    pub fn is_subdomain_wildcard(&self) -> bool {
        matches!(self.kind, PatternKind::Subdomains { .. })
    }

    /// Whether every origin this pattern matches is potentially trustworthy (`https`, `wss`, an
    /// extension scheme, or loopback): only those are safe to trust with credentials.
    pub fn is_secure(&self) -> bool {
        match &self.kind {
            PatternKind::Any | PatternKind::Null => false,
            PatternKind::Exact(o) => o.is_potentially_trustworthy(),
            PatternKind::AnyPort { scheme, host } => {
                super::is_secure_scheme(scheme) || super::is_loopback_host(host)
            }
            // Every subdomain of a loopback name (`localhost`, `app.localhost`) is loopback too.
            PatternKind::Subdomains { scheme, domain, .. } => {
                super::is_secure_scheme(scheme) || super::is_loopback_host(domain)
            }
        }
    }

    /// Whether `origin` (a request's `Origin` value) matches, by the plain definition: the
    /// reference the compiled [`OriginMatcher`](super::OriginMatcher) is tested against.
    pub fn matches(&self, origin: &str) -> bool {
        if self.is_any() {
            return true;
        }
        if origin == "null" {
            return matches!(self.kind, PatternKind::Any | PatternKind::Null);
        }
        let Some(o) = OriginRef::parse(origin.as_bytes()) else {
            return false;
        };
        match &self.kind {
            PatternKind::Any => true,
            PatternKind::Null => false,
            PatternKind::Exact(exact) => exact.as_str() == origin,
            PatternKind::AnyPort { scheme, host } => o.scheme() == &**scheme && o.host() == &**host,
            PatternKind::Subdomains {
                scheme,
                domain,
                port,
            } => {
                let host = o.host();
                o.scheme() == &**scheme
                    && port.accepts(o.port())
                    && host.len() > domain.len() + 1
                    && host.ends_with(&**domain)
                    && host.as_bytes()[host.len() - domain.len() - 1] == b'.'
            }
        }
    }
}

impl fmt::Display for OriginPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Debug for OriginPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "OriginPattern({:?})", &*self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepted_patterns() {
        for s in [
            "*",
            "null",
            "https://example.com",
            "https://*.example.com",
            "http://localhost:*",
            "https://*.example.com:*",
            "https://*.example.com:8443",
            "http://127.0.0.1:*",
            "http://[::1]:3000",
        ] {
            assert_eq!(OriginPattern::parse(s).unwrap().as_str(), s);
        }
    }

    #[test]
    fn refused_patterns_name_the_fix() {
        for (s, fix) in [
            ("https://*example.com", "leading label"),
            ("https://foo.*.com", "leading label"),
            ("*.example.com", "no scheme"),
            ("https://**.example.com", "leading label"),
            ("https://*.127.0.0.1", "IP address"),
            ("https://example.com:443", "write \"https://example.com\""),
            (
                "https://*.example.com:443",
                "write \"https://*.example.com\"",
            ),
            ("https://*.Example.com", "write \"https://*.example.com\""),
            ("https://example.com.", "write \"https://example.com\""),
            ("https://example.com/", "trailing slash"),
            ("https://*", "leading label"),
            ("http://localhost:**", "invalid port"),
            ("https://a.}example.com", "only letters"),
            ("https://.h", "label is empty"),
            ("https://*..example.com", "label is empty"),
            ("https://a..example.com", "label is empty"),
            ("h://.example", "label is empty"),
            ("HTTP://LOCALHOST:3000", "write \"http://localhost:3000\""),
            (
                "https://a.example, https://b.example",
                "several origins, but one entry is one origin (the first here is \"https://a.example\")",
            ),
            (
                "https://a.example,https://b.example",
                "the first here is \"https://a.example\"",
            ),
            (
                "^https://.*\\.example\\.com$",
                "no regular expressions: write \"https://*.example.com\"",
            ),
            (
                "https://[a-z0-9-]+\\.example\\.com",
                "write \"https://*.example.com\"",
            ),
            ("https://.*.example.com", "write \"https://*.example.com\""),
            (
                "https://(a|b).example.com",
                "no regular expressions: use exact",
            ),
            ("/https:\\/\\/a\\.example/", "write \"https://a.example\""),
        ] {
            let err = OriginPattern::parse(s).expect_err(s).to_string();
            assert!(err.contains(fix), "{s}: {err}");
        }
    }

    #[test]
    fn reference_matching() {
        let p = OriginPattern::parse("http://localhost:*").unwrap();
        assert!(p.matches("http://localhost"));
        assert!(p.matches("http://localhost:5173"));
        assert!(!p.matches("http://localhost.evil.com:5173"));
        assert!(!p.matches("https://localhost:5173"));
        let p = OriginPattern::parse("https://*.example.com:8443").unwrap();
        assert!(p.matches("https://a.example.com:8443"));
        assert!(!p.matches("https://a.example.com"));
        assert!(!p.matches("https://.example.com:8443"));
        assert!(OriginPattern::parse("null").unwrap().matches("null"));
        assert!(
            !OriginPattern::parse("https://example.com")
                .unwrap()
                .matches("null")
        );
    }
}
