//! What the browser did during a fetch, check by check: the engine explains, tools present.
//!
//! A [`Trace`] is a list of [`Stage`]s in the order the browser reached them: the request about
//! to be sent (what `fetch()` refuses up front, whether a preflight is needed and why), then
//! each response it examined (a preflight's, the request's, a redirect's). Each stage holds the
//! [`Check`]s that ran on it, in the browser's order, up to the first failure, and [`Note`]s:
//! what the browser concluded without a pass or fail (the cache decision, a redirect taken, the
//! headers a script can read).
//!
//! The trace names rules, not one browser's words, so that a tool can render it for any
//! browser the engine models (the checks it holds and their order are the model's).

use url::Url;

use super::address_space::AddressSpace;
use super::error::FetchError;

/// What a fetch did, stage by stage: the request before anything is sent, then each response
/// examined, each with the checks that ran on it in the browser's order (up to the first
/// failure) and what the browser concluded.
///
/// ```
/// use corsica::Origin;
/// use corsica::browser::{BrowserRequest, ResponseHead, Rule, StageKind, simulate};
///
/// let request = BrowserRequest::builder(
///     Origin::parse("https://app.example").unwrap(),
///     "https://api.example/data".parse().unwrap(),
/// )
/// .build()
/// .unwrap();
/// let verdict = simulate(request, None, ResponseHead::new(200).header("Access-Control-Allow-Origin", "https://app.example/"));
/// let (stage, check) = verdict.trace.failure().unwrap();
/// assert_eq!(stage.kind, StageKind::Response);
/// assert_eq!(check.rule, Rule::AllowOrigin);
/// assert_eq!(check.seen.as_deref(), Some(&b"https://app.example/"[..]));
/// assert_eq!(check.expected, "https://app.example");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Trace {
    /// The stages, in order.
    pub stages: Vec<Stage>,
}

impl Trace {
    /// The stages that examined a response (a preflight's or the request's), in order: one per
    /// response received.
    pub fn responses(&self) -> impl Iterator<Item = &Stage> {
        self.stages.iter().filter(|s| s.kind != StageKind::Request)
    }

    /// The failed check and the stage it failed in, if a check failed.
    pub fn failure(&self) -> Option<(&Stage, &Check)> {
        self.stages
            .iter()
            .find_map(|s| s.failed_check().map(|c| (s, c)))
    }

    /// The last stage (a detached one if there is none yet).
    pub(crate) fn current(&mut self) -> &mut Stage {
        if self.stages.is_empty() {
            self.stages.push(Stage::detached());
        }
        let last = self.stages.len() - 1;
        &mut self.stages[last]
    }

    pub(crate) fn push(&mut self, kind: StageKind, url: &Url, status: Option<u16>) -> &mut Stage {
        self.stages.push(Stage {
            kind,
            url: url.clone(),
            status,
            checks: Vec::new(),
            notes: Vec::new(),
        });
        let last = self.stages.len() - 1;
        &mut self.stages[last]
    }
}

/// What a stage is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StageKind {
    /// The request, before anything is sent (Fetch "main fetch"): what `fetch()` refuses, and
    /// whether a preflight is needed.
    Request,
    /// The response to a preflight (Fetch "CORS-preflight fetch").
    Preflight,
    /// The response to the request itself, a redirect or the final one (Fetch "HTTP fetch",
    /// "HTTP-redirect fetch").
    Response,
}

/// One stage of a [`Trace`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stage {
    /// What it is about.
    pub kind: StageKind,
    /// The request's URL at this stage.
    pub url: Url,
    /// The response's status; `None` for [`StageKind::Request`].
    pub status: Option<u16>,
    /// The checks that ran, in order, up to and including the first that failed.
    pub checks: Vec<Check>,
    /// What the browser concluded besides the checks, in order.
    pub notes: Vec<Note>,
}

impl Stage {
    /// The check that failed here, if one did.
    pub fn failed_check(&self) -> Option<&Check> {
        self.checks.iter().find(|c| c.result.is_err())
    }

    /// The note of this stage matching `f`, if any.
    pub fn note<T>(&self, f: impl FnMut(&Note) -> Option<T>) -> Option<T> {
        self.notes.iter().find_map(f)
    }

    /// A stage that nobody reads, for the checks run outside an [`Exchange`](super::Exchange).
    pub(crate) fn detached() -> Stage {
        Stage {
            kind: StageKind::Response,
            url: Url::parse("about:blank").expect("a valid URL"),
            status: None,
            checks: Vec::new(),
            notes: Vec::new(),
        }
    }

    pub(crate) fn check(
        &mut self,
        rule: Rule,
        header: Option<&'static str>,
        seen: Option<&[u8]>,
        expected: impl Into<String>,
        result: Result<(), impl Into<FetchError>>,
    ) {
        self.checks.push(Check {
            rule,
            header,
            seen: seen.map(<[u8]>::to_vec),
            expected: expected.into(),
            result: result.map_err(Into::into),
        });
    }
}

/// A check the browser ran: the rule, what it looked at, what passes, and the outcome.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Check {
    /// Which rule.
    pub rule: Rule,
    /// The response header it read (lower-case), if it read one.
    pub header: Option<&'static str>,
    /// The header's value as the check read it (Fetch "get": several lines joined with
    /// `", "`); `None` when the header is absent or the check reads no header.
    pub seen: Option<Vec<u8>>,
    /// What passes, in the rule's terms: the origin to match, `true`, `200-299`, the method or
    /// header names to be allowed, …
    pub expected: String,
    /// Passed, or the error the fetch ends with.
    pub result: Result<(), FetchError>,
}

impl Check {
    /// Whether the check passed.
    pub fn passed(&self) -> bool {
        self.result.is_ok()
    }
}

/// A rule of the CORS protocol (and of `fetch()` around it), named after the step that applies it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Rule {
    /// A `same-origin` mode request may not reach another origin (Fetch "main fetch").
    RequestMode,
    /// CORS requests go only to CORS-enabled schemes (Chromium `CorsDisabledScheme`).
    Scheme,
    /// A Private Network Access request needs a secure context (WICG Private Network Access).
    SecureContext,
    /// A preflight response may not be a redirect (Fetch "CORS-preflight fetch" step 7).
    PreflightNotRedirected,
    /// `Access-Control-Allow-Origin` matches the request's origin (Fetch "CORS check").
    AllowOrigin,
    /// `Access-Control-Allow-Credentials: true`, for credentials mode `include` (Fetch "CORS
    /// check").
    AllowCredentials,
    /// The preflight response has an ok status, 200–299 (Fetch "CORS-preflight fetch" step 7).
    OkStatus,
    /// `Access-Control-Allow-Private-Network: true` (WICG Private Network Access).
    AllowPrivateNetwork,
    /// `Access-Control-Allow-Methods` is a list of tokens (Fetch "CORS-preflight fetch" step
    /// 7.1–7.3).
    AllowMethodsSyntax,
    /// `Access-Control-Allow-Headers` is a list of tokens (same steps).
    AllowHeadersSyntax,
    /// The method is allowed (Fetch "CORS-preflight fetch" step 7.5).
    MethodAllowed {
        /// The request's method.
        method: String,
        /// Whether it is a CORS-safelisted method (`GET`, `HEAD`, `POST`), always allowed.
        safelisted: bool,
    },
    /// The CORS-unsafe request headers are allowed (Fetch "CORS-preflight fetch" steps 7.6–7.7).
    HeadersAllowed {
        /// The names that must be allowed, as `Access-Control-Request-Headers` lists them.
        names: Vec<String>,
    },
    /// The redirect's `Location` is one URL (Fetch "location URL").
    LocationUrl,
    /// At most [`MAX_REDIRECTS`](super::MAX_REDIRECTS) redirects (Fetch "HTTP-redirect fetch"
    /// step 5).
    RedirectLimit,
    /// A CORS request may not follow a location with a username or password (step 8).
    LocationCredentials,
    /// A redirect goes to an `http(s)` URL (step 6).
    LocationScheme,
}

/// What the browser concluded at a stage, besides pass or fail.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Note {
    /// The request needs a preflight, for these reasons (Fetch "main fetch").
    PreflightNeeded(Vec<PreflightReason>),
    /// The preflight's response is unknown (a recording without it), but the request was sent,
    /// so the preflight passed: see [`Exchange::assume_preflight_passed`](super::Exchange::assume_preflight_passed).
    PreflightAssumed,
    /// A fresh cached preflight result lets the request go without one (Fetch "CORS-preflight
    /// cache").
    PreflightCacheHit,
    /// The preflight passed; its result may be cached this long.
    PreflightCached {
        /// Seconds: `Access-Control-Max-Age` as the browser reads it, under its cap; 0 when it
        /// is not cached.
        seconds: u64,
        /// Whether the cache stored it (not when `seconds` is 0, or the URL is too long).
        stored: bool,
    },
    /// `Access-Control-Allow-Headers: *` let `Authorization` through, as Chromium still does,
    /// where the Fetch Standard requires it listed by name.
    WildcardCoveredAuthorization,
    /// The preflight was answered with a redirect (which no engine follows; Firefox words the
    /// failure differently then).
    PreflightRedirected,
    /// The response is same-origin (response tainting `basic`): no CORS check.
    SameOrigin,
    /// The browser follows the redirect.
    Redirected {
        /// Where to.
        to: Url,
        /// Whether this redirect tainted the request's origin (`Origin: null` from now on).
        taints_origin: bool,
    },
    /// The header names a script can read from the final response.
    Exposed(Vec<String>),
}

/// Why a request needs a preflight (Fetch "main fetch"; WICG Private Network Access).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PreflightReason {
    /// The use-CORS-preflight flag is set.
    Forced,
    /// The method is not CORS-safelisted.
    Method(String),
    /// These headers are CORS-unsafe (lower-case, sorted).
    Headers(Vec<String>),
    /// It is a Private Network Access request to this address space.
    PrivateNetwork(AddressSpace),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Origin;
    use crate::browser::{BrowserRequest, CredentialsMode, ResponseHead, simulate};

    fn rules(stage: &Stage) -> Vec<(Rule, bool)> {
        stage
            .checks
            .iter()
            .map(|c| (c.rule.clone(), c.passed()))
            .collect()
    }

    #[test]
    fn a_passing_preflight_lists_every_check_in_order() {
        let request = BrowserRequest::builder(
            Origin::parse("https://app.example").unwrap(),
            "https://api.example/x".parse().unwrap(),
        )
        .method("PUT")
        .header("X-B", "1")
        .header("X-A", "1")
        .credentials(CredentialsMode::Include)
        .build()
        .unwrap();
        let allow = |r: ResponseHead| {
            r.header("Access-Control-Allow-Origin", "https://app.example")
                .header("Access-Control-Allow-Credentials", "true")
        };
        let preflight = allow(ResponseHead::new(204))
            .header("Access-Control-Allow-Methods", "PUT")
            .header("Access-Control-Allow-Headers", "x-a, x-b")
            .header("Access-Control-Max-Age", "99999");
        let verdict = simulate(request, Some(preflight), allow(ResponseHead::new(200)));
        assert!(verdict.is_allowed());
        let trace = &verdict.trace;
        assert!(trace.failure().is_none());
        let kinds: Vec<StageKind> = trace.stages.iter().map(|s| s.kind).collect();
        assert_eq!(
            kinds,
            [
                StageKind::Request,
                StageKind::Preflight,
                StageKind::Response
            ]
        );
        assert_eq!(
            trace.stages[0].notes,
            [Note::PreflightNeeded(vec![
                PreflightReason::Method("PUT".into()),
                PreflightReason::Headers(vec!["x-a".into(), "x-b".into()]),
            ])]
        );
        let names = vec!["x-a".to_string(), "x-b".to_string()];
        assert_eq!(
            rules(&trace.stages[1]),
            [
                (Rule::PreflightNotRedirected, true),
                (Rule::AllowOrigin, true),
                (Rule::AllowCredentials, true),
                (Rule::OkStatus, true),
                (Rule::AllowMethodsSyntax, true),
                (Rule::AllowHeadersSyntax, true),
                (
                    Rule::MethodAllowed {
                        method: "PUT".into(),
                        safelisted: false
                    },
                    true
                ),
                (Rule::HeadersAllowed { names }, true),
            ]
        );
        assert_eq!(
            trace.stages[1].notes,
            [Note::PreflightCached {
                seconds: 7200,
                stored: true
            }]
        );
        assert_eq!(
            rules(&trace.stages[2]),
            [(Rule::AllowOrigin, true), (Rule::AllowCredentials, true)]
        );
        assert_eq!(trace.stages[2].notes, [Note::Exposed(Vec::new())]);
    }

    #[test]
    fn checks_stop_at_the_first_failure() {
        let request = BrowserRequest::builder(
            Origin::parse("https://app.example").unwrap(),
            "https://api.example/x".parse().unwrap(),
        )
        .method("DELETE")
        .build()
        .unwrap();
        let preflight = ResponseHead::new(404).header("Access-Control-Allow-Origin", "*");
        let verdict = simulate(request, Some(preflight), ResponseHead::new(200));
        let (stage, check) = verdict.trace.failure().unwrap();
        assert_eq!(stage.kind, StageKind::Preflight);
        assert_eq!(stage.status, Some(404));
        assert_eq!(check.rule, Rule::OkStatus);
        assert_eq!(
            check.result.as_ref().unwrap_err(),
            verdict.result.as_ref().unwrap_err()
        );
        assert_eq!(stage.checks.last(), Some(check));
        assert!(stage.notes.is_empty());
    }

    #[test]
    fn a_redirect_refused_for_its_scheme_fails_at_the_redirect() {
        let request = BrowserRequest::builder(
            Origin::parse("https://app.example").unwrap(),
            "https://api.example/x".parse().unwrap(),
        )
        .build()
        .unwrap();
        let redirect = ResponseHead::new(302)
            .header("Location", "ftp://files.example/x")
            .header("Access-Control-Allow-Origin", "*");
        let verdict = simulate(request, None, redirect);
        let (stage, check) = verdict.trace.failure().unwrap();
        assert_eq!(stage.kind, StageKind::Response);
        assert_eq!(check.rule, Rule::LocationScheme);
        assert_eq!(check.seen.as_deref(), Some(&b"ftp://files.example/x"[..]));
        assert_eq!(
            rules(stage),
            [
                (Rule::LocationUrl, true),
                (Rule::AllowOrigin, true),
                (Rule::RedirectLimit, true),
                (Rule::LocationCredentials, true),
                (Rule::LocationScheme, false),
            ]
        );
    }
}
