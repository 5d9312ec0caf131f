//! What a recorded request says about the page that made it: its origin, whether it was a
//! script's CORS-mode request, its credentials mode, and which of its headers the script set.
//!
//! A HAR records what went on the wire, not the `fetch()` call: these are read from the traces
//! browsers leave in the request. The CORS rules themselves stay in the engine.

use corsica::Origin;
use url::Url;

use super::file::{Entry, Page};

/// Where the page's origin was read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum OriginSource {
    /// The request's `Origin` header: the browser's own statement, sent on every CORS request
    /// (Fetch "append a request `Origin` header").
    OriginHeader,
    /// The origin of the `Referer` (Chromium's and Firefox's default referrer policy,
    /// strict-origin-when-cross-origin, sends at least the origin to another origin).
    Referer,
    /// The URL of the entry's page (`pages[].title`, where Chromium writes the page's URL).
    PageUrl,
}

impl OriginSource {
    /// The JSON name.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            OriginSource::OriginHeader => "origin-header",
            OriginSource::Referer => "referer",
            OriginSource::PageUrl => "page",
        }
    }

    /// How the text output says it.
    pub(crate) fn words(self) -> &'static str {
        match self {
            OriginSource::OriginHeader => "its Origin header",
            OriginSource::Referer => "its Referer",
            OriginSource::PageUrl => "the page's URL",
        }
    }
}

/// The page's origin for `entry`, and where it came from; `None` when the recording does not
/// tell.
pub(crate) fn page_origin(entry: &Entry, pages: &[Page]) -> Option<(Origin, OriginSource)> {
    if let Some(origin) = entry
        .header("origin")
        .and_then(|v| std::str::from_utf8(v).ok())
        .and_then(|v| Origin::parse(v).ok())
    {
        return Some((origin, OriginSource::OriginHeader));
    }
    let tuple = |url: Url| {
        let origin = Origin::from_url(&url);
        (!origin.is_opaque()).then_some(origin)
    };
    if let Some(origin) = entry
        .header("referer")
        .and_then(|v| std::str::from_utf8(v).ok())
        .and_then(|v| Url::parse(v).ok())
        .and_then(tuple)
    {
        return Some((origin, OriginSource::Referer));
    }
    let page = pages
        .iter()
        .find(|p| Some(&p.id) == entry.pageref.as_ref())?;
    let origin = Url::parse(&page.title).ok().and_then(tuple)?;
    Some((origin, OriginSource::PageUrl))
}

/// Whether `entry` is a request a script made in CORS mode (`fetch()`, `XMLHttpRequest`):
/// `Sec-Fetch-Mode: cors`, Chromium's resource type `fetch` or `xhr`, or an `Origin` header on
/// any method but `POST` (browsers send `Origin` on a `GET` or `HEAD` only in CORS mode, and
/// only forms and scripts send other methods, forms only `POST`). Images, scripts, stylesheets
/// and navigations are `no-cors` or `navigate`: CORS does not apply to them.
pub(crate) fn is_cors_mode(entry: &Entry) -> bool {
    if let Some(mode) = entry.header("sec-fetch-mode") {
        return mode.eq_ignore_ascii_case(b"cors");
    }
    if matches!(entry.resource_type.as_deref(), Some("fetch" | "xhr")) {
        return true;
    }
    entry.method != "POST" && entry.header("origin").is_some()
}

/// Headers a browser adds on its own, which the recording shows among the script's: the
/// engine drops the forbidden ones itself; these others are not forbidden to scripts, so when
/// the recording has them they are taken as the browser's (devtools' "Disable cache" adds
/// `Cache-Control` and `Pragma`, the HTTP cache `If-None-Match`, Chromium `Priority`).
const ADDED_BY_BROWSERS: [&str; 11] = [
    "user-agent",
    "accept-language",
    "cache-control",
    "pragma",
    "priority",
    "if-none-match",
    "if-modified-since",
    "upgrade-insecure-requests",
    "dnt",
    "x-client-data",
    "purpose",
];

/// The headers the script set, as far as the recording shows: every recorded header but the
/// HTTP/2 pseudo-headers and the ones browsers add ([`ADDED_BY_BROWSERS`]), unless the recorded
/// preflight's `Access-Control-Request-Headers` (`asked`) names them. Forbidden ones
/// (`Cookie`, `Origin`, `Sec-*`, …) are left for the engine to drop, as `fetch()` does.
pub(crate) fn script_headers(entry: &Entry, asked: &[String]) -> Vec<(String, Vec<u8>)> {
    entry
        .headers
        .iter()
        .filter(|(name, value)| {
            let lower = name.to_ascii_lowercase();
            // `Accept: */*` is what fetch() sends when the script sets none.
            let default = lower == "accept" && value == b"*/*";
            !name.starts_with(':')
                && !default
                && (!ADDED_BY_BROWSERS.contains(&lower.as_str()) || asked.contains(&lower))
        })
        .cloned()
        .collect()
}

/// The names in a recorded preflight's `Access-Control-Request-Headers`, lower-cased.
pub(crate) fn asked_headers(preflight: &Entry) -> Vec<String> {
    preflight
        .header("access-control-request-headers")
        .map(|v| {
            String::from_utf8_lossy(v)
                .split(',')
                .map(|n| n.trim().to_ascii_lowercase())
                .filter(|n| !n.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn entry(method: &str, headers: &[(&str, &str)]) -> Entry {
        Entry {
            index: 0,
            pageref: Some("p".into()),
            started_text: String::new(),
            started: Duration::ZERO,
            resource_type: None,
            method: method.into(),
            url: "http://api.test/x".parse().unwrap(),
            headers: headers
                .iter()
                .map(|(n, v)| ((*n).to_string(), v.as_bytes().to_vec()))
                .collect(),
            cookies: false,
            body: None,
            response: None,
            failure: None,
        }
    }

    #[test]
    fn the_origin_header_then_the_referer_then_the_page() {
        let pages = [Page {
            id: "p".into(),
            title: "https://page.test/app/".into(),
        }];
        let e = entry(
            "GET",
            &[("Origin", "null"), ("Referer", "https://ref.test/a")],
        );
        let (o, from) = page_origin(&e, &pages).unwrap();
        assert_eq!((o.as_str(), from), ("null", OriginSource::OriginHeader));
        let e = entry("GET", &[("Referer", "https://ref.test/a")]);
        let (o, from) = page_origin(&e, &pages).unwrap();
        assert_eq!(
            (o.as_str(), from),
            ("https://ref.test", OriginSource::Referer)
        );
        let (o, from) = page_origin(&entry("GET", &[]), &pages).unwrap();
        assert_eq!(
            (o.as_str(), from),
            ("https://page.test", OriginSource::PageUrl)
        );
        assert!(page_origin(&entry("GET", &[]), &[]).is_none());
    }

    #[test]
    fn cors_mode_from_the_traces_browsers_leave() {
        assert!(is_cors_mode(&entry("GET", &[("Sec-Fetch-Mode", "cors")])));
        assert!(!is_cors_mode(&entry(
            "GET",
            &[("Sec-Fetch-Mode", "no-cors"), ("Origin", "https://a.test")]
        )));
        assert!(is_cors_mode(&entry("GET", &[("Origin", "https://a.test")])));
        // A form POST sends Origin too.
        assert!(!is_cors_mode(&entry(
            "POST",
            &[("Origin", "https://a.test")]
        )));
        let mut e = entry("POST", &[]);
        e.resource_type = Some("xhr".into());
        assert!(is_cors_mode(&e));
    }

    #[test]
    fn browser_added_headers_are_not_the_scripts() {
        let e = entry(
            "PUT",
            &[
                (":authority", "api.test"),
                ("Content-Type", "application/json"),
                ("Cache-Control", "no-cache"),
                ("Priority", "u=1, i"),
                ("X-Api-Key", "k"),
            ],
        );
        let names = |h: Vec<(String, Vec<u8>)>| h.into_iter().map(|(n, _)| n).collect::<Vec<_>>();
        assert_eq!(
            names(script_headers(&e, &[])),
            ["Content-Type", "X-Api-Key"]
        );
        assert_eq!(
            names(script_headers(&e, &["cache-control".into()])),
            ["Content-Type", "Cache-Control", "X-Api-Key"]
        );
    }
}
