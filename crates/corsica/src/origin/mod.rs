//! Origins (URL Standard §4 "Origin"; Fetch §3.2 "`Origin` header").
//!
//! An [`Origin`] is either a tuple (scheme, host, port) or opaque. Its ASCII serialization is
//! what browsers send in the `Origin` header and expect back in `Access-Control-Allow-Origin`:
//! `scheme "://" host [":" port]`, with the default port left out, no trailing slash, the host
//! lower-case and in punycode, and `null` for an opaque origin.

mod error;
mod matcher;
mod pattern;

use std::fmt;
use std::str::FromStr;

pub use error::OriginError;
pub use matcher::OriginMatcher;
pub use pattern::{OriginPattern, PortPattern};

/// Longest `Origin` header value the hot path looks at. A scheme of 64 bytes, a 253-byte host
/// and a port fit; anything longer is not an origin a browser sends, and is refused unread.
pub const MAX_ORIGIN_LEN: usize = 384;

/// An origin: a (scheme, host, port) tuple, or opaque (`null`).
///
/// Parse one from its serialization with [`Origin::parse`] (strict: only the exact form a
/// browser sends is accepted, so configuration mistakes surface as errors) or take the origin of
/// a URL with [`Origin::from_url`].
///
/// ```
/// use corsica::Origin;
///
/// let o = Origin::parse("https://app.example.com:8443").unwrap();
/// assert_eq!(o.scheme(), "https");
/// assert_eq!(o.host(), "app.example.com");
/// assert_eq!(o.port(), Some(8443));
/// assert_eq!(o.to_string(), "https://app.example.com:8443");
///
/// // Only the canonical serialization is accepted, and the error says how to write it.
/// let err = Origin::parse("https://App.Example.com/").unwrap_err();
/// assert!(err.to_string().contains("trailing slash"));
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Origin {
    repr: Repr,
}

#[derive(Clone, PartialEq, Eq, Hash)]
enum Repr {
    Opaque,
    Tuple {
        serialized: Box<str>,
        /// `serialized[..scheme_end]` is the scheme.
        scheme_end: usize,
        /// `serialized[scheme_end + 3..host_end]` is the host.
        host_end: usize,
        port: Option<u16>,
    },
}

/// The port a scheme uses when a URL names none (URL Standard "default port").
pub(crate) fn default_port(scheme: &str) -> Option<u16> {
    match scheme {
        "http" | "ws" => Some(80),
        "https" | "wss" => Some(443),
        "ftp" => Some(21),
        _ => None,
    }
}

/// Whether the URL Standard calls `scheme` special (its hosts are domains or IP addresses).
pub(crate) fn is_special_scheme(scheme: &str) -> bool {
    matches!(scheme, "http" | "https" | "ws" | "wss" | "ftp")
}

impl Origin {
    /// The opaque origin, serialized as `null` (sandboxed iframes, `data:` URLs, redirect-tainted
    /// requests).
    pub fn opaque() -> Self {
        Origin { repr: Repr::Opaque }
    }

    /// Parses the ASCII serialization of an origin, accepting only the exact form browsers send.
    ///
    /// `null` gives the opaque origin. Anything that is not canonical (upper case, a default
    /// port, a path or trailing slash, userinfo, a Unicode host, a non-canonical IP address) is an
    /// error whose message names the fix.
    ///
    /// # Errors
    ///
    /// An [`OriginError`] saying what is wrong and, where there is one, the canonical spelling.
    pub fn parse(s: &str) -> Result<Self, OriginError> {
        if s == "null" {
            return Ok(Self::opaque());
        }
        if s == "*" {
            return Err(OriginError::Wildcard { input: s.into() });
        }
        let parts = pattern::split(s)?;
        if parts.host.contains('*') || parts.port == Some("*") {
            return Err(OriginError::Wildcard { input: s.into() });
        }
        let port = parts
            .port
            .map(|p| pattern::parse_port(s, parts.scheme, p))
            .transpose()?;
        pattern::check_host(s, parts.scheme, parts.host, port)?;
        Ok(Self::from_parts(parts.scheme, parts.host, port))
    }

    /// The origin of `url` (URL Standard): a tuple for `http`, `https`, `ws`, `wss` and `ftp`
    /// URLs, opaque for everything else (`data:`, `file:`, `blob:` of an opaque origin, …).
    ///
    /// ```
    /// let url = url::Url::parse("https://API.example.com:443/v1?x=1").unwrap();
    /// assert_eq!(corsica::Origin::from_url(&url).to_string(), "https://api.example.com");
    /// ```
    pub fn from_url(url: &url::Url) -> Self {
        match url.origin() {
            url::Origin::Tuple(scheme, host, port) => {
                let port = (Some(port) != default_port(&scheme)).then_some(port);
                Self::from_parts(&scheme, &host.to_string(), port)
            }
            url::Origin::Opaque(_) => Self::opaque(),
        }
    }

    pub(crate) fn from_parts(scheme: &str, host: &str, port: Option<u16>) -> Self {
        let mut serialized = String::with_capacity(scheme.len() + 3 + host.len() + 6);
        serialized.push_str(scheme);
        serialized.push_str("://");
        serialized.push_str(host);
        let host_end = serialized.len();
        if let Some(port) = port {
            serialized.push(':');
            serialized.push_str(&port.to_string());
        }
        Origin {
            repr: Repr::Tuple {
                serialized: serialized.into_boxed_str(),
                scheme_end: scheme.len(),
                host_end,
                port,
            },
        }
    }

    /// Whether this is the opaque origin (`null`).
    pub fn is_opaque(&self) -> bool {
        matches!(self.repr, Repr::Opaque)
    }

    /// The ASCII serialization: what goes in `Origin` and `Access-Control-Allow-Origin`.
    pub fn as_str(&self) -> &str {
        match &self.repr {
            Repr::Opaque => "null",
            Repr::Tuple { serialized, .. } => serialized,
        }
    }

    /// The scheme (`https`), or `""` for the opaque origin.
    pub fn scheme(&self) -> &str {
        match &self.repr {
            Repr::Opaque => "",
            Repr::Tuple {
                serialized,
                scheme_end,
                ..
            } => &serialized[..*scheme_end],
        }
    }

    /// The serialized host (`example.com`, `127.0.0.1`, `[::1]`), or `""` for the opaque origin.
    pub fn host(&self) -> &str {
        match &self.repr {
            Repr::Opaque => "",
            Repr::Tuple {
                serialized,
                scheme_end,
                host_end,
                ..
            } => &serialized[scheme_end + 3..*host_end],
        }
    }

    /// The port, when it is not the scheme's default.
    pub fn port(&self) -> Option<u16> {
        match &self.repr {
            Repr::Opaque => None,
            Repr::Tuple { port, .. } => *port,
        }
    }

    /// The port, or the scheme's default port when the serialization leaves it out.
    pub fn port_or_default(&self) -> Option<u16> {
        self.port().or_else(|| default_port(self.scheme()))
    }

    /// Same origin (HTML Standard): two tuple origins with equal scheme, host and port. An opaque
    /// origin is never same origin with another origin here, because its identity is lost once
    /// serialized as `null`.
    pub fn is_same_origin(&self, other: &Origin) -> bool {
        !self.is_opaque() && !other.is_opaque() && self.as_str() == other.as_str()
    }

    /// Whether a browser treats this origin as potentially trustworthy (Secure Contexts §3.1):
    /// `https`/`wss`, a browser extension's scheme (which browsers count as secure), or a
    /// loopback host (`localhost`, `*.localhost`, `127.0.0.0/8`, `[::1]`). Other `http` origins
    /// can be impersonated by anyone on the network path.
    pub fn is_potentially_trustworthy(&self) -> bool {
        is_secure_scheme(self.scheme()) || is_loopback_host(self.host())
    }
}

/// Whether every origin with this scheme is potentially trustworthy (Secure Contexts §3.1 step
/// 4 and 5): `https`, `wss`, and the schemes browsers give their extensions.
pub(crate) fn is_secure_scheme(scheme: &str) -> bool {
    matches!(
        scheme,
        "https" | "wss" | "chrome-extension" | "moz-extension" | "safari-web-extension"
    )
}

/// Whether `host` (serialized) names the loopback interface.
pub(crate) fn is_loopback_host(host: &str) -> bool {
    if host == "localhost" || host.ends_with(".localhost") || host == "[::1]" {
        return true;
    }
    host.parse::<std::net::Ipv4Addr>()
        .is_ok_and(|ip| ip.is_loopback())
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Origin({:?})", self.as_str())
    }
}

impl FromStr for Origin {
    type Err = OriginError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// A borrowed, already-checked view of a request's `Origin` header value: the hot path's origin.
///
/// [`OriginRef::parse`] is lenient in what it does (no allocation, no IDNA, bounded by
/// [`MAX_ORIGIN_LEN`]) but strict in what it accepts: only the canonical serialization a browser
/// sends. Anything else (upper case, a default port, a path, userinfo, bytes outside ASCII) gives
/// `None`, which a policy treats as a disallowed origin.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OriginRef<'a> {
    serialized: &'a str,
    scheme: &'a str,
    host: &'a str,
    port: Option<u16>,
}

impl<'a> OriginRef<'a> {
    /// Parses a request's `Origin` header value. `null` and non-canonical values give `None`.
    ///
    /// ```
    /// use corsica::origin::OriginRef;
    /// let o = OriginRef::parse(b"http://localhost:3000").unwrap();
    /// assert_eq!((o.scheme(), o.host(), o.port()), ("http", "localhost", Some(3000)));
    /// assert!(OriginRef::parse(b"https://example.com:443").is_none()); // default port
    /// assert!(OriginRef::parse(b"https://Example.com").is_none());
    /// assert!(OriginRef::parse(b"null").is_none());
    /// ```
    pub fn parse(bytes: &'a [u8]) -> Option<Self> {
        // One pass over bytes, no searching: the hot path sees this for every CORS request.
        if bytes.len() > MAX_ORIGIN_LEN {
            return None;
        }
        let scheme_end = bytes.iter().position(|&b| b == b':')?;
        let after_scheme = bytes.get(scheme_end..scheme_end + 3)?;
        if after_scheme != b"://" || !is_canonical_scheme_bytes(&bytes[..scheme_end]) {
            return None;
        }
        let host_start = scheme_end + 3;
        let rest = &bytes[host_start..];
        let host_len = if rest.first() == Some(&b'[') {
            let close = rest.iter().position(|&b| b == b']')?;
            let addr = &rest[1..close];
            if addr.is_empty()
                || !addr
                    .iter()
                    .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f' | b':' | b'.'))
            {
                return None;
            }
            close + 1
        } else {
            let mut previous = b'.'; // a leading dot is refused like an empty label
            let mut len = 0;
            for &b in rest {
                match b {
                    b':' => break,
                    b'.' if previous == b'.' => return None,
                    b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => {}
                    _ => return None,
                }
                previous = b;
                len += 1;
            }
            if len == 0 {
                return None;
            }
            len
        };
        let port = match &rest[host_len..] {
            [] => None,
            [b':', digits @ ..] => {
                let port = parse_canonical_port_bytes(digits)?;
                let scheme = std::str::from_utf8(&bytes[..scheme_end]).ok()?;
                if Some(port) == default_port(scheme) {
                    return None;
                }
                Some(port)
            }
            _ => return None,
        };
        // Every byte was checked to be ASCII above.
        let serialized = std::str::from_utf8(bytes).ok()?;
        Some(OriginRef {
            serialized,
            scheme: &serialized[..scheme_end],
            host: &serialized[host_start..host_start + host_len],
            port,
        })
    }

    /// The whole serialization, as received.
    pub fn as_str(&self) -> &'a str {
        self.serialized
    }

    /// The scheme.
    pub fn scheme(&self) -> &'a str {
        self.scheme
    }

    /// The host as serialized (IPv6 addresses keep their brackets).
    pub fn host(&self) -> &'a str {
        self.host
    }

    /// The explicit port; `None` means the scheme's default.
    pub fn port(&self) -> Option<u16> {
        self.port
    }

    /// `scheme://host`, the serialization without its port.
    pub fn without_port(&self) -> &'a str {
        &self.serialized[..self.scheme.len() + 3 + self.host.len()]
    }
}

/// `[a-z][a-z0-9+.-]*`: a scheme as serialized in an origin.
pub(crate) fn is_canonical_scheme(scheme: &str) -> bool {
    is_canonical_scheme_bytes(scheme.as_bytes())
}

fn is_canonical_scheme_bytes(bytes: &[u8]) -> bool {
    matches!(bytes.first(), Some(b'a'..=b'z'))
        && bytes.len() <= 64
        && bytes
            .iter()
            .all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'+' | b'.' | b'-'))
}

/// Decimal digits without a leading zero, 1..=65535.
pub(crate) fn parse_canonical_port(digits: &str) -> Option<u16> {
    parse_canonical_port_bytes(digits.as_bytes())
}

fn parse_canonical_port_bytes(digits: &[u8]) -> Option<u16> {
    if digits.is_empty() || digits.len() > 5 || digits[0] == b'0' {
        return None;
    }
    let mut port: u32 = 0;
    for &d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        port = port * 10 + u32::from(d - b'0');
    }
    u16::try_from(port).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_canonical_origins() {
        for s in [
            "https://example.com",
            "http://localhost:3000",
            "http://127.0.0.1:8080",
            "http://[::1]:8080",
            "https://xn--rsum-bpad.example",
            "chrome-extension://abcdefghijklmnop",
            "tauri://localhost",
        ] {
            let o = Origin::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"));
            assert_eq!(o.as_str(), s);
            assert_eq!(
                OriginRef::parse(s.as_bytes()).map(|r| r.as_str()),
                Some(s),
                "{s}"
            );
        }
    }

    #[test]
    fn refuse_non_canonical_origins() {
        for s in [
            "https://example.com/",
            "https://example.com/path",
            "https://Example.com",
            "HTTPS://example.com",
            "https://example.com:443",
            "http://example.com:80",
            "https://user@example.com",
            "https://example.com?x",
            "https://example.com#x",
            "https://résumé.example",
            "http://127.1",
            "http://[0:0:0:0:0:0:0:1]",
            "example.com",
            "https://",
            "https://example.com:0",
            "https://example.com:65536",
            "https://example.com:08080",
            " https://example.com",
            "https://exa mple.com",
            "file:///etc/passwd",
        ] {
            assert!(Origin::parse(s).is_err(), "{s} should be refused");
        }
    }

    #[test]
    fn hot_path_refuses_what_browsers_never_send() {
        for s in [
            &b"https://Example.com"[..],
            b"https://example.com:443",
            b"https://example.com/",
            b"https://user@example.com",
            b"https://example.com:",
            b"https://example.com:0",
            b"https://exa\xffmple.com",
            b"null",
            b"",
        ] {
            assert!(
                OriginRef::parse(s).is_none(),
                "{}",
                String::from_utf8_lossy(s)
            );
        }
        assert!(OriginRef::parse("https://a.com".repeat(100).as_bytes()).is_none());
    }

    #[test]
    fn from_url_drops_default_ports_and_paths() {
        for (url, want) in [
            ("https://example.com:443/a?b#c", "https://example.com"),
            ("http://EXAMPLE.com:8080/", "http://example.com:8080"),
            ("http://[::1]:80/", "http://[::1]"),
            (
                "https://xn--rsum-bpad.example/",
                "https://xn--rsum-bpad.example",
            ),
            ("https://résumé.example/", "https://xn--rsum-bpad.example"),
            ("data:text/plain,hi", "null"),
        ] {
            let url = url::Url::parse(url).unwrap();
            assert_eq!(Origin::from_url(&url).as_str(), want);
        }
    }

    #[test]
    fn same_origin() {
        let a = Origin::parse("https://a.example").unwrap();
        let b = Origin::parse("https://a.example:8443").unwrap();
        assert!(a.is_same_origin(&a.clone()));
        assert!(!a.is_same_origin(&b));
        assert!(!Origin::opaque().is_same_origin(&Origin::opaque()));
        assert_eq!(b.port_or_default(), Some(8443));
        assert_eq!(a.port_or_default(), Some(443));
    }

    #[test]
    fn trustworthy() {
        for (s, want) in [
            ("https://a.example", true),
            ("http://localhost:3000", true),
            ("http://app.localhost", true),
            ("http://127.0.0.2", true),
            ("http://[::1]", true),
            ("http://a.example", false),
            ("http://localhost.evil.com", false),
        ] {
            assert_eq!(
                Origin::parse(s).unwrap().is_potentially_trustworthy(),
                want,
                "{s}"
            );
        }
    }
}
