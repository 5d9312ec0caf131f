//! Conformance vectors through the engine alone.
//!
//! - `vectors/server/*.json`: each case's `policy` is compiled, its `request` decided, and the
//!   decision compared with `expect`: outcome, status, the exact set of CORS response headers
//!   plus the `Vary` value the engine appends, the `absent` names, and whether the inner service
//!   is called.
//! - `vectors/e2e/*.json`: each case is played by a browser in front of the engine: the
//!   preflight the browser would send (if any), then the request, each decided by the engine and
//!   answered as an enforcement point would. The browser is `corsica::browser::Exchange`, and,
//!   as an independent cross-check, a small model of Fetch's "CORS-preflight fetch" and "CORS
//!   check" kept in this file; both must reach the vector's verdict.
//!
//! Every case is its own test, named `server::FILE::NAME` or `e2e::FILE::NAME`. A malformed file,
//! an unknown key, a duplicate name or a policy that does not compile fails loudly. A case marked
//! `engine_bug` documents a disagreement between the engine and the rules: it is reported as
//! `ignored (ENGINE BUG: …)` while the engine still disagrees, and fails once the engine agrees,
//! so the marker gets removed. Set `CORSICA_VECTORS_STRICT=1` to make those cases fail instead.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use corsica::{Outcome, Policy, PolicyConfig, RawRequest, RequestKind, Status};
use libtest_mimic::{Arguments, Completion, Failed, Trial};
use serde::{Deserialize, Deserializer};

fn main() {
    let args = Arguments::from_args();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../vectors");
    let mut trials = Vec::new();
    trials.extend(load_dir(&root.join("server"), "server", server_trial));
    trials.extend(load_dir(&root.join("e2e"), "e2e", e2e_trial));
    libtest_mimic::run(&args, trials).exit();
}

// ---------------------------------------------------------------------------------------------
// Loading

/// A field that must be present, even when its value is `null`.
fn required<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    Option::<T>::deserialize(d)
}

/// Reads every `*.json` file of `dir` as an array of cases and makes one trial per case. A file
/// that cannot be read or parsed, or a duplicate name, becomes a failing trial of its own.
fn load_dir<C: for<'de> Deserialize<'de> + Named>(
    dir: &Path,
    prefix: &str,
    make: fn(String, C) -> Trial,
) -> Vec<Trial> {
    let mut files: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect(),
        Err(e) => {
            return vec![failing(
                format!("{prefix}::<dir>"),
                format!("cannot read {}: {e}", dir.display()),
            )];
        }
    };
    files.sort();
    let mut trials = Vec::new();
    let mut count = 0;
    for path in files {
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("?")
            .to_owned();
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) => {
                trials.push(failing(
                    format!("{prefix}::{stem}::<file>"),
                    format!("cannot read {}: {e}", path.display()),
                ));
                continue;
            }
        };
        let cases: Vec<C> = match serde_json::from_str(&text) {
            Ok(c) => c,
            Err(e) => {
                trials.push(failing(
                    format!("{prefix}::{stem}::<file>"),
                    format!("{}: {e}", path.display()),
                ));
                continue;
            }
        };
        if cases.is_empty() {
            trials.push(failing(
                format!("{prefix}::{stem}::<file>"),
                format!("{}: no cases", path.display()),
            ));
        }
        let mut seen = BTreeSet::new();
        for case in cases {
            let name = format!("{prefix}::{stem}::{}", case.name());
            if !seen.insert(case.name().to_owned()) {
                trials.push(failing(
                    format!("{name}#duplicate"),
                    format!(
                        "duplicate case name {:?} in {}",
                        case.name(),
                        path.display()
                    ),
                ));
                continue;
            }
            if let Err(e) = check_name_and_source(case.name(), case.source()) {
                trials.push(failing(name, e));
                continue;
            }
            count += 1;
            trials.push(make(name, case));
        }
    }
    if count == 0 {
        trials.push(failing(
            format!("{prefix}::<none>"),
            format!("no vectors found under {}", dir.display()),
        ));
    }
    trials
}

fn failing(name: String, message: String) -> Trial {
    Trial::test(name, move || Err(message.into()))
}

trait Named {
    fn name(&self) -> &str;
    fn source(&self) -> &str;
}

fn check_name_and_source(name: &str, source: &str) -> Result<(), String> {
    if name.is_empty()
        || !name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Err(format!("case name {name:?} must be lower-case kebab-case"));
    }
    if source.trim().len() < 10 {
        return Err(format!(
            "case {name:?}: `source` must say where the behaviour comes from"
        ));
    }
    Ok(())
}

/// Runs `check`; for a case marked `engine_bug`, inverts it into a visible runtime "ignored"
/// while the engine still disagrees.
fn run_case(
    engine_bug: Option<String>,
    check: impl FnOnce() -> Result<(), String>,
) -> Result<Completion, Failed> {
    let result = check();
    match (engine_bug, result) {
        (None, Ok(())) => Ok(Completion::Completed),
        (None, Err(e)) => Err(e.into()),
        (Some(bug), Err(e)) => {
            if std::env::var_os("CORSICA_VECTORS_STRICT").is_some_and(|v| v != "0") {
                Err(format!("ENGINE BUG: {bug}\n{e}").into())
            } else {
                Ok(Completion::ignored_with(format!("ENGINE BUG: {bug}")))
            }
        }
        (Some(bug), Ok(())) => Err(format!(
            "this case is marked engine_bug ({bug}) but the engine now agrees with it: remove the `engine_bug` marker"
        )
        .into()),
    }
}

// ---------------------------------------------------------------------------------------------
// Server vectors

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ServerCase {
    name: String,
    source: String,
    policy: PolicyConfig,
    request: ServerRequest,
    expect: ServerExpect,
    #[serde(default)]
    engine_bug: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ServerRequest {
    method: String,
    headers: Vec<(String, String)>,
    /// The scheme the request arrived over, when the server knows it (`http` or `https`).
    #[serde(default)]
    scheme: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ServerExpect {
    outcome: String,
    #[serde(deserialize_with = "required")]
    status: Option<u16>,
    headers: Vec<(String, String)>,
    #[serde(default)]
    absent: Vec<String>,
    inner_called: bool,
}

impl Named for ServerCase {
    fn name(&self) -> &str {
        &self.name
    }
    fn source(&self) -> &str {
        &self.source
    }
}

/// The names a decision may set, plus `vary`.
const RESPONSE_NAMES: [&str; 8] = [
    "access-control-allow-origin",
    "access-control-allow-credentials",
    "access-control-allow-methods",
    "access-control-allow-headers",
    "access-control-max-age",
    "access-control-expose-headers",
    "access-control-allow-private-network",
    "vary",
];

fn server_trial(name: String, case: ServerCase) -> Trial {
    let kind = if case.engine_bug.is_some() {
        "engine-bug"
    } else {
        ""
    };
    Trial::ignorable_test(name, move || {
        // A malformed case fails whatever its marker says.
        let outcome = validate_server_expect(&case.expect)?;
        let policy =
            Policy::compile(&case.policy).map_err(|e| format!("policy does not compile: {e}"))?;
        run_case(case.engine_bug.clone(), || {
            check_server(&case, outcome, &policy)
        })
    })
    .with_kind(kind)
}

fn validate_server_expect(e: &ServerExpect) -> Result<Outcome, String> {
    let outcome = e
        .outcome
        .parse::<Outcome>()
        .map_err(|_| format!("unknown outcome {:?}", e.outcome))?;
    if e.status.is_some() == e.inner_called {
        return Err("`status` must be null exactly when `inner_called` is true".into());
    }
    for (n, _) in &e.headers {
        if !RESPONSE_NAMES.contains(&n.as_str()) {
            return Err(format!(
                "expected header {n:?} is not a lower-case CORS response header name or vary"
            ));
        }
    }
    for n in &e.absent {
        if !RESPONSE_NAMES.contains(&n.as_str()) {
            return Err(format!(
                "absent header {n:?} is not a lower-case CORS response header name or vary"
            ));
        }
        if e.headers.iter().any(|(h, _)| h == n) {
            return Err(format!("{n:?} is both expected and absent"));
        }
    }
    Ok(outcome)
}

fn check_server(case: &ServerCase, outcome: Outcome, policy: &Policy) -> Result<(), String> {
    let mut request = RawRequest::new(case.request.method.as_str());
    for (n, v) in &case.request.headers {
        request = request.header(n.as_str(), v.as_bytes());
    }
    if let Some(s) = &case.request.scheme {
        request = request.scheme(s.as_str());
    }
    let d = policy.decide(&request);

    let mut actual: Vec<(String, String)> = d
        .headers()
        .iter()
        .map(|(n, v)| (n.as_str().to_owned(), v.to_owned()))
        .collect();
    if let Some(v) = d.vary() {
        actual.push(("vary".to_owned(), v.as_str().to_owned()));
    }
    let mut errors = String::new();
    if d.outcome() != outcome {
        let _ = writeln!(errors, "outcome: expected {}, got {}", outcome, d.outcome());
    }
    let status = d.respond_status().map(Status::as_u16);
    if status != case.expect.status {
        let _ = writeln!(
            errors,
            "status: expected {:?}, got {:?}",
            case.expect.status, status
        );
    }
    if d.calls_inner() != case.expect.inner_called {
        let _ = writeln!(
            errors,
            "inner_called: expected {}, got {}",
            case.expect.inner_called,
            d.calls_inner()
        );
    }
    let want = multiset(&case.expect.headers);
    let got = multiset(&actual);
    if want != got {
        let _ = writeln!(
            errors,
            "headers:\n  expected {}\n  got      {}",
            show(&case.expect.headers),
            show(&actual)
        );
    }
    for n in &case.expect.absent {
        if actual.iter().any(|(h, _)| h == n) {
            let _ = writeln!(errors, "header {n:?} must be absent");
        }
    }
    // The outcome must agree with the classification, and every decision explains itself.
    let kind_ok = match d.outcome() {
        Outcome::NotCors => d.kind() == RequestKind::NotCors,
        Outcome::ActualAllowed | Outcome::ActualDenied => d.kind() == RequestKind::Actual,
        _ => d.kind() == RequestKind::Preflight,
    };
    if !kind_ok {
        let _ = writeln!(
            errors,
            "outcome {} does not match kind {:?}",
            d.outcome(),
            d.kind()
        );
    }
    if d.reason().to_string().is_empty() {
        let _ = writeln!(errors, "empty reason");
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(format!("{errors}  (reason: {})", d.reason()))
    }
}

fn multiset(headers: &[(String, String)]) -> BTreeMap<(String, String), usize> {
    let mut m = BTreeMap::new();
    for h in headers {
        *m.entry(h.clone()).or_insert(0) += 1;
    }
    m
}

/// The headers, sorted, long values cut (hostile vectors echo 100 KB).
fn show(headers: &[(String, String)]) -> String {
    let mut sorted: Vec<String> = headers
        .iter()
        .map(|(n, v)| match v.char_indices().nth(60) {
            Some((cut, _)) => format!("{n}: {}… ({} bytes)", &v[..cut], v.len()),
            None => format!("{n}: {v}"),
        })
        .collect();
    sorted.sort();
    format!("[{}]", sorted.join(" | "))
}

// ---------------------------------------------------------------------------------------------
// E2E vectors: a browser model in front of the engine

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct E2eCase {
    name: String,
    source: String,
    /// Deserialized after the origin placeholders are substituted.
    policy: serde_json::Value,
    request: E2eRequest,
    expect: E2eExpect,
    #[serde(default)]
    engine_bug: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct E2eRequest {
    origin: String,
    url: String,
    method: String,
    headers: Vec<(String, String)>,
    credentials: Credentials,
}

#[derive(Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
enum Credentials {
    Omit,
    SameOrigin,
    Include,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct E2eExpect {
    allowed: bool,
    #[serde(deserialize_with = "required")]
    error: Option<String>,
    preflight: bool,
    /// The status the script sees, when the request is allowed.
    #[serde(default)]
    status: Option<u16>,
    /// Which of the API's own headers (`x-request-id`, `x-internal`) the script can read.
    #[serde(default)]
    exposed: Option<Vec<String>>,
}

impl Named for E2eCase {
    fn name(&self) -> &str {
        &self.name
    }
    fn source(&self) -> &str {
        &self.source
    }
}

/// The origins the placeholders stand for when the engine runs alone. Real runs substitute the
/// loopback origins they serve the API and the pages on.
const API_ORIGIN: &str = "http://127.0.0.1:8000";
const API_AUTHORITY: &str = "127.0.0.1:8000";
const PLACEHOLDERS: [(&str, &str); 4] = [
    ("{api}", API_ORIGIN),
    ("{page}", "http://localhost:8001"),
    ("{other}", "http://localhost:8002"),
    ("{sub}", "http://app.localhost:8003"),
];

/// Chromium `CorsError` kinds the vectors may name.
const ERROR_KINDS: [&str; 19] = [
    "WildcardOriginNotAllowed",
    "MissingAllowOriginHeader",
    "MultipleAllowOriginValues",
    "InvalidAllowOriginValue",
    "AllowOriginMismatch",
    "InvalidAllowCredentials",
    "PreflightInvalidStatus",
    "PreflightDisallowedRedirect",
    "PreflightWildcardOriginNotAllowed",
    "PreflightMissingAllowOriginHeader",
    "PreflightMultipleAllowOriginValues",
    "PreflightInvalidAllowOriginValue",
    "PreflightAllowOriginMismatch",
    "PreflightInvalidAllowCredentials",
    "InvalidAllowMethodsPreflightResponse",
    "InvalidAllowHeadersPreflightResponse",
    "MethodDisallowedByPreflightResponse",
    "HeaderDisallowedByPreflightResponse",
    "PreflightMissingAllowPrivateNetwork",
];

/// The headers the API behind the enforcement point sets on every response it produces (the
/// e2e convention, see `vectors/README.md`).
const UPSTREAM_HEADERS: [(&str, &str); 3] = [
    ("content-type", "text/plain"),
    ("x-request-id", "e2e"),
    ("x-internal", "1"),
];

fn substitute(s: &str) -> String {
    PLACEHOLDERS
        .iter()
        .fold(s.to_owned(), |s, (k, v)| s.replace(k, v))
}

fn substitute_value(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::String(s) => *s = substitute(s),
        serde_json::Value::Array(a) => a.iter_mut().for_each(substitute_value),
        serde_json::Value::Object(o) => o.values_mut().for_each(substitute_value),
        _ => {}
    }
}

fn e2e_trial(name: String, case: E2eCase) -> Trial {
    let kind = if case.engine_bug.is_some() {
        "engine-bug"
    } else {
        ""
    };
    Trial::ignorable_test(name, move || {
        // A malformed case fails whatever its marker says.
        let (origin, policy) = prepare_e2e(&case)?;
        run_case(case.engine_bug.clone(), || {
            check_e2e(&case, &origin, &policy)
        })
    })
    .with_kind(kind)
}

/// What the browser ends up with: whether a preflight was sent, and the status and readable API
/// headers, or the Chromium `CorsError` kind.
#[derive(Debug, PartialEq, Eq)]
struct Verdict {
    preflight: bool,
    result: Result<(u16, Vec<String>), String>,
}

/// Validates a case and compiles its policy; returns the page's origin and the policy.
fn prepare_e2e(case: &E2eCase) -> Result<(String, Policy), String> {
    let e = &case.expect;
    if let Some(kind) = &e.error {
        if !ERROR_KINDS.contains(&kind.as_str()) {
            return Err(format!("unknown error kind {kind:?}"));
        }
    }
    if e.allowed == e.error.is_some() {
        return Err("`error` must be null exactly when `allowed` is true".into());
    }
    if !e.allowed && (e.status.is_some() || e.exposed.is_some()) {
        return Err("`status` and `exposed` only make sense for allowed requests".into());
    }
    if !case.request.url.starts_with('/') {
        return Err(format!(
            "url {:?} must be a path on the API origin",
            case.request.url
        ));
    }
    let origin = substitute(&case.request.origin);
    if origin != "null" && !origin.starts_with("http://") {
        return Err(format!(
            "origin {:?} must be a placeholder or null",
            case.request.origin
        ));
    }
    let mut policy_value = case.policy.clone();
    substitute_value(&mut policy_value);
    let config: PolicyConfig =
        serde_json::from_value(policy_value).map_err(|e| format!("policy: {e}"))?;
    let policy = Policy::compile(&config).map_err(|e| format!("policy does not compile: {e}"))?;

    Ok((origin, policy))
}

fn check_e2e(case: &E2eCase, origin: &str, policy: &Policy) -> Result<(), String> {
    let e = &case.expect;
    let mut errors = String::new();
    let browser = browse_with_corsica_browser(policy, origin, &case.request)?;
    compare_verdict("engine + corsica::browser", &browser, e, &mut errors);
    let model = browse(policy, origin, &case.request);
    compare_verdict("engine + this file's Fetch model", &model, e, &mut errors);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

fn compare_verdict(who: &str, verdict: &Verdict, e: &E2eExpect, errors: &mut String) {
    if verdict.preflight != e.preflight {
        let _ = writeln!(
            errors,
            "{who}: preflight: expected {}, got {}",
            e.preflight, verdict.preflight
        );
    }
    match (&verdict.result, e.allowed) {
        (Ok((status, exposed)), true) => {
            if let Some(want) = e.status {
                if want != *status {
                    let _ = writeln!(errors, "{who}: status: expected {want}, got {status}");
                }
            }
            if let Some(want) = &e.exposed {
                let want: BTreeSet<&str> = want.iter().map(String::as_str).collect();
                let got: BTreeSet<&str> = exposed.iter().map(String::as_str).collect();
                if want != got {
                    let _ = writeln!(errors, "{who}: exposed: expected {want:?}, got {got:?}");
                }
            }
        }
        (Err(kind), false) => {
            if e.error.as_deref() != Some(kind.as_str()) {
                let _ = writeln!(errors, "{who}: error: expected {:?}, got {kind}", e.error);
            }
        }
        (Ok(_), false) => {
            let _ = writeln!(
                errors,
                "{who}: expected blocked with {:?}, but the browser allows it",
                e.error
            );
        }
        (Err(kind), true) => {
            let _ = writeln!(
                errors,
                "{who}: expected allowed, but the browser blocks it with {kind}"
            );
        }
    }
}

/// The API's own response headers a script may read, among those the upstream sets.
fn api_headers(readable: &[String]) -> Vec<String> {
    UPSTREAM_HEADERS
        .iter()
        .map(|(n, _)| *n)
        .filter(|n| n.starts_with("x-") && readable.iter().any(|r| r.eq_ignore_ascii_case(n)))
        .map(str::to_owned)
        .collect()
}

/// Plays the request with `corsica::browser::Exchange`, each request it sends answered by the
/// engine in front of the API.
fn browse_with_corsica_browser(
    policy: &Policy,
    origin: &str,
    req: &E2eRequest,
) -> Result<Verdict, String> {
    use corsica::browser::{
        BrowserRequest, CredentialsMode, Exchange, PreflightCache, ResponseHead,
    };

    let origin = if origin == "null" {
        corsica::Origin::opaque()
    } else {
        corsica::Origin::parse(origin).map_err(|e| e.to_string())?
    };
    let url = url::Url::parse(&format!("{API_ORIGIN}{}", req.url)).map_err(|e| e.to_string())?;
    let mut builder = BrowserRequest::builder(origin, url)
        .method(req.method.as_str())
        .credentials(match req.credentials {
            Credentials::Omit => CredentialsMode::Omit,
            Credentials::SameOrigin => CredentialsMode::SameOrigin,
            Credentials::Include => CredentialsMode::Include,
        });
    for (n, v) in &req.headers {
        builder = builder.header(n.as_str(), v.as_bytes());
    }
    let request = builder
        .build()
        .map_err(|e| format!("fetch() throws: {e}"))?;
    let verdict = Exchange::new(request).run(
        &mut PreflightCache::new(),
        std::time::Duration::ZERO,
        |out| {
            let authority = match out.url.port() {
                Some(p) => format!("{}:{p}", out.url.host_str().unwrap_or_default()),
                None => out.url.host_str().unwrap_or_default().to_owned(),
            };
            let mut r = RawRequest::new(out.method.as_str())
                .header("host", authority)
                .scheme(out.url.scheme());
            for (n, v) in &out.headers {
                r = r.header(n.as_str(), v.as_slice());
            }
            let resp = serve(policy, &r);
            Some(
                resp.headers
                    .into_iter()
                    .fold(ResponseHead::new(resp.status), |h, (n, v)| h.header(n, v)),
            )
        },
    );
    let preflight = verdict.preflight_sent();
    let result = match verdict.result {
        Ok(exposed) => Ok((exposed.status, api_headers(&exposed.headers))),
        Err(e) => Err(e.as_cors().map_or_else(
            || format!("network error: {}", e.kind_str()),
            |c| c.kind.as_str().to_owned(),
        )),
    };
    Ok(Verdict { preflight, result })
}

/// A response as the browser sees it.
struct Response {
    status: u16,
    headers: Vec<(String, String)>,
}

impl Response {
    /// Fetch "get": every line of `name`, joined with ", "; `None` when absent.
    fn get(&self, name: &str) -> Option<String> {
        let values: Vec<&str> = self
            .headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect();
        (!values.is_empty()).then(|| values.join(", "))
    }
}

/// Sends `request` through the engine as the server, the way the enforcement point applies a
/// decision: an engine answer, or the API's answer (always 200) with the CORS headers added.
fn serve(policy: &Policy, request: &RawRequest) -> Response {
    let d = policy.decide(request);
    let mut headers: Vec<(String, String)> = Vec::new();
    let status = match d.respond_status() {
        Some(status) => status.as_u16(),
        None => {
            headers.extend(
                UPSTREAM_HEADERS
                    .iter()
                    .map(|(n, v)| ((*n).to_owned(), (*v).to_owned())),
            );
            200
        }
    };
    headers.extend(
        d.headers()
            .iter()
            .map(|(n, v)| (n.as_str().to_owned(), v.to_owned())),
    );
    if let Some(v) = d.vary() {
        headers.push(("vary".to_owned(), v.as_str().to_owned()));
    }
    Response { status, headers }
}

fn browse(policy: &Policy, origin: &str, req: &E2eRequest) -> Verdict {
    let method = corsica::method::normalize_method(&req.method).into_owned();
    // Forbidden request headers are silently dropped by `Headers`.
    let headers: Vec<(String, String)> = req
        .headers
        .iter()
        .filter(|(n, _)| !corsica::header::is_forbidden_request_header_name(n))
        .cloned()
        .collect();
    let base = |m: &str| {
        RawRequest::new(m)
            .header("host", API_AUTHORITY)
            .scheme("http")
    };

    // Same-origin: no CORS at all; `Origin` is sent only for methods other than GET and HEAD.
    if origin == API_ORIGIN {
        let mut r = base(&method);
        if method != "GET" && method != "HEAD" {
            r = r.header("origin", origin);
        }
        for (n, v) in &headers {
            r = r.header(n.as_str(), v.as_bytes());
        }
        let resp = serve(policy, &r);
        let all: Vec<String> = resp.headers.iter().map(|(n, _)| n.clone()).collect();
        return Verdict {
            preflight: false,
            result: Ok((resp.status, api_headers(&all))),
        };
    }

    let include = req.credentials == Credentials::Include;
    let unsafe_names = cors_unsafe_request_header_names(&headers);
    let preflight =
        !corsica::method::is_cors_safelisted_method(&method) || !unsafe_names.is_empty();
    if preflight {
        let mut p = base("OPTIONS")
            .header("origin", origin)
            .header("accept", "*/*")
            .header("access-control-request-method", method.as_str());
        if !unsafe_names.is_empty() {
            p = p.header("access-control-request-headers", unsafe_names.join(","));
        }
        let resp = serve(policy, &p);
        if let Err(kind) = preflight_check(&resp, origin, include, &method, &headers, &unsafe_names)
        {
            return Verdict {
                preflight,
                result: Err(kind.to_owned()),
            };
        }
    }

    let mut r = base(&method).header("origin", origin);
    for (n, v) in &headers {
        r = r.header(n.as_str(), v.as_bytes());
    }
    let resp = serve(policy, &r);
    let result = cors_check(&resp, origin, include)
        .map(|()| (resp.status, exposed(&resp, include)))
        .map_err(str::to_owned);
    Verdict { preflight, result }
}

/// Fetch "CORS check", classified as Chromium's `CheckAccess` does.
fn cors_check(resp: &Response, origin: &str, include: bool) -> Result<(), &'static str> {
    let Some(acao) = resp.get("access-control-allow-origin") else {
        return Err("MissingAllowOriginHeader");
    };
    if acao == "*" {
        return if include {
            Err("WildcardOriginNotAllowed")
        } else {
            Ok(())
        };
    }
    if acao != origin {
        return Err(if acao.contains([' ', ',']) {
            "MultipleAllowOriginValues"
        } else if acao == "null" || url::Url::parse(&acao).is_ok() {
            "AllowOriginMismatch"
        } else {
            "InvalidAllowOriginValue"
        });
    }
    if include && resp.get("access-control-allow-credentials").as_deref() != Some("true") {
        return Err("InvalidAllowCredentials");
    }
    Ok(())
}

/// Fetch "CORS-preflight fetch" steps 7.x, in Chromium's order and with its error kinds.
fn preflight_check(
    resp: &Response,
    origin: &str,
    include: bool,
    method: &str,
    headers: &[(String, String)],
    unsafe_names: &[String],
) -> Result<(), &'static str> {
    if let Err(kind) = cors_check(resp, origin, include) {
        return Err(match kind {
            "WildcardOriginNotAllowed" => "PreflightWildcardOriginNotAllowed",
            "MissingAllowOriginHeader" => "PreflightMissingAllowOriginHeader",
            "MultipleAllowOriginValues" => "PreflightMultipleAllowOriginValues",
            "InvalidAllowOriginValue" => "PreflightInvalidAllowOriginValue",
            "AllowOriginMismatch" => "PreflightAllowOriginMismatch",
            _ => "PreflightInvalidAllowCredentials",
        });
    }
    if !(200..=299).contains(&resp.status) {
        return Err("PreflightInvalidStatus");
    }
    let methods = token_list(resp, "access-control-allow-methods")
        .ok_or("InvalidAllowMethodsPreflightResponse")?;
    let names = token_list(resp, "access-control-allow-headers")
        .ok_or("InvalidAllowHeadersPreflightResponse")?;
    let wildcard_ok = !include;
    let method_ok = methods.iter().any(|m| m == method)
        || corsica::method::is_cors_safelisted_method(method)
        || (wildcard_ok && methods.iter().any(|m| m == "*"));
    if !method_ok {
        return Err("MethodDisallowedByPreflightResponse");
    }
    let listed = |n: &str| names.iter().any(|h| h.eq_ignore_ascii_case(n));
    if wildcard_ok && names.iter().any(|h| h == "*") {
        if headers
            .iter()
            .any(|(n, _)| corsica::header::is_cors_non_wildcard_request_header_name(n))
            && !listed("authorization")
        {
            return Err("HeaderDisallowedByPreflightResponse");
        }
    } else if unsafe_names.iter().any(|n| !listed(n)) {
        return Err("HeaderDisallowedByPreflightResponse");
    }
    Ok(())
}

/// The elements of a `#token` list header (all lines), or `None` if one is not a token.
fn token_list(resp: &Response, name: &str) -> Option<Vec<String>> {
    let mut out = Vec::new();
    for (n, v) in &resp.headers {
        if !n.eq_ignore_ascii_case(name) {
            continue;
        }
        for element in v.split(',') {
            let element = element.trim_matches([' ', '\t']);
            if element.is_empty() {
                continue;
            }
            if !element.bytes().all(is_tchar) {
                return None;
            }
            out.push(element.to_owned());
        }
    }
    Some(out)
}

fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Which of the API's own non-safelisted headers the script can read (Fetch main fetch, CORS
/// filtered response).
fn exposed(resp: &Response, include: bool) -> Vec<String> {
    let names = token_list(resp, "access-control-expose-headers").unwrap_or_default();
    let all = !include && names.iter().any(|n| n == "*");
    ["x-request-id", "x-internal"]
        .into_iter()
        .filter(|h| {
            resp.get(h).is_some() && (all || names.iter().any(|n| n.eq_ignore_ascii_case(h)))
        })
        .map(str::to_owned)
        .collect()
}

/// Fetch "CORS-unsafe request-header names": sorted, lower-case, de-duplicated.
fn cors_unsafe_request_header_names(headers: &[(String, String)]) -> Vec<String> {
    let mut unsafe_names = BTreeSet::new();
    let mut potentially = BTreeSet::new();
    let mut size = 0;
    for (n, v) in headers {
        let n = n.to_ascii_lowercase();
        if is_cors_safelisted_request_header(&n, v.as_bytes()) {
            size += v.len();
            potentially.insert(n);
        } else {
            unsafe_names.insert(n);
        }
    }
    if size > 1024 {
        unsafe_names.extend(potentially);
    }
    unsafe_names.into_iter().collect()
}

fn is_cors_unsafe_request_header_byte(b: u8) -> bool {
    (b < 0x20 && b != 0x09) || b"\"():<>?@[\\]{}".contains(&b) || b == 0x7f
}

/// Fetch "CORS-safelisted request-header" (names lower-case).
fn is_cors_safelisted_request_header(name: &str, value: &[u8]) -> bool {
    if value.len() > 128 {
        return false;
    }
    match name {
        "accept" => !value.iter().any(|&b| is_cors_unsafe_request_header_byte(b)),
        "accept-language" | "content-language" => value
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || b" *,-.;=".contains(&b)),
        "content-type" => {
            if value.iter().any(|&b| is_cors_unsafe_request_header_byte(b)) {
                return false;
            }
            let Ok(text) = std::str::from_utf8(value) else {
                return false;
            };
            mime_essence(text).is_some_and(|e| {
                matches!(
                    e.as_str(),
                    "application/x-www-form-urlencoded" | "multipart/form-data" | "text/plain"
                )
            })
        }
        "range" => is_simple_range(value),
        _ => false,
    }
}

/// The essence of a MIME type (MIME Sniffing "parse a MIME type"), lower-case.
fn mime_essence(text: &str) -> Option<String> {
    let text = text.trim_matches(['\t', '\n', '\r', ' ']);
    let (ty, rest) = text.split_once('/')?;
    let subtype = rest
        .split(';')
        .next()?
        .trim_end_matches(['\t', '\n', '\r', ' ']);
    let token = |s: &str| !s.is_empty() && s.bytes().all(is_tchar);
    (token(ty) && token(subtype)).then(|| {
        format!(
            "{}/{}",
            ty.to_ascii_lowercase(),
            subtype.to_ascii_lowercase()
        )
    })
}

/// `bytes=N-` or `bytes=N-M` with N <= M (Fetch "parse a single range header value", no
/// whitespace).
fn is_simple_range(value: &[u8]) -> bool {
    let Some(rest) = value.strip_prefix(b"bytes=") else {
        return false;
    };
    let Ok(rest) = std::str::from_utf8(rest) else {
        return false;
    };
    let Some((start, end)) = rest.split_once('-') else {
        return false;
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(start) || !(end.is_empty() || digits(end)) {
        return false;
    }
    end.is_empty() || start.parse::<u128>().ok() <= end.parse::<u128>().ok()
}
