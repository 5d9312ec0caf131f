//! Runs the browser conformance vectors (`vectors/browser/*.json`, format in `vectors/README.md`)
//! against `corsica::browser`, one named test per case (`file::case name`).
//!
//! A malformed vector file is not a test failure but a broken suite: the runner panics before
//! running anything, naming the file and the problem.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use corsica::Origin;
use corsica::browser::{
    AddressSpace, BrowserRequest, CredentialsMode, Exchange, Initiator, Outgoing, PreflightCache,
    RequestMode, ResponseHead, Step, Verdict,
};
use libtest_mimic::{Arguments, Failed, Trial};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    source: String,
    #[serde(default)]
    cache: Option<CacheSpec>,
    // One fetch…
    #[serde(default)]
    request: Option<RequestSpec>,
    #[serde(default)]
    preflight_response: Option<ResponseSpec>,
    #[serde(default)]
    response: Option<ResponseSpec>,
    #[serde(default)]
    redirects: Vec<HopSpec>,
    #[serde(default)]
    expect: Option<Expect>,
    // …or a sequence of fetches sharing one preflight cache.
    #[serde(default)]
    steps: Option<Vec<StepSpec>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CacheSpec {
    max_age_cap: u64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StepSpec {
    /// Seconds since the start of the case.
    at: f64,
    request: RequestSpec,
    #[serde(default)]
    preflight_response: Option<ResponseSpec>,
    #[serde(default)]
    response: Option<ResponseSpec>,
    #[serde(default)]
    redirects: Vec<HopSpec>,
    expect: Expect,
}

/// One fetch of a case or of a step.
struct FetchSpec<'a> {
    request: &'a RequestSpec,
    preflight_response: &'a Option<ResponseSpec>,
    response: &'a Option<ResponseSpec>,
    redirects: &'a [HopSpec],
    expect: &'a Expect,
}

impl Case {
    /// The fetches to run, each with its time in seconds; `Err` when the case has neither or
    /// both forms.
    fn fetches(&self) -> Result<Vec<(f64, FetchSpec<'_>)>, String> {
        let single = self.request.is_some()
            || self.expect.is_some()
            || self.preflight_response.is_some()
            || self.response.is_some()
            || !self.redirects.is_empty();
        match (&self.steps, &self.request, &self.expect) {
            (None, Some(request), Some(expect)) => Ok(vec![(
                0.0,
                FetchSpec {
                    request,
                    preflight_response: &self.preflight_response,
                    response: &self.response,
                    redirects: &self.redirects,
                    expect,
                },
            )]),
            (Some(steps), _, _) if !single && !steps.is_empty() => Ok(steps
                .iter()
                .map(|s| {
                    (
                        s.at,
                        FetchSpec {
                            request: &s.request,
                            preflight_response: &s.preflight_response,
                            response: &s.response,
                            redirects: &s.redirects,
                            expect: &s.expect,
                        },
                    )
                })
                .collect()),
            _ => {
                Err("needs either `request` and `expect`, or a non-empty `steps` (not both)".into())
            }
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct HopSpec {
    #[serde(default)]
    preflight_response: Option<ResponseSpec>,
    #[serde(default)]
    response: Option<ResponseSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RequestSpec {
    origin: String,
    url: String,
    #[serde(default)]
    method: Option<String>,
    #[serde(default)]
    headers: Vec<(String, String)>,
    #[serde(default)]
    credentials: Option<String>,
    #[serde(default)]
    mode: Option<String>,
    #[serde(default)]
    private_network: Option<String>,
    #[serde(default)]
    force_preflight: bool,
    #[serde(default)]
    partition: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ResponseSpec {
    status: u16,
    #[serde(default)]
    headers: Vec<(String, String)>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    preflight: bool,
    allowed: bool,
    #[serde(default)]
    error: Option<ErrorSpec>,
    #[serde(default)]
    exposed: Option<Vec<String>>,
    #[serde(default)]
    status: Option<u16>,
    #[serde(default)]
    preflight_count: Option<usize>,
    #[serde(default)]
    preflight_request: Option<Vec<(String, String)>>,
    #[serde(default)]
    request_headers: Option<Vec<(String, String)>>,
    #[serde(default)]
    final_url: Option<String>,
    #[serde(default)]
    final_method: Option<String>,
    #[serde(default)]
    cache_seconds: Option<u64>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    message_xhr: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ErrorSpec {
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    failed_parameter: Option<String>,
}

/// Header text to bytes as `fetch()` and HTTP do: one byte per code point up to U+00FF.
fn bytes(text: &str) -> Result<Vec<u8>, String> {
    text.chars()
        .map(|c| {
            u8::try_from(u32::from(c)).map_err(|_| format!("{text:?} has a character above U+00FF"))
        })
        .collect()
}

fn response_head(spec: &ResponseSpec) -> Result<ResponseHead, String> {
    let mut head = ResponseHead::new(spec.status);
    for (name, value) in &spec.headers {
        head = head.header(name.clone(), bytes(value)?);
    }
    Ok(head)
}

fn build_request(spec: &RequestSpec) -> Result<Result<BrowserRequest, String>, String> {
    let origin = if spec.origin == "null" {
        Origin::opaque()
    } else {
        Origin::parse(&spec.origin).map_err(|e| format!("request.origin: {e}"))?
    };
    let url = spec
        .url
        .parse()
        .map_err(|e| format!("request.url {:?}: {e}", spec.url))?;
    let mut builder = BrowserRequest::builder(origin, url).force_preflight(spec.force_preflight);
    if let Some(method) = &spec.method {
        builder = builder.method(method.clone());
    }
    for (name, value) in &spec.headers {
        builder = builder.header(name.clone(), bytes(value)?);
    }
    if let Some(credentials) = &spec.credentials {
        let mode: CredentialsMode = credentials
            .parse()
            .map_err(|e| format!("request.credentials: {e}"))?;
        builder = builder.credentials(mode);
    }
    if let Some(mode) = &spec.mode {
        let mode: RequestMode = mode.parse().map_err(|e| format!("request.mode: {e}"))?;
        builder = builder.mode(mode);
    }
    if let Some(space) = &spec.private_network {
        let space: AddressSpace = space
            .parse()
            .map_err(|e| format!("request.private_network: {e}"))?;
        builder = builder.private_network(space);
    }
    if let Some(key) = &spec.partition {
        builder = builder.partition_key(key.clone());
    }
    Ok(builder.build().map_err(|e| e.to_string()))
}

/// Everything a fetch did, for the expectations to look at.
struct Run {
    verdict: Result<Verdict, String>,
    preflights: Vec<Outgoing>,
    requests: Vec<Outgoing>,
    cache_seconds: Option<u64>,
}

fn run_fetch(
    spec: &FetchSpec<'_>,
    cache: &mut PreflightCache,
    now: Duration,
) -> Result<Run, String> {
    let mut hops: Vec<(Option<ResponseHead>, Option<ResponseHead>)> = Vec::new();
    let head = |r: &Option<ResponseSpec>| r.as_ref().map(response_head).transpose();
    hops.push((head(spec.preflight_response)?, head(spec.response)?));
    for hop in spec.redirects {
        hops.push((head(&hop.preflight_response)?, head(&hop.response)?));
    }
    let request = match build_request(spec.request)? {
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
            let kind = expect.error.as_ref().and_then(|e| e.kind.as_deref());
            if kind.is_some_and(|k| k != "TypeError") {
                problems.push(format!(
                    "error: fetch() threw `{type_error}`, want {kind:?}"
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
                            kind.clone(),
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
                (Ok(_), Some(want)) => {
                    problems.push(format!("error: got none, want {:?}", want.kind))
                }
                (Ok(_), None) => {}
            }
            if let Some(want) = &expect.exposed {
                let got = verdict
                    .result
                    .as_ref()
                    .map(|e| e.headers.clone())
                    .unwrap_or_default();
                differ(
                    &mut problems,
                    "exposed",
                    format!("{got:?}"),
                    format!("{want:?}"),
                );
            }
            if let Some(want) = expect.status {
                let got = verdict.result.as_ref().map(|e| e.status).ok();
                differ(
                    &mut problems,
                    "status",
                    format!("{got:?}"),
                    format!("{:?}", Some(want)),
                );
            }
            if let Some(want) = &expect.message {
                differ(
                    &mut problems,
                    "message",
                    format!("{:?}", verdict.console_message()),
                    format!("{:?}", Some(want)),
                );
            }
            if let Some(want) = &expect.message_xhr {
                let redirected_from =
                    (verdict.initial_url != verdict.url).then(|| verdict.initial_url.as_str());
                let got = verdict.cors_error().map(|e| {
                    e.console_message_for(
                        Initiator::XmlHttpRequest,
                        verdict.url.as_str(),
                        redirected_from,
                        verdict.origin.as_str(),
                    )
                });
                differ(
                    &mut problems,
                    "message_xhr",
                    format!("{got:?}"),
                    format!("{:?}", Some(want)),
                );
            }
        }
    }
    if let Some(want) = expect.preflight_count {
        differ(
            &mut problems,
            "preflight_count",
            run.preflights.len().to_string(),
            want.to_string(),
        );
    }
    if let Some(want) = &expect.preflight_request {
        let got = run.preflights.first().map(|p| text_pairs(&p.headers));
        differ(
            &mut problems,
            "preflight_request",
            format!("{got:?}"),
            format!("{:?}", Some(want)),
        );
    }
    if let Some(want) = &expect.request_headers {
        let got = run.requests.last().map(|r| text_pairs(&r.headers));
        differ(
            &mut problems,
            "request_headers",
            format!("{got:?}"),
            format!("{:?}", Some(want)),
        );
    }
    if let Some(want) = &expect.final_url {
        let got = run.requests.last().map(|r| r.url.to_string());
        differ(
            &mut problems,
            "final_url",
            format!("{got:?}"),
            format!("{:?}", Some(want)),
        );
    }
    if let Some(want) = &expect.final_method {
        let got = run.requests.last().map(|r| r.method.clone());
        differ(
            &mut problems,
            "final_method",
            format!("{got:?}"),
            format!("{:?}", Some(want)),
        );
    }
    if let Some(want) = expect.cache_seconds {
        differ(
            &mut problems,
            "cache_seconds",
            format!("{:?}", run.cache_seconds),
            format!("{:?}", Some(want)),
        );
    }
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
    let steps = case.fetches().map_err(Failed::from)?;
    let many = steps.len() > 1;
    for (i, (at, fetch)) in steps.into_iter().enumerate() {
        let now = epoch + Duration::from_secs_f64(at);
        let run = run_fetch(&fetch, &mut cache, now)
            .map_err(|e| Failed::from(format!("step {i}: {e}")))?;
        check_expect(&run, fetch.expect).map_err(|e| {
            Failed::from(if many {
                format!("step {i} (at {at} s):\n{e}")
            } else {
                e
            })
        })?;
    }
    Ok(())
}

/// Checks what serde cannot: one of the two forms, a source, consistent expectations.
fn validate(case: &Case) -> Result<(), String> {
    if case.name.trim().is_empty() {
        return Err("a case has an empty name".into());
    }
    if case.source.trim().is_empty() {
        return Err(format!("{:?}: empty source", case.name));
    }
    let fetches = case
        .fetches()
        .map_err(|e| format!("{:?}: {e}", case.name))?;
    for (_, fetch) in fetches {
        let e = fetch.expect;
        if e.allowed == e.error.is_some() {
            return Err(format!(
                "{:?}: `allowed` is {} but `error` is {:?}",
                case.name, e.allowed, e.error
            ));
        }
        if !e.allowed && e.exposed.as_ref().is_some_and(|x| !x.is_empty()) {
            return Err(format!("{:?}: a blocked fetch exposes nothing", case.name));
        }
        if let Some(kind) = e.error.as_ref().and_then(|e| e.kind.as_deref()) {
            let known = kind == "TypeError"
                || kind.starts_with("ERR_")
                || kind.parse::<corsica::browser::CorsErrorKind>().is_ok();
            if !known {
                return Err(format!("{:?}: unknown error kind {kind:?}", case.name));
            }
        }
        // A TypeError from fetch() is an expected outcome; only a bad origin or URL is malformed.
        let _ = build_request(fetch.request).map_err(|e| format!("{:?}: {e}", case.name))?;
        for r in [fetch.preflight_response, fetch.response]
            .into_iter()
            .chain(
                fetch
                    .redirects
                    .iter()
                    .flat_map(|h| [&h.preflight_response, &h.response]),
            )
            .flatten()
        {
            response_head(r).map_err(|e| format!("{:?}: {e}", case.name))?;
        }
    }
    Ok(())
}

fn load(path: &Path) -> Vec<Case> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let cases: Vec<Case> = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("malformed vector file {}: {e}", path.display()));
    let mut names = HashSet::new();
    for case in &cases {
        if let Err(e) = validate(case) {
            panic!("malformed vector file {}: {e}", path.display());
        }
        if !names.insert(case.name.clone()) {
            panic!(
                "malformed vector file {}: two cases named {:?}",
                path.display(),
                case.name
            );
        }
    }
    cases
}

fn main() {
    let args = Arguments::from_args();
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../vectors/browser");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("readable directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no vector files in {}", dir.display());
    let mut trials = Vec::new();
    for path in files {
        let stem = path
            .file_stem()
            .expect("file name")
            .to_string_lossy()
            .into_owned();
        for case in load(&path) {
            let name = format!("{stem}::{}", case.name);
            trials.push(Trial::test(name, move || run_case(&case)));
        }
    }
    libtest_mimic::run(&args, trials).exit();
}
