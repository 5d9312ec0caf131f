//! The end-to-end suite's shared parts: the `vectors/e2e` cases, the loopback origins they
//! name, and the enforcement points they run against (DESIGN §5).
//!
//! An [`EnforcementPoint`] puts a policy in front of the e2e upstream (every request that
//! reaches it gets `200`, body `ok`, `Content-Type: text/plain`, `X-Request-Id: e2e`,
//! `X-Internal: 1`). The suite in `tests/chromium_e2e.rs` then lets real Chromium `fetch()` from
//! a page on another origin and compares its verdict with the vector.

mod points;

use std::net::TcpListener;
use std::path::{Path, PathBuf};

use corsica::{Policy, PolicyConfig, RawRequest};
use corsica_harness::{StubRequest, StubResponse, StubServer};
use serde::Deserialize;
use serde_json::Value;

pub use points::{Actix, Tower};

/// One `vectors/e2e` case.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    /// Unique within its file.
    pub name: String,
    /// Where the expectation comes from.
    pub source: String,
    /// The policy, with origin placeholders.
    pub policy: Value,
    /// The page's `fetch()`.
    pub request: CaseRequest,
    /// What the browser must conclude.
    pub expect: CaseExpect,
}

/// The `fetch()` a page makes.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseRequest {
    /// `{page}`, `{other}`, `{sub}`, `{api}` or `null` (a sandboxed iframe).
    pub origin: String,
    /// A path on the API.
    pub url: String,
    /// The method the script passes.
    pub method: String,
    /// Headers the script sets.
    #[serde(default)]
    pub headers: Vec<(String, String)>,
    /// `omit`, `same-origin` or `include`.
    pub credentials: String,
}

/// The verdict.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseExpect {
    /// Whether the script gets the response.
    pub allowed: bool,
    /// Chromium's `CorsError` kind when blocked.
    pub error: Option<String>,
    /// Whether a preflight is sent.
    pub preflight: bool,
    /// The status the script sees, when allowed.
    #[serde(default)]
    pub status: Option<u16>,
    /// Which of `x-request-id`, `x-internal` the script can read.
    #[serde(default)]
    pub exposed: Option<Vec<String>>,
    /// A known disagreement being worked on.
    #[serde(default)]
    pub engine_bug: Option<String>,
}

/// The directory of the e2e vectors.
pub fn vectors_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../vectors/e2e")
}

/// Every case, as `(file stem, case)`, files in name order.
///
/// # Panics
///
/// On a missing directory or a malformed file: a broken vector must fail the suite loudly.
pub fn load_cases() -> Vec<(String, Case)> {
    let mut files: Vec<_> = std::fs::read_dir(vectors_dir())
        .expect("vectors/e2e exists")
        .map(|e| e.expect("readable directory").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for file in files {
        let stem = file
            .file_stem()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let text =
            std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let cases: Vec<Case> =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        out.extend(cases.into_iter().map(|c| (stem.clone(), c)));
    }
    out
}

/// The loopback origins a run uses for the placeholders.
#[derive(Clone, Debug)]
pub struct Origins {
    /// `{page}`.
    pub page: String,
    /// `{other}`.
    pub other: String,
    /// `{sub}`.
    pub sub: String,
    /// `{api}`.
    pub api: String,
}

impl Origins {
    /// Replaces the placeholders in `text`.
    pub fn substitute(&self, text: &str) -> String {
        text.replace("{page}", &self.page)
            .replace("{other}", &self.other)
            .replace("{sub}", &self.sub)
            .replace("{api}", &self.api)
    }

    /// The case's policy with the placeholders replaced.
    ///
    /// # Errors
    ///
    /// When the policy is not a valid `PolicyConfig` document.
    pub fn policy(&self, case: &Case) -> Result<PolicyConfig, String> {
        let text = self.substitute(&case.policy.to_string());
        serde_json::from_str(&text).map_err(|e| format!("policy: {e}"))
    }
}

/// The body and headers of the e2e upstream's answer to every request that reaches it.
pub fn upstream_response() -> StubResponse {
    StubResponse::new(200)
        .header("Content-Type", "text/plain")
        .header("X-Request-Id", "e2e")
        .header("X-Internal", "1")
        .body("ok")
}

/// Something that enforces a CORS policy in front of the e2e upstream: the engine itself, a
/// middleware, the proxy, nginx with an exported config.
pub trait EnforcementPoint: Sync {
    /// A short name for test names (`engine`, `tower`, `actix`, …).
    fn name(&self) -> &'static str;

    /// Serves `policy` in front of the upstream on `listener` until the returned guard drops.
    ///
    /// # Errors
    ///
    /// When the policy is refused or the server cannot start.
    fn serve(&self, listener: TcpListener, policy: &PolicyConfig) -> Result<Box<dyn Send>, String>;
}

/// The engine on its own: `Policy::decide` applied by a minimal server, as every adapter does.
#[derive(Clone, Copy, Debug, Default)]
pub struct Engine;

impl EnforcementPoint for Engine {
    fn name(&self) -> &'static str {
        "engine"
    }

    fn serve(&self, listener: TcpListener, policy: &PolicyConfig) -> Result<Box<dyn Send>, String> {
        let policy = Policy::compile(policy).map_err(|e| e.to_string())?;
        let server = StubServer::from_listener(listener, move |req| apply(&policy, req))
            .map_err(|e| e.to_string())?;
        Ok(Box::new(server))
    }
}

/// Answers `req` as an adapter does: `decide`, then either the engine's own answer or the
/// upstream's response with the CORS headers set and `Vary` appended.
fn apply(policy: &Policy, req: &StubRequest) -> StubResponse {
    let head = req.headers.iter().fold(
        RawRequest::new(req.method.clone()).scheme("http"),
        |r, (n, v)| r.header(n.clone(), v.clone()),
    );
    let decision = policy.decide(&head);
    let mut response = match decision.respond_status() {
        Some(status) => StubResponse::new(status.as_u16()),
        None => upstream_response(),
    };
    for (name, value) in decision.headers().iter() {
        response = response.header(name.as_str(), value);
    }
    if let Some(vary) = decision.vary() {
        response = response.header("Vary", vary.as_str());
    }
    response
}
