//! The server conformance vectors (`vectors/server/*.json`, format in `vectors/README.md`) as
//! requests over real HTTP, and the judgement of the responses an adapter gives.
//!
//! Shared by corsica-tower and corsica-actix: each compiles the cases' policies with
//! [`prepare`], provides the server (one route per case, `/c/{index}`, behind the case's
//! policy, with a handler that counts its calls and answers `200 ok`), and makes one [`trial`]
//! per case. The cases are read by `corsica-conformance`.
//!
//! Some requests cannot travel over HTTP/1.1 as the vector writes them:
//! - a field value with control bytes (CR, LF, NUL, …) cannot be sent at all (RFC 9110 §5.5;
//!   the `http` crate refuses to build it): the case is reported as ignored, with the reason;
//! - whitespace around a field value is stripped by every HTTP/1.1 parser, so such a case is
//!   sent to the adapter's service in-process instead, with the exact value.
//!
//! A case's `scheme` is conveyed by sending the request in absolute-form
//! (`https://api.example.com/c/7`, RFC 9112 §3.2.2), which is how the server learns it. A case
//! without `Host` is sent with the test server's own authority, since HTTP/1.1 requires one.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use corsica::{ConfigErrors, Outcome, PolicyConfig};
use corsica_conformance::server::Case;
use corsica_conformance::{Loaded, broken, parse};
use libtest_mimic::{Completion, Failed, Trial};
use tokio::runtime::Runtime;

use crate::capture::{self, Logged};
use crate::client::{self, Outgoing, Received};

/// A few cases that always run, whatever `vectors/server` holds.
const INLINE: &str = r#"[
  {"name": "preflight-ok", "source": "vectors/README.md, server vectors: a passing preflight is answered by the layer",
   "policy": {"origins": ["https://app.example.com"], "methods": ["PUT"], "request_headers": ["content-type"], "max_age": 600},
   "request": {"method": "OPTIONS", "headers": [["origin", "https://app.example.com"], ["access-control-request-method", "PUT"], ["access-control-request-headers", "content-type"]]},
   "expect": {"outcome": "preflight-ok", "status": 204,
     "headers": [["access-control-allow-origin", "https://app.example.com"], ["access-control-allow-methods", "PUT"], ["access-control-allow-headers", "content-type"], ["access-control-max-age", "600"]],
     "absent": ["vary", "access-control-allow-credentials"], "inner_called": false}},
  {"name": "preflight-denied-header", "source": "vectors/README.md, server vectors: a failing preflight is 403 without CORS headers",
   "policy": {"origins": ["https://app.example.com"], "methods": ["PUT"]},
   "request": {"method": "OPTIONS", "headers": [["origin", "https://app.example.com"], ["access-control-request-method", "PUT"], ["access-control-request-headers", "x-api-key"]]},
   "expect": {"outcome": "preflight-denied-after", "status": 403, "headers": [], "absent": ["access-control-allow-origin", "vary"], "inner_called": false}},
  {"name": "actual-allowed-credentials", "source": "vectors/README.md, server vectors: an allowed actual request passes through with the CORS headers",
   "policy": {"origins": ["https://*.example.com"], "credentials": true, "expose_headers": ["x-request-id"]},
   "request": {"method": "POST", "headers": [["origin", "https://app.example.com"]]},
   "expect": {"outcome": "actual-allowed", "status": null,
     "headers": [["access-control-allow-origin", "https://app.example.com"], ["access-control-allow-credentials", "true"], ["access-control-expose-headers", "x-request-id"], ["vary", "origin"]],
     "absent": [], "inner_called": true}},
  {"name": "actual-denied", "source": "vectors/README.md, server vectors: a disallowed origin gets only Vary",
   "policy": {"origins": ["https://app.example.com"], "credentials": true},
   "request": {"method": "GET", "headers": [["origin", "https://app.example.com.evil.net"]]},
   "expect": {"outcome": "actual-denied", "status": null, "headers": [["vary", "origin"]], "absent": ["access-control-allow-origin", "access-control-allow-credentials"], "inner_called": true}},
  {"name": "plain-options-is-not-a-preflight", "source": "vectors/README.md, server vectors: OPTIONS without Access-Control-Request-Method reaches the service",
   "policy": {"origins": ["https://app.example.com"]},
   "request": {"method": "OPTIONS", "headers": [["origin", "https://app.example.com"]]},
   "expect": {"outcome": "actual-allowed", "status": null, "headers": [["access-control-allow-origin", "https://app.example.com"], ["vary", "origin"]], "absent": [], "inner_called": true}},
  {"name": "not-cors-any-origin", "source": "vectors/README.md, server vectors: a credential-free * policy does not vary by origin and answers every request alike",
   "policy": {"origins": ["*"]},
   "request": {"method": "GET", "headers": []},
   "expect": {"outcome": "not-cors", "status": null, "headers": [["access-control-allow-origin", "*"]], "absent": ["vary", "access-control-allow-credentials"], "inner_called": true}}
]"#;

/// The inline sample (`inline::NAME`), then every case of `vectors/server/*.json`
/// (`server::FILE::NAME`), in file and case order.
pub fn load() -> Vec<Loaded<Case>> {
    let mut out = parse("inline", "the inline sample", INLINE);
    out.extend(
        corsica_conformance::load::<Case>()
            .into_iter()
            .map(|loaded| match loaded {
                Loaded::Case { test, case } => Loaded::Case {
                    test: format!("server::{test}"),
                    case,
                },
                Loaded::Broken { test, error } => Loaded::Broken {
                    test: format!("server::{test}"),
                    error,
                },
            }),
    );
    out
}

/// A case whose policy compiles, ready to be served.
#[derive(Debug)]
pub struct Runnable<C> {
    /// Its number: its route is `/c/{index}`, its log events are filed under it.
    pub index: usize,
    /// The test name.
    pub test: String,
    /// The case.
    pub case: Box<Case>,
    /// The adapter's middleware for the case's policy.
    pub cors: C,
    /// How many times the case's handler ran.
    pub calls: Arc<AtomicUsize>,
}

/// Every case ([`load`]) with its policy compiled by `compile` (the adapter's `from_config`):
/// the failing trials of broken files and of policies that do not compile, and the cases to
/// serve.
pub fn prepare<C>(
    compile: impl Fn(&PolicyConfig) -> Result<C, ConfigErrors>,
) -> (Vec<Trial>, Vec<Runnable<C>>) {
    let (mut failed, mut runnable) = (Vec::new(), Vec::new());
    for (index, loaded) in load().into_iter().enumerate() {
        match loaded {
            Loaded::Broken { test, error } => failed.push(broken(test, error)),
            Loaded::Case { test, case } => match compile(&case.policy) {
                Ok(cors) => runnable.push(Runnable {
                    index,
                    test,
                    case,
                    cors,
                    calls: Arc::new(AtomicUsize::new(0)),
                }),
                Err(e) => failed.push(broken(test, format!("the policy does not compile: {e}"))),
            },
        }
    }
    (failed, runnable)
}

/// The runtime the trials send their requests on (two worker threads), shared with a test
/// server that runs on tokio.
pub fn runtime() -> &'static Runtime {
    static RUNTIME: OnceLock<Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a tokio runtime")
    })
}

/// How a case's request reaches the adapter.
#[derive(Debug)]
pub enum Plan {
    /// Over a real connection.
    Wire(Outgoing),
    /// Handed to the service in-process, because HTTP/1.1 would alter it; the reason.
    InProcess(Outgoing, &'static str),
    /// Not representable in HTTP at all; the reason.
    Unsendable(String),
}

/// The request of `case`, sent to `path` on the test server at `authority`.
///
/// HTTP/1.1 requires `Host` (RFC 9112 §3.2; actix-web answers 400 without it), so a case without
/// one is sent with the test server's own authority, as any client would: a loopback address
/// that matches no origin in the vectors.
pub fn plan(case: &Case, path: &str, authority: &str) -> Plan {
    let r = &case.request;
    let host = r
        .headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("host"))
        .map(|(_, v)| v.as_str());
    let target = match (&r.scheme, host) {
        (Some(scheme), Some(host)) => format!("{scheme}://{host}{path}"),
        _ => path.to_owned(),
    };
    let mut send = Outgoing::new(&r.method, &target);
    for (n, v) in &r.headers {
        send = send.header(n, v.as_bytes());
    }
    if let Err(e) = send.build() {
        return Plan::Unsendable(format!("cannot be sent over HTTP (RFC 9110 §5.5): {e}"));
    }
    let padded = |v: &str| v.starts_with([' ', '\t']) || v.ends_with([' ', '\t']);
    if r.headers.iter().any(|(_, v)| padded(v)) {
        return Plan::InProcess(
            send,
            "HTTP/1.1 parsers strip whitespace around field values",
        );
    }
    if host.is_none() {
        send = send.header("host", authority);
    }
    Plan::Wire(send)
}

/// Compares what the adapter did with what the case expects: the status, whether the handler
/// ran, the exact multiset of `access-control-*` response headers, the `Vary` elements, the
/// `absent` names, and the decision it logged (one event, with the expected outcome).
pub fn judge(case: &Case, got: &Received, calls: usize, logged: &[Logged]) -> Result<(), String> {
    let e = &case.expect;
    let mut errors = match judge_response(case, got, calls) {
        Ok(()) => String::new(),
        Err(e) => e,
    };
    match logged {
        [event] => {
            if event.outcome != e.outcome.as_str() {
                let _ = writeln!(
                    errors,
                    "logged outcome: expected {}, got {} ({})",
                    e.outcome, event.outcome, event.reason
                );
            }
            let want_level = if e.outcome == Outcome::NotCors {
                "TRACE"
            } else {
                "DEBUG"
            };
            if event.level != want_level || event.reason.is_empty() {
                let _ = writeln!(
                    errors,
                    "log event: expected level {want_level} and a reason, got {event:?}"
                );
            }
        }
        _ => {
            let _ = writeln!(errors, "expected one `corsica` log event, got {logged:?}");
        }
    }

    if errors.is_empty() {
        Ok(())
    } else {
        let reason = logged.first().map_or("", |l| l.reason.as_str());
        Err(format!("{errors}  (reason logged: {reason})"))
    }
}

/// Compares the response alone with what the case expects (for enforcement points that log
/// nothing, such as an exported nginx configuration): the status, whether the upstream ran, the
/// exact multiset of `access-control-*` response headers, the `Vary` elements and the `absent`
/// names.
///
/// # Errors
///
/// Every difference, one per line.
pub fn judge_response(case: &Case, got: &Received, calls: usize) -> Result<(), String> {
    let e = &case.expect;
    let mut errors = String::new();
    let want_status = e.status.unwrap_or(200);
    if got.status != want_status {
        let _ = writeln!(errors, "status: expected {want_status}, got {}", got.status);
    }
    let want_calls = usize::from(e.inner_called);
    if calls != want_calls {
        let _ = writeln!(
            errors,
            "inner handler: expected {want_calls} call(s), got {calls}"
        );
    }

    let want_cors: Vec<(String, Vec<u8>)> = e
        .headers
        .iter()
        .filter(|(n, _)| !n.eq_ignore_ascii_case("vary"))
        .map(|(n, v)| (n.to_ascii_lowercase(), v.as_bytes().to_vec()))
        .collect();
    let got_cors: Vec<(String, Vec<u8>)> = got
        .headers
        .iter()
        .filter(|(n, _)| n.starts_with("access-control-"))
        .cloned()
        .collect();
    if multiset(&want_cors) != multiset(&got_cors) {
        let _ = writeln!(
            errors,
            "CORS headers: expected {}, got {}",
            show(&want_cors),
            show(&got_cors)
        );
    }

    let want_vary: BTreeSet<String> = e
        .headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("vary"))
        .flat_map(|(_, v)| v.split(','))
        .map(|t| t.trim().to_ascii_lowercase())
        .collect();
    let got_vary_list = got.vary();
    let got_vary: BTreeSet<String> = got_vary_list.iter().cloned().collect();
    if want_vary != got_vary || got_vary_list.len() != got_vary.len() {
        let _ = writeln!(
            errors,
            "Vary: expected {want_vary:?}, got {got_vary_list:?}"
        );
    }

    for name in &e.absent {
        let name = name.to_ascii_lowercase();
        if !got.all(&name).is_empty() {
            let _ = writeln!(errors, "{name} must be absent, got {:?}", got.all(&name));
        }
    }

    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// The trial of a case, which the adapter serves at `/c/{index}` on `addr`: the request is sent
/// over the wire (on [`runtime`]), or handed to `in_process` when HTTP/1.1 would alter it, or the
/// case is ignored when HTTP cannot carry it; then the response and the logged decision are
/// judged.
pub fn trial<C>(
    runnable: Runnable<C>,
    addr: SocketAddr,
    in_process: impl FnOnce(&Outgoing) -> Result<Received, String> + Send + 'static,
) -> Trial {
    let Runnable {
        index,
        test,
        case,
        calls,
        ..
    } = runnable;
    Trial::ignorable_test(test, move || {
        let got = match plan(&case, &format!("/c/{index}"), &addr.to_string()) {
            Plan::Wire(send) => runtime().block_on(client::send(addr, &send)),
            Plan::InProcess(send, _) => in_process(&send),
            Plan::Unsendable(reason) => return Ok(Completion::ignored_with(reason)),
        };
        let logged = capture::take(index as u64);
        let result = got.and_then(|got| judge(&case, &got, calls.load(Ordering::SeqCst), &logged));
        verdict(&case, result)
    })
}

/// For a case marked `engine_bug`, turns a failure into a visible "ignored" (and a pass into a
/// failure, so the marker gets removed), as the engine's own vector runner does.
///
/// # Errors
///
/// The failure to report.
pub fn verdict(case: &Case, result: Result<(), String>) -> Result<Completion, Failed> {
    corsica_conformance::verdict(case.engine_bug.as_deref(), "the adapter", result)
}

fn multiset(headers: &[(String, Vec<u8>)]) -> BTreeMap<(String, Vec<u8>), usize> {
    let mut m = BTreeMap::new();
    for h in headers {
        *m.entry(h.clone()).or_insert(0) += 1;
    }
    m
}

fn show(headers: &[(String, Vec<u8>)]) -> String {
    let mut lines: Vec<String> = headers
        .iter()
        .map(|(n, v)| {
            let v = String::from_utf8_lossy(v);
            let v: String = if v.chars().count() > 60 {
                format!(
                    "{}… ({} bytes)",
                    v.chars().take(60).collect::<String>(),
                    v.len()
                )
            } else {
                v.into_owned()
            };
            format!("{n}: {v}")
        })
        .collect();
    lines.sort();
    format!("[{}]", lines.join(" | "))
}
