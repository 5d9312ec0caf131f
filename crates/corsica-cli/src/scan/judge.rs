//! A browser's verdict on each probe's response, and the findings it proves. Pure: every CORS
//! rule comes from the engine's browser side ([`corsica::browser`]); this module only asks it
//! "would a page on this origin read the response, with and without credentials?" and rates
//! what the attacker gets.

use corsica::Origin;
use corsica::browser::{
    AddressSpace, BrowserRequest, CorsError, CorsErrorKind, CredentialsMode, PreflightResult,
    ResponseHead, Star, cors_check, exposed_headers, preflight_check,
};
use serde::Serialize;
use url::Url;

use super::class::{Class, Reach, Severity};
use super::probe::{Probe, ProbeFor, Shape};

/// One finding, as reported.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Finding {
    /// The scanned URL.
    pub(crate) url: String,
    /// What is wrong.
    #[serde(rename = "id", serialize_with = "class_id")]
    pub(crate) class: Class,
    /// What the attacker gets.
    pub(crate) severity: Severity,
    /// The `Origin` the probe sent (`null` for the opaque origin).
    pub(crate) origin_sent: Option<String>,
    /// The request and response that prove it.
    pub(crate) evidence: Evidence,
    /// What to change.
    pub(crate) fix: String,
}

fn class_id<S: serde::Serializer>(class: &Class, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(class.id())
}

/// The exchange behind a finding.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Evidence {
    /// The request's method.
    pub(crate) method: String,
    /// The URL requested (the target's, or a path next to it).
    pub(crate) url: String,
    /// The CORS request headers sent.
    pub(crate) request_headers: Vec<(String, String)>,
    /// The response status.
    pub(crate) status: u16,
    /// The response's CORS-relevant headers (`Access-Control-*`, `Vary`, `Location`), as
    /// received.
    pub(crate) response_headers: Vec<(String, String)>,
    /// Whether a page on `origin_sent` reads the response with `credentials: 'include'`.
    pub(crate) read_with_credentials: bool,
    /// Whether it reads it without credentials.
    pub(crate) read_without_credentials: bool,
    /// What the finding means here, in one sentence.
    pub(crate) detail: String,
}

/// A probe and its response.
#[derive(Clone, Debug)]
pub(crate) struct Answered {
    /// What was sent.
    pub(crate) probe: Probe,
    /// What came back.
    pub(crate) head: ResponseHead,
    /// The status.
    pub(crate) status: u16,
}

/// What the browser concluded on one answered probe: the CORS check (or, for a preflight, the
/// CORS-preflight check) with and without credentials.
pub(crate) struct Reads {
    /// With `credentials: 'include'`.
    pub(crate) credentialed: Result<(), CorsError>,
    /// With `credentials: 'omit'`.
    pub(crate) anonymous: Result<(), CorsError>,
}

/// The browser's checks of `head` as the answer to `probe`; `None` when a browser cannot make
/// the request at all.
pub(crate) fn browser_reads(probe: &Probe, head: &ResponseHead) -> Option<Reads> {
    let check = |mode| -> Option<Result<(), CorsError>> {
        let request = browser_request(probe, mode)?;
        Some(match probe.shape {
            Shape::Preflight { .. } => preflight_check(&request, head).map(|_| ()),
            _ => cors_check(&request, head),
        })
    };
    Some(Reads {
        credentialed: check(CredentialsMode::Include)?,
        anonymous: check(CredentialsMode::Omit)?,
    })
}

/// Whether `head` has `Vary: Origin` (or `Vary: *`), so that a cache keys it by origin.
pub(crate) fn varies_by_origin(head: &ResponseHead) -> bool {
    head.lines("vary").any(|line| {
        String::from_utf8_lossy(line)
            .split(',')
            .map(str::trim)
            .any(|v| v == "*" || v.eq_ignore_ascii_case("origin"))
    })
}

impl Answered {
    fn request(&self, credentials: CredentialsMode) -> Option<BrowserRequest> {
        browser_request(&self.probe, credentials)
    }

    fn reads(&self) -> Option<Reads> {
        browser_reads(&self.probe, &self.head)
    }

    fn value(&self, name: &str) -> Option<String> {
        self.head
            .get(name)
            .map(|v| String::from_utf8_lossy(&v).into_owned())
    }

    fn allow_origin_is_star(&self) -> bool {
        let mut lines = self.head.lines("access-control-allow-origin");
        lines.next() == Some(b"*") && lines.next().is_none()
    }

    fn allow_origin_echoes(&self) -> bool {
        let mut lines = self.head.lines("access-control-allow-origin");
        lines.next() == Some(self.probe.origin.as_str().as_bytes()) && lines.next().is_none()
    }

    fn credentials_true(&self) -> bool {
        self.value("access-control-allow-credentials").as_deref() == Some("true")
    }

    fn evidence(&self, reads: Option<&Reads>, detail: String) -> Evidence {
        let (method, request_headers) = match &self.probe.shape {
            Shape::NoOrigin => ("GET".to_string(), Vec::new()),
            Shape::Get => (
                "GET".to_string(),
                vec![("Origin".to_string(), self.probe.origin.to_string())],
            ),
            Shape::Preflight { .. } => (
                "OPTIONS".to_string(),
                self.request(CredentialsMode::Include)
                    .map(|r| {
                        r.preflight_request()
                            .into_iter()
                            .map(|(n, v)| (n.to_string(), v))
                            .collect()
                    })
                    .unwrap_or_default(),
            ),
        };
        Evidence {
            method,
            url: self.probe.url.to_string(),
            request_headers,
            status: self.status,
            response_headers: self
                .head
                .names()
                .into_iter()
                .filter(|n| n.starts_with("access-control-") || n == "vary" || n == "location")
                .flat_map(|n| {
                    self.head
                        .lines(&n)
                        .map(|v| (n.clone(), String::from_utf8_lossy(v).into_owned()))
                        .collect::<Vec<_>>()
                })
                .collect(),
            read_with_credentials: reads.is_some_and(|r| r.credentialed.is_ok()),
            read_without_credentials: reads.is_some_and(|r| r.anonymous.is_ok()),
            detail,
        }
    }

    /// The evidence of this exchange, the browser's reads left for the caller to set.
    pub(crate) fn evidence_without_reads(&self, detail: String) -> Evidence {
        self.evidence(None, detail)
    }

    fn finding(
        &self,
        class: Class,
        severity: Severity,
        reads: Option<&Reads>,
        detail: String,
    ) -> Finding {
        Finding {
            url: String::new(),
            class,
            severity,
            origin_sent: match self.probe.shape {
                Shape::NoOrigin => None,
                _ => Some(self.probe.origin.to_string()),
            },
            evidence: self.evidence(reads, detail),
            fix: class.fix().to_string(),
        }
    }
}

/// The request a page on the probe's origin makes with `fetch(url, init)`.
pub(crate) fn browser_request(
    probe: &Probe,
    credentials: CredentialsMode,
) -> Option<BrowserRequest> {
    let mut builder = BrowserRequest::builder(probe.origin.clone(), probe.url.clone())
        .credentials(credentials)
        // Chromium's reading of `Access-Control-Allow-Headers: *`.
        .wildcard_covers_authorization(true);
    if let Shape::Preflight {
        method,
        headers,
        private_network,
    } = &probe.shape
    {
        builder = builder.method(method.clone()).force_preflight(true);
        for (name, value) in headers {
            builder = builder.header(name.clone(), value.as_bytes());
        }
        if *private_network {
            builder = builder.private_network(AddressSpace::Private);
        }
    }
    builder.build().ok()
}

/// Header names that look like secrets when a script can read them.
fn looks_secret(name: &str) -> bool {
    [
        "token", "auth", "key", "secret", "session", "csrf", "xsrf", "cookie", "password",
    ]
    .iter()
    .any(|s| name.contains(s))
}

/// The classes a server that trusts any origin shows too.
const IMPLIED_BY_REFLECTION: &[Class] = &[
    Class::PrefixMatch,
    Class::SuffixMatch,
    Class::SubstringMatch,
    Class::RegexDot,
    Class::AnySubdomain,
    Class::HttpOrigin,
    Class::SpecialCharacters,
    Class::ThirdParty,
    Class::LocalhostUnanchored,
];

/// The findings of one target, from all its answered probes (any order). `url` is the target.
pub(crate) fn judge(url: &Url, answered: &[Answered]) -> Vec<Finding> {
    let mut out: Vec<Finding> = Vec::new();
    let mut add = |f: Finding| match out.iter_mut().find(|o| o.class == f.class) {
        Some(o) if o.severity < f.severity => *o = f,
        Some(_) => {}
        None => out.push(f),
    };
    let baseline_allow_origin = answered
        .iter()
        .find(|a| a.probe.shape == Shape::NoOrigin)
        .map(|a| a.value("access-control-allow-origin"));
    for a in answered {
        if a.head.is_redirect() {
            let location = a.value("location").unwrap_or_default();
            add(a.finding(
                Class::Redirected,
                Severity::Info,
                None,
                format!(
                    "{} answered {} to {location}; not followed",
                    a.probe.url, a.status
                ),
            ));
        }
        if a.probe.shape == Shape::NoOrigin {
            continue;
        }
        let Some(reads) = a.reads() else { continue };
        passive(a, &reads, baseline_allow_origin.as_ref(), &mut add);
        match a.probe.class {
            ProbeFor::Trust(class, reach) => trust(a, &reads, class, reach, &mut add),
            ProbeFor::Preflight => preflight(a, &reads, &mut add),
            ProbeFor::PrivateNetwork => private_network(a, &reads, &mut add),
            ProbeFor::ErrorStatus => {
                if a.status >= 400
                    && reads
                        .anonymous
                        .as_ref()
                        .is_err_and(|e| e.kind == CorsErrorKind::MissingAllowOriginHeader)
                {
                    add(a.finding(
                        Class::ErrorStatusWithoutCors,
                        Severity::Low,
                        Some(&reads),
                        format!(
                            "the same origin is allowed on {url}, but this {} has no Access-Control-Allow-Origin: the script sees a network error",
                            a.status
                        ),
                    ));
                }
            }
            ProbeFor::Baseline => {}
        }
    }
    // When any origin is trusted, the narrower trust classes add nothing: keep the finding
    // that names the root cause.
    if let Some(any) = out
        .iter()
        .find(|f| f.class == Class::OriginReflected && f.severity > Severity::Info)
        .map(|f| f.severity)
    {
        out.retain(|f| !(IMPLIED_BY_REFLECTION.contains(&f.class) && f.severity <= any));
    }
    // Every special-character probe starts with the target's host: a prefix match accepts them.
    if let Some(prefix) = out
        .iter()
        .find(|f| f.class == Class::PrefixMatch)
        .map(|f| f.severity)
    {
        out.retain(|f| !(f.class == Class::SpecialCharacters && f.severity <= prefix));
    }
    for f in &mut out {
        f.url = url.to_string();
    }
    out.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.class.cmp(&b.class)));
    out
}

/// An origin that the server allowed on a 2xx answer, to send on an error status.
pub(crate) fn allowed_origin(answered: &[Answered]) -> Option<Origin> {
    answered.iter().find_map(|a| {
        (a.probe.shape == Shape::Get
            && (200..300).contains(&a.status)
            && a.reads().is_some_and(|r| r.anonymous.is_ok()))
        .then(|| a.probe.origin.clone())
    })
}

fn trust(a: &Answered, reads: &Reads, class: Class, reach: Reach, add: &mut impl FnMut(Finding)) {
    // `*` is not trust in this origin: it is reported once, as `wildcard-origin`.
    if a.allow_origin_is_star() {
        return;
    }
    let (credentialed, anonymous) = reach.severities();
    let origin = a.probe.origin.as_str();
    let page = if a.probe.origin.is_opaque() {
        "a sandboxed page (origin null)".to_string()
    } else {
        format!("a page on {origin}")
    };
    let (severity, detail) = if reads.credentialed.is_ok() {
        (
            credentialed,
            format!("{page} reads the response with the user's cookies"),
        )
    } else if reads.anonymous.is_ok() {
        (
            anonymous,
            format!("{page} reads the response, without credentials"),
        )
    } else if a
        .value("access-control-allow-origin")
        .is_some_and(|v| v.contains(origin))
    {
        let why = reads
            .anonymous
            .as_ref()
            .err()
            .map(|e| e.kind.to_string())
            .unwrap_or_default();
        (
            Severity::Info,
            format!("the origin is reflected, but browsers still refuse the response ({why})"),
        )
    } else {
        return;
    };
    let severity = if (200..300).contains(&a.status) || severity == Severity::Info {
        severity
    } else {
        // An error page read by the attacker is worth less than the resource (CORScanner #9).
        severity.min(Severity::Medium)
    };
    add(a.finding(class, severity, Some(reads), detail));
    if reach == Reach::Anyone && (reads.credentialed.is_ok() || reads.anonymous.is_ok()) {
        let mode = if reads.credentialed.is_ok() {
            CredentialsMode::Include
        } else {
            CredentialsMode::Omit
        };
        if let Some(request) = a.request(mode) {
            let secrets: Vec<String> = exposed_headers(&request, &a.head)
                .into_iter()
                .filter(|n| looks_secret(n))
                .collect();
            if !secrets.is_empty() {
                add(a.finding(
                    Class::ExposedSecrets,
                    if mode == CredentialsMode::Include {
                        Severity::High
                    } else {
                        Severity::Low
                    },
                    Some(reads),
                    format!("a page on {origin} reads {}", secrets.join(", ")),
                ));
            }
        }
    }
}

fn passive(
    a: &Answered,
    reads: &Reads,
    baseline_allow_origin: Option<&Option<String>>,
    add: &mut impl FnMut(Finding),
) {
    let origin = a.probe.origin.as_str();
    if a.allow_origin_is_star() && reads.anonymous.is_ok() && a.probe.shape == Shape::Get {
        add(a.finding(
            Class::Wildcard,
            Severity::Info,
            Some(reads),
            "any page reads this response without credentials".to_string(),
        ));
    }
    if a.allow_origin_is_star()
        && a.credentials_true()
        && reads.credentialed.as_ref().is_err_and(|e| {
            matches!(
                e.kind,
                CorsErrorKind::WildcardOriginNotAllowed
                    | CorsErrorKind::PreflightWildcardOriginNotAllowed
            )
        })
    {
        add(a.finding(
            Class::WildcardCredentials,
            Severity::Low,
            Some(reads),
            "credentialed requests fail in every browser; a reflecting fallback often hides nearby"
                .to_string(),
        ));
    }
    let invalid = [&reads.anonymous, &reads.credentialed]
        .into_iter()
        .any(|r| {
            r.as_ref().is_err_and(|e| {
                matches!(
                    e.kind,
                    CorsErrorKind::MultipleAllowOriginValues
                        | CorsErrorKind::InvalidAllowOriginValue
                        | CorsErrorKind::PreflightMultipleAllowOriginValues
                        | CorsErrorKind::PreflightInvalidAllowOriginValue
                )
            })
        })
        || a.head.lines("access-control-allow-origin").any(|v| {
            // The value is not one origin as browsers serialize it (the engine's parser).
            let v = String::from_utf8_lossy(v);
            v != origin && v != "*" && v != "null" && Origin::parse(&v).is_err()
        });
    if invalid {
        let value = a.value("access-control-allow-origin").unwrap_or_default();
        add(a.finding(
            Class::InvalidAllowOrigin,
            Severity::Low,
            Some(reads),
            format!("browsers refuse Access-Control-Allow-Origin: {value}"),
        ));
    }
    if a.probe.shape == Shape::Get && a.allow_origin_echoes() && !varies_by_origin(&a.head) {
        let echoed = Some(origin.to_string());
        let dynamic = baseline_allow_origin.is_none_or(|b| *b != echoed);
        if dynamic {
            add(a.finding(
                Class::MissingVary,
                if a.credentials_true() {
                    Severity::Medium
                } else {
                    Severity::Low
                },
                Some(reads),
                format!(
                    "Access-Control-Allow-Origin is {origin} for this origin and {} without one, with no Vary: Origin",
                    baseline_allow_origin
                        .and_then(|b| b.as_deref())
                        .unwrap_or("absent")
                ),
            ));
        }
    }
}

fn preflight(a: &Answered, reads: &Reads, add: &mut impl FnMut(Finding)) {
    let origin = a.probe.origin.as_str();
    if reads.credentialed.is_ok() {
        add(a.finding(
            Class::PreflightAnyOrigin,
            Severity::High,
            Some(reads),
            format!("a page on {origin} may send credentialed PUT requests with custom headers"),
        ));
    } else if reads.anonymous.is_ok() && !a.allow_origin_is_star() {
        add(a.finding(
            Class::PreflightAnyOrigin,
            Severity::Low,
            Some(reads),
            format!(
                "a page on {origin} may send PUT requests with custom headers, without credentials"
            ),
        ));
    }
    let star_literal = a.credentials_true()
        && PreflightResult::parse(&a.head, CredentialsMode::Include).is_ok_and(|result| {
            result.methods_star() == Star::Name || result.headers_star() == Star::Name
        });
    if star_literal {
        add(a.finding(
            Class::PreflightWildcardCredentials,
            Severity::Low,
            Some(reads),
            "with credentials, `*` only allows a method or header literally named `*`".to_string(),
        ));
    }
}

fn private_network(a: &Answered, reads: &Reads, add: &mut impl FnMut(Finding)) {
    if !a.head.contains("access-control-allow-private-network") {
        return;
    }
    let origin = a.probe.origin.as_str();
    let (severity, how) = if reads.credentialed.is_ok() {
        (Severity::Critical, "with the user's cookies")
    } else if reads.anonymous.is_ok() {
        (Severity::High, "without credentials")
    } else {
        return;
    };
    add(a.finding(
        Class::PrivateNetworkAnyOrigin,
        severity,
        Some(reads),
        format!("a public page on {origin} may call this private-network service, {how}"),
    ));
}

#[cfg(test)]
mod tests {
    use super::super::probe::{Target, probes};
    use super::*;

    /// Every probe of `url` answered by `server` (the request's origin, or None, → response).
    fn scan(url: &str, server: impl Fn(&Probe) -> ResponseHead) -> Vec<Finding> {
        let target = Target::new(url.parse().unwrap()).unwrap();
        let answered: Vec<_> = probes(&target, "zq", 1000)
            .into_iter()
            .map(|probe| {
                let head = server(&probe);
                Answered {
                    status: 200,
                    head,
                    probe,
                }
            })
            .collect();
        judge(&target.url, &answered)
    }

    fn summary(findings: &[Finding]) -> Vec<(&'static str, Severity)> {
        findings
            .iter()
            .map(|f| (f.class.id(), f.severity))
            .collect()
    }

    #[test]
    fn reflection_with_credentials_is_critical() {
        let f = scan("https://api.example.com/", |p| {
            ResponseHead::new(200)
                .header("Access-Control-Allow-Origin", p.origin.as_str())
                .header("Access-Control-Allow-Credentials", "true")
                .header("Access-Control-Allow-Methods", "GET, PUT")
                .header("Access-Control-Allow-Headers", "x-corsica-probe")
                .header("Vary", "Origin")
        });
        let s = summary(&f);
        assert!(
            s.contains(&("origin-reflected", Severity::Critical)),
            "{s:?}"
        );
        assert!(s.contains(&("null-trusted", Severity::Critical)), "{s:?}");
        assert!(
            s.contains(&("preflight-any-origin", Severity::High)),
            "{s:?}"
        );
        // Narrower classes are implied by the reflection.
        assert!(!s.iter().any(|(c, _)| *c == "prefix-match"), "{s:?}");
        assert!(!s.iter().any(|(c, _)| *c == "missing-vary"), "{s:?}");
        // One finding per class.
        let mut ids: Vec<_> = s.iter().map(|(c, _)| *c).collect();
        ids.dedup();
        assert_eq!(ids.len(), s.len());
    }

    #[test]
    fn a_public_wildcard_is_info_only() {
        let f = scan("https://api.example.com/", |_| {
            ResponseHead::new(200).header("Access-Control-Allow-Origin", "*")
        });
        assert_eq!(summary(&f), [("wildcard-origin", Severity::Info)]);
    }

    #[test]
    fn reflection_that_browsers_refuse_is_info() {
        // Two Access-Control-Allow-Origin lines: the browser refuses the response.
        let f = scan("https://api.example.com/", |p| {
            ResponseHead::new(200)
                .header("Access-Control-Allow-Origin", p.origin.as_str())
                .header("Access-Control-Allow-Origin", "https://api.example.com")
                .header("Vary", "Origin")
        });
        let s = summary(&f);
        assert!(s.contains(&("origin-reflected", Severity::Info)), "{s:?}");
        assert!(
            s.contains(&("invalid-allow-origin", Severity::Low)),
            "{s:?}"
        );
        assert!(s.iter().all(|(_, sev)| *sev <= Severity::Low), "{s:?}");
    }

    #[test]
    fn no_cors_gives_nothing() {
        assert!(scan("https://api.example.com/", |_| ResponseHead::new(200)).is_empty());
    }
}
