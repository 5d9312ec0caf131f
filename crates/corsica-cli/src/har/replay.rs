//! Each cross-origin request of a recording played through the engine's browser model
//! ([`corsica::browser::Exchange`]), the recorded responses standing in for the network: the
//! engine asks for the preflight, the request, each redirect's next request, and decides; this
//! module only finds the recorded entry that answers each ask.
//!
//! A recording may lack what the engine asks for. Chromium's devtools leave preflights out of
//! their HAR, Firefox's and Chromium's record a blocked request without its response: then a
//! preflight the request needed is taken as passed when the request itself went out (a browser
//! sends it only then), and otherwise the exchange stops, saying what is missing.

use std::time::Duration;

use corsica::Origin;
use std::net::IpAddr;

use corsica::browser::{
    AddressSpace, BrowserRequest, CredentialsMode, Engine, Exchange, Outgoing, PreflightCache,
    ResponseHead, Step,
};
use url::{Host, Url};

use super::file::{Entry, Har, Response};
use super::page::{self, OriginSource};
use crate::check::live::{Exchanged, Received, Report, ip_address_space};

/// What the recording lacks for a verdict.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Missing {
    /// The request needed a preflight, none is recorded, and the request got no response: the
    /// preflight most likely failed, but its response is not in the file.
    Preflight,
    /// The preflight is recorded without a response.
    PreflightResponse,
    /// The request is recorded without a response (blocked, failed or cancelled).
    Response,
    /// A redirect's next request is not in the recording.
    Redirect(Url),
}

impl Missing {
    /// The JSON name.
    pub(crate) fn as_str(&self) -> &'static str {
        match self {
            Missing::Preflight => "preflight",
            Missing::PreflightResponse => "preflight-response",
            Missing::Response => "response",
            Missing::Redirect(_) => "redirect",
        }
    }
}

/// How a replay ended.
// One per replayed request, moved once: boxing would only add a deref.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
pub(crate) enum Outcome {
    /// The engine reached its verdict.
    Decided(Report),
    /// The recording stops short: what was replayed, what is missing, and the preflight the
    /// engine asked for when that is what is missing.
    Incomplete {
        steps: Vec<Exchanged>,
        missing: Missing,
        preflight: Option<Outgoing>,
    },
}

/// One cross-origin request of the recording, replayed.
#[derive(Clone, Debug)]
pub(crate) struct Replayed {
    /// The entry of the request (its first hop).
    pub(crate) index: usize,
    /// Every entry the replay used: the request, its redirects, its recorded preflights.
    pub(crate) entries: Vec<usize>,
    /// `startedDateTime` of the request, as written.
    pub(crate) started: String,
    /// Where the page's origin was read from.
    pub(crate) origin_source: OriginSource,
    /// Whether credentials mode `include` was read from the cookies it sent (otherwise
    /// `same-origin`, fetch()'s default, is assumed).
    pub(crate) cookies: bool,
    /// The request as the engine built it from the recording.
    pub(crate) request: BrowserRequest,
    /// Whether a preflight the engine asked for was missing and taken as passed.
    pub(crate) preflight_assumed: bool,
    /// The browser's failure text for the request, if recorded (`net::ERR_FAILED`).
    pub(crate) failure: Option<String>,
    /// The recorded body, when short enough to replay.
    pub(crate) body: Option<Option<String>>,
    pub(crate) outcome: Outcome,
}

impl Replayed {
    /// `Some(true)` allowed, `Some(false)` blocked, `None` undecided.
    pub(crate) fn allowed(&self) -> Option<bool> {
        match &self.outcome {
            Outcome::Decided(report) => Some(report.verdict.is_allowed()),
            Outcome::Incomplete { .. } => None,
        }
    }
}

/// The whole recording, replayed.
#[derive(Clone, Debug, Default)]
pub(crate) struct Replay {
    /// The engine whose rules decided (`--browser`, or the recording's browser).
    pub(crate) engine: Engine,
    /// The cross-origin requests, in the recording's order.
    pub(crate) replayed: Vec<Replayed>,
    /// Requests in CORS mode to the page's own origin: no CORS check.
    pub(crate) same_origin: usize,
    /// Requests CORS does not apply to: images, scripts, navigations (`no-cors`, `navigate`),
    /// non-HTTP URLs.
    pub(crate) not_cors: usize,
    /// CORS-mode requests whose page origin the recording does not tell.
    pub(crate) unknown_origin: Vec<usize>,
    /// Requests `fetch()` would have refused to make (a forbidden method): index and message.
    pub(crate) refused: Vec<(usize, String)>,
    /// Recorded preflights no request used (a request the recording lacks, or one the model
    /// found in the preflight cache).
    pub(crate) unused_preflights: Vec<usize>,
}

/// Replays every cross-origin request of `har` by `engine`'s rules.
pub(crate) fn replay(har: &Har, engine: Engine) -> Replay {
    let mut state = State {
        entries: &har.entries,
        used: vec![false; har.entries.len()],
        preflights: har
            .entries
            .iter()
            .filter(|e| e.is_preflight())
            .map(|e| e.index)
            .collect(),
        cache: PreflightCache::for_profile(&engine.profile()),
        engine,
        epoch: har
            .entries
            .iter()
            .map(|e| e.started)
            .min()
            .unwrap_or_default(),
    };
    let mut out = Replay {
        engine,
        ..Replay::default()
    };
    for entry in &har.entries {
        if state.used[entry.index] || entry.is_preflight() {
            continue;
        }
        if !matches!(entry.url.scheme(), "http" | "https") || !page::is_cors_mode(entry) {
            out.not_cors += 1;
            continue;
        }
        let Some((origin, source)) = page::page_origin(entry, &har.pages) else {
            out.unknown_origin.push(entry.index);
            continue;
        };
        let cross = Origin::from_url(&entry.url) != origin || origin.is_opaque();
        let redirected = entry.response.as_ref().is_some_and(|r| {
            (300..400).contains(&r.status)
                && r.headers
                    .iter()
                    .any(|(n, _)| n.eq_ignore_ascii_case("location"))
        });
        if !cross && !redirected {
            out.same_origin += 1;
            continue;
        }
        match state.replay(entry, origin, source) {
            Ok(replayed) => {
                let all_same_origin = match &replayed.outcome {
                    Outcome::Decided(r) => r.steps.iter().all(|s| !s.request.uses_cors()),
                    Outcome::Incomplete { .. } => false,
                };
                if all_same_origin {
                    out.same_origin += 1;
                } else {
                    out.replayed.push(replayed);
                }
            }
            Err(message) => out.refused.push((entry.index, message)),
        }
    }
    out.unused_preflights = har
        .entries
        .iter()
        .filter(|e| e.is_preflight() && !state.used[e.index])
        .map(|e| e.index)
        .collect();
    out
}

struct State<'a> {
    entries: &'a [Entry],
    used: Vec<bool>,
    /// The indexes of the recorded preflights, searched for each request.
    preflights: Vec<usize>,
    /// One preflight cache for the whole recording, as in the browser: a preflight recorded
    /// earlier can spare a later request its own.
    cache: PreflightCache,
    /// The first request's start: the cache's clock counts from there.
    epoch: Duration,
    /// The browser whose rules decide.
    engine: Engine,
}

impl State<'_> {
    fn now(&self, entry: &Entry) -> Duration {
        entry.started.saturating_sub(self.epoch)
    }

    /// The recorded preflight for a request to `url` with `method` from `origin`: the unused
    /// one nearest to entry `anchor` (Chromium records the preflight just after the request it
    /// precedes, Firefox just before).
    fn find_preflight(
        &self,
        url: &Url,
        method: &str,
        origin: &str,
        anchor: usize,
    ) -> Option<usize> {
        self.preflights
            .iter()
            .map(|&k| &self.entries[k])
            .filter(|e| {
                !self.used[e.index]
                    && e.url == *url
                    && e.header("access-control-request-method") == Some(method.as_bytes())
                    && e.header("origin") == Some(origin.as_bytes())
            })
            .min_by_key(|e| e.index.abs_diff(anchor))
            .map(|e| e.index)
    }

    /// The recorded request a redirect led to: the first unused entry after `after` with that
    /// method and URL.
    fn find_request(&self, url: &Url, method: &str, after: usize) -> Option<usize> {
        self.entries[after + 1..]
            .iter()
            .find(|e| {
                !self.used[e.index] && !e.is_preflight() && e.url == *url && e.method == method
            })
            .map(|e| e.index)
    }

    fn replay(
        &mut self,
        entry: &Entry,
        origin: Origin,
        source: OriginSource,
    ) -> Result<Replayed, String> {
        let recorded_preflight =
            self.find_preflight(&entry.url, &entry.method, origin.as_str(), entry.index);
        let asked = recorded_preflight
            .map(|k| page::asked_headers(&self.entries[k]))
            .unwrap_or_default();
        let credentials = if entry.cookies {
            CredentialsMode::Include
        } else {
            CredentialsMode::SameOrigin
        };
        let mut builder = BrowserRequest::builder(origin, entry.url.clone())
            .method(entry.method.clone())
            .credentials(credentials)
            .profile(self.engine.profile());
        for (name, value) in page::script_headers(entry, &asked) {
            builder = builder.header(name, value);
        }
        // A Private Network Access preflight was recorded: the request was one (Chromium's
        // legacy PNA preflight), to the address space of the URL's host.
        if recorded_preflight.is_some_and(|k| {
            self.entries[k].header("access-control-request-private-network") == Some(b"true")
        }) {
            builder = builder.private_network(address_space(&entry.url));
        }
        let request = builder.build().map_err(|e| e.to_string())?;
        self.used[entry.index] = true;
        let mut replayed = Replayed {
            index: entry.index,
            entries: vec![entry.index],
            started: entry.started_text.clone(),
            origin_source: source,
            cookies: entry.cookies,
            request: request.clone(),
            preflight_assumed: false,
            failure: entry.failure.clone(),
            body: entry.body.clone(),
            outcome: Outcome::Incomplete {
                steps: Vec::new(),
                missing: Missing::Response,
                preflight: None,
            },
        };
        let mut exchange = Exchange::new(request.clone());
        let mut steps = Vec::new();
        // The entry of the request to the current URL; after a redirect, found when needed.
        let mut hop = Some(entry.index);
        let mut last = entry.index;
        let incomplete = |steps, missing, preflight| Outcome::Incomplete {
            steps,
            missing,
            preflight,
        };
        replayed.outcome = loop {
            let now = self.now(&self.entries[last]);
            let step = exchange.next(&mut self.cache, now);
            if hop.is_none() {
                if let Step::Preflight(out) | Step::Request(out) = &step {
                    hop = self.find_request(&out.url, exchange.request().method(), last);
                }
            }
            match step {
                Step::Done(verdict) => {
                    break Outcome::Decided(Report {
                        request,
                        steps,
                        verdict,
                        diagnosis: None,
                    });
                }
                Step::Preflight(out) => {
                    let found = self.find_preflight(
                        &out.url,
                        exchange.request().method(),
                        exchange.request().serialized_origin(),
                        hop.unwrap_or(last),
                    );
                    match found.map(|k| (k, self.entries[k].response.as_ref())) {
                        Some((k, Some(response))) => {
                            self.used[k] = true;
                            replayed.entries.push(k);
                            let at = exchange.request().clone();
                            let head = head(response);
                            let _ = exchange.receive(head.clone(), &mut self.cache, now);
                            steps.push(exchanged(true, at, out, false, response, head));
                        }
                        Some((k, None)) => {
                            replayed.entries.push(k);
                            break incomplete(steps, Missing::PreflightResponse, Some(out));
                        }
                        None => {
                            let sent = hop.is_some_and(|h| self.entries[h].response.is_some());
                            if !sent {
                                let missing = match hop {
                                    Some(_) => Missing::Preflight,
                                    None => Missing::Redirect(out.url.clone()),
                                };
                                break incomplete(steps, missing, Some(out));
                            }
                            let _ = exchange.assume_preflight_passed();
                            replayed.preflight_assumed = true;
                        }
                    }
                }
                Step::Request(out) => {
                    let Some(k) = hop.take() else {
                        break incomplete(steps, Missing::Redirect(out.url), None);
                    };
                    self.used[k] = true;
                    if !replayed.entries.contains(&k) {
                        replayed.entries.push(k);
                    }
                    last = k;
                    let recorded = &self.entries[k];
                    let Some(response) = recorded.response.as_ref() else {
                        if k != entry.index {
                            replayed.failure.clone_from(&recorded.failure);
                        }
                        break incomplete(steps, Missing::Response, None);
                    };
                    let at = exchange.request().clone();
                    let head = head(response);
                    let now = self.now(recorded);
                    let _ = exchange.receive(head.clone(), &mut self.cache, now);
                    steps.push(exchanged(
                        false,
                        at,
                        out,
                        recorded.body.is_some(),
                        response,
                        head,
                    ));
                }
            }
        };
        Ok(replayed)
    }
}

/// The address space of `url`'s host: from its address when it is one, `local` for
/// `localhost`, `private` otherwise (the recording does not say what a name resolved to).
fn address_space(url: &Url) -> AddressSpace {
    match url.host() {
        Some(Host::Ipv4(ip)) => ip_address_space(IpAddr::V4(ip)),
        Some(Host::Ipv6(ip)) => ip_address_space(IpAddr::V6(ip)),
        Some(Host::Domain(d)) if d == "localhost" || d.ends_with(".localhost") => {
            AddressSpace::Local
        }
        _ => AddressSpace::Private,
    }
}

/// The recorded response as the engine reads it.
fn head(response: &Response) -> ResponseHead {
    response
        .headers
        .iter()
        .fold(ResponseHead::new(response.status), |h, (n, v)| {
            h.header(n.clone(), v.clone())
        })
}

/// One replayed request and its recorded response, in `check`'s terms.
fn exchanged(
    preflight: bool,
    request: BrowserRequest,
    sent: Outgoing,
    body: bool,
    response: &Response,
    head: ResponseHead,
) -> Exchanged {
    Exchanged {
        preflight,
        request,
        // A recording keeps the request's headers, not the order they went out in.
        wire: sent.headers.clone(),
        sent,
        body,
        received: Received {
            protocol: if response.http_version.is_empty() {
                "recorded".to_string()
            } else {
                response.http_version.clone()
            },
            status: response.status,
            reason: response.status_text.clone(),
            headers: response.headers.clone(),
            // Bodies are skipped while reading the file.
            body: Vec::new(),
        },
        head,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::har::file;

    fn entry(
        started: &str,
        method: &str,
        url: &str,
        req: &[(&str, &str)],
        status: i64,
        resp: &[(&str, &str)],
    ) -> Value {
        let h = |pairs: &[(&str, &str)]| {
            pairs
                .iter()
                .map(|(n, v)| json!({"name": n, "value": v}))
                .collect::<Vec<_>>()
        };
        json!({
            "startedDateTime": started,
            "request": {"method": method, "url": url, "headers": h(req)},
            "response": {"status": status, "headers": h(resp)},
        })
    }

    fn replayed(entries: Vec<Value>) -> Replay {
        let har = json!({"log": {"creator": {"name": "test"}, "entries": entries}});
        replay(
            &file::read(har.to_string().as_bytes()).unwrap(),
            Engine::Chromium,
        )
    }

    const PAGE: &str = "https://app.test";

    #[test]
    fn a_cached_preflight_spares_a_later_request_its_own() {
        let put = |t| {
            entry(
                t,
                "PUT",
                "https://api.test/x",
                &[("Origin", PAGE)],
                200,
                &[("Access-Control-Allow-Origin", PAGE)],
            )
        };
        let r = replayed(vec![
            put("2026-12-01T18:00:00Z"),
            entry(
                "2026-12-01T18:00:00.010Z",
                "OPTIONS",
                "https://api.test/x",
                &[("Origin", PAGE), ("Access-Control-Request-Method", "PUT")],
                204,
                &[
                    ("Access-Control-Allow-Origin", PAGE),
                    ("Access-Control-Allow-Methods", "PUT"),
                    ("Access-Control-Max-Age", "600"),
                ],
            ),
            put("2026-12-01T18:01:00Z"),
            // Past the max-age, with no preflight recorded: taken as passed.
            put("2026-12-01T18:20:00Z"),
        ]);
        assert_eq!(r.replayed.len(), 3);
        assert!(r.unused_preflights.is_empty());
        let [first, second, third] = &r.replayed[..] else {
            panic!()
        };
        assert_eq!(first.entries, [0, 1]);
        assert!(!first.preflight_assumed);
        assert!(!second.preflight_assumed, "the cache answered");
        assert!(third.preflight_assumed);
        assert!(r.replayed.iter().all(|r| r.allowed() == Some(true)));
    }

    #[test]
    fn a_redirect_hop_missing_from_the_recording() {
        let r = replayed(vec![entry(
            "2026-12-01T18:00:00Z",
            "GET",
            "https://api.test/old",
            &[("Origin", PAGE)],
            301,
            &[
                ("Location", "https://api.test/new"),
                ("Access-Control-Allow-Origin", "*"),
            ],
        )]);
        let Outcome::Incomplete { missing, steps, .. } = &r.replayed[0].outcome else {
            panic!("{:?}", r.replayed[0].outcome)
        };
        assert_eq!(
            *missing,
            Missing::Redirect("https://api.test/new".parse().unwrap())
        );
        assert_eq!(steps.len(), 1);
    }

    #[test]
    fn a_recorded_private_network_preflight_makes_a_private_network_request() {
        let r = replayed(vec![
            entry(
                "2026-12-01T18:00:00Z",
                "GET",
                "http://192.168.1.10/api",
                &[("Origin", PAGE), ("Sec-Fetch-Mode", "cors")],
                200,
                &[("Access-Control-Allow-Origin", "*")],
            ),
            entry(
                "2026-12-01T18:00:00Z",
                "OPTIONS",
                "http://192.168.1.10/api",
                &[
                    ("Origin", PAGE),
                    ("Access-Control-Request-Method", "GET"),
                    ("Access-Control-Request-Private-Network", "true"),
                ],
                204,
                &[("Access-Control-Allow-Origin", PAGE)],
            ),
        ]);
        let replayed = &r.replayed[0];
        assert_eq!(
            replayed.request.private_network(),
            Some(AddressSpace::Private)
        );
        let Outcome::Decided(report) = &replayed.outcome else {
            panic!()
        };
        assert_eq!(
            report.verdict.cors_error().map(|e| e.kind.as_str()),
            Some("PreflightMissingAllowPrivateNetwork")
        );
    }
}
