//! The headers Chromium adds on its own to every request of a `fetch()`, the preflight
//! included: Fetch Metadata (`Sec-Fetch-Site`, `Sec-Fetch-Mode`, `Sec-Fetch-Dest`) and
//! `Referer` as the default referrer policy, `strict-origin-when-cross-origin`, sets it. A
//! server that applies Fetch Metadata rules answers a tool sending them as it answers the
//! browser.

use crate::Origin;

use super::request::BrowserRequest;

/// `Sec-Fetch-Site` (Fetch Metadata §2.1): how the request's initiator relates to each URL of
/// the request so far; the least related wins.
fn site(origin: &Origin, request: &BrowserRequest) -> &'static str {
    if origin.is_opaque() {
        return "cross-site";
    }
    let mut site = "same-origin";
    for url in request.url_list() {
        let target = Origin::from_url(url);
        if origin.is_same_origin(&target) {
            continue;
        }
        if same_site(origin, &target) {
            site = "same-site";
        } else {
            return "cross-site";
        }
    }
    site
}

/// Schemeful same site (HTML "same site"): the same scheme and the same registrable domain
/// (or the same host when there is none, as for IP addresses and `localhost`).
fn same_site(a: &Origin, b: &Origin) -> bool {
    if a.scheme() != b.scheme() {
        return false;
    }
    let site = |host: &str| -> String {
        let host = host.to_ascii_lowercase();
        match psl::domain(host.as_bytes()) {
            Some(domain) if !host.starts_with('[') => {
                String::from_utf8_lossy(domain.as_bytes()).into_owned()
            }
            _ => host,
        }
    };
    site(a.host()) == site(b.host())
}

/// `Referer` under `strict-origin-when-cross-origin` for a page whose URL is not known beyond
/// its origin (Referrer Policy §8.3): the origin followed by `/` (the full URL would go only
/// to the same origin), nothing from an `https` page to an `http` URL, nothing from an opaque
/// origin.
fn referrer(origin: &Origin, request: &BrowserRequest) -> Option<String> {
    if origin.is_opaque() {
        return None;
    }
    let downgrade = origin.scheme() == "https" && request.url().scheme() == "http";
    (!downgrade).then(|| format!("{}/", origin.as_str()))
}

impl BrowserRequest {
    /// The headers Chromium adds on its own to the request to the current URL, preflight or
    /// not, besides `User-Agent`, `Accept-Language` and `Accept-Encoding`: `Sec-Fetch-Site`,
    /// `Sec-Fetch-Mode`, `Sec-Fetch-Dest` (Fetch Metadata) and `Referer` as the default
    /// referrer policy (`strict-origin-when-cross-origin`) sets it for a page of the request's
    /// origin.
    ///
    /// ```
    /// use corsica::Origin;
    /// use corsica::browser::BrowserRequest;
    ///
    /// let request = BrowserRequest::builder(
    ///     Origin::parse("https://app.example.com").unwrap(),
    ///     "https://api.example.com/data".parse().unwrap(),
    /// )
    /// .build()
    /// .unwrap();
    /// assert_eq!(
    ///     request.implicit_headers(),
    ///     [
    ///         ("Sec-Fetch-Site", "same-site".to_string()),
    ///         ("Sec-Fetch-Mode", "cors".to_string()),
    ///         ("Sec-Fetch-Dest", "empty".to_string()),
    ///         ("Referer", "https://app.example.com/".to_string()),
    ///     ]
    /// );
    /// ```
    pub fn implicit_headers(&self) -> Vec<(&'static str, String)> {
        let origin = self.origin();
        let mut headers = vec![
            ("Sec-Fetch-Site", site(origin, self).to_string()),
            ("Sec-Fetch-Mode", self.mode().as_str().to_string()),
            ("Sec-Fetch-Dest", "empty".to_string()),
        ];
        if let Some(referrer) = referrer(origin, self) {
            headers.push(("Referer", referrer));
        }
        headers
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(origin: &str, url: &str) -> Vec<(&'static str, String)> {
        BrowserRequest::builder(Origin::parse(origin).unwrap(), url.parse().unwrap())
            .build()
            .unwrap()
            .implicit_headers()
    }

    fn get<'a>(h: &'a [(&'static str, String)], name: &str) -> Option<&'a str> {
        h.iter().find(|(n, _)| *n == name).map(|(_, v)| v.as_str())
    }

    #[test]
    fn sites() {
        let h = headers("https://app.example.com", "https://app.example.com/x");
        assert_eq!(get(&h, "Sec-Fetch-Site"), Some("same-origin"));
        let h = headers("https://a.example.co.uk", "https://b.example.co.uk/");
        assert_eq!(get(&h, "Sec-Fetch-Site"), Some("same-site"));
        let h = headers("https://a.github.io", "https://b.github.io/");
        assert_eq!(get(&h, "Sec-Fetch-Site"), Some("cross-site"));
        let h = headers("http://app.example.com", "https://api.example.com/");
        assert_eq!(get(&h, "Sec-Fetch-Site"), Some("cross-site"));
        let h = headers("http://localhost:3000", "http://127.0.0.1:8080/");
        assert_eq!(get(&h, "Sec-Fetch-Site"), Some("cross-site"));
        let h = headers("http://localhost:3000", "http://localhost:8080/");
        assert_eq!(get(&h, "Sec-Fetch-Site"), Some("same-site"));
        let h = headers("null", "https://api.example/");
        assert_eq!(get(&h, "Sec-Fetch-Site"), Some("cross-site"));
        assert_eq!(get(&h, "Sec-Fetch-Mode"), Some("cors"));
        assert_eq!(get(&h, "Sec-Fetch-Dest"), Some("empty"));
    }

    #[test]
    fn referrer_is_the_origin_and_never_downgraded() {
        let h = headers("http://localhost:3000", "http://127.0.0.1:8080/x?y#z");
        assert_eq!(get(&h, "Referer"), Some("http://localhost:3000/"));
        let h = headers("https://app.example", "http://api.example/");
        assert_eq!(get(&h, "Referer"), None);
        let h = headers("null", "https://api.example/");
        assert_eq!(get(&h, "Referer"), None);
    }
}
