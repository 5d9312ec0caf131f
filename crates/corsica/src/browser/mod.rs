//! The browser's side of CORS: what Chromium does with a `fetch()` to another origin, sans I/O.
//!
//! The pieces follow the Fetch Standard's algorithms, and Chromium wherever Chromium is more
//! specific (error classification, check order, console text, cache limits):
//!
//! - [`BrowserRequest`]: the request as `fetch()` builds it; whether it
//!   [needs a preflight](BrowserRequest::needs_preflight) and
//!   [what the preflight carries](BrowserRequest::preflight_request) (Fetch "main fetch", "CORS-preflight fetch").
//! - [`is_cors_safelisted_request_header`], [`BrowserRequest::cors_unsafe_header_names`]: the
//!   request-header rules (Fetch "CORS-safelisted request-header"), with a real MIME type parser.
//! - [`preflight_check`] → [`PreflightResult`]: the CORS-preflight check (Fetch "CORS-preflight fetch").
//! - [`cors_check`]: the CORS check (Fetch "CORS check"), failures classified as Chromium's
//!   [`CorsErrorKind`]s.
//! - [`exposed_headers`]: what a script can read (Fetch "main fetch", "CORS filtered response").
//! - [`PreflightCache`]: the preflight cache; every method takes the time.
//! - [`follow_redirect`]: redirects as `fetch()` follows them (Fetch "HTTP-redirect fetch").
//! - [`Exchange`]: all of it in order, driven step by step by a caller that does the network
//!   part; [`simulate`] for canned responses. Each [`Verdict`] carries a [`Trace`]: every check
//!   the browser ran, in order, with what it looked at.
//! - [`CorsError::console_message`]: the exact line Chromium's console prints.
//!
//! ```
//! use corsica::Origin;
//! use corsica::browser::{BrowserRequest, CredentialsMode, ResponseHead, simulate};
//!
//! let request = BrowserRequest::builder(
//!     Origin::parse("https://app.example").unwrap(),
//!     "https://api.example/me".parse().unwrap(),
//! )
//! .method("PUT")
//! .header("Content-Type", "application/json")
//! .credentials(CredentialsMode::Include)
//! .build()
//! .unwrap();
//!
//! let preflight = ResponseHead::new(204)
//!     .header("Access-Control-Allow-Origin", "https://app.example")
//!     .header("Access-Control-Allow-Credentials", "true")
//!     .header("Access-Control-Allow-Methods", "PUT")
//!     .header("Access-Control-Allow-Headers", "*");
//! let response = ResponseHead::new(200)
//!     .header("Access-Control-Allow-Origin", "https://app.example")
//!     .header("Access-Control-Allow-Credentials", "true");
//!
//! let verdict = simulate(request, Some(preflight), response);
//! assert!(verdict.preflight_sent());
//! // With credentials, `*` is not a wildcard: content-type had to be listed.
//! assert_eq!(
//!     verdict.console_message().unwrap(),
//!     "Access to fetch at 'https://api.example/me' from origin 'https://app.example' has been blocked \
//!      by CORS policy: Request header field content-type is not allowed by \
//!      Access-Control-Allow-Headers in preflight response."
//! );
//! ```

mod address_space;
mod cache;
mod console;
mod cors_check;
mod error;
mod exchange;
mod expose;
mod metadata;
mod mime;
mod preflight;
mod profile;
mod range;
mod recognize;
mod redirect;
mod request;
mod response;
mod safelist;
mod templates;
mod trace;

pub use address_space::AddressSpace;
pub use cache::PreflightCache;
pub use console::Initiator;
pub use cors_check::cors_check;
pub use error::{CorsError, CorsErrorKind, FetchError, NetworkError, UnknownName};
pub use exchange::{Exchange, Exposed, Outgoing, Step, UnexpectedResponse, Verdict, simulate};
pub use expose::exposed_headers;
pub use preflight::{CHROMIUM_MAX_AGE_CAP, PreflightResult, Star, preflight_check};
pub use profile::{BrowserProfile, Engine};
pub use recognize::{ConsoleLine, recognize};
pub use redirect::{MAX_REDIRECTS, follow_redirect};
pub use request::{
    BrowserRequest, BrowserRequestBuilder, CredentialsMode, RequestError, RequestMode,
    ResponseTainting,
};
pub use response::ResponseHead;
pub use safelist::{is_cors_safelisted_request_header, is_forbidden_request_header};
pub use trace::{Check, Note, PreflightReason, Rule, Stage, StageKind, Trace};

#[cfg(test)]
mod no_panic {
    //! Arbitrary bytes in every header the browser side reads: no panic, and the verdict is
    //! consistent.

    use proptest::prelude::*;

    use super::cors_check::check_access;
    use super::expose::parse_expose_headers;
    use super::mime::MimeType;
    use super::preflight::parse_max_age;
    use super::*;
    use crate::Origin;

    fn header_value() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..40),
            "[ -~]{0,40}".prop_map(String::into_bytes),
            proptest::sample::select(vec![
                "*",
                "true",
                "null",
                "https://app.example",
                "GET, PUT",
                "x-a,,x-b",
                "-1",
                "600",
                "/next",
                "https://u:p@api.example/",
                "data:,x",
                "bytes=0-",
                "text/plain;x=\"",
            ])
            .prop_map(|s| s.as_bytes().to_vec()),
        ]
    }

    fn response() -> impl Strategy<Value = ResponseHead> {
        let names = proptest::sample::select(vec![
            "access-control-allow-origin",
            "access-control-allow-credentials",
            "access-control-allow-methods",
            "access-control-allow-headers",
            "access-control-max-age",
            "access-control-expose-headers",
            "access-control-allow-private-network",
            "location",
            "set-cookie",
            "x-other",
        ]);
        (
            proptest::sample::select(vec![
                200u16, 204, 206, 299, 301, 302, 303, 307, 308, 400, 500, 0, 999,
            ]),
            proptest::collection::vec((names, header_value()), 0..8),
        )
            .prop_map(|(status, headers)| {
                headers
                    .into_iter()
                    .fold(ResponseHead::new(status), |r, (n, v)| r.header(n, v))
            })
    }

    fn request() -> impl Strategy<Value = Option<BrowserRequest>> {
        (
            proptest::sample::select(vec![
                "GET",
                "put",
                "PATCH",
                "OPTIONS",
                "*",
                "bad method",
                "TRACE",
            ]),
            proptest::collection::vec(
                (
                    proptest::sample::select(vec![
                        "Content-Type",
                        "Range",
                        "Accept",
                        "Accept-Language",
                        "Authorization",
                        "X-A",
                        "Cookie",
                        "bad name",
                    ]),
                    header_value(),
                ),
                0..5,
            ),
            proptest::sample::select(vec![
                CredentialsMode::Omit,
                CredentialsMode::SameOrigin,
                CredentialsMode::Include,
            ]),
            any::<bool>(),
            any::<bool>(),
        )
            .prop_map(|(method, headers, credentials, private_network, opaque)| {
                let origin = if opaque {
                    Origin::opaque()
                } else {
                    Origin::parse("https://app.example").unwrap()
                };
                let mut b =
                    BrowserRequest::builder(origin, "https://api.example/a?b#c".parse().unwrap())
                        .method(method)
                        .credentials(credentials);
                for (n, v) in headers {
                    b = b.header(n, v);
                }
                if private_network {
                    b = b.private_network(AddressSpace::Private);
                }
                b.build().ok()
            })
    }

    proptest! {
        #[test]
        fn whole_exchanges_never_panic(
            request in request(),
            responses in proptest::collection::vec(response(), 1..6),
            cap in 0u64..10_000,
        ) {
            let Some(request) = request else { return Ok(()) };
            let _ = request.preflight_request();
            let _ = request.cors_unsafe_header_names();
            for r in &responses {
                let _ = preflight_check(&request, r);
                let _ = cors_check(&request, r);
                let _ = exposed_headers(&request, r);
                let _ = follow_redirect(&request, r);
                let _ = parse_expose_headers(r);
            }
            let mut cache = PreflightCache::with_max_age_cap(cap);
            let mut responses = responses.into_iter();
            let verdict = Exchange::new(request).run(&mut cache, std::time::Duration::from_secs(5), |_| responses.next());
            if let Err(FetchError::Cors(e)) = &verdict.result {
                let message = verdict.console_message().unwrap();
                prop_assert!(message.is_ascii());
                prop_assert!(message.contains(&e.reason()) || message.starts_with("Fetch API cannot load"));
            }
            if let Ok(exposed) = &verdict.result {
                prop_assert!(!exposed.headers.iter().any(|h| h == "set-cookie"));
            }
        }

        #[test]
        fn parsers_never_panic(value in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = MimeType::parse(&value);
            let _ = is_cors_safelisted_request_header("content-type", &value);
            let _ = is_cors_safelisted_request_header("range", &value);
            let _ = is_forbidden_request_header("x-http-method-override", &value);
            let _ = parse_max_age(Some(&value));
            let _ = check_access(Some(&value), Some(&value), CredentialsMode::Include, "https://app.example");
        }
    }
}
