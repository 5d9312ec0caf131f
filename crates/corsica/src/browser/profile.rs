//! The three browser engines as data: one CORS algorithm (the rest of this module), and per
//! engine only what differs — limits, the order of the preflight checks, which failures the
//! engine tells apart, what its console prints and what the script sees.
//!
//! Every difference here was measured in the real browsers (Chromium 156, Firefox 153 ESR,
//! WebKitGTK 2.50) by the differential suites in `corsica-cli/tests`, or read in the engine's
//! source where a test cannot observe it (cache limits), as each field's documentation says.

use std::fmt;
use std::str::FromStr;

use super::error::UnknownName;
use super::preflight::DEFAULT_MAX_AGE;

/// A browser engine corsica models.
///
/// ```
/// use corsica::browser::Engine;
/// let engine: Engine = "webkit".parse().unwrap();
/// assert_eq!(engine.profile().max_age_cap(), 600);
/// assert_eq!(engine.to_string(), "webkit");
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Engine {
    /// Chromium (Chrome, Edge, Opera, Brave…): Blink and its network service.
    #[default]
    Chromium,
    /// Firefox: Gecko's `nsCORSListenerProxy`.
    Firefox,
    /// WebKit (Safari, every iOS browser, WebKitGTK).
    WebKit,
}

impl Engine {
    /// The three engines, in this order.
    pub const ALL: [Engine; 3] = [Engine::Chromium, Engine::Firefox, Engine::WebKit];

    /// `chromium`, `firefox` or `webkit`.
    pub fn as_str(self) -> &'static str {
        match self {
            Engine::Chromium => "chromium",
            Engine::Firefox => "firefox",
            Engine::WebKit => "webkit",
        }
    }

    /// The engine's profile.
    pub fn profile(self) -> BrowserProfile {
        match self {
            Engine::Chromium => BrowserProfile::chromium(),
            Engine::Firefox => BrowserProfile::firefox(),
            Engine::WebKit => BrowserProfile::webkit(),
        }
    }
}

impl fmt::Display for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Engine {
    type Err = UnknownName;

    /// `chromium` (or `chrome`), `firefox`, `webkit` (or `safari`), any case.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "chromium" | "chrome" => Ok(Engine::Chromium),
            "firefox" | "gecko" => Ok(Engine::Firefox),
            "webkit" | "safari" => Ok(Engine::WebKit),
            _ => Err(UnknownName(s.to_string())),
        }
    }
}

/// How an engine tells `Access-Control-Allow-Origin` failures apart (the verdict is the same in
/// all three: only the error kind, hence the console text, differs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AllowOriginClasses {
    /// Chromium `CheckAccess`: the lines joined with `", "`; a space or a comma means several
    /// values; `null`, a value that is not a URL, and any other value are told apart.
    Chromium,
    /// Firefox `CheckRequestApproved`: more than one header *line* is its own error, checked
    /// first; every other wrong value is "does not match" (a single line `a, b` included).
    Firefox,
    /// WebKit `passesAccessControlCheck`: the lines joined; a comma means several origins;
    /// everything else, a missing header included, is "Origin … is not allowed".
    WebKit,
}

/// How an engine reads `Access-Control-Max-Age`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum MaxAgeSyntax {
    /// Chromium: an optional sign and digits fitting an `i64`; negative is 0 (no caching),
    /// anything else unparsable is the default.
    SignedOrDefault,
    /// Firefox: digits only; any other byte means "do not cache"; empty or absent is the
    /// default (`nsCORSListenerProxy.cpp`, `AddResultToCache`).
    DigitsOrNoCache,
    /// WebKit: an unsigned integer (`toUIntStrict`), anything else the default
    /// (`CrossOriginPreflightResultCache.cpp`).
    UnsignedOrDefault,
}

/// What differs between browser engines in the CORS protocol, as data: the one algorithm in
/// [`corsica::browser`](super) reads it at each point where engines part ways.
///
/// ```
/// use corsica::browser::{BrowserProfile, Engine};
///
/// let firefox = BrowserProfile::firefox();
/// assert_eq!(firefox.engine(), Engine::Firefox);
/// assert_eq!(firefox.max_age_cap(), 86_400);
/// assert_eq!(firefox.script_error(), "TypeError: NetworkError when attempting to fetch resource.");
/// assert!(!firefox.private_network_access());
///
/// // "users stayed broken for hours after the fix": how long each engine keeps a preflight
/// // answered with `Access-Control-Max-Age: 86400`.
/// let kept: Vec<u64> = [BrowserProfile::chromium(), BrowserProfile::firefox(), BrowserProfile::webkit()]
///     .iter()
///     .map(|p| p.cache_seconds(Some(b"86400")))
///     .collect();
/// assert_eq!(kept, [7200, 86_400, 600]);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BrowserProfile {
    engine: Engine,
    max_age_cap: u64,
    max_age_syntax: MaxAgeSyntax,
    private_network_access: bool,
    wildcard_covers_authorization: bool,
    allow_origin_classes: AllowOriginClasses,
    preflight_order: PreflightOrder,
    refused_header: RefusedHeader,
    refuses_ftp_first: bool,
    script_error: &'static str,
}

/// Which refused request header an engine's console names when several are refused, and how
/// it spells it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RefusedHeader {
    /// Chromium: the first in the script's order, lower-cased.
    ScriptOrder,
    /// Firefox: the first of `Access-Control-Request-Headers` (sorted, lower-cased).
    Sorted,
    /// WebKit: the first in its header map's order — the names WebKit knows first, then the
    /// others, each group in the script's order — spelled as the script wrote it.
    WebKitMapOrder,
}

/// Request header names WebKit knows (`HTTPHeaderNames.in`), which its header map keeps before
/// the others.
const WEBKIT_KNOWN_HEADERS: &[&str] = &[
    "accept",
    "accept-charset",
    "accept-encoding",
    "accept-language",
    "authorization",
    "cache-control",
    "connection",
    "content-disposition",
    "content-encoding",
    "content-language",
    "content-length",
    "content-location",
    "content-range",
    "content-type",
    "cookie",
    "date",
    "dnt",
    "expect",
    "host",
    "if-match",
    "if-modified-since",
    "if-none-match",
    "if-range",
    "if-unmodified-since",
    "last-event-id",
    "origin",
    "pragma",
    "range",
    "referer",
    "te",
    "upgrade-insecure-requests",
    "user-agent",
];

/// Whether WebKit's header map keeps `name` with the names it knows.
pub(crate) fn webkit_knows_header(name: &str) -> bool {
    WEBKIT_KNOWN_HEADERS
        .iter()
        .any(|known| known.eq_ignore_ascii_case(name))
}

/// In which order an engine runs the checks on a preflight response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PreflightOrder {
    /// Chromium: a redirect, the CORS check, the status; then both allow lists are parsed
    /// before the method and the headers are checked.
    Chromium,
    /// Firefox: the CORS check (on a redirect response too), a redirect, the status; then
    /// `Access-Control-Allow-Methods` is parsed and the method checked before
    /// `Access-Control-Allow-Headers` is parsed.
    Firefox,
    /// WebKit: the status (a redirect is a status that is not ok), the CORS check, then as
    /// Chromium.
    WebKit,
}

impl Default for BrowserProfile {
    fn default() -> Self {
        Self::chromium()
    }
}

impl BrowserProfile {
    /// Chromium: preflights cached up to 2 hours (`kMaxTimeout`), the CORS check on a preflight
    /// before its status, Private Network Access preflights, the most specific error kinds.
    pub const fn chromium() -> Self {
        BrowserProfile {
            engine: Engine::Chromium,
            max_age_cap: 7200,
            max_age_syntax: MaxAgeSyntax::SignedOrDefault,
            private_network_access: true,
            wildcard_covers_authorization: true,
            allow_origin_classes: AllowOriginClasses::Chromium,
            preflight_order: PreflightOrder::Chromium,
            refused_header: RefusedHeader::ScriptOrder,
            refuses_ftp_first: false,
            script_error: "TypeError: Failed to fetch",
        }
    }

    /// Firefox: preflights cached up to 24 hours, console lines with a reason code (the
    /// `security.properties` key), no Private Network Access.
    pub const fn firefox() -> Self {
        BrowserProfile {
            engine: Engine::Firefox,
            max_age_cap: 86_400,
            max_age_syntax: MaxAgeSyntax::DigitsOrNoCache,
            private_network_access: false,
            wildcard_covers_authorization: true,
            allow_origin_classes: AllowOriginClasses::Firefox,
            preflight_order: PreflightOrder::Firefox,
            refused_header: RefusedHeader::Sorted,
            refuses_ftp_first: false,
            script_error: "TypeError: NetworkError when attempting to fetch resource.",
        }
    }

    /// WebKit: preflights cached up to 10 minutes, the preflight's status checked before
    /// anything else (a redirected preflight is a bad status), one message for a missing and a
    /// wrong `Access-Control-Allow-Origin`, no Private Network Access.
    pub const fn webkit() -> Self {
        BrowserProfile {
            engine: Engine::WebKit,
            max_age_cap: 600,
            max_age_syntax: MaxAgeSyntax::UnsignedOrDefault,
            private_network_access: false,
            wildcard_covers_authorization: true,
            allow_origin_classes: AllowOriginClasses::WebKit,
            preflight_order: PreflightOrder::WebKit,
            refused_header: RefusedHeader::WebKitMapOrder,
            refuses_ftp_first: true,
            script_error: "TypeError: Load failed",
        }
    }

    /// Which engine this is.
    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// The longest the engine caches a preflight result, in seconds.
    pub fn max_age_cap(&self) -> u64 {
        self.max_age_cap
    }

    /// How long the engine caches a preflight result without a usable `Access-Control-Max-Age`
    /// (5 seconds in every engine, as the Fetch Standard says).
    pub fn default_max_age(&self) -> u64 {
        DEFAULT_MAX_AGE
    }

    /// Whether a preflight's status is checked before its CORS headers (WebKit), rather than
    /// after (Chromium, Firefox, the Fetch Standard's order of reporting).
    pub fn preflight_status_first(&self) -> bool {
        self.preflight_order == PreflightOrder::WebKit
    }

    pub(crate) fn preflight_order(&self) -> PreflightOrder {
        self.preflight_order
    }

    /// Whether a redirect refused for its scheme is reported at the location it pointed to
    /// (Chromium, Firefox), rather than at the URL that redirected (WebKit).
    pub(crate) fn reports_refused_redirect_at_location(&self) -> bool {
        self.engine != Engine::WebKit
    }

    /// Whether a preflight made after a redirect sends, and is checked against, the page's
    /// origin even when the redirect tainted the request's (Firefox: only the request itself
    /// then says `Origin: null`).
    pub(crate) fn preflight_ignores_taint(&self) -> bool {
        self.engine == Engine::Firefox
    }

    /// Whether a redirect to `ftp:` is refused before the redirect's CORS check (WebKit, which
    /// loads no FTP at all).
    pub(crate) fn refuses_ftp_first(&self) -> bool {
        self.refuses_ftp_first
    }

    /// Which refused request header the console names, and how.
    pub(crate) fn refused_header(&self) -> RefusedHeader {
        self.refused_header
    }

    /// Whether the engine sends Private Network Access preflights (Chromium only).
    pub fn private_network_access(&self) -> bool {
        self.private_network_access
    }

    /// Whether `Access-Control-Allow-Headers: *` lets `Authorization` through, which the Fetch
    /// Standard forbids: all three engines do today (Firefox with a console warning).
    pub fn wildcard_covers_authorization(&self) -> bool {
        self.wildcard_covers_authorization
    }

    /// What `String(error)` is in the page when a `fetch()` is blocked.
    pub fn script_error(&self) -> &'static str {
        self.script_error
    }

    pub(crate) fn allow_origin_classes(&self) -> AllowOriginClasses {
        self.allow_origin_classes
    }

    /// Reads an `Access-Control-Max-Age` value (all its lines joined, or `None` when absent) as
    /// this engine does, before the cap: the seconds, 0 meaning "not cached".
    pub fn max_age(&self, value: Option<&[u8]>) -> u64 {
        let Some(value) = value else {
            return DEFAULT_MAX_AGE;
        };
        let digits = |v: &[u8]| !v.is_empty() && v.iter().all(u8::is_ascii_digit);
        let parse = |v: &[u8]| -> Option<u64> {
            // Digits only: ASCII. Too large for u64 still means "very long".
            let text: String = v.iter().map(|&b| char::from(b)).collect();
            Some(text.parse::<u64>().unwrap_or(u64::MAX))
        };
        match self.max_age_syntax {
            MaxAgeSyntax::SignedOrDefault => super::preflight::parse_max_age(Some(value)),
            MaxAgeSyntax::DigitsOrNoCache if value.is_empty() => DEFAULT_MAX_AGE,
            MaxAgeSyntax::DigitsOrNoCache if digits(value) => parse(value).unwrap_or(0),
            MaxAgeSyntax::DigitsOrNoCache => 0,
            MaxAgeSyntax::UnsignedOrDefault if digits(value) && value.len() <= 10 => parse(value)
                .filter(|&n| n <= u64::from(u32::MAX))
                .unwrap_or(DEFAULT_MAX_AGE),
            MaxAgeSyntax::UnsignedOrDefault => DEFAULT_MAX_AGE,
        }
    }

    /// How long this engine really keeps a preflight answered with `Access-Control-Max-Age:
    /// value` (`None`: no such header): [`max_age`](Self::max_age) under the cap.
    pub fn cache_seconds(&self, value: Option<&[u8]>) -> u64 {
        self.max_age(value).min(self.max_age_cap)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_age_per_engine() {
        let [c, f, w] = Engine::ALL.map(Engine::profile);
        for (value, expect) in [
            (None, [5, 5, 5]),
            (Some(&b"600"[..]), [600, 600, 600]),
            (Some(b"-1"), [0, 0, 5]),
            (Some(b"abc"), [5, 0, 5]),
            (Some(b""), [5, 5, 5]),
            (Some(b"0"), [0, 0, 0]),
            (Some(b"100000"), [7200, 86_400, 600]),
        ] {
            assert_eq!(
                [
                    c.cache_seconds(value),
                    f.cache_seconds(value),
                    w.cache_seconds(value)
                ],
                expect,
                "{value:?}"
            );
        }
    }

    #[test]
    fn names() {
        for e in Engine::ALL {
            assert_eq!(e.as_str().parse::<Engine>(), Ok(e));
            assert_eq!(e.profile().engine(), e);
        }
        assert_eq!("Safari".parse::<Engine>(), Ok(Engine::WebKit));
        assert!("opera".parse::<Engine>().is_err());
    }
}
