//! End-to-end vectors (`vectors/e2e/*.json`): a policy and a `fetch()` made by a page on another
//! origin, with the verdict the browser must reach through every enforcement point.

use corsica::PolicyConfig;
use corsica::browser::{CorsErrorKind, CredentialsMode};
use serde::{Deserialize, Deserializer, de::Error as _};
use serde_json::Value;

use crate::Vector;
use crate::de::parsed;

/// One e2e case.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    /// Lower-case kebab-case, unique in its file.
    pub name: String,
    /// Where the expected behaviour comes from.
    pub source: String,
    /// The policy, with origin placeholders: see [`Origins::policy`].
    pub policy: Value,
    /// The page's `fetch()`.
    pub request: Request,
    /// What the browser must conclude.
    pub expect: Expect,
    /// Enforcement points that cannot pass this case, each with the reason: `{"nginx": "why"}`
    /// (see `vectors/README.md`). Such a point reports the case as ignored with the reason, and
    /// fails it once it passes, so that the entry gets removed.
    #[serde(default)]
    pub exceptions: std::collections::BTreeMap<String, String>,
}

/// The `fetch()` a page makes.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// The page's origin.
    pub origin: PageOrigin,
    /// A path on the API (`/data`).
    pub url: String,
    /// Exactly what the script passes to `fetch()`.
    pub method: String,
    /// The headers the script sets, in order.
    pub headers: Vec<(String, String)>,
    /// `fetch()`'s credentials option.
    #[serde(deserialize_with = "parsed")]
    pub credentials: CredentialsMode,
}

/// The verdict.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// Whether the script gets the response.
    pub allowed: bool,
    /// Chromium's `CorsError` kind when blocked, one of [`ERROR_KINDS`]; `None` when allowed.
    #[serde(deserialize_with = "error_kind")]
    pub error: Option<CorsErrorKind>,
    /// Whether the browser sends a preflight (with an empty preflight cache).
    pub preflight: bool,
    /// The status the script sees, when allowed.
    #[serde(default)]
    pub status: Option<u16>,
    /// Which of the upstream's `x-request-id` and `x-internal` the script can read, when allowed.
    #[serde(default)]
    pub exposed: Option<Vec<String>>,
    /// The engine is believed wrong on this case; the text says how (see [`crate::verdict`]).
    #[serde(default)]
    pub engine_bug: Option<String>,
}

/// Where the page that makes the request comes from: a placeholder for a loopback origin that
/// each run chooses, or an opaque origin.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
pub enum PageOrigin {
    /// `{page}`: the page's origin, other than the API's.
    #[serde(rename = "{page}")]
    Page,
    /// `{other}`: a second page origin, distinct from `{page}` and the API's.
    #[serde(rename = "{other}")]
    Other,
    /// `{sub}`: a page origin whose host is a subdomain of `localhost`.
    #[serde(rename = "{sub}")]
    Sub,
    /// `{api}`: the API's own origin (a same-origin request).
    #[serde(rename = "{api}")]
    Api,
    /// `null`: a sandboxed iframe, whose origin is opaque.
    #[serde(rename = "null")]
    Null,
}

/// The Chromium `CorsError` kinds e2e vectors may name: those a `fetch()` to a loopback API can
/// meet without redirects.
pub const ERROR_KINDS: [CorsErrorKind; 19] = [
    CorsErrorKind::WildcardOriginNotAllowed,
    CorsErrorKind::MissingAllowOriginHeader,
    CorsErrorKind::MultipleAllowOriginValues,
    CorsErrorKind::InvalidAllowOriginValue,
    CorsErrorKind::AllowOriginMismatch,
    CorsErrorKind::InvalidAllowCredentials,
    CorsErrorKind::PreflightInvalidStatus,
    CorsErrorKind::PreflightDisallowedRedirect,
    CorsErrorKind::PreflightWildcardOriginNotAllowed,
    CorsErrorKind::PreflightMissingAllowOriginHeader,
    CorsErrorKind::PreflightMultipleAllowOriginValues,
    CorsErrorKind::PreflightInvalidAllowOriginValue,
    CorsErrorKind::PreflightAllowOriginMismatch,
    CorsErrorKind::PreflightInvalidAllowCredentials,
    CorsErrorKind::InvalidAllowMethodsPreflightResponse,
    CorsErrorKind::InvalidAllowHeadersPreflightResponse,
    CorsErrorKind::MethodDisallowedByPreflightResponse,
    CorsErrorKind::HeaderDisallowedByPreflightResponse,
    CorsErrorKind::PreflightMissingAllowPrivateNetwork,
];

/// The headers the API behind every enforcement point sets on every response it produces,
/// preflights included when they reach it; its status is `200` and its body [`UPSTREAM_BODY`].
pub const UPSTREAM_HEADERS: [(&str, &str); 3] = [
    ("content-type", "text/plain"),
    ("x-request-id", "e2e"),
    ("x-internal", "1"),
];

/// The body of the upstream's answer.
pub const UPSTREAM_BODY: &str = "ok";

/// `null` or a kind's name.
fn error_kind<'de, D: Deserializer<'de>>(d: D) -> Result<Option<CorsErrorKind>, D::Error> {
    let Some(name) = Option::<String>::deserialize(d)? else {
        return Ok(None);
    };
    match name.parse() {
        Ok(kind) if ERROR_KINDS.contains(&kind) => Ok(Some(kind)),
        _ => Err(D::Error::custom(format!("unknown error kind {name:?}"))),
    }
}

impl Vector for Case {
    const DIR: &'static str = "e2e";

    fn name(&self) -> &str {
        &self.name
    }

    fn check(&self) -> Result<(), String> {
        crate::kebab_name_and_source(&self.name, &self.source)?;
        crate::known_exceptions(&self.exceptions)?;
        let e = &self.expect;
        if e.allowed == e.error.is_some() {
            return Err("`error` must be null exactly when `allowed` is true".into());
        }
        if !e.allowed && (e.status.is_some() || e.exposed.is_some()) {
            return Err("`status` and `exposed` only make sense for allowed requests".into());
        }
        if !self.request.url.starts_with('/') {
            return Err(format!(
                "url {:?} must be a path on the API origin",
                self.request.url
            ));
        }
        Ok(())
    }
}

/// The origins a run gives the placeholders.
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
    /// The origins of a run without servers (the engine alone): `vectors/README.md` fixes them.
    pub fn standalone() -> Origins {
        Origins {
            page: "http://localhost:8001".into(),
            other: "http://localhost:8002".into(),
            sub: "http://app.localhost:8003".into(),
            api: "http://127.0.0.1:8000".into(),
        }
    }

    /// The origin `page` stands for: `null` for an opaque one.
    pub fn origin(&self, page: PageOrigin) -> &str {
        match page {
            PageOrigin::Page => &self.page,
            PageOrigin::Other => &self.other,
            PageOrigin::Sub => &self.sub,
            PageOrigin::Api => &self.api,
            PageOrigin::Null => "null",
        }
    }

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
    /// When the policy is not a valid policy file document.
    pub fn policy(&self, case: &Case) -> Result<PolicyConfig, String> {
        let text = self.substitute(&case.policy.to_string());
        serde_json::from_str(&text).map_err(|e| format!("policy: {e}"))
    }
}
