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
//! Every case is its own test, named `server::FILE::NAME` or `e2e::FILE::NAME`. The vectors are
//! read by `corsica-conformance`: a malformed file, an unknown key, a duplicate name or a policy
//! that does not compile fails loudly, as a test of its own. A case marked
//! `engine_bug` documents a disagreement between the engine and the rules: it is reported as
//! `ignored (ENGINE BUG: …)` while the engine still disagrees, and fails once the engine agrees,
//! so the marker gets removed. Set `CORSICA_VECTORS_STRICT=1` to make those cases fail instead.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use corsica::browser::CredentialsMode;
use corsica::{Outcome, Policy, RawRequest, RequestKind, Status};
use corsica_conformance::e2e::{self, Origins, UPSTREAM_HEADERS};
use corsica_conformance::{Loaded, Vector, broken, load, server, verdict};
use libtest_mimic::{Arguments, Trial};

fn main() {
    let args = Arguments::from_args();
    let mut trials = Vec::new();
    trials.extend(cases("server", server_trial));
    trials.extend(cases("e2e", e2e_trial));
    libtest_mimic::run(&args, trials).exit();
}

/// One trial per case of `vectors/{C::DIR}`, named `{prefix}::FILE::NAME`; a broken file or case
/// is a failing trial of its own.
fn cases<C: Vector>(prefix: &str, make: fn(String, C) -> Trial) -> Vec<Trial> {
    load::<C>()
        .into_iter()
        .map(|loaded| match loaded {
            Loaded::Case { test, case } => make(format!("{prefix}::{test}"), *case),
            Loaded::Broken { test, error } => broken(format!("{prefix}::{test}"), error),
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Server vectors

fn server_trial(name: String, case: server::Case) -> Trial {
    let kind = if case.engine_bug.is_some() {
        "engine-bug"
    } else {
        ""
    };
    Trial::ignorable_test(name, move || {
        // A policy that does not compile fails whatever the case's marker says.
        let policy =
            Policy::compile(&case.policy).map_err(|e| format!("policy does not compile: {e}"))?;
        let result = check_server(&case, &policy);
        verdict(case.engine_bug.as_deref(), "the engine", result)
    })
    .with_kind(kind)
}

fn check_server(case: &server::Case, policy: &Policy) -> Result<(), String> {
    let outcome = case.expect.outcome;
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

/// The API's origin in `Origins::standalone()`, which the browser model below is written for.
const API_ORIGIN: &str = "http://127.0.0.1:8000";
const API_AUTHORITY: &str = "127.0.0.1:8000";

fn e2e_trial(name: String, case: e2e::Case) -> Trial {
    let kind = if case.expect.engine_bug.is_some() {
        "engine-bug"
    } else {
        ""
    };
    Trial::ignorable_test(name, move || {
        // A policy that does not compile fails whatever the case's marker says.
        let (origin, policy) = prepare_e2e(&case)?;
        let result = check_e2e(&case, &origin, &policy);
        verdict(case.expect.engine_bug.as_deref(), "the engine", result)
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

/// Compiles the case's policy for the standalone origins; returns the page's origin and the
/// policy.
fn prepare_e2e(case: &e2e::Case) -> Result<(String, Policy), String> {
    let origins = Origins::standalone();
    assert_eq!(origins.api, API_ORIGIN, "the model's API origin");
    let config = origins.policy(case)?;
    let policy = Policy::compile(&config).map_err(|e| format!("policy does not compile: {e}"))?;
    Ok((origins.origin(case.request.origin).to_owned(), policy))
}

fn check_e2e(case: &e2e::Case, origin: &str, policy: &Policy) -> Result<(), String> {
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

fn compare_verdict(who: &str, verdict: &Verdict, e: &e2e::Expect, errors: &mut String) {
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
            if e.error.map(|k| k.as_str()) != Some(kind.as_str()) {
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
    req: &e2e::Request,
) -> Result<Verdict, String> {
    use corsica::browser::{BrowserRequest, Exchange, PreflightCache, ResponseHead};

    let origin = if origin == "null" {
        corsica::Origin::opaque()
    } else {
        corsica::Origin::parse(origin).map_err(|e| e.to_string())?
    };
    let url = url::Url::parse(&format!("{API_ORIGIN}{}", req.url)).map_err(|e| e.to_string())?;
    let mut builder = BrowserRequest::builder(origin, url)
        .method(req.method.as_str())
        .credentials(req.credentials);
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

fn browse(policy: &Policy, origin: &str, req: &e2e::Request) -> Verdict {
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

    let include = req.credentials == CredentialsMode::Include;
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
