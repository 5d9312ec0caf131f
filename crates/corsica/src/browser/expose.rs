//! Which response headers a script can read (Fetch "main fetch", the
//! `Access-Control-Expose-Headers` step; "CORS-safelisted response-header name"; "CORS
//! filtered response"), parsing `Access-Control-Expose-Headers` as Blink does.

use super::mime::isomorphic_decode;
use super::request::{BrowserRequest, CredentialsMode, ResponseTainting};
use super::response::ResponseHead;
use crate::header::{
    ACCESS_CONTROL_EXPOSE_HEADERS, is_cors_safelisted_response_header_name,
    is_forbidden_response_header_name,
};
use crate::list;

/// The names `Access-Control-Expose-Headers` lists, lower-cased, in order.
///
/// All lines are read as one list (Fetch "get"); elements are split on `,`, spaces and tabs
/// around them are ignored, empty elements are skipped. If any element is not a token, the
/// whole header counts as absent and the list is empty, as in Blink and in Fetch ("extract
/// header list values" fails).
pub(crate) fn parse_expose_headers(response: &ResponseHead) -> Vec<String> {
    let Some(value) = response.get(ACCESS_CONTROL_EXPOSE_HEADERS) else {
        return Vec::new();
    };
    let mut names = Vec::new();
    for element in list::elements(&value) {
        match element {
            Ok(name) => names.push(isomorphic_decode(&name.to_ascii_lowercase())),
            Err(_) => return Vec::new(),
        }
    }
    names
}

/// The names of `response`'s headers that a script can read, lower-cased, sorted and
/// de-duplicated; `Set-Cookie` and `Set-Cookie2` never are.
///
/// For a CORS response (see [`BrowserRequest::response_tainting`]) that is the seven
/// CORS-safelisted response-header names (`Cache-Control`, `Content-Language`,
/// `Content-Length`, `Content-Type`, `Expires`, `Last-Modified`, `Pragma`) plus those listed in
/// `Access-Control-Expose-Headers`, where `*` stands for every name unless the request's
/// credentials mode is `include` (then it only names a header called `*`). For a same-origin
/// (`basic`) response, it is every header.
///
/// ```
/// use corsica::Origin;
/// use corsica::browser::{BrowserRequest, ResponseHead, exposed_headers};
///
/// let request = BrowserRequest::builder(
///     Origin::parse("https://app.example").unwrap(),
///     "https://api.example/data".parse().unwrap(),
/// )
/// .build()
/// .unwrap();
/// let response = ResponseHead::new(200)
///     .header("Access-Control-Allow-Origin", "*")
///     .header("Access-Control-Expose-Headers", "X-Request-Id, Set-Cookie")
///     .header("Content-Type", "text/plain")
///     .header("X-Request-Id", "42")
///     .header("Set-Cookie", "a=b")
///     .header("Server", "x");
/// assert_eq!(exposed_headers(&request, &response), ["content-type", "x-request-id"]);
/// ```
pub fn exposed_headers(request: &BrowserRequest, response: &ResponseHead) -> Vec<String> {
    let basic = request.response_tainting() == ResponseTainting::Basic;
    let listed = if basic {
        Vec::new()
    } else {
        parse_expose_headers(response)
    };
    let all = basic
        || (request.credentials() != CredentialsMode::Include && listed.iter().any(|n| n == "*"));
    response
        .names()
        .into_iter()
        .filter(|name| {
            !is_forbidden_response_header_name(name)
                && (all || is_cors_safelisted_response_header_name(name) || listed.contains(name))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Origin;

    fn bb8(lines: &[&[u8]]) -> bool {
        let mut response = ResponseHead::new(221)
            .header("Access-Control-Allow-Origin", "*")
            .header("BB-8", "hey")
            .header("Content-Language", "mkay");
        for line in lines {
            response = response.header("Access-Control-Expose-Headers", *line);
        }
        let request = BrowserRequest::builder(
            Origin::parse("http://web-platform.test:8000").unwrap(),
            "http://www1.web-platform.test:8000/".parse().unwrap(),
        )
        .build()
        .unwrap();
        let exposed = exposed_headers(&request, &response);
        assert!(exposed.contains(&"content-language".to_string()));
        exposed.contains(&"bb-8".to_string())
    }

    /// WPT `cors/access-control-expose-headers-parsing.window.js`.
    #[test]
    fn expose_headers_parsing() {
        assert!(bb8(&[b"BB-8"]));
        assert!(!bb8(&[b"bb-8,,@#$#%%&^&^*()()11!"]));
        assert!(!bb8(&[b"bb-8, no no"]));
        assert!(!bb8(&[b"@#$#%%&^&^*()()11!,bb-8"]));
        assert!(bb8(&[b"bb-8", b"no"]));
        assert!(!bb8(&[b"bb-8", b"no no"]));
        assert!(bb8(&[b"no", b"bb-8"]));
        assert!(bb8(&[b"", b"bb-8"]));
        assert!(bb8(&[b",bb-8"]));
        assert!(!bb8(&[b"bb-8\x0c"]));
        assert!(!bb8(&[b"bb-8\x0b"]));
        assert!(!bb8(&[b"bb-8\x0b,bb-8"]));
        assert!(!bb8(&[b"'bb-8'"]));
        assert!(bb8(&[b"'bb-8',bb-8"]));
        assert!(!bb8(&[b"\"bb-8\",bb-8"]));
    }

    #[test]
    fn star() {
        let response = ResponseHead::new(200)
            .header("Access-Control-Expose-Headers", "*")
            .header("Test", "X")
            .header("Set-Cookie", "X")
            .header("*", "whoa")
            .header("Content-Type", "text/plain");
        let request = |credentials| {
            BrowserRequest::builder(
                Origin::parse("https://a.example").unwrap(),
                "https://b.example/".parse().unwrap(),
            )
            .credentials(credentials)
            .build()
            .unwrap()
        };
        assert_eq!(
            exposed_headers(&request(CredentialsMode::Omit), &response),
            ["*", "access-control-expose-headers", "content-type", "test"]
        );
        assert_eq!(
            exposed_headers(&request(CredentialsMode::Include), &response),
            ["*", "content-type"]
        );
    }

    #[test]
    fn expose_headers_lists_tokens_or_nothing() {
        let r = ResponseHead::new(200)
            .header("Access-Control-Expose-Headers", "")
            .header("Access-Control-Expose-Headers", ",BB-8, x-id");
        assert_eq!(parse_expose_headers(&r), ["bb-8", "x-id"]);

        let bad = ResponseHead::new(200).header("Access-Control-Expose-Headers", "bb-8, no no");
        assert!(parse_expose_headers(&bad).is_empty());
    }
}
