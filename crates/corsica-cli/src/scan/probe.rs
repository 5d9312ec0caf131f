//! The probes sent to one target, derived from its own host and registrable domain (the public
//! suffix list). Pure: a target in, a list of requests out.
//!
//! Every origin is built the way a browser builds it: parsed as a URL, then serialized
//! ([`Origin::from_url`]), so a probe is only ever an `Origin` some browser can send.

use corsica::Origin;
use url::{Host, Url};

use super::class::{Class, Reach};

/// A URL to scan, with what the probes are derived from.
#[derive(Clone, Debug)]
pub(crate) struct Target {
    /// The URL, as given.
    pub(crate) url: Url,
    /// Its origin.
    pub(crate) origin: Origin,
    /// Its host (a domain, or an IP address).
    host: String,
    /// Its registrable domain (eTLD+1), when the host is a domain under a known suffix.
    site: Option<String>,
}

impl Target {
    /// A target for `url` (`http` or `https`, with a host).
    pub(crate) fn new(url: Url) -> Result<Self, String> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(format!(
                "{url}: only http:// and https:// URLs can be scanned"
            ));
        }
        let (host, domain) = match url.host() {
            Some(Host::Domain(d)) => (d.to_string(), true),
            Some(Host::Ipv4(ip)) => (ip.to_string(), false),
            Some(Host::Ipv6(ip)) => (format!("[{ip}]"), false),
            None => return Err(format!("{url}: no host to scan")),
        };
        let site = domain
            .then(|| psl::domain(host.as_bytes()))
            .flatten()
            .filter(|d| d.suffix().is_known())
            .and_then(|d| std::str::from_utf8(d.as_bytes()).ok())
            .map(str::to_string);
        Ok(Target {
            origin: Origin::from_url(&url),
            url,
            host,
            site,
        })
    }

    /// The registrable domain, or the host itself when there is none (an IP address,
    /// `localhost`).
    pub(crate) fn site(&self) -> &str {
        self.site.as_deref().unwrap_or(&self.host)
    }

    /// Whether the host is an IP address.
    fn is_ip(&self) -> bool {
        matches!(self.url.host(), Some(Host::Ipv4(_) | Host::Ipv6(_)))
    }
}

/// What a probe sends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Shape {
    /// `GET` with an `Origin`, as `fetch(url)` from a page on that origin.
    Get,
    /// `GET` without an `Origin`: the baseline a cache could store.
    NoOrigin,
    /// The preflight of `fetch(url, {method, headers})`, with or without Private Network
    /// Access.
    Preflight {
        /// The request's method.
        method: String,
        /// The request's non-safelisted headers (names and values).
        headers: Vec<(String, String)>,
        /// Whether it is a Private Network Access request.
        private_network: bool,
    },
}

/// One request of a scan and the class it can prove.
#[derive(Clone, Debug)]
pub(crate) struct Probe {
    /// What a positive answer shows.
    pub(crate) class: ProbeFor,
    /// The page's origin (ignored for [`Shape::NoOrigin`]).
    pub(crate) origin: Origin,
    /// What is sent.
    pub(crate) shape: Shape,
    /// The URL (the target's, or a path next to it).
    pub(crate) url: Url,
}

/// What a probe is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ProbeFor {
    /// An origin an attacker can own, standing for `Class` with that reach.
    Trust(Class, Reach),
    /// A same-origin or no-origin baseline (passive checks only).
    Baseline,
    /// A preflight from an attacker origin.
    Preflight,
    /// A Private Network Access preflight from an attacker origin.
    PrivateNetwork,
    /// An error status with an origin the server allowed.
    ErrorStatus,
}

/// Shared hosts and playgrounds where anyone can publish a script (`{t}`: a random label).
const THIRD_PARTIES: &[&str] = &[
    "https://{t}.github.io",
    "https://codepen.io",
    "https://cdpn.io",
    "https://jsfiddle.net",
    "https://fiddle.jshell.net",
    "https://{t}.netlify.app",
    "https://{t}.vercel.app",
    "https://{t}.pages.dev",
    "http://jsbin.com",
];

/// Characters the URL Standard lets a domain contain that origin checks often forget
/// (`[^.]*`, `\w`): `_` is accepted by every browser, the others by some.
const SPECIAL: &[char] = &[
    '_', '!', '~', '$', '&', '\'', '(', ')', '*', '+', ',', ';', '=', '`', '{', '}',
];

/// The attacker's non-simple request in preflight probes.
pub(crate) const PROBE_METHOD: &str = "PUT";
/// The attacker's custom header in preflight probes.
pub(crate) const PROBE_HEADER: &str = "x-corsica-probe";

/// The probes for `target`, in the order they are sent; `label` is a random DNS label for
/// this run (so that a server allowing one well-known "evil" domain cannot hide), `max` caps
/// their number.
pub(crate) fn probes(target: &Target, label: &str, max: usize) -> Vec<Probe> {
    let scheme = target.url.scheme();
    let host = &target.host;
    let site = target.site();
    let evil = format!("{label}.com");
    let mut out = Vec::new();
    let mut push = |class: ProbeFor, origin: &str, shape: Shape| {
        if let Some(origin) = browser_origin(origin) {
            // One probe per origin and shape: two classes proving the same request add nothing.
            if !out
                .iter()
                .any(|p: &Probe| p.origin == origin && p.shape == shape)
                && origin != target.origin
            {
                out.push(Probe {
                    class,
                    origin,
                    shape,
                    url: target.url.clone(),
                });
            }
        }
    };
    let trust = |class, reach| ProbeFor::Trust(class, reach);
    let get = || Shape::Get;
    push(ProbeFor::Baseline, "", Shape::NoOrigin);
    push(
        trust(Class::OriginReflected, Reach::Anyone),
        &format!("{scheme}://{evil}"),
        get(),
    );
    push(trust(Class::NullTrusted, Reach::Anyone), "null", get());
    push(
        trust(Class::PrefixMatch, Reach::Anyone),
        &format!("{scheme}://{host}.{evil}"),
        get(),
    );
    if !target.is_ip() {
        push(
            trust(Class::PrefixMatch, Reach::Anyone),
            &format!("{scheme}://{site}.{evil}"),
            get(),
        );
        push(
            trust(Class::SuffixMatch, Reach::Anyone),
            &format!("{scheme}://{label}{site}"),
            get(),
        );
        push(
            trust(Class::SubstringMatch, Reach::Anyone),
            &format!("{scheme}://{label}{site}.{evil}"),
            get(),
        );
        // The site minus its first character, for checks that the target contains the origin.
        if let Some((_, rest)) = site.split_at_checked(1) {
            push(
                trust(Class::SubstringMatch, Reach::Anyone),
                &format!("{scheme}://{rest}"),
                get(),
            );
        }
        for dotless in regex_dot_hosts(host) {
            push(
                trust(Class::RegexDot, Reach::Anyone),
                &format!("{scheme}://{dotless}"),
                get(),
            );
        }
        push(
            trust(Class::AnySubdomain, Reach::Subdomain),
            &format!("{scheme}://{label}.{host}"),
            get(),
        );
        push(
            trust(Class::AnySubdomain, Reach::Subdomain),
            &format!("{scheme}://{label}.{site}"),
            get(),
        );
    }
    if scheme == "https" {
        push(
            trust(Class::HttpOrigin, Reach::Network),
            &format!("http://{host}"),
            get(),
        );
        if !target.is_ip() {
            push(
                trust(Class::HttpOrigin, Reach::Network),
                &format!("http://{label}.{site}"),
                get(),
            );
        }
    }
    for c in SPECIAL {
        push(
            trust(
                Class::SpecialCharacters,
                if *c == '_' {
                    Reach::Anyone
                } else {
                    Reach::SomeBrowsers
                },
            ),
            &format!("{scheme}://{host}{c}.{evil}"),
            get(),
        );
    }
    for third in THIRD_PARTIES {
        push(
            trust(Class::ThirdParty, Reach::Anyone),
            &third.replace("{t}", label),
            get(),
        );
    }
    push(
        trust(Class::LocalhostUnanchored, Reach::Anyone),
        &format!("https://localhost.{evil}"),
        get(),
    );
    push(
        trust(Class::LocalhostUnanchored, Reach::Anyone),
        &format!("http://localhost.{evil}"),
        get(),
    );
    let attacker = format!("https://{evil}");
    push(
        ProbeFor::Preflight,
        &attacker,
        Shape::Preflight {
            method: PROBE_METHOD.to_string(),
            headers: vec![(PROBE_HEADER.to_string(), "1".to_string())],
            private_network: false,
        },
    );
    push(
        ProbeFor::PrivateNetwork,
        &attacker,
        Shape::Preflight {
            method: "GET".to_string(),
            headers: Vec::new(),
            private_network: true,
        },
    );
    out.truncate(max);
    out
}

/// The probe for an error status: `origin`, which the server allowed, on a path next to the
/// target's that should not exist.
pub(crate) fn error_status_probe(target: &Target, origin: &Origin, label: &str) -> Probe {
    let mut url = target.url.clone();
    url.set_query(None);
    url.set_fragment(None);
    let path = format!(
        "{}/corsica-{label}-not-found",
        target.url.path().trim_end_matches('/')
    );
    url.set_path(&path);
    Probe {
        class: ProbeFor::ErrorStatus,
        origin: origin.clone(),
        shape: Shape::Get,
        url,
    }
}

/// The origin a browser on `text` (a URL's scheme and host) sends, if a browser can have it.
fn browser_origin(text: &str) -> Option<Origin> {
    match text {
        "" | "null" => Some(Origin::opaque()),
        _ => {
            let url = Url::parse(text).ok()?;
            let origin = Origin::from_url(&url);
            (!origin.is_opaque()).then_some(origin)
        }
    }
}

/// `host` with one of its dots replaced by a letter, where the result is a domain someone can
/// register (the dot left of the registrable domain: `api.example.com` → `apixexample.com`;
/// `exampleacom` has no public suffix and is dropped).
fn regex_dot_hosts(host: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (i, _) in host.match_indices('.') {
        let candidate = format!("{}x{}", &host[..i], &host[i + 1..]);
        let registrable = psl::domain(candidate.as_bytes()).is_some_and(|d| d.suffix().is_known());
        if registrable {
            out.push(candidate);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(url: &str) -> Target {
        Target::new(url.parse().unwrap()).unwrap()
    }

    fn origins(t: &Target, class: Class) -> Vec<String> {
        probes(t, "zq", 1000)
            .into_iter()
            .filter(|p| matches!(p.class, ProbeFor::Trust(c, _) if c == class))
            .map(|p| p.origin.to_string())
            .collect()
    }

    #[test]
    fn probes_come_from_the_host_and_the_registrable_domain() {
        let t = target("https://api.example.co.uk/v1/me");
        assert_eq!(t.site(), "example.co.uk");
        assert_eq!(origins(&t, Class::OriginReflected), ["https://zq.com"]);
        assert_eq!(origins(&t, Class::NullTrusted), ["null"]);
        assert_eq!(
            origins(&t, Class::PrefixMatch),
            [
                "https://api.example.co.uk.zq.com",
                "https://example.co.uk.zq.com"
            ]
        );
        assert_eq!(
            origins(&t, Class::SuffixMatch),
            // Not `zqapi.example.co.uk`: a subdomain of the site, which `*.` patterns allow.
            ["https://zqexample.co.uk"]
        );
        // Only replacements that leave a registrable domain: `example.coxuk` has no suffix.
        assert_eq!(
            origins(&t, Class::RegexDot),
            ["https://apixexample.co.uk", "https://api.examplexco.uk"]
        );
        assert_eq!(
            origins(&t, Class::HttpOrigin),
            ["http://api.example.co.uk", "http://zq.example.co.uk"]
        );
        let special = origins(&t, Class::SpecialCharacters);
        assert!(special.contains(&"https://api.example.co.uk_.zq.com".to_string()));
        assert!(special.contains(&"https://api.example.co.uk!.zq.com".to_string()));
        assert!(special.len() >= 10, "{special:?}");
    }

    #[test]
    fn ip_targets_get_the_probes_that_make_sense() {
        let t = target("http://127.0.0.1:8080/");
        assert_eq!(t.site(), "127.0.0.1");
        assert!(origins(&t, Class::SuffixMatch).is_empty());
        assert!(origins(&t, Class::HttpOrigin).is_empty());
        assert_eq!(origins(&t, Class::PrefixMatch), ["http://127.0.0.1.zq.com"]);
    }

    #[test]
    fn probes_are_capped_and_never_the_target_itself() {
        let t = target("https://example.com/");
        let all = probes(&t, "zq", 1000);
        assert!(all.iter().all(|p| p.origin != t.origin));
        assert_eq!(probes(&t, "zq", 5).len(), 5);
    }

    #[test]
    fn bad_targets_are_refused() {
        assert!(Target::new("ftp://x.example/".parse().unwrap()).is_err());
        assert!(Target::new("data:text/plain,x".parse().unwrap()).is_err());
    }

    #[test]
    fn the_error_status_probe_stays_on_the_target() {
        let t = target("https://example.com/api/items?x=1");
        let p = error_status_probe(&t, &t.origin, "zq");
        assert_eq!(
            p.url.as_str(),
            "https://example.com/api/items/corsica-zq-not-found"
        );
    }
}
