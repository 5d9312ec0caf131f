//! `corsica check` at work: the engine's browser model ([`corsica::browser::Exchange`]) decides
//! every request and every verdict; this module only sends what it asks for and hands back
//! what comes back.
//!
//! Public (hidden) so that the Chromium conformance test calls [`check`] in-process: what it
//! proves against the browser is exactly what the `corsica` binary runs.

mod body;
mod diagnose;
pub(crate) mod http1;
pub(crate) mod net;
mod peer;
pub(crate) mod tls;

use std::net::IpAddr;
use std::time::Duration;

use corsica::Origin;
use corsica::browser::{
    AddressSpace, BrowserRequest, CredentialsMode, Engine, Exchange, Outgoing, PreflightCache,
    ResponseHead, Step, Verdict,
};
use url::{Host, Url};

pub use diagnose::{Diagnosis, PROBE_ORIGIN, Part, Probe};
pub use net::{NetError, Phase, Received};

/// The `User-Agent` of every request, unless `--user-agent` sets one.
pub const USER_AGENT: &str = concat!("corsica/", env!("CARGO_PKG_VERSION"), " (check)");

/// The `Accept-Language` of every request: an English Chromium's.
pub const ACCEPT_LANGUAGE: &str = "en-US,en;q=0.9";

/// The request a page would make with `fetch(url, {method, headers, credentials, body})`.
#[derive(Clone, Debug)]
pub struct Config {
    /// The URL (`http` or `https`).
    pub url: Url,
    /// The page's origin.
    pub origin: Origin,
    /// The method as the script passes it; `None`: `GET`, or `POST` when there is a body (as
    /// curl does).
    pub method: Option<String>,
    /// The headers the script sets, in order.
    pub headers: Vec<(String, Vec<u8>)>,
    /// The credentials mode.
    pub credentials: CredentialsMode,
    /// A string body. As `fetch()` does, it brings `Content-Type: text/plain;charset=UTF-8`
    /// unless the script set a `Content-Type`.
    pub body: Option<Vec<u8>>,
    /// Treat the request as a Private Network Access request (Chrome's legacy PNA preflight).
    pub private_network: bool,
    /// How long the whole check may take.
    pub timeout: Duration,
    /// Accept any TLS certificate.
    pub insecure: bool,
    /// More CA certificates to trust (DER), from `--cacert`.
    pub ca_certificates: Vec<Vec<u8>>,
    /// The `Cookie` header of the requests that carry credentials (`--cookie`).
    pub cookie: Option<Vec<u8>>,
    /// The `User-Agent` to send; `None`: [`USER_AGENT`].
    pub user_agent: Option<String>,
    /// Send the narrower follow-up requests of [`Diagnosis`] (`--diagnose`).
    pub diagnose: bool,
    /// The browser engine to behave as.
    pub engine: Engine,
}

impl Config {
    /// A `GET` of `url` from a page of `origin`, with every option at its default.
    pub fn new(url: Url, origin: Origin) -> Self {
        Config {
            url,
            origin,
            method: None,
            headers: Vec::new(),
            credentials: CredentialsMode::SameOrigin,
            body: None,
            private_network: false,
            timeout: Duration::from_secs(10),
            insecure: false,
            ca_certificates: Vec::new(),
            cookie: None,
            user_agent: None,
            diagnose: false,
            engine: Engine::Chromium,
        }
    }
}

/// One request sent and its response.
#[derive(Clone, Debug)]
pub struct Exchanged {
    /// Whether it was a preflight.
    pub preflight: bool,
    /// The browser's request as it stood (URL, origin serialization, credentials) when this was
    /// sent.
    pub request: BrowserRequest,
    /// What the browser model asked to send (the CORS-relevant headers).
    pub sent: Outgoing,
    /// Every header line sent, the browser's own included, in order (`-v`).
    pub wire: Vec<(String, Vec<u8>)>,
    /// Whether a body went with it.
    pub body: bool,
    /// What came back.
    pub received: Received,
    /// The same, as the engine reads it.
    pub head: ResponseHead,
}

/// Everything a check did and concluded.
#[derive(Clone, Debug)]
pub struct Report {
    /// The request as built from the arguments.
    pub request: BrowserRequest,
    /// Every request sent, in order.
    pub steps: Vec<Exchanged>,
    /// The browser's verdict.
    pub verdict: Verdict,
    /// The follow-up requests of `--diagnose` and what they showed; `None` without it.
    pub diagnosis: Option<Diagnosis>,
}

impl Report {
    /// Whether a preflight was needed at some point (sent, or answered by the cache).
    pub fn preflight_needed(&self) -> bool {
        self.request.needs_preflight() || self.steps.iter().any(|s| s.preflight)
    }

    /// The last response to the request itself (not a preflight), if any.
    pub fn last_response(&self) -> Option<&Exchanged> {
        self.steps.iter().rev().find(|s| !s.preflight)
    }

    /// The index of the step whose response made the fetch fail; `None` when it was allowed,
    /// or refused before anything was sent.
    pub fn failed_step(&self) -> Option<usize> {
        self.verdict
            .trace
            .responses()
            .position(|stage| stage.failed_check().is_some())
    }
}

/// Why a check has no verdict.
#[derive(Debug)]
pub enum CheckError {
    /// `fetch()` itself would throw before sending anything (a forbidden method, an invalid
    /// header, a body on `GET`…): the message is Chromium's.
    Refused(String),
    /// A request got no response.
    Network {
        /// `the preflight` or `the request`, with its method and URL.
        during: String,
        /// Why.
        error: NetError,
    },
}

impl std::fmt::Display for CheckError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CheckError::Refused(m) => write!(f, "fetch() would throw before sending anything: {m}"),
            CheckError::Network { during, error } => {
                let when = match error.phase() {
                    Some(Phase::Connecting) => "while connecting to send",
                    Some(Phase::Sending) => "while sending",
                    Some(Phase::Reading) => "while reading the response to",
                    None => "waiting for the response to",
                };
                write!(f, "{error} ({when} {during})")
            }
        }
    }
}

impl CheckError {
    /// The `error.kind` of `--json`: `TypeError` when `fetch()` throws, otherwise Chromium's
    /// net error name.
    pub fn kind(&self) -> &'static str {
        match self {
            CheckError::Refused(_) => "TypeError",
            CheckError::Network { error, .. } => error.chromium_name(),
        }
    }
}

impl std::error::Error for CheckError {}

/// Runs the check: builds the request as `fetch()` would, then sends the preflight and the
/// request (and follows redirects) as the browser model says, until its verdict.
///
/// # Errors
///
/// [`CheckError`] when `fetch()` would throw, or when a request gets no response (DNS,
/// connection, TLS, timeout, not HTTP).
pub fn check(config: &Config) -> Result<Report, CheckError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CheckError::Network {
            during: "nothing yet".to_string(),
            error: NetError::Request(format!("cannot start the I/O runtime: {e}")),
        })?;
    runtime.block_on(run(config))
}

async fn run(config: &Config) -> Result<Report, CheckError> {
    let mut client = net::Client::new(config.timeout, config.insecure);
    client.trust(
        config
            .ca_certificates
            .iter()
            .map(|der| rustls::pki_types::CertificateDer::from(der.clone()))
            .collect(),
    );
    let space = if config.private_network {
        let lookup = tokio::time::timeout(config.timeout, address_space(&config.url));
        Some(lookup.await.unwrap_or(AddressSpace::Private))
    } else {
        None
    };
    let request = build(config, space)?;
    let mut cache = PreflightCache::for_profile(&config.engine.profile());
    let clock = std::time::Instant::now();
    let mut exchange = Exchange::new(request.clone());
    let mut steps = Vec::new();
    let verdict = loop {
        let (preflight, sent) = match exchange.next(&mut cache, clock.elapsed()) {
            Step::Preflight(out) => (true, out),
            Step::Request(out) => (false, out),
            Step::Done(verdict) => break verdict,
        };
        let body = if preflight || matches!(sent.method.as_str(), "GET" | "HEAD") {
            None
        } else {
            config.body.as_deref()
        };
        let wire = wire_headers(config, exchange.request(), &sent, preflight);
        let received = client
            .send(&sent.method, &sent.url, &wire, body)
            .await
            .map_err(|error| CheckError::Network {
                during: format!(
                    "{} {} {}",
                    if preflight {
                        "the preflight"
                    } else {
                        "the request"
                    },
                    sent.method,
                    sent.url
                ),
                error,
            })?;
        let head = received
            .headers
            .iter()
            .fold(ResponseHead::new(received.status), |h, (n, v)| {
                h.header(n.clone(), v.clone())
            });
        let at = exchange.request().clone();
        // A response is awaited after `Preflight` and `Request`: this cannot fail.
        let _ = exchange.receive(head.clone(), &mut cache, clock.elapsed());
        steps.push(Exchanged {
            preflight,
            request: at,
            sent,
            wire,
            body: body.is_some(),
            received,
            head,
        });
    };
    let mut report = Report {
        request,
        steps,
        verdict,
        diagnosis: None,
    };
    if config.diagnose {
        report.diagnosis = diagnose::run(config, &report, &mut client).await;
    }
    Ok(report)
}

/// Sends one request the browser model asks for and returns what came back, as a step.
pub(crate) async fn send_one(
    config: &Config,
    client: &mut net::Client,
    request: &BrowserRequest,
    sent: Outgoing,
    preflight: bool,
) -> Result<Exchanged, NetError> {
    let wire = wire_headers(config, request, &sent, preflight);
    let received = client.send(&sent.method, &sent.url, &wire, None).await?;
    let head = received
        .headers
        .iter()
        .fold(ResponseHead::new(received.status), |h, (n, v)| {
            h.header(n.clone(), v.clone())
        });
    Ok(Exchanged {
        preflight,
        request: request.clone(),
        sent,
        wire,
        body: false,
        received,
        head,
    })
}

/// Builds the request as `fetch(url, init)` does, throwing where it throws.
pub(crate) fn build(
    config: &Config,
    space: Option<AddressSpace>,
) -> Result<BrowserRequest, CheckError> {
    let method = config.method.clone().unwrap_or_else(|| {
        if config.body.is_some() {
            "POST".to_string()
        } else {
            "GET".to_string()
        }
    });
    // `check` answers what the engine does: all three still let `Access-Control-Allow-Headers:
    // *` cover `Authorization` (the Fetch Standard does not); the fix text warns when that
    // mattered.
    let mut builder = BrowserRequest::builder(config.origin.clone(), config.url.clone())
        .method(method)
        .credentials(config.credentials)
        .profile(config.engine.profile());
    for (name, value) in &config.headers {
        builder = builder.header(name.clone(), value);
    }
    if config.body.is_some()
        && !config
            .headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("content-type"))
    {
        // Fetch "extract a body": a string body is text/plain;charset=UTF-8.
        builder = builder.header("Content-Type", "text/plain;charset=UTF-8");
    }
    if let Some(space) = space {
        builder = builder.private_network(space);
    }
    let request = builder
        .build()
        .map_err(|e| CheckError::Refused(e.to_string()))?;
    if config.body.is_some() && matches!(request.method(), "GET" | "HEAD") {
        return Err(CheckError::Refused(
            "Failed to execute 'fetch' on 'Window': Request with GET/HEAD method cannot have body."
                .to_string(),
        ));
    }
    Ok(request)
}

/// The headers that go on the wire: the browser model's, then what a browser adds on its own:
/// `Accept: */*` when the script set none, `User-Agent`, `Accept-Language`, the engine's
/// Fetch Metadata and `Referer` ([`BrowserRequest::implicit_headers`]), and `Cookie` when the
/// request carries credentials and `--cookie` gave one. No `Accept-Encoding`: bodies are shown
/// as they come.
fn wire_headers(
    config: &Config,
    request: &BrowserRequest,
    sent: &Outgoing,
    preflight: bool,
) -> Vec<(String, Vec<u8>)> {
    let mut headers = sent.headers.clone();
    if !preflight
        && !headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("accept"))
    {
        headers.push(("Accept".to_string(), b"*/*".to_vec()));
    }
    let agent = config.user_agent.as_deref().unwrap_or(USER_AGENT);
    headers.push(("User-Agent".to_string(), agent.as_bytes().to_vec()));
    headers.push((
        "Accept-Language".to_string(),
        ACCEPT_LANGUAGE.as_bytes().to_vec(),
    ));
    for (name, value) in request.implicit_headers() {
        headers.push((name.to_string(), value.into_bytes()));
    }
    if let (Some(cookie), true) = (&config.cookie, sent.credentials && !preflight) {
        headers.push(("Cookie".to_string(), cookie.clone()));
    }
    headers
}

/// The address space of the URL's host, for a Private Network Access request: from the IP
/// address, resolving a name if needed (`private` when it cannot be resolved).
async fn address_space(url: &Url) -> AddressSpace {
    let ip = match url.host() {
        Some(Host::Ipv4(ip)) => IpAddr::V4(ip),
        Some(Host::Ipv6(ip)) => IpAddr::V6(ip),
        Some(Host::Domain(d)) if d == "localhost" || d.ends_with(".localhost") => {
            return AddressSpace::Local;
        }
        Some(Host::Domain(d)) => {
            let port = url.port_or_known_default().unwrap_or(443);
            match tokio::net::lookup_host((d, port)).await {
                Ok(mut addrs) => match addrs.next() {
                    Some(addr) => addr.ip(),
                    None => return AddressSpace::Private,
                },
                Err(_) => return AddressSpace::Private,
            }
        }
        None => return AddressSpace::Private,
    };
    ip_address_space(ip)
}

/// Private Network Access "IP address space" of an address.
pub fn ip_address_space(ip: IpAddr) -> AddressSpace {
    match ip {
        IpAddr::V4(ip) if ip.is_loopback() => AddressSpace::Local,
        IpAddr::V4(ip) if ip.is_private() || ip.is_link_local() || ip.is_unspecified() => {
            AddressSpace::Private
        }
        IpAddr::V4(ip) if ip.octets()[0] == 100 && (ip.octets()[1] & 0xc0) == 64 => {
            // 100.64.0.0/10, carrier-grade NAT.
            AddressSpace::Private
        }
        IpAddr::V4(_) => AddressSpace::Public,
        IpAddr::V6(ip) if ip.is_loopback() => AddressSpace::Local,
        IpAddr::V6(ip) => match ip.to_ipv4_mapped() {
            Some(v4) => ip_address_space(IpAddr::V4(v4)),
            None if (ip.segments()[0] & 0xfe00) == 0xfc00 // fc00::/7
                || (ip.segments()[0] & 0xffc0) == 0xfe80 // fe80::/10
                || ip.is_unspecified() =>
            {
                AddressSpace::Private
            }
            None => AddressSpace::Public,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(url: &str) -> Config {
        let mut c = Config::new(
            url.parse().unwrap(),
            Origin::parse("https://app.example").unwrap(),
        );
        c.timeout = Duration::from_secs(1);
        c
    }

    #[test]
    fn a_body_is_a_post_with_text_plain_as_in_fetch() {
        let mut c = config("https://api.example/");
        c.body = Some(b"x".to_vec());
        let r = build(&c, None).unwrap();
        assert_eq!(r.method(), "POST");
        assert_eq!(
            r.header("content-type"),
            Some(&b"text/plain;charset=UTF-8"[..])
        );
        assert!(!r.needs_preflight());
        c.headers = vec![("content-type".into(), b"application/json".to_vec())];
        let r = build(&c, None).unwrap();
        assert_eq!(r.header("Content-Type"), Some(&b"application/json"[..]));
        assert!(r.needs_preflight());
        c.method = Some("get".into());
        let e = build(&c, None).unwrap_err();
        assert!(
            e.to_string().contains("GET/HEAD method cannot have body"),
            "{e}"
        );
        let mut c = config("https://api.example/");
        c.method = Some("TRACE".into());
        assert!(matches!(build(&c, None), Err(CheckError::Refused(_))));
    }

    #[test]
    fn address_spaces() {
        let space = |s: &str| ip_address_space(s.parse().unwrap());
        assert_eq!(space("127.0.0.1"), AddressSpace::Local);
        assert_eq!(space("::1"), AddressSpace::Local);
        assert_eq!(space("10.1.2.3"), AddressSpace::Private);
        assert_eq!(space("192.168.0.1"), AddressSpace::Private);
        assert_eq!(space("100.64.0.1"), AddressSpace::Private);
        assert_eq!(space("fd00::1"), AddressSpace::Private);
        assert_eq!(space("::ffff:192.168.0.1"), AddressSpace::Private);
        assert_eq!(space("8.8.8.8"), AddressSpace::Public);
        assert_eq!(space("2001:db8::1"), AddressSpace::Public);
    }

    #[test]
    fn browsers_add_their_own_headers() {
        let mut c = config("https://api.example/");
        c.cookie = Some(b"a=1".to_vec());
        c.credentials = CredentialsMode::Include;
        let request = build(&c, None).unwrap();
        let mut exchange = Exchange::new(request.clone());
        let Step::Request(sent) = exchange.next(&mut PreflightCache::new(), Duration::ZERO) else {
            panic!("a simple request");
        };
        let names = |h: Vec<(String, Vec<u8>)>| h.into_iter().map(|(n, _)| n).collect::<Vec<_>>();
        assert_eq!(
            names(wire_headers(&c, &request, &sent, false)),
            [
                "Origin",
                "Accept",
                "User-Agent",
                "Accept-Language",
                "Sec-Fetch-Site",
                "Sec-Fetch-Mode",
                "Sec-Fetch-Dest",
                "Referer",
                "Cookie"
            ]
        );
        // A preflight never carries cookies.
        assert!(!names(wire_headers(&c, &request, &sent, true)).contains(&"Cookie".to_string()));
    }
}
