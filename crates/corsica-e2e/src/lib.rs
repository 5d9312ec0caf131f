//! The end-to-end suite's enforcement points: the engine, corsica-tower, corsica-actix and the
//! reverse proxy (corsica-proxy) and the policy exported for a real nginx, Apache httpd, HAProxy
//! and Caddy (`corsica export`), each in front of the e2e upstream. The `vectors/e2e` cases and the
//! origins they name are read by `corsica-conformance`.
//!
//! An [`EnforcementPoint`] puts a policy in front of the e2e upstream (every request that
//! reaches it gets `200`, body `ok`, `Content-Type: text/plain`, `X-Request-Id: e2e`,
//! `X-Internal: 1`). The suite in `tests/chromium_e2e.rs` then lets real Chromium `fetch()` from
//! a page on another origin and compares its verdict with the vector.

mod points;
mod proxy;

use std::net::TcpListener;

use corsica::{Policy, PolicyConfig, RawRequest};
use corsica_conformance::e2e::{UPSTREAM_BODY, UPSTREAM_HEADERS};
use corsica_harness::{StubRequest, StubResponse, StubServer};

pub use points::{Actix, Apache, Caddy, Haproxy, Nginx, Tower, WRONG_UPSTREAM_CORS};
pub use proxy::Proxy;

/// The body and headers of the e2e upstream's answer to every request that reaches it.
pub fn upstream_response() -> StubResponse {
    UPSTREAM_HEADERS
        .iter()
        .fold(StubResponse::new(200), |r, (n, v)| r.header(n, *v))
        .body(UPSTREAM_BODY)
}

/// Something that enforces a CORS policy in front of the e2e upstream: today the engine itself
/// and the two middleware crates; any later enforcement point implements this too.
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
