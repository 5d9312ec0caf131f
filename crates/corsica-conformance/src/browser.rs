//! Browser vectors (`vectors/browser/*.json`): a `fetch()` from a page, the server's responses,
//! and what the browser does with them.

use corsica::Origin;
use corsica::browser::{AddressSpace, CorsErrorKind, CredentialsMode, RequestMode};
use serde::{Deserialize, Deserializer, de::Error as _};

use crate::Vector;
use crate::de::{parsed, parsed_opt};

/// One browser case: one fetch, or a sequence of fetches sharing one preflight cache.
#[derive(Debug, Deserialize)]
#[serde(try_from = "RawCase")]
pub struct Case {
    /// Unique in its file (`A17 trailing slash`).
    pub name: String,
    /// Where the expected behaviour comes from.
    pub source: String,
    /// The preflight cache's settings.
    pub cache: Option<Cache>,
    /// The fetches, in order, at least one.
    pub fetches: Vec<Fetch>,
}

/// The preflight cache's settings.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cache {
    /// The browser's cap on `Access-Control-Max-Age`, in seconds.
    pub max_age_cap: u64,
}

/// One fetch of a case.
#[derive(Debug)]
pub struct Fetch {
    /// Seconds since the start of the case.
    pub at: f64,
    /// What the script asks for.
    pub request: Request,
    /// The answer to the preflight of the first request, if one is sent.
    pub preflight_response: Option<Response>,
    /// The answer to the first request.
    pub response: Option<Response>,
    /// The answers at each redirect's target, in order.
    pub redirects: Vec<Hop>,
    /// What the browser must do.
    pub expect: Expect,
}

/// The answers at one redirect's target.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hop {
    /// The answer to its preflight, if one is sent.
    #[serde(default)]
    pub preflight_response: Option<Response>,
    /// The answer to the request.
    #[serde(default)]
    pub response: Option<Response>,
}

/// What the script asks `fetch()` for.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// The page's origin (`null`: opaque).
    #[serde(deserialize_with = "origin")]
    pub origin: Origin,
    /// The URL fetched.
    #[serde(deserialize_with = "parsed")]
    pub url: url::Url,
    /// The method the script passes.
    #[serde(default)]
    pub method: Option<String>,
    /// The headers the script sets, as bytes.
    #[serde(default, deserialize_with = "byte_headers")]
    pub headers: Vec<(String, Vec<u8>)>,
    /// `fetch()`'s credentials option.
    #[serde(default, deserialize_with = "parsed_opt")]
    pub credentials: Option<CredentialsMode>,
    /// `fetch()`'s mode option.
    #[serde(default, deserialize_with = "parsed_opt")]
    pub mode: Option<RequestMode>,
    /// The address space of the target, for Private Network Access.
    #[serde(default, deserialize_with = "parsed_opt")]
    pub private_network: Option<AddressSpace>,
    /// Whether the request is preflighted whatever it is (an upload with listeners).
    #[serde(default)]
    pub force_preflight: bool,
    /// The preflight cache's partition key.
    #[serde(default)]
    pub partition: Option<String>,
}

/// A response the server gives.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Response {
    /// Its status.
    pub status: u16,
    /// Its header lines, as bytes.
    #[serde(default, deserialize_with = "byte_headers")]
    pub headers: Vec<(String, Vec<u8>)>,
}

/// What the browser must do; every optional field is checked only when present.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// Whether it sends a preflight.
    pub preflight: bool,
    /// Whether the script gets the response.
    pub allowed: bool,
    /// The error, when blocked.
    #[serde(default)]
    pub error: Option<ExpectedError>,
    /// The response headers the script can read.
    #[serde(default)]
    pub exposed: Option<Vec<String>>,
    /// The status the script sees.
    #[serde(default)]
    pub status: Option<u16>,
    /// How many preflights are sent.
    #[serde(default)]
    pub preflight_count: Option<usize>,
    /// The first preflight's header lines.
    #[serde(default)]
    pub preflight_request: Option<Vec<(String, String)>>,
    /// The last request's header lines.
    #[serde(default)]
    pub request_headers: Option<Vec<(String, String)>>,
    /// The last request's URL.
    #[serde(default)]
    pub final_url: Option<String>,
    /// The last request's method.
    #[serde(default)]
    pub final_method: Option<String>,
    /// How long the preflight's result is cached, in seconds.
    #[serde(default)]
    pub cache_seconds: Option<u64>,
    /// Chromium's console line for `fetch()`.
    #[serde(default)]
    pub message: Option<String>,
    /// Chromium's console line for `XMLHttpRequest`.
    #[serde(default)]
    pub message_xhr: Option<String>,
}

/// The error a blocked fetch ends with.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectedError {
    /// Its kind.
    #[serde(default, deserialize_with = "parsed_opt")]
    pub kind: Option<ErrorKind>,
    /// The value Chromium names in its message.
    #[serde(default)]
    pub failed_parameter: Option<String>,
}

/// What a fetch fails with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// `fetch()` throws before anything is sent.
    TypeError,
    /// A network error (`ERR_…`, as Chromium names it).
    Network(String),
    /// A CORS error.
    Cors(CorsErrorKind),
}

impl ErrorKind {
    /// The name as the vectors and Chromium spell it.
    pub fn as_str(&self) -> &str {
        match self {
            ErrorKind::TypeError => "TypeError",
            ErrorKind::Network(name) => name,
            ErrorKind::Cors(kind) => kind.as_str(),
        }
    }
}

impl std::str::FromStr for ErrorKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        if s == "TypeError" {
            Ok(ErrorKind::TypeError)
        } else if s.starts_with("ERR_") {
            Ok(ErrorKind::Network(s.to_owned()))
        } else {
            s.parse()
                .map(ErrorKind::Cors)
                .map_err(|_| format!("unknown error kind {s:?}"))
        }
    }
}

/// `null` or a serialized origin.
fn origin<'de, D: Deserializer<'de>>(d: D) -> Result<Origin, D::Error> {
    let text = String::deserialize(d)?;
    if text == "null" {
        return Ok(Origin::opaque());
    }
    Origin::parse(&text).map_err(|e| D::Error::custom(format!("origin {text:?}: {e}")))
}

/// Header lines whose values are text, as bytes the way `fetch()` and HTTP take them: one byte
/// per code point up to U+00FF.
fn byte_headers<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<(String, Vec<u8>)>, D::Error> {
    Vec::<(String, String)>::deserialize(d)?
        .into_iter()
        .map(|(name, value)| {
            let bytes = value
                .chars()
                .map(|c| u8::try_from(u32::from(c)))
                .collect::<Result<Vec<u8>, _>>()
                .map_err(|_| D::Error::custom(format!("{value:?} has a character above U+00FF")))?;
            Ok((name, bytes))
        })
        .collect()
}

/// A case as written: one fetch, or `steps`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCase {
    name: String,
    source: String,
    #[serde(default)]
    cache: Option<Cache>,
    // One fetch…
    #[serde(default)]
    request: Option<Request>,
    #[serde(default)]
    preflight_response: Option<Response>,
    #[serde(default)]
    response: Option<Response>,
    #[serde(default)]
    redirects: Vec<Hop>,
    #[serde(default)]
    expect: Option<Expect>,
    // …or a sequence of fetches sharing one preflight cache.
    #[serde(default)]
    steps: Option<Vec<RawStep>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStep {
    at: f64,
    request: Request,
    #[serde(default)]
    preflight_response: Option<Response>,
    #[serde(default)]
    response: Option<Response>,
    #[serde(default)]
    redirects: Vec<Hop>,
    expect: Expect,
}

impl TryFrom<RawCase> for Case {
    type Error = String;

    fn try_from(raw: RawCase) -> Result<Case, String> {
        let single = raw.request.is_some()
            || raw.expect.is_some()
            || raw.preflight_response.is_some()
            || raw.response.is_some()
            || !raw.redirects.is_empty();
        let fetches = match (raw.steps, raw.request, raw.expect) {
            (None, Some(request), Some(expect)) => vec![Fetch {
                at: 0.0,
                request,
                preflight_response: raw.preflight_response,
                response: raw.response,
                redirects: raw.redirects,
                expect,
            }],
            (Some(steps), _, _) if !single && !steps.is_empty() => steps
                .into_iter()
                .map(|s| Fetch {
                    at: s.at,
                    request: s.request,
                    preflight_response: s.preflight_response,
                    response: s.response,
                    redirects: s.redirects,
                    expect: s.expect,
                })
                .collect(),
            _ => {
                return Err(
                    "needs either `request` and `expect`, or a non-empty `steps` (not both)".into(),
                );
            }
        };
        Ok(Case {
            name: raw.name,
            source: raw.source,
            cache: raw.cache,
            fetches,
        })
    }
}

impl Vector for Case {
    const DIR: &'static str = "browser";

    fn name(&self) -> &str {
        &self.name
    }

    fn check(&self) -> Result<(), String> {
        if self.name.trim().is_empty() {
            return Err("a case has an empty name".into());
        }
        if self.source.trim().is_empty() {
            return Err("empty source".into());
        }
        for fetch in &self.fetches {
            let e = &fetch.expect;
            if e.allowed == e.error.is_some() {
                return Err(format!(
                    "`allowed` is {} but `error` is {:?}",
                    e.allowed, e.error
                ));
            }
            if !e.allowed && e.exposed.as_ref().is_some_and(|x| !x.is_empty()) {
                return Err("a blocked fetch exposes nothing".into());
            }
        }
        Ok(())
    }
}
