//! The network side of `corsica scan`: each target's probes sent one after the other on
//! `check`'s client (never a redirect followed, never a host other than the target's), under a
//! per-host limit and a global request rate.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use corsica::browser::{CredentialsMode, ResponseHead};
use rustls::ClientConfig;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

use super::judge::{Answered, Finding, allowed_origin, browser_request, judge};
use super::keep_alive::KeepAlive;
use super::policy::PolicyProbes;
use super::probe::{Probe, Shape, Target, error_status_probe, probes};
use crate::check::live::USER_AGENT;
use crate::check::live::net::Client;

/// What every target's scan shares.
pub(crate) struct Settings {
    /// Per request.
    pub(crate) timeout: Duration,
    /// Accept any TLS certificate.
    pub(crate) insecure: bool,
    /// Sent with every probe (`--header`).
    pub(crate) headers: Vec<(String, Vec<u8>)>,
    /// `--resolve HOST:PORT:ADDR`.
    pub(crate) resolve: HashMap<(String, u16), SocketAddr>,
    /// At most this many probes per target.
    pub(crate) max_probes: usize,
    /// This run's random DNS label.
    pub(crate) label: String,
    /// `--policy`.
    pub(crate) policy: Option<PolicyProbes>,
    /// The TLS configuration, built when the first https target needs it.
    pub(crate) tls: std::sync::OnceLock<Result<Arc<ClientConfig>, String>>,
    /// At most this many targets of one host at a time.
    pub(crate) per_host: usize,
    /// The per-host limits in use.
    pub(crate) hosts: Mutex<HashMap<String, (Arc<Semaphore>, usize)>>,
    /// `--rate`.
    pub(crate) rate: Option<Rate>,
}

/// A global limit of requests per second.
pub(crate) struct Rate {
    interval: Duration,
    next: Mutex<Instant>,
}

impl Rate {
    /// `per_second` requests a second.
    pub(crate) fn new(per_second: f64) -> Self {
        Rate {
            interval: Duration::from_secs_f64(1.0 / per_second),
            next: Mutex::new(Instant::now()),
        }
    }

    /// Waits for the next slot.
    async fn wait(&self) {
        let at = {
            let Ok(mut next) = self.next.lock() else {
                return;
            };
            let at = (*next).max(Instant::now());
            *next = at + self.interval;
            at
        };
        tokio::time::sleep_until(at).await;
    }
}

/// What one target's scan found.
#[derive(Debug)]
pub(crate) struct Scanned {
    /// The URL.
    pub(crate) url: String,
    /// The findings, most severe first.
    pub(crate) findings: Vec<Finding>,
    /// Why the scan stopped early, if it did.
    pub(crate) error: Option<String>,
    /// Requests sent.
    pub(crate) requests: usize,
}

/// Scans one target.
pub(crate) async fn scan(settings: Arc<Settings>, url: url::Url) -> Scanned {
    let mut scanned = Scanned {
        url: url.to_string(),
        findings: Vec::new(),
        error: None,
        requests: 0,
    };
    let target = match Target::new(url) {
        Ok(t) => t,
        Err(e) => {
            scanned.error = Some(e);
            return scanned;
        }
    };
    let host_key = format!(
        "{}:{}",
        target.url.host_str().unwrap_or_default(),
        target.url.port_or_known_default().unwrap_or(0)
    );
    let _permit = host_permit(&settings, &host_key).await;
    let mut sender = match Sender::new(&settings, &target) {
        Ok(s) => s,
        Err(e) => {
            scanned.error = Some(e);
            release_host(&settings, &host_key);
            return scanned;
        }
    };
    let mut answered = Vec::new();
    let mut result = async {
        for probe in probes(&target, &settings.label, settings.max_probes) {
            answered.push(sender.send(probe).await?);
        }
        let error_probe = allowed_origin(&answered)
            .filter(|_| answered.len() < settings.max_probes)
            .map(|origin| error_status_probe(&target, &origin, &settings.label));
        if let Some(probe) = error_probe {
            answered.push(sender.send(probe).await?);
        }
        Ok::<(), String>(())
    }
    .await;
    scanned.findings = judge(&target.url, &answered);
    if let (Ok(()), Some(policy)) = (&result, &settings.policy) {
        result = async {
            let mut policy_answered = Vec::new();
            for probe in policy
                .probes(&target, &settings.label)
                .into_iter()
                .take(settings.max_probes)
            {
                policy_answered.push(sender.send(probe).await?);
            }
            scanned
                .findings
                .extend(policy.differences(&target.url, &policy_answered));
            Ok::<(), String>(())
        }
        .await;
    }
    scanned.requests = sender.sent;
    scanned.error = result.err();
    release_host(&settings, &host_key);
    scanned
}

async fn host_permit(settings: &Settings, key: &str) -> Option<OwnedSemaphorePermit> {
    let semaphore = {
        let mut hosts = settings.hosts.lock().ok()?;
        let entry = hosts
            .entry(key.to_string())
            .or_insert_with(|| (Arc::new(Semaphore::new(settings.per_host.max(1))), 0));
        entry.1 += 1;
        Arc::clone(&entry.0)
    };
    semaphore.acquire_owned().await.ok()
}

/// Forgets a host's limit once no scan of it is left, so that the map stays small.
fn release_host(settings: &Settings, key: &str) {
    let Ok(mut hosts) = settings.hosts.lock() else {
        return;
    };
    if let Some(entry) = hosts.get_mut(key) {
        entry.1 -= 1;
        if entry.1 == 0 {
            hosts.remove(key);
        }
    }
}

/// Sends one target's probes: `http://` on one kept-alive connection, `https://` on `check`'s
/// client (HTTP/2 or HTTP/1.1, a connection per probe).
struct Sender<'a> {
    settings: &'a Settings,
    client: Transport,
    sent: usize,
}

enum Transport {
    Plain(KeepAlive),
    Tls(Client),
}

impl<'a> Sender<'a> {
    fn new(settings: &'a Settings, target: &Target) -> Result<Self, String> {
        let address = target.url.host_str().and_then(|host| {
            let port = target.url.port_or_known_default()?;
            settings
                .resolve
                .get(&(host.trim_matches(['[', ']']).to_ascii_lowercase(), port))
                .copied()
        });
        let client = if target.url.scheme() == "https" {
            let tls = settings
                .tls
                .get_or_init(|| crate::check::live::tls::client_config(settings.insecure, &[]));
            Transport::Tls(
                Client::new(settings.timeout, settings.insecure)
                    .connect_to(address)
                    .with_tls(Arc::clone(tls.as_ref().map_err(|e| e.clone())?)),
            )
        } else {
            Transport::Plain(KeepAlive::new(address, settings.timeout))
        };
        Ok(Sender {
            settings,
            client,
            sent: 0,
        })
    }

    async fn send(&mut self, probe: Probe) -> Result<Answered, String> {
        let (method, mut headers) = match &probe.shape {
            Shape::NoOrigin => ("GET".to_string(), vec![accept()]),
            Shape::Get => (
                "GET".to_string(),
                vec![
                    (
                        "Origin".to_string(),
                        probe.origin.as_str().as_bytes().to_vec(),
                    ),
                    accept(),
                ],
            ),
            Shape::Preflight { .. } => (
                "OPTIONS".to_string(),
                browser_request(&probe, CredentialsMode::Include)
                    .map(|r| {
                        r.preflight_request()
                            .into_iter()
                            .map(|(n, v)| (n.to_string(), v.into_bytes()))
                            .collect()
                    })
                    .unwrap_or_default(),
            ),
        };
        headers.push(("User-Agent".to_string(), USER_AGENT.as_bytes().to_vec()));
        if probe.shape != Shape::NoOrigin {
            headers.push(("Sec-Fetch-Mode".to_string(), b"cors".to_vec()));
        }
        headers.extend(self.settings.headers.iter().cloned());
        if let Some(rate) = &self.settings.rate {
            rate.wait().await;
        }
        self.sent += 1;
        let received = match &mut self.client {
            Transport::Plain(conn) => conn.send(&method, &probe.url, &headers).await,
            Transport::Tls(client) => {
                client.restart_deadline();
                client.send(&method, &probe.url, &headers, None).await
            }
        }
        .map_err(|e| e.to_string())?;
        let head = received
            .headers
            .iter()
            .fold(ResponseHead::new(received.status), |h, (n, v)| {
                h.header(n.clone(), v.clone())
            });
        Ok(Answered {
            probe,
            head,
            status: received.status,
        })
    }
}

fn accept() -> (String, Vec<u8>) {
    ("Accept".to_string(), b"*/*".to_vec())
}
