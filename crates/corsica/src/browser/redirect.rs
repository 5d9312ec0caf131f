//! Following redirects as `fetch()` does (Fetch "HTTP-redirect fetch"), in Chromium's order
//! (`CorsURLLoader::OnReceiveRedirect`).

use url::Url;

use super::console::is_cors_enabled_scheme;
use super::cors_check::cors_check_traced;
use super::error::{CorsError, CorsErrorKind, FetchError, NetworkError};
use super::mime::isomorphic_decode;
use super::request::{BrowserRequest, RequestMode, ResponseTainting};
use super::response::{LOCATION, ResponseHead};
use super::trace::{Note, Rule, Stage};
use crate::Origin;
use crate::header::is_cors_non_wildcard_request_header_name;

/// How many redirects a fetch follows; the next one is a network error (Fetch "HTTP-redirect fetch").
pub const MAX_REDIRECTS: usize = 20;

/// Request-body-header names (Fetch "request-body-header name"), dropped when a redirect turns the request into a
/// `GET`.
const REQUEST_BODY_HEADER_NAMES: [&str; 4] = [
    "content-encoding",
    "content-language",
    "content-location",
    "content-type",
];

/// Whether `status` is a redirect status: 301, 302, 303, 307 or 308 (Fetch "redirect status").
pub(crate) fn is_redirect_status(status: u16) -> bool {
    matches!(status, 301 | 302 | 303 | 307 | 308)
}

/// Handles `response` to `request` as a redirect, if it is one.
///
/// Returns `Ok(None)` when it is not (a status other than 301, 302, 303, 307, 308, or no
/// `Location`): the response is the final one. Otherwise returns the request to make next, or
/// why the fetch stops here. In Chromium's order (checked against Chrome 148), which reports
/// some failures differently from the spec's order, never with a different verdict:
///
/// 1. the location must parse ([`NetworkError::InvalidRedirect`], or
///    [`NetworkError::MultipleLocations`] for several different `Location` lines): Chromium's
///    network stack checks this while reading the response;
/// 2. when the CORS protocol applies, the redirect response itself must pass the CORS check;
/// 3. at most [`MAX_REDIRECTS`] redirects ([`NetworkError::TooManyRedirects`]);
/// 4. a location with a username or password fails with
///    [`RedirectContainsCredentials`](CorsErrorKind::RedirectContainsCredentials) when the request
///    uses CORS, or when its mode is `cors` and its origin is tainted or not the location's;
/// 5. the location must be `http(s)` ([`NetworkError::UnsafeRedirect`]): Chromium checks this
///    only when it follows the redirect, after the CORS checks;
/// 6. the origin becomes tainted (`Origin: null` from then on) when the location is cross-origin
///    to the current URL and the current URL is cross-origin to the page (Chromium
///    `CheckTainted`);
/// 7. 301/302 with `POST`, and 303 with anything but `GET`/`HEAD`, become `GET` without the
///    request-body headers (`Content-Type`, …);
/// 8. `Authorization` is dropped when the location's origin differs from the current URL's.
///
/// The new request is classified again: it may need a preflight of its own.
///
/// ```
/// use corsica::Origin;
/// use corsica::browser::{BrowserRequest, ResponseHead, follow_redirect};
///
/// let request = BrowserRequest::builder(
///     Origin::parse("https://app.example").unwrap(),
///     "https://api.example/old".parse().unwrap(),
/// )
/// .build()
/// .unwrap();
/// let redirect = ResponseHead::new(302)
///     .header("Location", "https://cdn.example/new")
///     .header("Access-Control-Allow-Origin", "*");
/// let next = follow_redirect(&request, &redirect).unwrap().unwrap();
/// assert_eq!(next.url().as_str(), "https://cdn.example/new");
/// // api.example sent us to a third origin: the origin is tainted.
/// assert_eq!(next.serialized_origin(), "null");
/// ```
///
/// # Errors
///
/// A [`FetchError`] as above.
pub fn follow_redirect(
    request: &BrowserRequest,
    response: &ResponseHead,
) -> Result<Option<BrowserRequest>, FetchError> {
    follow_redirect_traced(&mut Stage::detached(), request, response)
}

/// [`follow_redirect`], recording each check in `stage`, and the redirect taken.
pub(crate) fn follow_redirect_traced(
    stage: &mut Stage,
    request: &BrowserRequest,
    response: &ResponseHead,
) -> Result<Option<BrowserRequest>, FetchError> {
    let location = location_url(request, response);
    if !matches!(location, Ok(None)) {
        stage.check(
            Rule::LocationUrl,
            Some(LOCATION),
            response.get(LOCATION).as_deref(),
            "one URL",
            location.as_ref().map(|_| ()).map_err(|e| *e),
        );
    }
    let Some(location) = location? else {
        return Ok(None);
    };
    let cors = request.response_tainting() == ResponseTainting::Cors;
    if request.profile().refuses_ftp_first() && location.scheme() == "ftp" {
        // WebKit does not load FTP at all, and says so before any CORS check.
        let refused: Result<(), FetchError> =
            Err(CorsError::new(CorsErrorKind::CorsDisabledScheme, "ftp").into());
        stage.check(
            Rule::LocationScheme,
            Some(LOCATION),
            response.get(LOCATION).as_deref(),
            "http or https",
            refused.clone(),
        );
        refused?;
    }
    if cors {
        cors_check_traced(stage, request, response, false)?;
    }
    let limit = if request.redirect_count() >= MAX_REDIRECTS {
        Err(NetworkError::TooManyRedirects)
    } else {
        Ok(())
    };
    stage.check(
        Rule::RedirectLimit,
        None,
        None,
        format!("at most {MAX_REDIRECTS} redirects"),
        limit,
    );
    limit?;
    let location_origin = Origin::from_url(&location);
    let current_origin = Origin::from_url(request.url());
    let has_credentials = !location.username().is_empty() || location.password().is_some();
    let userinfo = if has_credentials
        && (cors
            || (request.mode() == RequestMode::Cors
                && (request.is_tainted() || !request.origin().is_same_origin(&location_origin))))
    {
        // Chromium reports this kind without a failed parameter.
        Err(CorsError::new(
            CorsErrorKind::RedirectContainsCredentials,
            "",
        ))
    } else {
        Ok(())
    };
    stage.check(
        Rule::LocationCredentials,
        Some(LOCATION),
        response.get(LOCATION).as_deref(),
        "no username or password",
        userinfo.clone(),
    );
    userinfo?;
    let scheme: Result<(), FetchError> = if matches!(location.scheme(), "http" | "https") {
        Ok(())
    } else if matches!(location.scheme(), "data" | "file")
        || is_cors_enabled_scheme(location.scheme())
    {
        // Fetch: a network error. Chromium 148: `net::ERR_UNSAFE_REDIRECT` for `data:` and
        // `file:`, but the CORS error `CorsDisabledScheme` for a scheme it no longer loads
        // (`ftp:`), whose console line names the CORS-enabled schemes.
        Err(NetworkError::UnsafeRedirect.into())
    } else {
        Err(CorsError::new(CorsErrorKind::CorsDisabledScheme, "").into())
    };
    stage.check(
        Rule::LocationScheme,
        Some(LOCATION),
        response.get(LOCATION).as_deref(),
        "http or https",
        scheme.clone(),
    );
    scheme?;
    let tainted = request.is_tainted()
        || (!location_origin.is_same_origin(&current_origin)
            && !request.origin().is_same_origin(&current_origin));
    let mut method = request.method().to_string();
    let mut headers = request.headers().to_vec();
    if (matches!(response.status, 301 | 302) && method == "POST")
        || (response.status == 303 && !matches!(method.as_str(), "GET" | "HEAD"))
    {
        method = "GET".to_string();
        headers.retain(|(name, _)| {
            !REQUEST_BODY_HEADER_NAMES
                .iter()
                .any(|b| b.eq_ignore_ascii_case(name))
        });
    }
    if !location_origin.is_same_origin(&current_origin) {
        headers.retain(|(name, _)| !is_cors_non_wildcard_request_header_name(name));
    }
    stage.notes.push(Note::Redirected {
        to: location.clone(),
        taints_origin: tainted && !request.is_tainted(),
    });
    Ok(Some(request.redirected(location, method, headers, tainted)))
}

/// The response's location URL (Fetch "location URL"), if it is a redirect; parsed against
/// the current URL, keeping the current URL's fragment when the location has none.
pub(crate) fn location_url(
    request: &BrowserRequest,
    response: &ResponseHead,
) -> Result<Option<Url>, NetworkError> {
    if !is_redirect_status(response.status) {
        return Ok(None);
    }
    let mut lines = response.lines(LOCATION);
    let Some(value) = lines.next() else {
        return Ok(None);
    };
    if lines.any(|other| other != value) {
        return Err(NetworkError::MultipleLocations);
    }
    let mut location = request
        .url()
        .join(&isomorphic_decode(value))
        .map_err(|_| NetworkError::InvalidRedirect)?;
    if location.fragment().is_none() {
        location.set_fragment(request.url().fragment());
    }
    Ok(Some(location))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::browser::CredentialsMode;

    const O: &str = "http://web-platform.test:8000";
    const T: &str = "http://www1.web-platform.test:8000";
    const T2: &str = "http://www2.web-platform.test:8000";

    fn request(url: &str, method: &str, headers: &[(&str, &str)]) -> BrowserRequest {
        let mut b = BrowserRequest::builder(Origin::parse(O).unwrap(), url.parse().unwrap())
            .method(method)
            .credentials(CredentialsMode::Include);
        for (n, v) in headers {
            b = b.header(*n, v);
        }
        b.build().unwrap()
    }

    fn redirect(status: u16, location: &str) -> ResponseHead {
        ResponseHead::new(status)
            .header("Location", location)
            .header("Access-Control-Allow-Origin", O)
            .header("Access-Control-Allow-Credentials", "true")
    }

    fn follow(
        r: &BrowserRequest,
        status: u16,
        location: &str,
    ) -> Result<Option<BrowserRequest>, FetchError> {
        follow_redirect(r, &redirect(status, location))
    }

    #[test]
    fn not_redirects() {
        let r = request(&format!("{T}/a"), "GET", &[]);
        assert_eq!(follow(&r, 200, "/x"), Ok(None));
        assert_eq!(follow(&r, 300, "/x"), Ok(None));
        assert_eq!(follow(&r, 304, "/x"), Ok(None));
        assert_eq!(follow_redirect(&r, &ResponseHead::new(302)), Ok(None));
    }

    #[test]
    fn taint() {
        // local → remote: not tainted.
        let local = request(&format!("{O}/a"), "GET", &[]);
        let next = follow(&local, 302, &format!("{T}/b")).unwrap().unwrap();
        assert!(!next.is_tainted());
        // remote → local: tainted.
        let remote = request(&format!("{T}/a"), "GET", &[]);
        let next = follow(&remote, 302, &format!("{O}/b")).unwrap().unwrap();
        assert!(next.is_tainted());
        assert_eq!(next.serialized_origin(), "null");
        // remote → same remote: not tainted; remote → remote2: tainted.
        assert!(!follow(&remote, 302, "/c").unwrap().unwrap().is_tainted());
        assert!(
            follow(&remote, 302, &format!("{T2}/c"))
                .unwrap()
                .unwrap()
                .is_tainted()
        );
    }

    #[test]
    fn methods_and_headers() {
        let post = request(
            &format!("{O}/a"),
            "POST",
            &[
                ("Content-Type", "application/json"),
                ("Authorization", "x"),
                ("X-A", "1"),
            ],
        );
        let names = |r: &BrowserRequest| {
            r.headers()
                .iter()
                .map(|(n, _)| n.clone())
                .collect::<Vec<_>>()
        };
        for status in [301, 302, 303] {
            let next = follow(&post, status, "/b").unwrap().unwrap();
            assert_eq!(next.method(), "GET");
            assert_eq!(names(&next), ["Authorization", "X-A"]);
        }
        for status in [307, 308] {
            let next = follow(&post, status, "/b").unwrap().unwrap();
            assert_eq!(next.method(), "POST");
        }
        let next = follow(&post, 307, &format!("{T}/b")).unwrap().unwrap();
        assert_eq!(names(&next), ["Content-Type", "X-A"]);
        let put = request(&format!("{O}/a"), "PUT", &[]);
        assert_eq!(follow(&put, 302, "/b").unwrap().unwrap().method(), "PUT");
        assert_eq!(follow(&put, 303, "/b").unwrap().unwrap().method(), "GET");
        let head = request(&format!("{O}/a"), "HEAD", &[]);
        assert_eq!(follow(&head, 303, "/b").unwrap().unwrap().method(), "HEAD");
    }

    #[test]
    fn userinfo() {
        let kind = |r: Result<Option<BrowserRequest>, FetchError>| r.err().map(|e| e.kind_str());
        let local = request(&format!("{O}/a"), "GET", &[]);
        let remote = request(&format!("{T}/a"), "GET", &[]);
        for userinfo in ["user:pass@", "user:@", ":pass@"] {
            let to = |origin: &str| origin.replacen("://", &format!("://{userinfo}"), 1) + "/b";
            assert_eq!(
                kind(follow(&local, 302, &to(T))),
                Some("RedirectContainsCredentials")
            );
            assert_eq!(
                kind(follow(&remote, 302, &to(O))),
                Some("RedirectContainsCredentials")
            );
            assert_eq!(
                kind(follow(&remote, 302, &to(T))),
                Some("RedirectContainsCredentials")
            );
            // Same-origin, untainted, no CORS yet: allowed.
            assert!(follow(&local, 302, &to(O)).is_ok());
        }
        for userinfo in [":@", "@"] {
            let to = T.replacen("://", &format!("://{userinfo}"), 1) + "/b";
            assert!(follow(&local, 302, &to).is_ok(), "{to}");
        }
    }

    #[test]
    fn network_errors() {
        let r = request(&format!("{T}/a"), "GET", &[]);
        assert_eq!(
            follow(&r, 302, "data:,x"),
            Err(FetchError::Network(NetworkError::UnsafeRedirect))
        );
        assert_eq!(
            follow(&r, 302, "ftp://x/"),
            Err(FetchError::Cors(CorsError::new(
                CorsErrorKind::CorsDisabledScheme,
                ""
            )))
        );
        assert_eq!(
            follow(&r, 302, "http://[::1"),
            Err(FetchError::Network(NetworkError::InvalidRedirect))
        );
        let two = redirect(302, "/x").header("location", "/y");
        assert_eq!(
            follow_redirect(&r, &two),
            Err(FetchError::Network(NetworkError::MultipleLocations))
        );
        let same_twice = redirect(302, "/x").header("location", "/x");
        assert!(follow_redirect(&r, &same_twice).is_ok());
        // Chrome 148: an unparsable location fails before the CORS check, an unsafe scheme after.
        let no_acao = ResponseHead::new(302).header("Location", "http://[::1");
        assert_eq!(
            follow_redirect(&r, &no_acao),
            Err(FetchError::Network(NetworkError::InvalidRedirect))
        );
        let no_acao = ResponseHead::new(302).header("Location", "data:,x");
        assert_eq!(
            follow_redirect(&r, &no_acao).unwrap_err().kind_str(),
            "MissingAllowOriginHeader"
        );
        let userinfo = redirect(302, "ftp://u:p@x/");
        assert_eq!(
            follow_redirect(&r, &userinfo).unwrap_err().kind_str(),
            "RedirectContainsCredentials"
        );
    }

    #[test]
    fn redirect_limit() {
        let mut r = request(&format!("{O}/0"), "GET", &[]);
        for i in 1..=MAX_REDIRECTS {
            r = follow(&r, 302, &format!("/{i}")).unwrap().unwrap();
        }
        assert_eq!(r.redirect_count(), 20);
        assert_eq!(
            follow(&r, 302, "/21"),
            Err(FetchError::Network(NetworkError::TooManyRedirects))
        );
    }

    #[test]
    fn fragments_are_kept() {
        let r = request(&format!("{O}/a#frag"), "GET", &[]);
        assert_eq!(
            follow(&r, 302, "/b").unwrap().unwrap().url().as_str(),
            format!("{O}/b#frag")
        );
        assert_eq!(
            follow(&r, 302, "/b#new").unwrap().unwrap().url().as_str(),
            format!("{O}/b#new")
        );
    }
}
