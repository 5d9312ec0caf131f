//! `--diagnose`: narrower follow-up requests that find which part of a request a server
//! refuses, and whether it allows any origin. Only with the flag: they are extra requests, each
//! listed in the report.
//!
//! - A preflight refused without CORS headers says nothing about why. The follow-ups are
//!   preflights for the parts alone: a safelisted method with no headers (is the origin
//!   refused, or are preflights not answered at all?), the method alone, each CORS-unsafe header
//!   alone with a safelisted method. Whether each passes is the engine's verdict on it.
//! - An allowed request whose `Access-Control-Allow-Origin` names the page's origin is asked
//!   again from a made-up origin: a server that allows that one too reflects any origin.
//!
//! No follow-up sends the request itself unless it is a `GET` or `HEAD` (a preflight stands in
//! for the others), so none can change anything on the server.

use std::time::Duration;

use corsica::Origin;
use corsica::browser::{BrowserRequest, Exchange, PreflightCache, Rule, StageKind, Step};

use super::net::{Client, NetError};
use super::{Config, Exchanged, Report, send_one};

/// The origin of the reflection follow-up: reserved (RFC 2606), so no real page has it.
pub const PROBE_ORIGIN: &str = "https://corsica-probe.example";

/// The part of a request a follow-up tests on its own.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Part {
    /// The origin: a preflight for `GET` with no headers.
    Origin,
    /// The method alone.
    Method(String),
    /// One CORS-unsafe header alone (lower-case name), with a safelisted method.
    Header(String),
    /// The same request from [`PROBE_ORIGIN`].
    AnyOrigin,
}

/// One follow-up request and its outcome.
#[derive(Clone, Debug)]
pub struct Probe {
    /// What it tests.
    pub part: Part,
    /// What was sent and what came back; `None` when it got no answer.
    pub step: Option<Exchanged>,
    /// Whether the browser would let it through (for a preflight: whether it passed).
    pub passed: bool,
    /// Why it got no answer.
    pub error: Option<String>,
}

/// Every follow-up, in the order sent.
#[derive(Clone, Debug, Default)]
pub struct Diagnosis {
    /// The follow-ups.
    pub probes: Vec<Probe>,
}

impl Diagnosis {
    /// The parts refused on their own (answered, and not passed).
    pub fn refused(&self) -> Vec<&Part> {
        self.probes
            .iter()
            .filter(|p| p.step.is_some() && !p.passed)
            .map(|p| &p.part)
            .collect()
    }

    /// Whether the server allowed the made-up origin too.
    pub fn reflects_any_origin(&self) -> bool {
        self.probes
            .iter()
            .any(|p| p.part == Part::AnyOrigin && p.passed)
    }
}

/// Whether the fetch ended at a preflight that came back without CORS headers (a 403 or 404
/// from a server or a CORS layer that refuses it): the case the follow-ups explain.
fn preflight_refused_bare(report: &Report) -> bool {
    let Some((stage, check)) = report.verdict.trace.failure() else {
        return false;
    };
    stage.kind == StageKind::Preflight
        && matches!(check.rule, Rule::AllowOrigin | Rule::OkStatus)
        && report
            .steps
            .iter()
            .rev()
            .find(|s| s.preflight)
            .is_some_and(|s| s.head.get("access-control-allow-origin").is_none())
}

/// Whether the request was allowed with `Access-Control-Allow-Origin` naming its origin.
fn allowed_by_name(report: &Report) -> bool {
    report.verdict.is_allowed()
        && !report.request.origin().is_opaque()
        && report.verdict.trace.responses().any(|stage| {
            stage.checks.iter().any(|c| {
                c.rule == Rule::AllowOrigin
                    && c.passed()
                    && c.seen.as_deref() == Some(report.request.origin().as_str().as_bytes())
            })
        })
}

/// Sends the follow-ups that apply to `report`; `None` when none does.
pub(crate) async fn run(
    config: &Config,
    report: &Report,
    client: &mut Client,
) -> Option<Diagnosis> {
    let mut variants: Vec<(Part, Result<BrowserRequest, String>)> = Vec::new();
    let request = &report.request;
    if preflight_refused_bare(report) {
        let unsafe_names = request.cors_unsafe_header_names();
        variants.push((Part::Origin, variant(config, request, "GET", None, true)));
        if !request.has_cors_safelisted_method() {
            variants.push((
                Part::Method(request.method().to_string()),
                variant(config, request, request.method(), None, true),
            ));
        }
        for name in unsafe_names {
            let v = variant(config, request, "GET", Some(&name), false);
            variants.push((Part::Header(name), v));
        }
    } else if allowed_by_name(report) {
        let mut probe = config.clone();
        probe.origin = Origin::parse(PROBE_ORIGIN).ok()?;
        let simple = matches!(request.method(), "GET" | "HEAD");
        let v = super::build(&probe, request.private_network())
            .map_err(|e| e.to_string())
            .and_then(|r| {
                if simple || r.needs_preflight() {
                    Ok(r)
                } else {
                    variant(&probe, &r, r.method(), None, true)
                }
            });
        variants.push((Part::AnyOrigin, v));
    }
    if variants.is_empty() {
        return None;
    }
    let mut diagnosis = Diagnosis::default();
    for (part, built) in variants {
        let probe = match built {
            Ok(r) => send(config, client, r).await.map_or_else(
                |e| Probe {
                    part: part.clone(),
                    step: None,
                    passed: false,
                    error: Some(e.to_string()),
                },
                |(step, passed)| Probe {
                    part: part.clone(),
                    step: Some(step),
                    passed,
                    error: None,
                },
            ),
            Err(e) => Probe {
                part,
                step: None,
                passed: false,
                error: Some(e),
            },
        };
        diagnosis.probes.push(probe);
    }
    Some(diagnosis)
}

/// The request with `method`, only the safelisted headers plus `keep` (a CORS-unsafe name),
/// a preflight forced when `force` is set.
fn variant(
    config: &Config,
    request: &BrowserRequest,
    method: &str,
    keep: Option<&str>,
    force: bool,
) -> Result<BrowserRequest, String> {
    let unsafe_names = request.cors_unsafe_header_names();
    let mut builder = BrowserRequest::builder(config.origin.clone(), config.url.clone())
        .method(method)
        .credentials(request.credentials())
        .profile(config.engine.profile())
        .force_preflight(force);
    for (name, value) in request.headers() {
        let lower = name.to_ascii_lowercase();
        if !unsafe_names.contains(&lower) || keep == Some(lower.as_str()) {
            builder = builder.header(name.clone(), value);
        }
    }
    if let Some(space) = request.private_network() {
        builder = builder.private_network(space);
    }
    builder.build().map_err(|e| e.to_string())
}

/// Sends the first request of `request`'s fetch: whether the browser lets it through (a
/// preflight that passes, or a response the script may read).
async fn send(
    config: &Config,
    client: &mut Client,
    request: BrowserRequest,
) -> Result<(Exchanged, bool), NetError> {
    let mut cache = PreflightCache::for_profile(&config.engine.profile());
    let mut exchange = Exchange::new(request);
    let (out, preflight) = match exchange.next(&mut cache, Duration::ZERO) {
        Step::Preflight(out) => (out, true),
        Step::Request(out) => (out, false),
        Step::Done(verdict) => {
            return Err(NetError::Request(format!(
                "fetch() would send nothing: {:?}",
                verdict.result.err()
            )));
        }
    };
    let at = exchange.request().clone();
    let step = send_one(config, client, &at, out, preflight).await?;
    let _ = exchange.receive(step.head.clone(), &mut cache, Duration::ZERO);
    let passed = match exchange.next(&mut cache, Duration::ZERO) {
        Step::Done(verdict) => verdict.is_allowed(),
        // The preflight passed; the request itself is not sent.
        Step::Request(_) => preflight,
        Step::Preflight(_) => false,
    };
    Ok((step, passed))
}
