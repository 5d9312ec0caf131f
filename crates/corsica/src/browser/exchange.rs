//! A whole `fetch()` as the browser runs it, sans I/O (Fetch "main fetch", "HTTP
//! fetch", "HTTP-redirect fetch", "CORS-preflight fetch"): the caller asks what to send
//! next, sends it however it likes, and hands back the response, until a verdict.

use std::time::Duration;

use url::Url;

use super::cache::PreflightCache;
use super::console::Reported;
use super::cors_check::cors_check_traced;
use super::error::{CorsError, CorsErrorKind, FetchError, NetworkError};
use super::expose::exposed_headers;
use super::preflight::{PreflightResult, preflight_check_traced};
use super::profile::Engine;
use super::redirect::{follow_redirect_traced, location_url};
use super::request::{BrowserRequest, RequestMode, ResponseTainting};
use super::response::ResponseHead;
use super::trace::{Note, Rule, StageKind, Trace};
use crate::Origin;

/// The lines an engine prints for a network error it reports on the console (WebKit: too many
/// redirects, a redirect to a location that is not a URL; Firefox: "CORS request did not
/// succeed"); Chromium's `net::ERR_…` line is not modelled.
fn network_lines(engine: Engine, error: NetworkError, at: &Reported<'_>) -> Vec<String> {
    use super::templates::{
        FF_DID_NOT_SUCCEED, WK_CANNOT_LOAD, WK_REDIRECT_DENIED, WK_TOO_MANY_REDIRECTS, template,
    };
    match engine {
        Engine::Chromium => return Vec::new(),
        Engine::Firefox => {
            return vec![FF_DID_NOT_SUCCEED.render(at.url, at.request_origin, "", None)];
        }
        Engine::WebKit => {}
    }
    let cannot_load = WK_CANNOT_LOAD.render(at.url, at.request_origin, "", None);
    match (error, &at.redirect_to) {
        (NetworkError::TooManyRedirects, _) => vec![
            WK_TOO_MANY_REDIRECTS.render(at.url, at.request_origin, "", None),
            cannot_load,
        ],
        (NetworkError::InvalidRedirect | NetworkError::UnsafeRedirect, Some((shown, _))) => {
            let reason = template(engine, CorsErrorKind::CorsDisabledScheme)
                .map(|t| t.render(at.url, at.request_origin, "", None))
                .unwrap_or_default();
            vec![
                WK_REDIRECT_DENIED.render(shown, at.request_origin, &reason, None),
                cannot_load,
            ]
        }
        _ => Vec::new(),
    }
}

/// A request the browser sends: a preflight or the request itself.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Outgoing {
    /// `OPTIONS` for a preflight, the request's method otherwise.
    pub method: String,
    /// Where it goes.
    pub url: Url,
    /// The headers the CORS protocol decides (the script's, `Origin`, the preflight's
    /// `Access-Control-Request-*`), in order. The browser also sends its usual `User-Agent`,
    /// `Accept-*`, `Sec-Fetch-*` and `Referer` headers.
    pub headers: Vec<(String, Vec<u8>)>,
    /// Whether cookies and HTTP authentication go with it.
    pub credentials: bool,
}

/// What to do next, as told by [`Exchange::next`].
// `Done` is the large one, handed out once per fetch: boxing it would only cost callers a deref.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
pub enum Step {
    /// Send this preflight, then pass its response to [`Exchange::receive`].
    Preflight(Outgoing),
    /// Send the request (or, after a redirect, the next one), then pass its response to
    /// [`Exchange::receive`].
    Request(Outgoing),
    /// The fetch is over.
    Done(Verdict),
}

/// What a script may read from the final response.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Exposed {
    /// `basic` (same-origin) or `cors`.
    pub tainting: ResponseTainting,
    /// The response's status, which the script sees.
    pub status: u16,
    /// The header names the script can read, lower-cased and sorted (see
    /// [`exposed_headers`](super::exposed_headers)).
    pub headers: Vec<String>,
}

/// How a fetch ended.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Verdict {
    /// What the script can read, or why it can read nothing (`TypeError: Failed to fetch`).
    pub result: Result<Exposed, FetchError>,
    /// How many preflights were sent (a cached result saves one).
    pub preflights: usize,
    /// The last preflight that passed, if any.
    pub preflight: Option<PreflightResult>,
    /// The page's origin.
    pub origin: Origin,
    /// The URL the page asked for.
    pub initial_url: Url,
    /// The last URL the fetch went to.
    pub url: Url,
    /// Every check the browser ran, stage by stage.
    pub trace: Trace,
    /// The engine whose behaviour the fetch followed (the request's
    /// [`profile`](BrowserRequest::profile)).
    pub engine: Engine,
}

impl Verdict {
    /// Whether the script gets the response.
    pub fn is_allowed(&self) -> bool {
        self.result.is_ok()
    }

    /// Whether at least one preflight was sent.
    pub fn preflight_sent(&self) -> bool {
        self.preflights > 0
    }

    /// The CORS error, if the fetch was blocked by CORS.
    pub fn cors_error(&self) -> Option<&CorsError> {
        self.result.as_ref().err().and_then(FetchError::as_cors)
    }

    /// The first line the [engine](Self::engine)'s console prints for a `fetch()` blocked by
    /// CORS, the one that says why (see [`console_lines`](Self::console_lines)); `None` when the
    /// fetch was not blocked by CORS.
    pub fn console_message(&self) -> Option<String> {
        self.console_lines().into_iter().next()
    }

    /// Every line the [engine](Self::engine)'s console prints for a `fetch()` blocked by CORS,
    /// in order; empty when it was not blocked by CORS. Chromium prints one line (see
    /// [`CorsError::console_message`]); Firefox its reason line, then a "CORS request did not
    /// succeed" line after a failed preflight; WebKit its reason line, then "Fetch API cannot
    /// load … due to access control checks.".
    ///
    /// ```
    /// use corsica::Origin;
    /// use corsica::browser::{BrowserProfile, BrowserRequest, ResponseHead, simulate};
    ///
    /// let request = |profile| {
    ///     BrowserRequest::builder(
    ///         Origin::parse("https://app.example").unwrap(),
    ///         "https://api.example/data".parse().unwrap(),
    ///     )
    ///     .profile(profile)
    ///     .build()
    ///     .unwrap()
    /// };
    /// let response = ResponseHead::new(200);
    ///
    /// let webkit = simulate(request(BrowserProfile::webkit()), None, response.clone());
    /// assert_eq!(
    ///     webkit.console_lines(),
    ///     [
    ///         "Origin https://app.example is not allowed by Access-Control-Allow-Origin. Status code: 200",
    ///         "Fetch API cannot load https://api.example/data due to access control checks.",
    ///     ]
    /// );
    /// let firefox = simulate(request(BrowserProfile::firefox()), None, response);
    /// assert_eq!(firefox.reason_code(), Some("CORSMissingAllowOrigin2"));
    /// assert_eq!(
    ///     firefox.console_lines(),
    ///     ["Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource \
    ///       at https://api.example/data. (Reason: CORS header \u{2018}Access-Control-Allow-Origin\u{2019} \
    ///       missing). Status code: 200."]
    /// );
    /// ```
    pub fn console_lines(&self) -> Vec<String> {
        let redirected_from = (self.initial_url != self.url).then(|| self.initial_url.as_str());
        let failure = self.trace.failure();
        let stage = failure.map(|(stage, _)| stage).or(self.trace.stages.last());
        // The origin the failing check compared with: the request's, `null` once tainted.
        let request_origin = stage
            .and_then(|s| s.checks.iter().find(|c| c.rule == Rule::AllowOrigin))
            .map_or(self.origin.as_str(), |c| c.expected.as_str());
        // Where a redirect pointed, when the failure was found on it.
        let redirect_to = stage
            .filter(|s| s.kind == StageKind::Response)
            .and_then(|s| {
                let check = s.checks.iter().find(|c| c.rule == Rule::LocationUrl)?;
                let seen = check.seen.as_deref()?;
                let text: String = seen.iter().map(|&b| char::from(b)).collect();
                Some(match s.url.join(&text) {
                    Ok(mut full) => {
                        let whole = full.to_string();
                        let _ = full.set_username("");
                        let _ = full.set_password(None);
                        (full.to_string(), whole)
                    }
                    Err(_) => (text.clone(), text),
                })
            });
        let at = Reported {
            url: self.url.as_str(),
            redirected_from,
            origin: self.origin.as_str(),
            stage_url: stage.map_or(self.url.as_str(), |s| s.url.as_str()),
            request_origin,
            redirect_to,
            status: stage.and_then(|s| s.status),
            preflight_redirected: stage
                .is_some_and(|s| s.notes.contains(&Note::PreflightRedirected)),
        };
        match &self.result {
            Err(FetchError::Cors(e)) => e.console_lines(self.engine, &at),
            Err(FetchError::Network(e)) => network_lines(self.engine, *e, &at),
            Ok(_) => Vec::new(),
        }
    }

    /// Warnings the engine's console prints about a fetch it let through: Firefox warns when
    /// `Access-Control-Allow-Headers: *` let `Authorization` through (the Fetch Standard
    /// requires it listed by name; Chromium and WebKit stay silent).
    pub fn console_warnings(&self) -> Vec<String> {
        if self.engine != Engine::Firefox {
            return Vec::new();
        }
        self.trace
            .stages
            .iter()
            .filter(|s| s.notes.contains(&Note::WildcardCoveredAuthorization))
            .map(|s| {
                super::templates::FF_AUTHORIZATION_UNDER_WILDCARD.render(
                    s.url.as_str(),
                    self.origin.as_str(),
                    "",
                    None,
                )
            })
            .collect()
    }

    /// The reason code the engine files the console message under (Firefox's
    /// `security.properties` key, e.g. `CORSMissingAllowOrigin2`), if it has one.
    pub fn reason_code(&self) -> Option<&'static str> {
        match &self.result {
            Err(FetchError::Cors(e)) => e.reason_code(self.engine),
            // Firefox files a network failure under "CORS request did not succeed".
            Err(FetchError::Network(_)) if self.engine == Engine::Firefox => {
                super::templates::FF_DID_NOT_SUCCEED.code
            }
            _ => None,
        }
    }

    /// What `String(error)` is in the page when the fetch failed (`TypeError: Failed to fetch`,
    /// `TypeError: NetworkError when attempting to fetch resource.`, `TypeError: Load failed`).
    pub fn script_error(&self) -> Option<&'static str> {
        self.result
            .as_ref()
            .err()
            .map(|_| self.engine.profile().script_error())
    }
}

#[derive(Clone, Debug)]
enum State {
    /// About to classify the current request.
    Start,
    /// A preflight was handed out; waiting for its response.
    AwaitingPreflight,
    /// No preflight needed, or it passed: the request can go.
    Ready,
    /// The request was handed out; waiting for its response.
    AwaitingResponse,
    /// Finished.
    Done(Result<Exposed, FetchError>),
}

/// The error returned by [`Exchange::receive`] when no response was expected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnexpectedResponse;

impl std::fmt::Display for UnexpectedResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("no request is waiting for a response")
    }
}

impl std::error::Error for UnexpectedResponse {}

/// A `fetch()` in progress, driven step by step by a caller that does the network part.
///
/// Every call takes the preflight cache and the time (`now`, since an epoch of the caller's
/// choosing), so one cache can serve many exchanges and tests control the clock.
///
/// ```
/// use std::time::Duration;
/// use corsica::Origin;
/// use corsica::browser::{BrowserRequest, Exchange, PreflightCache, ResponseHead, Step};
///
/// let request = BrowserRequest::builder(
///     Origin::parse("https://app.example").unwrap(),
///     "https://api.example/items/1".parse().unwrap(),
/// )
/// .method("DELETE")
/// .build()
/// .unwrap();
///
/// let mut cache = PreflightCache::new();
/// let now = Duration::ZERO;
/// let mut exchange = Exchange::new(request);
/// let verdict = loop {
///     match exchange.next(&mut cache, now) {
///         Step::Preflight(out) => {
///             assert_eq!(out.method, "OPTIONS");
///             let response = ResponseHead::new(204)
///                 .header("Access-Control-Allow-Origin", "https://app.example")
///                 .header("Access-Control-Allow-Methods", "DELETE");
///             exchange.receive(response, &mut cache, now).unwrap();
///         }
///         Step::Request(out) => {
///             assert_eq!(out.method, "DELETE");
///             let response = ResponseHead::new(204).header("Access-Control-Allow-Origin", "*");
///             exchange.receive(response, &mut cache, now).unwrap();
///         }
///         Step::Done(verdict) => break verdict,
///     }
/// };
/// assert!(verdict.is_allowed());
/// assert!(verdict.preflight_sent());
/// ```
#[derive(Clone, Debug)]
pub struct Exchange {
    request: BrowserRequest,
    state: State,
    preflights: usize,
    preflight: Option<PreflightResult>,
    /// Requests (one per URL) that took the preflight path: their cache entries are cleared if
    /// the fetch ends in a network error (Fetch "main fetch").
    preflighted: Vec<BrowserRequest>,
    /// The location of a redirect refused for its scheme: Chromium reports the failure at it.
    refused_location: Option<Url>,
    trace: Trace,
}

impl Exchange {
    /// Starts a fetch of `request`.
    pub fn new(request: BrowserRequest) -> Self {
        Exchange {
            request,
            state: State::Start,
            preflights: 0,
            preflight: None,
            preflighted: Vec::new(),
            refused_location: None,
            trace: Trace::default(),
        }
    }

    /// The request as it stands (after redirects, the one for the current URL).
    pub fn request(&self) -> &BrowserRequest {
        &self.request
    }

    /// What to send next, or the verdict. Calling it again before [`receive`](Self::receive)
    /// hands out the same request again.
    pub fn next(&mut self, cache: &mut PreflightCache, now: Duration) -> Step {
        loop {
            match &self.state {
                State::Start => self.start(cache, now),
                State::AwaitingPreflight => return Step::Preflight(self.preflight_outgoing()),
                State::Ready => {
                    self.state = State::AwaitingResponse;
                }
                State::AwaitingResponse => return Step::Request(self.request_outgoing()),
                State::Done(result) => return Step::Done(self.verdict(result.clone())),
            }
        }
    }

    /// Hands over the response to what [`next`](Self::next) asked to send.
    ///
    /// # Errors
    ///
    /// [`UnexpectedResponse`] when nothing was waiting for a response (the exchange is not
    /// changed).
    pub fn receive(
        &mut self,
        response: ResponseHead,
        cache: &mut PreflightCache,
        now: Duration,
    ) -> Result<(), UnexpectedResponse> {
        match self.state {
            State::AwaitingPreflight => {
                self.preflights += 1;
                let stage = self.trace.push(
                    StageKind::Preflight,
                    self.request.url(),
                    Some(response.status),
                );
                match preflight_check_traced(stage, &self.request, &response) {
                    Ok(result) => {
                        let stored = cache.insert(&self.request, &result, now).is_some();
                        stage.notes.push(Note::PreflightCached {
                            seconds: cache.lifetime(&result),
                            stored,
                        });
                        self.preflight = Some(result);
                        self.state = State::Ready;
                    }
                    Err(e) => self.fail(e.into(), cache),
                }
                Ok(())
            }
            State::AwaitingResponse => {
                let stage = self.trace.push(
                    StageKind::Response,
                    self.request.url(),
                    Some(response.status),
                );
                if !self.request.uses_cors() {
                    stage.notes.push(Note::SameOrigin);
                }
                match follow_redirect_traced(stage, &self.request, &response) {
                    Ok(Some(next)) => {
                        self.request = next;
                        self.state = State::Start;
                    }
                    Ok(None) => self.finish(&response, cache),
                    Err(e) => {
                        if matches!(&e, FetchError::Cors(c) if c.kind == CorsErrorKind::CorsDisabledScheme)
                            && self
                                .request
                                .profile()
                                .reports_refused_redirect_at_location()
                        {
                            self.refused_location =
                                location_url(&self.request, &response).ok().flatten();
                        }
                        self.fail(e, cache);
                    }
                }
                Ok(())
            }
            _ => Err(UnexpectedResponse),
        }
    }

    /// Goes on without the preflight [`next`](Self::next) asked for, for a caller replaying a
    /// recording (a HAR file) that lacks it although the request itself was sent: a browser
    /// sends a request that needs a preflight only after one passed (Fetch "HTTP fetch" step
    /// 4.1: a failed preflight returns a network error before the request goes), or a cached one
    /// let it go. The request's stage notes [`Note::PreflightAssumed`].
    ///
    /// # Errors
    ///
    /// [`UnexpectedResponse`] when no preflight is awaited (the exchange is not changed).
    pub fn assume_preflight_passed(&mut self) -> Result<(), UnexpectedResponse> {
        if !matches!(self.state, State::AwaitingPreflight) {
            return Err(UnexpectedResponse);
        }
        self.trace.current().notes.push(Note::PreflightAssumed);
        self.state = State::Ready;
        Ok(())
    }

    /// Tells the exchange that what it asked to send got no response at all (DNS, connection or
    /// TLS failure): the fetch ends with [`NetworkError::Failed`].
    pub fn fail_network(&mut self, cache: &mut PreflightCache) {
        if matches!(
            self.state,
            State::AwaitingPreflight | State::AwaitingResponse
        ) {
            self.fail(NetworkError::Failed.into(), cache);
        }
    }

    /// Runs the whole exchange, asking `respond` for the response to each request it sends;
    /// `respond` returning `None` means no response ([`NetworkError::Failed`]).
    pub fn run(
        mut self,
        cache: &mut PreflightCache,
        now: Duration,
        mut respond: impl FnMut(&Outgoing) -> Option<ResponseHead>,
    ) -> Verdict {
        loop {
            let out = match self.next(cache, now) {
                Step::Preflight(out) | Step::Request(out) => out,
                Step::Done(verdict) => return verdict,
            };
            match respond(&out) {
                Some(response) => {
                    // The state awaits a response here, so this cannot fail.
                    let _ = self.receive(response, cache, now);
                }
                None => self.fail_network(cache),
            }
        }
    }

    /// Classifies the current request (main fetch, Chromium `StartRequest`): errors that need
    /// no network, the preflight decision with the cache, or the request itself.
    fn start(&mut self, cache: &mut PreflightCache, now: Duration) {
        let request = &self.request;
        let stage = self.trace.push(StageKind::Request, request.url(), None);
        let cors = request.uses_cors();
        if cors {
            let result = if request.mode() == RequestMode::SameOrigin {
                Err(CorsError::new(CorsErrorKind::DisallowedByMode, ""))
            } else {
                Ok(())
            };
            stage.check(Rule::RequestMode, None, None, "cors", result.clone());
            if let Err(e) = result {
                return self.fail(e.into(), cache);
            }
            let scheme = request.url().scheme();
            let result = if matches!(scheme, "http" | "https") {
                Ok(())
            } else {
                Err(CorsError::new(CorsErrorKind::CorsDisabledScheme, scheme))
            };
            stage.check(Rule::Scheme, None, None, "http or https", result.clone());
            if let Err(e) = result {
                return self.fail(e.into(), cache);
            }
        }
        if let Some(target) = request.private_network() {
            let result = if request.origin().is_potentially_trustworthy() {
                Ok(())
            } else {
                Err(CorsError::new(CorsErrorKind::InsecurePrivateNetwork, "")
                    .with_address_spaces(Some(target), Some(target)))
            };
            stage.check(
                Rule::SecureContext,
                None,
                None,
                "a potentially trustworthy origin",
                result.clone(),
            );
            if let Err(e) = result {
                return self.fail(e.into(), cache);
            }
        }
        let reasons = request.preflight_reasons();
        if !reasons.is_empty() {
            stage.notes.push(Note::PreflightNeeded(reasons));
            self.preflighted.push(request.clone());
            if !cache.can_skip_preflight(request, now) {
                self.state = State::AwaitingPreflight;
                return;
            }
            stage.notes.push(Note::PreflightCacheHit);
        }
        self.state = State::Ready;
    }

    /// The final (non-redirect) response: the CORS check when it applies, then what is exposed.
    fn finish(&mut self, response: &ResponseHead, cache: &mut PreflightCache) {
        let tainting = self.request.response_tainting();
        let stage = self.trace.current();
        if tainting == ResponseTainting::Cors {
            if let Err(e) = cors_check_traced(stage, &self.request, response, false) {
                return self.fail(e.into(), cache);
            }
        }
        let headers = exposed_headers(&self.request, response);
        stage.notes.push(Note::Exposed(headers.clone()));
        self.state = State::Done(Ok(Exposed {
            tainting,
            status: response.status,
            headers,
        }));
    }

    fn fail(&mut self, error: FetchError, cache: &mut PreflightCache) {
        for request in &self.preflighted {
            cache.clear_entries(request);
        }
        self.state = State::Done(Err(error));
    }

    fn preflight_outgoing(&self) -> Outgoing {
        let mut url = self.request.url().clone();
        // Chromium strips userinfo from CORS requests; `fetch()` refuses it up front anyway.
        let _ = url.set_username("");
        let _ = url.set_password(None);
        Outgoing {
            method: "OPTIONS".to_string(),
            url,
            headers: self
                .request
                .preflight_request()
                .into_iter()
                .map(|(n, v)| (n.to_string(), v.into_bytes()))
                .collect(),
            credentials: false,
        }
    }

    fn request_outgoing(&self) -> Outgoing {
        Outgoing {
            method: self.request.method().to_string(),
            url: self.request.url().clone(),
            headers: self.request.request_headers(),
            credentials: self.request.includes_credentials(),
        }
    }

    fn verdict(&self, result: Result<Exposed, FetchError>) -> Verdict {
        Verdict {
            result,
            preflights: self.preflights,
            preflight: self.preflight.clone(),
            origin: self.request.origin().clone(),
            initial_url: self.request.initial_url().clone(),
            url: self
                .refused_location
                .clone()
                .unwrap_or_else(|| self.request.url().clone()),
            trace: self.trace.clone(),
            engine: self.request.profile().engine(),
        }
    }
}

/// Runs a fetch of `request` against canned responses, with an empty cache: `preflight` answers
/// the preflight if one is sent, `response` answers the request. A redirect needs more responses
/// than this; drive an [`Exchange`] (or use [`Exchange::run`]) for those.
///
/// ```
/// use corsica::Origin;
/// use corsica::browser::{BrowserRequest, CorsErrorKind, ResponseHead, simulate};
///
/// let request = BrowserRequest::builder(
///     Origin::parse("https://app.example").unwrap(),
///     "https://api.example/data".parse().unwrap(),
/// )
/// .build()
/// .unwrap();
/// let verdict = simulate(request, None, ResponseHead::new(200));
/// assert!(!verdict.preflight_sent());
/// assert_eq!(verdict.cors_error().unwrap().kind, CorsErrorKind::MissingAllowOriginHeader);
/// assert_eq!(
///     verdict.console_message().unwrap(),
///     "Access to fetch at 'https://api.example/data' from origin 'https://app.example' has been blocked by \
///      CORS policy: No 'Access-Control-Allow-Origin' header is present on the requested resource."
/// );
/// ```
pub fn simulate(
    request: BrowserRequest,
    preflight: Option<ResponseHead>,
    response: ResponseHead,
) -> Verdict {
    let (mut preflight, mut response) = (preflight, Some(response));
    let mut cache = PreflightCache::new();
    let mut exchange = Exchange::new(request);
    loop {
        let answer = match exchange.next(&mut cache, Duration::ZERO) {
            Step::Preflight(_) => preflight.take(),
            Step::Request(_) => response.take(),
            Step::Done(verdict) => return verdict,
        };
        match answer {
            Some(answer) => {
                // A response is awaited after `Preflight` or `Request`, so this cannot fail.
                let _ = exchange.receive(answer, &mut cache, Duration::ZERO);
            }
            None => exchange.fail_network(&mut cache),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::browser::CredentialsMode;

    fn origin() -> Origin {
        Origin::parse("https://app.example").unwrap()
    }

    #[test]
    fn a_preflight_missing_from_a_recording_is_assumed_passed() {
        let r = BrowserRequest::builder(origin(), "https://api.example/x".parse().unwrap())
            .method("PUT")
            .build()
            .unwrap();
        let mut cache = PreflightCache::new();
        let mut exchange = Exchange::new(r);
        assert_eq!(
            exchange.assume_preflight_passed(),
            Err(UnexpectedResponse),
            "nothing asked yet"
        );
        assert!(matches!(
            exchange.next(&mut cache, Duration::ZERO),
            Step::Preflight(_)
        ));
        exchange.assume_preflight_passed().unwrap();
        assert!(matches!(
            exchange.next(&mut cache, Duration::ZERO),
            Step::Request(out) if out.method == "PUT"
        ));
        assert_eq!(exchange.assume_preflight_passed(), Err(UnexpectedResponse));
        exchange
            .receive(ResponseHead::new(200), &mut cache, Duration::ZERO)
            .unwrap();
        let Step::Done(v) = exchange.next(&mut cache, Duration::ZERO) else {
            panic!("done")
        };
        assert_eq!(
            v.cors_error().unwrap().kind,
            CorsErrorKind::MissingAllowOriginHeader
        );
        assert!(!v.preflight_sent());
        assert!(v.trace.stages[0].notes.contains(&Note::PreflightAssumed));
        assert!(cache.is_empty());
    }

    #[test]
    fn same_origin_is_basic() {
        let r = BrowserRequest::builder(origin(), "https://app.example/x".parse().unwrap())
            .method("PUT")
            .header("X-Anything", "1")
            .build()
            .unwrap();
        let v = simulate(
            r,
            None,
            ResponseHead::new(200)
                .header("X-Anything", "1")
                .header("Set-Cookie", "a"),
        );
        assert!(!v.preflight_sent());
        let exposed = v.result.unwrap();
        assert_eq!(exposed.tainting, ResponseTainting::Basic);
        assert_eq!(exposed.headers, ["x-anything"]);
    }

    #[test]
    fn modes_and_schemes() {
        let r = BrowserRequest::builder(origin(), "https://api.example/".parse().unwrap())
            .mode(RequestMode::SameOrigin)
            .build()
            .unwrap();
        assert_eq!(
            simulate(r, None, ResponseHead::new(200))
                .cors_error()
                .unwrap()
                .kind,
            CorsErrorKind::DisallowedByMode
        );
        let r = BrowserRequest::builder(origin(), "ftp://api.example/".parse().unwrap())
            .build()
            .unwrap();
        let v = simulate(r, None, ResponseHead::new(200));
        assert_eq!(
            v.cors_error().unwrap().kind,
            CorsErrorKind::CorsDisabledScheme
        );
        assert_eq!(
            v.console_message().unwrap(),
            "Fetch API cannot load ftp://api.example/. URL scheme \"ftp\" is not supported."
        );
    }

    #[test]
    fn missing_responses_are_network_errors() {
        let r = BrowserRequest::builder(origin(), "https://api.example/".parse().unwrap())
            .method("PUT")
            .build()
            .unwrap();
        let mut cache = PreflightCache::new();
        let v = Exchange::new(r).run(&mut cache, Duration::ZERO, |_| None);
        assert_eq!(v.result, Err(FetchError::Network(NetworkError::Failed)));
        assert_eq!(v.console_message(), None);
    }

    #[test]
    fn receive_out_of_turn() {
        let r = BrowserRequest::builder(origin(), "https://api.example/".parse().unwrap())
            .build()
            .unwrap();
        let mut cache = PreflightCache::new();
        let mut e = Exchange::new(r);
        assert_eq!(
            e.receive(ResponseHead::new(200), &mut cache, Duration::ZERO),
            Err(UnexpectedResponse)
        );
        assert!(matches!(
            e.next(&mut cache, Duration::ZERO),
            Step::Request(_)
        ));
        assert!(
            e.receive(ResponseHead::new(200), &mut cache, Duration::ZERO)
                .is_ok()
        );
        assert!(matches!(e.next(&mut cache, Duration::ZERO), Step::Done(_)));
        assert_eq!(
            e.receive(ResponseHead::new(200), &mut cache, Duration::ZERO),
            Err(UnexpectedResponse)
        );
    }

    #[test]
    fn failure_clears_the_cache() {
        let r = BrowserRequest::builder(origin(), "https://api.example/".parse().unwrap())
            .method("PUT")
            .credentials(CredentialsMode::Omit)
            .build()
            .unwrap();
        let mut cache = PreflightCache::new();
        let pre = ResponseHead::new(204)
            .header("access-control-allow-origin", "*")
            .header("access-control-allow-methods", "PUT")
            .header("access-control-max-age", "600");
        let mut responses = vec![ResponseHead::new(200), pre];
        let v = Exchange::new(r).run(&mut cache, Duration::ZERO, |_| responses.pop());
        assert_eq!(
            v.cors_error().unwrap().kind,
            CorsErrorKind::MissingAllowOriginHeader
        );
        assert!(cache.is_empty());
    }
}
