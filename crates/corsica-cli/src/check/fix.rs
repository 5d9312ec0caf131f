//! The server change that fixes a blocked request: one text per error kind, filled in with the
//! values that failed (the origin to echo, the method or header to list, the status seen).

use corsica::browser::{
    BrowserRequest, CorsError, CorsErrorKind, CredentialsMode, FetchError, NetworkError, Note,
    PreflightResult, ResponseHead, StageKind, Star,
};

use super::live::{Diagnosis, Part, Report};

/// What the fix is about: the request as it stood and the response that failed it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct FixContext<'a> {
    /// The request when it failed (after redirects: its current URL and origin serialization).
    pub(crate) request: &'a BrowserRequest,
    /// The response that failed it, if one did.
    pub(crate) response: Option<&'a ResponseHead>,
    /// Whether that response answered a preflight.
    pub(crate) preflight: bool,
}

/// The fix for a report's verdict; empty when the request is allowed.
pub(crate) fn for_report(report: &Report) -> String {
    let Err(error) = &report.verdict.result else {
        return authorization_under_wildcard(report).unwrap_or_default();
    };
    if let Some(text) = super::error_status::fix(report) {
        return text;
    }
    let step = report.failed_step().map(|i| &report.steps[i]);
    if let Some(text) = report
        .diagnosis
        .as_ref()
        .and_then(|d| diagnosed(d, &report.request, step.map_or(0, |s| s.received.status)))
    {
        return text;
    }
    let context = FixContext {
        request: step.map_or(&report.request, |s| &s.request),
        response: step.map(|s| &s.head),
        preflight: step.is_some_and(|s| s.preflight),
    };
    fix(error, &context)
}

/// The fix for `error` in `context`.
pub(crate) fn fix(error: &FetchError, context: &FixContext<'_>) -> String {
    match error {
        FetchError::Cors(e) => cors_fix(e, context),
        FetchError::Network(e) => network_fix(*e, context),
    }
}

/// `header` of the response, isomorphic-decoded; `None` when absent.
fn value(context: &FixContext<'_>, header: &str) -> Option<String> {
    let v = context.response?.get(header)?;
    Some(v.iter().map(|&b| char::from(b)).collect())
}

/// Which response the fix is about, for the text.
fn place(context: &FixContext<'_>) -> String {
    if context.preflight {
        return "the preflight (OPTIONS) response".to_string();
    }
    match context.response {
        Some(r) if r.is_redirect() => {
            format!("the {} redirect response", r.status)
        }
        _ => "the response".to_string(),
    }
}

/// For an allowed request: the server change the Fetch Standard asks for when only Chromium's
/// leniency let `Authorization` through a preflight answered `Access-Control-Allow-Headers: *`.
fn authorization_under_wildcard(report: &Report) -> Option<String> {
    let covered = report.verdict.trace.stages.iter().any(|stage| {
        stage.kind == StageKind::Preflight
            && stage
                .notes
                .iter()
                .any(|n| matches!(n, Note::WildcardCoveredAuthorization))
    });
    covered.then(|| {
        "allowed by Chromium, Firefox and WebKit today, but the Fetch Standard says \
         \"Access-Control-Allow-Headers: *\" never covers Authorization and browsers plan to \
         enforce it: list it, e.g. \"Access-Control-Allow-Headers: *, authorization\""
            .to_owned()
    })
}

/// The fix that `--diagnose`'s follow-ups point to, when they found the refused part.
fn diagnosed(diagnosis: &Diagnosis, request: &BrowserRequest, status: u16) -> Option<String> {
    let refused = diagnosis.refused();
    let origin = request.serialized_origin();
    if refused.contains(&&Part::Origin) {
        return Some(format!(
            "the server refuses the origin {origin} itself, or answers no preflight at all: even a \
             preflight for GET with no headers got no CORS headers (--diagnose); allow the origin \
             {origin}, and let OPTIONS through before authentication and routing"
        ));
    }
    let mut methods = Vec::new();
    let mut headers = Vec::new();
    for part in &refused {
        match part {
            Part::Method(m) => methods.push(m.clone()),
            Part::Header(h) => headers.push(h.clone()),
            Part::Origin | Part::AnyOrigin => {}
        }
    }
    if methods.is_empty() && headers.is_empty() {
        let tested = diagnosis
            .probes
            .iter()
            .any(|p| matches!(p.part, Part::Method(_) | Part::Header(_)) && p.step.is_some());
        return tested.then(|| {
            format!(
                "every part passes on its own (the origin, the method, each header: --diagnose) \
                 but the whole preflight got {status} without CORS headers: look for a rule about \
                 the combination, such as a limit on the number of headers"
            )
        });
    }
    let mut named = Vec::new();
    let mut change = Vec::new();
    if !methods.is_empty() {
        named.push(format!("the method {}", methods.join(", ")));
        change.push(format!(
            "add {} to the allowed methods (\"Access-Control-Allow-Methods\")",
            methods.join(", ")
        ));
    }
    if !headers.is_empty() {
        let word = if headers.len() == 1 {
            "header"
        } else {
            "headers"
        };
        named.push(format!("the {word} {}", headers.join(", ")));
        change.push(format!(
            "add {} to the allowed headers (\"Access-Control-Allow-Headers\")",
            headers.join(", ")
        ));
    }
    Some(format!(
        "the server refuses {} (--diagnose sent a preflight for each part alone: the origin \
         passes, this does not): {}",
        named.join(" and "),
        change.join(", and ")
    ))
}

/// The fix when the request's origin is serialized as `null`: never "allow null", which lets
/// every sandboxed iframe and `file:` page in (`policy lint` refuses it).
fn null_origin_fix(context: &FixContext<'_>) -> String {
    let request = context.request;
    if request.is_tainted() {
        format!(
            "the request was redirected through another origin, so the browser sends \"Origin: \
             null\" to {}; do not allow \"null\" (every sandboxed iframe and file: page sends it, \
             and policy lint refuses it): point the page at the final URL directly, or keep the \
             redirects on the first URL's origin",
            request.url()
        )
    } else {
        "the page's origin is opaque (a sandboxed iframe, a file: or data: page), so it sends \
         \"Origin: null\"; do not allow \"null\" (every such page on any site sends it, and \
         policy lint refuses it): serve the page from a real origin and allow that, or answer \
         \"Access-Control-Allow-Origin: *\" without credentials for public data"
            .to_string()
    }
}

/// For a plain-http page sending credentials: allowing it is what `policy lint` refuses
/// (anyone on the network can tamper with such a page), so say to move the page to https.
fn insecure_page_note(context: &FixContext<'_>) -> &'static str {
    let request = context.request;
    let origin = request.origin();
    if request.credentials() == CredentialsMode::Include
        && !request.is_tainted()
        && !origin.is_opaque()
        && !origin.is_potentially_trustworthy()
    {
        "; but a plain-http page sending credentials can be altered by anyone on its network \
         (policy lint refuses such origins with credentials): serve the page over https and \
         allow its https origin"
    } else {
        ""
    }
}

fn cors_fix(e: &CorsError, context: &FixContext<'_>) -> String {
    let text = cors_fix_origin(e, context);
    match e.kind.to_preflight() {
        CorsErrorKind::PreflightWildcardOriginNotAllowed
        | CorsErrorKind::PreflightMissingAllowOriginHeader
        | CorsErrorKind::PreflightAllowOriginMismatch
        | CorsErrorKind::PreflightInvalidAllowCredentials => {
            format!("{text}{}", insecure_page_note(context))
        }
        _ => text,
    }
}

fn cors_fix_origin(e: &CorsError, context: &FixContext<'_>) -> String {
    use CorsErrorKind::*;
    if context.request.serialized_origin() == "null"
        && matches!(
            e.kind.to_preflight(),
            PreflightMissingAllowOriginHeader
                | PreflightWildcardOriginNotAllowed
                | PreflightMultipleAllowOriginValues
                | PreflightInvalidAllowOriginValue
                | PreflightAllowOriginMismatch
        )
    {
        return null_origin_fix(context);
    }
    let text = cors_fix_base(e, context);
    // Chromium checks the preflight's CORS headers before its status, so a preflight that
    // fails both is reported for the headers: name the status too.
    let status = context.response.map_or(0, |r| r.status);
    if !context.preflight || context.response.is_some_and(ResponseHead::has_ok_status) {
        return text;
    }
    match e.kind {
        PreflightMissingAllowOriginHeader => format!(
            "make the preflight (OPTIONS) answer 2xx with \"Access-Control-Allow-Origin: {}\" \
             (it answered {status} without it){}",
            context.request.serialized_origin(),
            status_cause(status, context)
        ),
        PreflightWildcardOriginNotAllowed
        | PreflightMultipleAllowOriginValues
        | PreflightInvalidAllowOriginValue
        | PreflightAllowOriginMismatch
        | PreflightInvalidAllowCredentials => format!(
            "{text}; and make it answer 2xx (it answered {status}){}",
            status_cause(status, context)
        ),
        _ => text,
    }
}

fn cors_fix_base(e: &CorsError, context: &FixContext<'_>) -> String {
    use CorsErrorKind::*;
    let request = context.request;
    let origin = request.serialized_origin();
    let include = request.credentials() == CredentialsMode::Include;
    let place = place(context);
    let got = &e.failed_parameter;
    let tainted = if request.is_tainted() {
        " (after a redirect through another origin, the browser sends \"Origin: null\")"
    } else {
        ""
    };
    match e.kind {
        WildcardOriginNotAllowed | PreflightWildcardOriginNotAllowed => format!(
            "the server answers \"*\" but the request sends credentials: send the page's origin \
             (\"{origin}\") in \"Access-Control-Allow-Origin\" in {place} when it is on a list of \
             allowed origins (never echo any Origin back: every site could then read the user's \
             data), and add \"Access-Control-Allow-Credentials: true\" and \"Vary: Origin\""
        ),
        MissingAllowOriginHeader | PreflightMissingAllowOriginHeader => {
            let credentials = if include {
                " and \"Access-Control-Allow-Credentials: true\""
            } else {
                ""
            };
            format!(
                "add \"Access-Control-Allow-Origin: {origin}\"{credentials} to {place}{tainted}"
            )
        }
        MultipleAllowOriginValues | PreflightMultipleAllowOriginValues => format!(
            "send exactly one \"Access-Control-Allow-Origin: {origin}\" in {place}: it has \"{got}\", \
             and a space or a comma makes it several values (two layers, such as the application \
             and a proxy, may each add the header; or a list was sent where only one origin may \
             be)"
        ),
        InvalidAllowOriginValue | PreflightInvalidAllowOriginValue => format!(
            "make \"Access-Control-Allow-Origin\" exactly \"{origin}\" in {place}: \"{got}\" is not \
             an origin{tainted}"
        ),
        AllowOriginMismatch | PreflightAllowOriginMismatch => {
            let hint = if got.strip_suffix('/') == Some(origin)
                || got.starts_with(&format!("{origin}/"))
            {
                " (an origin has no path, not even a trailing slash)"
            } else if got.eq_ignore_ascii_case(origin) {
                " (origins are compared byte for byte: write it in lower case, as browsers send it)"
            } else if got == "null" {
                " (\"null\" matches only pages whose origin is opaque)"
            } else {
                tainted
            };
            let or_star = if origin == "null" && !include {
                " (or \"*\")"
            } else {
                ""
            };
            format!(
                "make \"Access-Control-Allow-Origin\" in {place} exactly \"{origin}\"{or_star}: it \
                 is \"{got}\"{hint}"
            )
        }
        InvalidAllowCredentials | PreflightInvalidAllowCredentials => {
            match value(context, "access-control-allow-credentials") {
                None => format!(
                    "add \"Access-Control-Allow-Credentials: true\" to {place}: requests with \
                     credentials need it"
                ),
                Some(v) => format!(
                    "send \"Access-Control-Allow-Credentials: true\" in {place}: \"{v}\" is not \
                     \"true\" (one value, lower case)"
                ),
            }
        }
        CorsDisabledScheme => "use an http or https URL: browsers make CORS requests to no other \
                               scheme"
            .to_string(),
        DisallowedByMode => "make the request with mode \"cors\": mode \"same-origin\" never \
                             reaches another origin"
            .to_string(),
        InvalidResponse => "answer with a valid HTTP response".to_string(),
        PreflightInvalidStatus => preflight_status_fix(context),
        PreflightDisallowedRedirect => {
            let location = value(context, "location").unwrap_or_default();
            format!(
                "answer the preflight at {} itself with a 2xx status: it redirects to \"{location}\", \
                 and browsers never follow a redirected preflight (or point the page at the final \
                 URL)",
                request.url()
            )
        }
        InvalidAllowMethodsPreflightResponse => {
            let v = value(context, "access-control-allow-methods").unwrap_or_default();
            format!(
                "fix \"Access-Control-Allow-Methods\" in the preflight response: it must be a \
                 comma-separated list of method names, such as \"{}\" (it is \"{v}\")",
                example_methods(request)
            )
        }
        InvalidAllowHeadersPreflightResponse => {
            let v = value(context, "access-control-allow-headers").unwrap_or_default();
            let names = request.cors_unsafe_header_names();
            let example = if names.is_empty() {
                "content-type, x-api-key".to_string()
            } else {
                names.join(", ")
            };
            format!(
                "fix \"Access-Control-Allow-Headers\" in the preflight response: it must be a \
                 comma-separated list of header names, such as \"{example}\" (it is \"{v}\")"
            )
        }
        MethodDisallowedByPreflightResponse => method_fix(got, context),
        HeaderDisallowedByPreflightResponse => header_fix(got, context),
        RedirectContainsCredentials => {
            let location = value(context, "location").unwrap_or_default();
            format!(
                "remove the username and password from the redirect's Location (\"{location}\"): \
                 browsers refuse to follow it for a cross-origin request"
            )
        }
        PreflightMissingAllowPrivateNetwork => {
            "add \"Access-Control-Allow-Private-Network: true\" \
                                                to the preflight response, for the pages that may \
                                                reach this private-network server"
                .to_string()
        }
        PreflightInvalidAllowPrivateNetwork => format!(
            "send \"Access-Control-Allow-Private-Network: true\" in the preflight response: \"{got}\" \
             is not \"true\""
        ),
        InsecurePrivateNetwork => "serve the page from a secure context (https, or localhost): \
                                   Private Network Access refuses requests from insecure pages"
            .to_string(),
        InsecureLocalNetwork => {
            "serve the page from a secure context (https, or localhost): Local \
                                 Network Access refuses requests from insecure pages"
                .to_string()
        }
        InvalidPrivateNetworkAccess => "the request named a target address space the server is \
                                        not in: correct the targetAddressSpace the page passes \
                                        to fetch() (Private Network Access)"
            .to_string(),
        InvalidLocalNetworkAccess => "the request named a target address space the server is not \
                                      in: correct the targetAddressSpace the page passes to \
                                      fetch() (Local Network Access)"
            .to_string(),
        UnexpectedPrivateNetworkAccess => "the server turned out to be on a private network: \
                                           make the page declare it (targetAddressSpace), or \
                                           serve it from a public address"
            .to_string(),
        PreflightMissingPrivateNetworkAccessId => {
            "add \"Private-Network-Access-Id\" (the device's \
                                                   id) to the preflight response"
                .to_string()
        }
        PreflightMissingPrivateNetworkAccessName => "add \"Private-Network-Access-Name\" (the \
                                                     device's name) to the preflight response"
            .to_string(),
        PrivateNetworkAccessPermissionUnavailable => "the browser could not ask the user for \
                                                      permission to reach the private network: \
                                                      make the request from a top-level page"
            .to_string(),
        PrivateNetworkAccessPermissionDenied => "the user denied the permission to reach the \
                                                 private network: nothing on the server fixes \
                                                 this; ask the user to allow it"
            .to_string(),
        LocalNetworkAccessPermissionDenied => "the user denied the permission to reach the local \
                                               network: nothing on the server fixes this; ask the \
                                               user to allow it in the site settings"
            .to_string(),
        other => format!("see Chromium's {other} in the message above"),
    }
}

/// `GET, POST, PUT` with the request's method in it.
fn example_methods(request: &BrowserRequest) -> String {
    if request.has_cors_safelisted_method() {
        "GET, POST".to_string()
    } else {
        format!("GET, POST, {}", request.method())
    }
}

/// Why a preflight gets a non-2xx status, as far as the status tells.
fn status_cause(status: u16, context: &FixContext<'_>) -> String {
    let cause = match status {
        404 | 405 | 501 => {
            ": the OPTIONS route is probably missing (let the CORS layer answer preflights \
             before routing)"
        }
        403 => {
            let request = context.request;
            let mut asked = format!("method {}", request.method());
            let headers = request.cors_unsafe_header_names();
            if !headers.is_empty() {
                asked.push_str(&format!(" and headers {}", headers.join(", ")));
            }
            return format!(
                ": either a CORS policy refuses this preflight (corsica and other strict CORS \
                 layers answer 403 without CORS headers; allow the origin {}, the {asked} it asks \
                 for, and set debug = true to see which part fails), or OPTIONS is behind \
                 authentication, which preflights never pass (they carry no cookies or \
                 Authorization); run again with --diagnose to find which part is refused",
                request.serialized_origin()
            );
        }
        401 | 407 => {
            ": OPTIONS is probably behind authentication, but preflights never carry cookies \
             or Authorization; let them through unauthenticated"
        }
        500..=599 => {
            ": the server failed on OPTIONS; answer preflights before the application code"
        }
        300..=399 => ": a preflight cannot be redirected or cached; answer it directly",
        _ => "",
    };
    cause.to_owned()
}

fn preflight_status_fix(context: &FixContext<'_>) -> String {
    let status = context.response.map_or(0, |r| r.status);
    format!(
        "make the preflight answer 2xx (it answered {status}){}",
        status_cause(status, context)
    )
}

/// What the preflight response in `context` allows, as the engine reads it.
fn allowed(context: &FixContext<'_>) -> Option<PreflightResult> {
    PreflightResult::parse(context.response?, context.request.credentials()).ok()
}

fn method_fix(method: &str, context: &FixContext<'_>) -> String {
    let Some(listed) = value(context, "access-control-allow-methods") else {
        return format!("add \"Access-Control-Allow-Methods: {method}\" to the preflight response");
    };
    let mut text = format!(
        "add \"{method}\" to \"Access-Control-Allow-Methods\" in the preflight response (it is \
         \"{listed}\")"
    );
    let allowed = allowed(context);
    if let Some(other) = allowed
        .as_ref()
        .and_then(|a| a.method_in_other_case(method))
    {
        text.push_str(&format!(
            "; methods are case-sensitive: the page sends \"{method}\" and the server allows \
             \"{other}\" (browsers upper-case only DELETE, GET, HEAD, OPTIONS, POST and PUT)"
        ));
    } else if allowed.is_some_and(|a| a.methods_star() == Star::Name) {
        text.push_str("; \"*\" is not a wildcard for requests with credentials");
    }
    text
}

fn header_fix(name: &str, context: &FixContext<'_>) -> String {
    let request = context.request;
    let Some(listed) = value(context, "access-control-allow-headers") else {
        let names = request.cors_unsafe_header_names();
        let names = if names.is_empty() {
            name.to_string()
        } else {
            names.join(", ")
        };
        return format!("add \"Access-Control-Allow-Headers: {names}\" to the preflight response");
    };
    let allowed = allowed(context);
    let star = allowed
        .as_ref()
        .map_or(Star::Absent, PreflightResult::headers_star);
    if star == Star::Wildcard && corsica::header::is_cors_non_wildcard_request_header_name(name) {
        return format!(
            "add \"authorization\" to \"Access-Control-Allow-Headers\" in the preflight response \
             (it is \"{listed}\"): \"*\" never covers Authorization, which must be listed by name"
        );
    }
    let mut missing = allowed.map_or_else(
        || request.cors_unsafe_header_names(),
        |a| a.refused_headers(request),
    );
    if missing.is_empty() {
        missing.push(name.to_string());
    }
    let mut text = format!(
        "add \"{}\" to \"Access-Control-Allow-Headers\" in the preflight response (it is \
         \"{listed}\")",
        missing.join(", ")
    );
    if star == Star::Name {
        text.push_str("; \"*\" is not a wildcard for requests with credentials");
    }
    text
}

fn network_fix(e: NetworkError, context: &FixContext<'_>) -> String {
    let location = value(context, "location").unwrap_or_default();
    match e {
        NetworkError::TooManyRedirects => format!(
            "stop the redirects: browsers give up after 20 (the last one goes to \"{location}\")"
        ),
        NetworkError::UnsafeRedirect => {
            format!("redirect only to http or https URLs (the Location is \"{location}\")")
        }
        NetworkError::InvalidRedirect => {
            format!("send a valid URL in Location (it is \"{location}\")")
        }
        NetworkError::MultipleLocations => {
            "send one Location header: the redirect has several different ones".to_string()
        }
        NetworkError::Failed => "make the server reachable from the page".to_string(),
        _ => format!("see {e} in the message above"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use corsica::Origin;
    use std::collections::HashSet;

    fn request(
        method: &str,
        headers: &[(&str, &str)],
        credentials: CredentialsMode,
    ) -> BrowserRequest {
        let mut b = BrowserRequest::builder(
            Origin::parse("https://app.example").unwrap(),
            "https://api.example/data".parse().unwrap(),
        )
        .method(method)
        .credentials(credentials);
        for (n, v) in headers {
            b = b.header(*n, v);
        }
        b.build().unwrap()
    }

    fn fix_of(
        kind: CorsErrorKind,
        parameter: &str,
        request: &BrowserRequest,
        response: &ResponseHead,
        preflight: bool,
    ) -> String {
        let context = FixContext {
            request,
            response: Some(response),
            preflight,
        };
        fix(&CorsError::new(kind, parameter).into(), &context)
    }

    #[test]
    fn every_kind_has_its_own_fix() {
        let r = request("PUT", &[("X-Api-Key", "1")], CredentialsMode::Include);
        let response = ResponseHead::new(404);
        let mut seen = HashSet::new();
        for &kind in CorsErrorKind::ALL {
            let preflight = kind.is_preflight()
                || matches!(
                    kind,
                    CorsErrorKind::MethodDisallowedByPreflightResponse
                        | CorsErrorKind::HeaderDisallowedByPreflightResponse
                        | CorsErrorKind::InvalidAllowMethodsPreflightResponse
                        | CorsErrorKind::InvalidAllowHeadersPreflightResponse
                );
            let text = fix_of(kind, "x", &r, &response, preflight);
            assert!(!text.is_empty(), "{kind}");
            assert!(
                !text.starts_with("see "),
                "{kind} has no fix of its own: {text}"
            );
            assert!(
                seen.insert(text.clone()),
                "{kind} repeats another kind's fix: {text}"
            );
        }
        for e in [
            NetworkError::TooManyRedirects,
            NetworkError::UnsafeRedirect,
            NetworkError::InvalidRedirect,
            NetworkError::MultipleLocations,
            NetworkError::Failed,
        ] {
            let context = FixContext {
                request: &r,
                response: Some(&response),
                preflight: false,
            };
            let text = fix(&e.into(), &context);
            assert!(seen.insert(text.clone()), "{e} repeats another fix: {text}");
        }
    }

    #[test]
    fn the_typical_fixes_name_the_server_change() {
        let get = request("GET", &[], CredentialsMode::Omit);
        assert_eq!(
            fix_of(
                CorsErrorKind::MissingAllowOriginHeader,
                "",
                &get,
                &ResponseHead::new(200),
                false
            ),
            "add \"Access-Control-Allow-Origin: https://app.example\" to the response"
        );
        let include = request("GET", &[], CredentialsMode::Include);
        let star = ResponseHead::new(200).header("Access-Control-Allow-Origin", "*");
        assert!(
            fix_of(CorsErrorKind::WildcardOriginNotAllowed, "", &include, &star, false).starts_with(
                "the server answers \"*\" but the request sends credentials: send the page's origin \
                 (\"https://app.example\") in \"Access-Control-Allow-Origin\""
            )
        );
        let put = request(
            "PUT",
            &[("X-Api-Key", "k"), ("Content-Type", "application/json")],
            CredentialsMode::Omit,
        );
        let pre = ResponseHead::new(204)
            .header("Access-Control-Allow-Origin", "https://app.example")
            .header("Access-Control-Allow-Methods", "GET, POST");
        assert_eq!(
            fix_of(
                CorsErrorKind::MethodDisallowedByPreflightResponse,
                "PUT",
                &put,
                &pre,
                true
            ),
            "add \"PUT\" to \"Access-Control-Allow-Methods\" in the preflight response (it is \"GET, POST\")"
        );
        let pre = ResponseHead::new(204).header("Access-Control-Allow-Origin", "*");
        assert_eq!(
            fix_of(
                CorsErrorKind::HeaderDisallowedByPreflightResponse,
                "x-api-key",
                &put,
                &pre,
                true
            ),
            "add \"Access-Control-Allow-Headers: content-type, x-api-key\" to the preflight response"
        );
        let pre = pre.header("Access-Control-Allow-Headers", "Content-Type");
        assert_eq!(
            fix_of(
                CorsErrorKind::HeaderDisallowedByPreflightResponse,
                "x-api-key",
                &put,
                &pre,
                true
            ),
            "add \"x-api-key\" to \"Access-Control-Allow-Headers\" in the preflight response (it is \"Content-Type\")"
        );
        assert_eq!(
            fix_of(
                CorsErrorKind::PreflightInvalidStatus,
                "",
                &put,
                &ResponseHead::new(404),
                true
            ),
            "make the preflight answer 2xx (it answered 404): the OPTIONS route is probably missing \
             (let the CORS layer answer preflights before routing)"
        );
    }

    #[test]
    fn a_failed_preflight_with_a_bad_status_names_both() {
        let put = request("PUT", &[], CredentialsMode::Omit);
        let text = fix_of(
            CorsErrorKind::PreflightMissingAllowOriginHeader,
            "",
            &put,
            &ResponseHead::new(404),
            true,
        );
        assert_eq!(
            text,
            "make the preflight (OPTIONS) answer 2xx with \"Access-Control-Allow-Origin: \
             https://app.example\" (it answered 404 without it): the OPTIONS route is probably \
             missing (let the CORS layer answer preflights before routing)"
        );
        let text = fix_of(
            CorsErrorKind::PreflightAllowOriginMismatch,
            "https://other.example",
            &put,
            &ResponseHead::new(401),
            true,
        );
        assert!(
            text.ends_with(
                "; and make it answer 2xx (it answered 401): OPTIONS is probably behind \
                 authentication, but preflights never carry cookies or Authorization; let them \
                 through unauthenticated"
            ),
            "{text}"
        );
        let ok = ResponseHead::new(204);
        let text = fix_of(
            CorsErrorKind::PreflightMissingAllowOriginHeader,
            "",
            &put,
            &ok,
            true,
        );
        assert_eq!(
            text,
            "add \"Access-Control-Allow-Origin: https://app.example\" to the preflight (OPTIONS) response"
        );
    }

    #[test]
    fn hints_for_near_misses() {
        let get = request("GET", &[], CredentialsMode::Omit);
        let r = ResponseHead::new(200);
        let slash = fix_of(
            CorsErrorKind::AllowOriginMismatch,
            "https://app.example/",
            &get,
            &r,
            false,
        );
        assert!(slash.contains("trailing slash"), "{slash}");
        let upper = fix_of(
            CorsErrorKind::AllowOriginMismatch,
            "https://APP.example",
            &get,
            &r,
            false,
        );
        assert!(upper.contains("lower case"), "{upper}");
        let patch = request("patch", &[], CredentialsMode::Omit);
        let pre = ResponseHead::new(204).header("Access-Control-Allow-Methods", "GET, PATCH");
        let text = fix_of(
            CorsErrorKind::MethodDisallowedByPreflightResponse,
            "patch",
            &patch,
            &pre,
            true,
        );
        assert!(text.contains("case-sensitive"), "{text}");
        let auth = request(
            "GET",
            &[("Authorization", "Bearer x")],
            CredentialsMode::Omit,
        );
        let pre = ResponseHead::new(204).header("Access-Control-Allow-Headers", "*");
        let text = fix_of(
            CorsErrorKind::HeaderDisallowedByPreflightResponse,
            "authorization",
            &auth,
            &pre,
            true,
        );
        assert!(text.contains("never covers Authorization"), "{text}");
        let acac = ResponseHead::new(200).header("Access-Control-Allow-Credentials", "True");
        let include = request("GET", &[], CredentialsMode::Include);
        let text = fix_of(
            CorsErrorKind::InvalidAllowCredentials,
            "True",
            &include,
            &acac,
            false,
        );
        assert!(text.contains("\"True\" is not \"true\""), "{text}");
    }
}
