//! Runs the browser conformance vectors (`vectors/browser/*.json`, format in `vectors/README.md`)
//! against `corsica::browser`, one named test per case (`file::case name`).
//!
//! The vectors are read by `corsica-conformance`, into the engine's types: a malformed file or
//! case is a failing test of its own, its error naming the file and the case.

use std::fmt::Debug;
use std::time::Duration;

use corsica::browser::{
    BrowserRequest, Exchange, Initiator, Outgoing, PreflightCache, ResponseHead, Step, Verdict,
};
use corsica_conformance::browser::{Case, ErrorKind, Expect, Fetch, Request, Response};
use corsica_conformance::{Loaded, broken, load};
use libtest_mimic::{Arguments, Failed, Trial};

fn response_head(spec: &Response) -> ResponseHead {
    let mut head = ResponseHead::new(spec.status);
    for (name, value) in &spec.headers {
        head = head.header(name.clone(), value.clone());
    }
    head
}

/// The request `fetch()` makes, or the `TypeError` it throws.
fn build_request(spec: &Request) -> Result<BrowserRequest, String> {
    let mut builder = BrowserRequest::builder(spec.origin.clone(), spec.url.clone())
        .force_preflight(spec.force_preflight);
    if let Some(method) = &spec.method {
        builder = builder.method(method.clone());
    }
    for (name, value) in &spec.headers {
        builder = builder.header(name.clone(), value.clone());
    }
    if let Some(mode) = spec.credentials {
        builder = builder.credentials(mode);
    }
    if let Some(mode) = spec.mode {
        builder = builder.mode(mode);
    }
    if let Some(space) = spec.private_network {
        builder = builder.private_network(space);
    }
    if let Some(key) = &spec.partition {
        builder = builder.partition_key(key.clone());
    }
    builder.build().map_err(|e| e.to_string())
}

/// Everything a fetch did, for the expectations to look at.
struct Run {
    verdict: Result<Verdict, String>,
    preflights: Vec<Outgoing>,
    requests: Vec<Outgoing>,
    cache_seconds: Option<u64>,
}

fn run_fetch(spec: &Fetch, cache: &mut PreflightCache, now: Duration) -> Result<Run, String> {
    let mut hops: Vec<(Option<ResponseHead>, Option<ResponseHead>)> = Vec::new();
    let head = |r: &Option<Response>| r.as_ref().map(response_head);
    hops.push((head(&spec.preflight_response), head(&spec.response)));
    for hop in &spec.redirects {
        hops.push((head(&hop.preflight_response), head(&hop.response)));
    }
    let request = match build_request(&spec.request) {
        Ok(request) => request,
        Err(type_error) => {
            return Ok(Run {
                verdict: Err(type_error),
                preflights: Vec::new(),
                requests: Vec::new(),
                cache_seconds: None,
            });
        }
    };
    let mut exchange = Exchange::new(request);
    let (mut preflights, mut requests) = (Vec::new(), Vec::new());
    let mut hop = 0;
    let verdict = loop {
        match exchange.next(cache, now) {
            Step::Preflight(out) => {
                let response = hops
                    .get_mut(hop)
                    .and_then(|h| h.0.take())
                    .ok_or_else(|| format!("the engine sent a preflight to {} (hop {hop}) that the vector does not answer", out.url))?;
                preflights.push(out);
                exchange
                    .receive(response, cache, now)
                    .map_err(|e| e.to_string())?;
            }
            Step::Request(out) => {
                let response = hops.get_mut(hop).and_then(|h| h.1.take()).ok_or_else(|| {
                    format!(
                        "the engine sent {} {} (hop {hop}) that the vector does not answer",
                        out.method, out.url
                    )
                })?;
                requests.push(out);
                exchange
                    .receive(response, cache, now)
                    .map_err(|e| e.to_string())?;
                hop += 1;
            }
            Step::Done(verdict) => break verdict,
        }
    };
    for (i, (preflight, response)) in hops.iter().enumerate() {
        if preflight.is_some() {
            return Err(format!(
                "hop {i}: the vector answers a preflight the engine never sent"
            ));
        }
        if response.is_some() {
            return Err(format!(
                "hop {i}: the vector answers a request the engine never sent"
            ));
        }
    }
    let cache_seconds = verdict.preflight.as_ref().map(|p| cache.lifetime(p));
    Ok(Run {
        verdict: Ok(verdict),
        preflights,
        requests,
        cache_seconds,
    })
}

fn text_pairs(headers: &[(String, Vec<u8>)]) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(n, v)| (n.clone(), v.iter().map(|&b| char::from(b)).collect()))
        .collect()
}

fn differ(problems: &mut Vec<String>, what: &str, got: String, want: String) {
    if got != want {
        problems.push(format!("{what}: got {got}, want {want}"));
    }
}

/// When the vector expects `field` (`want` is `Some`), a problem unless what the engine did
/// (`got`, computed only then) prints the same as `Some(want)`.
fn expect_same<W: Debug, G: Debug>(
    problems: &mut Vec<String>,
    field: &str,
    want: Option<W>,
    got: impl FnOnce() -> Option<G>,
) {
    if let Some(want) = want {
        differ(
            problems,
            field,
            format!("{:?}", got()),
            format!("{:?}", Some(want)),
        );
    }
}

fn check_expect(run: &Run, expect: &Expect) -> Result<(), String> {
    let mut problems = Vec::new();
    let preflight_sent = !run.preflights.is_empty();
    differ(
        &mut problems,
        "preflight",
        preflight_sent.to_string(),
        expect.preflight.to_string(),
    );
    match &run.verdict {
        Err(type_error) => {
            differ(
                &mut problems,
                "allowed",
                false.to_string(),
                expect.allowed.to_string(),
            );
            let kind = expect.error.as_ref().and_then(|e| e.kind.as_ref());
            if kind.is_some_and(|k| *k != ErrorKind::TypeError) {
                problems.push(format!(
                    "error: fetch() threw `{type_error}`, want {:?}",
                    kind.map(ErrorKind::as_str)
                ));
            }
        }
        Ok(verdict) => {
            differ(
                &mut problems,
                "allowed",
                verdict.is_allowed().to_string(),
                expect.allowed.to_string(),
            );
            match (&verdict.result, &expect.error) {
                (Err(got), Some(want)) => {
                    if let Some(kind) = &want.kind {
                        differ(
                            &mut problems,
                            "error.kind",
                            got.kind_str().into(),
                            kind.as_str().into(),
                        );
                    }
                    if let Some(param) = &want.failed_parameter {
                        let got_param = got
                            .as_cors()
                            .map(|e| e.failed_parameter.clone())
                            .unwrap_or_default();
                        differ(
                            &mut problems,
                            "error.failed_parameter",
                            format!("{got_param:?}"),
                            format!("{param:?}"),
                        );
                    }
                }
                (Err(got), None) => {
                    problems.push(format!("error: got {} ({got}), want none", got.kind_str()))
                }
                (Ok(_), Some(want)) => problems.push(format!(
                    "error: got none, want {:?}",
                    want.kind.as_ref().map(ErrorKind::as_str)
                )),
                (Ok(_), None) => {}
            }
            expect_same(&mut problems, "exposed", expect.exposed.as_ref(), || {
                Some(
                    verdict
                        .result
                        .as_ref()
                        .map(|e| e.headers.clone())
                        .unwrap_or_default(),
                )
            });
            expect_same(&mut problems, "status", expect.status, || {
                verdict.result.as_ref().map(|e| e.status).ok()
            });
            expect_same(&mut problems, "message", expect.message.as_ref(), || {
                verdict.console_message()
            });
            expect_same(
                &mut problems,
                "message_xhr",
                expect.message_xhr.as_ref(),
                || {
                    let redirected_from =
                        (verdict.initial_url != verdict.url).then(|| verdict.initial_url.as_str());
                    verdict.cors_error().map(|e| {
                        e.console_message_for(
                            Initiator::XmlHttpRequest,
                            verdict.url.as_str(),
                            redirected_from,
                            verdict.origin.as_str(),
                        )
                    })
                },
            );
        }
    }
    let last = run.requests.last();
    expect_same(
        &mut problems,
        "preflight_count",
        expect.preflight_count,
        || Some(run.preflights.len()),
    );
    expect_same(
        &mut problems,
        "preflight_request",
        expect.preflight_request.as_ref(),
        || run.preflights.first().map(|p| text_pairs(&p.headers)),
    );
    expect_same(
        &mut problems,
        "request_headers",
        expect.request_headers.as_ref(),
        || last.map(|r| text_pairs(&r.headers)),
    );
    expect_same(
        &mut problems,
        "final_url",
        expect.final_url.as_ref(),
        || last.map(|r| r.url.to_string()),
    );
    expect_same(
        &mut problems,
        "final_method",
        expect.final_method.as_ref(),
        || last.map(|r| r.method.clone()),
    );
    expect_same(&mut problems, "cache_seconds", expect.cache_seconds, || {
        run.cache_seconds
    });
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}

fn run_case(case: &Case) -> Result<(), Failed> {
    let mut cache = case.cache.as_ref().map_or_else(PreflightCache::new, |c| {
        PreflightCache::with_max_age_cap(c.max_age_cap)
    });
    let epoch = Duration::from_secs(1_000_000);
    let many = case.fetches.len() > 1;
    for (i, fetch) in case.fetches.iter().enumerate() {
        let at = fetch.at;
        let now = epoch + Duration::from_secs_f64(at);
        let run = run_fetch(fetch, &mut cache, now)
            .map_err(|e| Failed::from(format!("step {i}: {e}")))?;
        check_expect(&run, &fetch.expect).map_err(|e| {
            Failed::from(if many {
                format!("step {i} (at {at} s):\n{e}")
            } else {
                e
            })
        })?;
    }
    Ok(())
}

fn main() {
    let args = Arguments::from_args();
    let trials = load::<Case>()
        .into_iter()
        .map(|loaded| match loaded {
            Loaded::Case { test, case } => Trial::test(test, move || run_case(&case)),
            Loaded::Broken { test, error } => broken(test, error),
        })
        .collect();
    libtest_mimic::run(&args, trials).exit();
}
