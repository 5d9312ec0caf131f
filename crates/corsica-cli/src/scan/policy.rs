//! `corsica scan --policy FILE`: does the live server enforce this policy? Probes derived from
//! the policy (each allowed origin and pattern and near-misses of each, each allowed and a
//! refused method and header, credentials, Private Network Access, each route), and a finding
//! for every probe where the browser's verdict on the live answer differs from its verdict on
//! the answer the engine decides ([`corsica::Policy::decide`]). Pure: no I/O.

use corsica::browser::{CredentialsMode, ResponseHead, exposed_headers};
use corsica::origin::OriginPattern;
use corsica::{Origin, Policy, RawRequest};
use url::Url;

use super::class::{Class, Severity};
use super::judge::{Answered, Evidence, Finding, browser_reads, browser_request, varies_by_origin};
use super::probe::{Probe, ProbeFor, Shape, Target};

/// A method no policy names, for the refused-method preflight.
const REFUSED_METHOD: &str = "PATCH";
/// A header no policy names, for the refused-header preflight.
const REFUSED_HEADER: &str = "x-corsica-refused";

/// The policy and what its probes are made of.
#[derive(Debug)]
pub(crate) struct PolicyProbes {
    policy: Policy,
}

impl PolicyProbes {
    /// Probes for `policy`.
    pub(crate) fn new(policy: Policy) -> Self {
        PolicyProbes { policy }
    }

    /// The probes for one target: on its URL and on each route's path.
    pub(crate) fn probes(&self, target: &Target, label: &str) -> Vec<Probe> {
        let mut urls = vec![target.url.clone()];
        for (prefix, _) in self.policy.routes() {
            let mut url = target.url.clone();
            url.set_path(prefix);
            url.set_query(None);
            if !urls.contains(&url) {
                urls.push(url);
            }
        }
        let mut out = Vec::new();
        for url in urls {
            let policy = self.policy.for_path(url.path());
            let config = policy.to_config();
            let (allowed, near) = origins(&config.origins, label);
            let methods: Vec<String> = config
                .methods
                .iter()
                .filter(|m| *m != "*")
                .cloned()
                .collect();
            let headers: Vec<(String, String)> = config
                .request_headers
                .iter()
                .filter(|h| *h != "*")
                .map(|h| (h.to_ascii_lowercase(), "1".to_string()))
                .collect();
            let mut push = |origin: &Origin, shape: Shape| {
                out.push(Probe {
                    class: ProbeFor::Baseline,
                    origin: origin.clone(),
                    shape,
                    url: url.clone(),
                });
            };
            for origin in allowed.iter().chain(&near) {
                push(origin, Shape::Get);
            }
            for origin in &allowed {
                for method in methods.iter().map(String::as_str).chain([REFUSED_METHOD]) {
                    push(
                        origin,
                        Shape::Preflight {
                            method: method.to_string(),
                            headers: headers.clone(),
                            private_network: false,
                        },
                    );
                }
                let mut refused = headers.clone();
                refused.push((REFUSED_HEADER.to_string(), "1".to_string()));
                push(
                    origin,
                    Shape::Preflight {
                        method: methods.first().cloned().unwrap_or_else(|| "PUT".into()),
                        headers: refused,
                        private_network: false,
                    },
                );
                push(
                    origin,
                    Shape::Preflight {
                        method: "GET".to_string(),
                        headers: Vec::new(),
                        private_network: true,
                    },
                );
            }
            for origin in &near {
                push(
                    origin,
                    Shape::Preflight {
                        method: methods.first().cloned().unwrap_or_else(|| "PUT".into()),
                        headers: headers.clone(),
                        private_network: false,
                    },
                );
            }
        }
        out
    }

    /// A finding for each probe whose live answer a browser treats otherwise than the answer
    /// the policy decides.
    pub(crate) fn differences(&self, target: &Url, answered: &[Answered]) -> Vec<Finding> {
        let mut out = Vec::new();
        for a in answered {
            let expected = self.expected(a);
            out.extend(difference(target, a, &expected));
        }
        out
    }

    /// The response a server enforcing the policy sends: the live response without its CORS
    /// headers, with the decision's.
    fn expected(&self, a: &Answered) -> (u16, ResponseHead, bool) {
        let policy = self.policy.for_path(a.probe.url.path());
        let mut request = match &a.probe.shape {
            Shape::Preflight { .. } => RawRequest::new("OPTIONS"),
            _ => RawRequest::new("GET"),
        };
        if let Some(host) = a.probe.url.host_str() {
            let host = match a.probe.url.port() {
                Some(port) => format!("{host}:{port}"),
                None => host.to_string(),
            };
            request = request.header("Host", host).scheme(a.probe.url.scheme());
        }
        match &a.probe.shape {
            Shape::NoOrigin => {}
            Shape::Get => request = request.header("Origin", a.probe.origin.as_str()),
            Shape::Preflight { .. } => {
                if let Some(browser) = browser_request(&a.probe, CredentialsMode::Include) {
                    for (name, value) in browser.preflight_request() {
                        request = request.header(name, value);
                    }
                }
            }
        }
        let decision = policy.decide(&request);
        let status = decision.respond_status().map_or(a.status, |s| s.as_u16());
        let mut head = ResponseHead::new(status);
        for name in a.head.names() {
            if name.starts_with("access-control-") || name == "vary" {
                continue;
            }
            for value in a.head.lines(&name) {
                head = head.header(name.clone(), value.to_vec());
            }
        }
        for (name, value) in decision.headers().iter() {
            head = head.header(name.as_str(), value.as_bytes().to_vec());
        }
        (status, head, decision.vary().is_some())
    }
}

/// The origins standing for each of `patterns`, and near-misses of each (which the policy
/// refuses unless another pattern allows them).
fn origins(patterns: &[String], label: &str) -> (Vec<Origin>, Vec<Origin>) {
    let mut allowed = Vec::new();
    let mut near = Vec::new();
    let parse = |text: &str| -> Option<Origin> {
        if text == "null" {
            return Some(Origin::opaque());
        }
        Url::parse(text).ok().map(|u| Origin::from_url(&u))
    };
    for text in patterns {
        let Ok(pattern) = OriginPattern::parse(text) else {
            continue;
        };
        let scheme = pattern.scheme().unwrap_or("https");
        let other = if scheme == "https" { "http" } else { "https" };
        let host = pattern.host().unwrap_or_default().to_string();
        let (example, misses): (Option<String>, Vec<String>) = if pattern.is_any() {
            (Some(format!("https://{label}.com")), Vec::new())
        } else if pattern.is_null() {
            (Some("null".to_string()), Vec::new())
        } else if pattern.is_subdomain_wildcard() {
            let domain = host.trim_start_matches("*.").to_string();
            (
                Some(format!("{scheme}://{label}.{domain}")),
                vec![
                    format!("{scheme}://{domain}"),
                    format!("{scheme}://{label}{domain}"),
                    format!("{scheme}://{domain}.{label}.com"),
                ],
            )
        } else {
            let text = pattern.as_str();
            let (example, port) = match text.strip_suffix(":*") {
                Some(base) => (format!("{base}:3000"), format!("{base}:3000")),
                None => (text.to_string(), text.to_string()),
            };
            (
                Some(example),
                vec![
                    format!("{scheme}://{host}.{label}.com"),
                    format!("{scheme}://{label}{host}"),
                    port.replacen(scheme, other, 1),
                ],
            )
        };
        allowed.extend(example.as_deref().and_then(parse));
        near.extend(misses.iter().filter_map(|m| parse(m)));
    }
    near.push(Origin::from_url(
        &Url::parse(&format!("https://{label}.com")).expect("a valid URL"),
    ));
    near.retain(|o| !allowed.contains(o));
    near.dedup();
    allowed.dedup();
    (allowed, near)
}

/// What a browser makes of a response, for one probe: reads (or passes) with and without
/// credentials, and the headers the script reads.
fn verdict(a: &Answered, head: &ResponseHead) -> ((bool, bool), Vec<String>) {
    let Some(reads) = browser_reads(&a.probe, head) else {
        return ((false, false), Vec::new());
    };
    let (credentialed, anonymous) = (reads.credentialed.is_ok(), reads.anonymous.is_ok());
    let mode = if credentialed {
        CredentialsMode::Include
    } else {
        CredentialsMode::Omit
    };
    let exposed = match (&a.probe.shape, credentialed || anonymous) {
        (Shape::Preflight { .. }, _) | (_, false) => Vec::new(),
        _ => browser_request(&a.probe, mode)
            .map(|request| exposed_headers(&request, head))
            .unwrap_or_default(),
    };
    ((credentialed, anonymous), exposed)
}

fn difference(target: &Url, a: &Answered, expected: &(u16, ResponseHead, bool)) -> Vec<Finding> {
    let (_, expected_head, expected_vary) = expected;
    let ((live_cred, live_anon), live_exposed) = verdict(a, &a.head);
    let ((want_cred, want_anon), want_exposed) = verdict(a, expected_head);
    let preflight = matches!(a.probe.shape, Shape::Preflight { .. });
    let pna = matches!(
        a.probe.shape,
        Shape::Preflight {
            private_network: true,
            ..
        }
    );
    let mut out = Vec::new();
    let what = |ok: bool| if ok { "passes" } else { "fails" };
    let mut add = |class: Class, severity: Severity, detail: String| {
        out.push(Finding {
            url: target.to_string(),
            class,
            severity,
            origin_sent: Some(a.probe.origin.to_string()),
            evidence: evidence(a, live_cred, live_anon, detail),
            fix: class.fix().to_string(),
        });
    };
    let request = match &a.probe.shape {
        Shape::Preflight {
            method,
            headers,
            private_network,
        } => {
            let mut text = format!("preflight for {method}");
            if !headers.is_empty() {
                let names: Vec<&str> = headers.iter().map(|(n, _)| n.as_str()).collect();
                text.push_str(&format!(" with {}", names.join(", ")));
            }
            if *private_network {
                text.push_str(" (Private Network Access)");
            }
            text.push_str(" from");
            text
        }
        _ => "GET from".to_string(),
    };
    let mode_detail = |cred: bool| {
        format!(
            "{request} {} (credentials: {}): the policy's answer {}, the server's {}",
            a.probe.origin,
            if cred { "include" } else { "omit" },
            what(if cred { want_cred } else { want_anon }),
            what(if cred { live_cred } else { live_anon }),
        )
    };
    if pna {
        if (live_cred, live_anon) != (want_cred, want_anon) {
            let more = live_anon && !want_anon || live_cred && !want_cred;
            add(
                Class::PolicyPrivateNetwork,
                if more { Severity::High } else { Severity::Low },
                mode_detail(live_anon == want_anon),
            );
        }
        return out;
    }
    let (extra, missing) = if preflight {
        (Class::PolicyExtraPreflight, Class::PolicyMissingPreflight)
    } else {
        (Class::PolicyExtraOrigin, Class::PolicyMissingOrigin)
    };
    if live_anon && !want_anon {
        add(
            extra,
            if live_cred {
                Severity::High
            } else {
                Severity::Medium
            },
            mode_detail(false),
        );
    } else if !live_anon && want_anon {
        add(missing, Severity::Low, mode_detail(false));
    } else if live_cred != want_cred {
        add(
            Class::PolicyCredentials,
            if live_cred {
                Severity::High
            } else {
                Severity::Low
            },
            mode_detail(true),
        );
    }
    if !preflight && *expected_vary && !varies_by_origin(&a.head) {
        add(
            Class::PolicyVary,
            Severity::Low,
            format!(
                "GET from {}: the policy's answer depends on the origin (Vary: Origin), the server's has no Vary: Origin",
                a.probe.origin
            ),
        );
    }
    if !preflight
        && live_exposed != want_exposed
        && (live_anon || live_cred)
        && (want_anon || want_cred)
    {
        add(
            Class::PolicyExposeHeaders,
            Severity::Low,
            format!(
                "GET from {}: the script reads [{}] with the policy, [{}] from the server",
                a.probe.origin,
                want_exposed.join(", "),
                live_exposed.join(", ")
            ),
        );
    }
    out
}

fn evidence(a: &Answered, cred: bool, anon: bool, detail: String) -> Evidence {
    let mut e = a.evidence_without_reads(detail);
    e.read_with_credentials = cred;
    e.read_without_credentials = anon;
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_and_near_misses_come_from_the_patterns() {
        let (allowed, near) = origins(
            &[
                "https://app.example.com".into(),
                "https://*.example.org".into(),
                "http://localhost:*".into(),
            ],
            "zq",
        );
        let s = |v: Vec<Origin>| v.into_iter().map(|o| o.to_string()).collect::<Vec<_>>();
        assert_eq!(
            s(allowed),
            [
                "https://app.example.com",
                "https://zq.example.org",
                "http://localhost:3000"
            ]
        );
        let near = s(near);
        for miss in [
            "https://app.example.com.zq.com",
            "https://zqapp.example.com",
            "http://app.example.com",
            "https://example.org",
            "https://zqexample.org",
            "https://localhost:3000",
            "https://zq.com",
        ] {
            assert!(near.contains(&miss.to_string()), "{miss} in {near:?}");
        }
    }
}
