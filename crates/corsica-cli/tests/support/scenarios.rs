//! The scenarios the differential suites share (`chromium_check.rs`, `firefox_check.rs`,
//! `webkit_check.rs`): a seeded generator of `fetch()` calls and the canned responses the stub
//! servers give them, so that every engine is proved on the same requests.

// Each suite uses a different part of this module.
#![allow(dead_code)]

use std::fmt::Write as _;

use std::sync::{Arc, Mutex, OnceLock};

use corsica_harness::{StubRequest, StubResponse};
use serde_json::{Value, json};

/// The page every suite loads.
pub(crate) const HTML: &str = "<!doctype html><title>corsica check vs a browser</title><p>page";

/// Which stub server a stop is served by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Srv {
    /// The page's own origin.
    Page,
    /// The API, cross-origin.
    Api,
    /// A third origin (`localhost` instead of `127.0.0.1`).
    Third,
}

/// A canned response.
#[derive(Clone, Debug, Default)]
pub(crate) struct Canned {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, Vec<u8>)>,
}

impl Canned {
    pub(crate) fn new(status: u16) -> Self {
        Canned {
            status,
            headers: Vec::new(),
        }
    }

    pub(crate) fn h(mut self, name: &str, value: impl Into<Vec<u8>>) -> Self {
        self.headers.push((name.to_string(), value.into()));
        self
    }

    pub(crate) fn describe(&self) -> String {
        let mut s = self.status.to_string();
        for (n, v) in &self.headers {
            let _ = write!(s, " | {n}: {}", escape(v));
        }
        s
    }
}

/// One URL of a scenario: what its server answers to a preflight and to the request.
#[derive(Clone, Debug)]
pub(crate) struct Stop {
    pub(crate) server: Srv,
    pub(crate) preflight: Canned,
    pub(crate) actual: Canned,
}

#[derive(Clone, Debug)]
pub(crate) struct Scenario {
    pub(crate) id: usize,
    pub(crate) title: String,
    pub(crate) method: String,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) credentials: Option<&'static str>,
    pub(crate) body: Option<String>,
    /// The request goes to `stops[0]`; redirects in it point at later stops.
    pub(crate) stops: Vec<Stop>,
}

impl Scenario {
    pub(crate) fn path(&self, stop: usize) -> String {
        format!("/s/{}/{stop}", self.id)
    }

    pub(crate) fn describe(&self, urls: &Urls) -> String {
        let mut s = format!(
            "scenario {} ({}): fetch({:?}, {{method: {:?}",
            self.id,
            self.title,
            urls.url(self.stops[0].server, &self.path(0)),
            self.method
        );
        if !self.headers.is_empty() {
            let _ = write!(s, ", headers: {:?}", self.headers);
        }
        if let Some(c) = self.credentials {
            let _ = write!(s, ", credentials: {c:?}");
        }
        if let Some(b) = &self.body {
            let _ = write!(s, ", body: {b:?}");
        }
        s.push_str("})");
        for (i, stop) in self.stops.iter().enumerate() {
            let _ = write!(
                s,
                "\n  stop {i} on {:?}:\n    preflight → {}\n    actual    → {}",
                stop.server,
                stop.preflight.describe(),
                stop.actual.describe()
            );
        }
        s
    }
}

pub(crate) fn escape(bytes: &[u8]) -> String {
    let mut s = String::new();
    for &b in bytes {
        if (0x20..0x7f).contains(&b) {
            s.push(char::from(b));
        } else {
            let _ = write!(s, "\\x{b:02x}");
        }
    }
    s
}

/// The three servers' origins.
#[derive(Clone, Debug)]
pub(crate) struct Urls {
    pub(crate) page: String,
    pub(crate) api: String,
    pub(crate) third: String,
}

impl Urls {
    pub(crate) fn origin(&self, srv: Srv) -> &str {
        match srv {
            Srv::Page => &self.page,
            Srv::Api => &self.api,
            Srv::Third => &self.third,
        }
    }

    pub(crate) fn url(&self, srv: Srv, path: &str) -> String {
        format!("{}{path}", self.origin(srv))
    }
}

/// SplitMix64: small, seedable, good enough to spread choices.
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    pub(crate) fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    /// Picks from `(weight, value)` pairs.
    pub(crate) fn weighted<T: Clone>(&mut self, items: &[(u32, T)]) -> T {
        let total: u32 = items.iter().map(|(w, _)| w).sum();
        let mut n = (self.next() % u64::from(total)) as u32;
        for (w, v) in items {
            if n < *w {
                return v.clone();
            }
            n -= w;
        }
        items[items.len() - 1].1.clone()
    }

    pub(crate) fn pick<T: Clone>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())].clone()
    }
}

/// `Access-Control-Allow-Origin` lines for `origin` (the page's, as it must be echoed).
pub(crate) fn acao_lines(rng: &mut Rng, origin: &str, good_bias: u32) -> Vec<Vec<u8>> {
    let upper = origin.replacen("http://", "HTTP://", 1);
    let choice = rng.weighted(&[
        (good_bias, 0),
        (good_bias / 2 + 1, 1),
        (1, 2),
        (1, 3),
        (1, 4),
        (1, 5),
        (1, 6),
        (1, 7),
        (1, 8),
        (1, 9),
        (1, 10),
        (2, 11),
        (1, 12),
        (1, 13),
        (1, 14),
        (1, 15),
        (1, 16),
    ]);
    let o = origin.as_bytes().to_vec();
    match choice {
        0 => vec![o],
        1 => vec![b"*".to_vec()],
        2 => vec![b"http://127.0.0.1:1".to_vec()],
        3 => vec![o.clone(), o],
        4 => vec![b"*".to_vec(), o],
        5 => vec![format!("   {origin}  ").into_bytes()],
        6 => vec![format!("\t{origin}\t").into_bytes()],
        7 => vec![b"null".to_vec()],
        8 => vec![format!("{origin}/").into_bytes()],
        9 => vec![upper.into_bytes()],
        10 => vec![Vec::new()],
        11 => Vec::new(),
        12 => vec![format!("{origin}, http://other.example").into_bytes()],
        13 => vec![format!("\x0b{origin}").into_bytes()],
        14 => vec![format!("{origin}\x0c").into_bytes()],
        15 => vec![b"* ".to_vec()],
        _ => vec![format!("{origin} *").into_bytes()],
    }
}

pub(crate) fn acac_lines(rng: &mut Rng, include: bool) -> Vec<Vec<u8>> {
    let good = if include { 6 } else { 2 };
    rng.weighted(&[
        (4, Vec::new()),
        (good, vec![b"true".to_vec()]),
        (1, vec![b"True".to_vec()]),
        (1, vec![b"true, true".to_vec()]),
        (1, vec![b"true".to_vec(), b"true".to_vec()]),
        (1, vec![b"  true ".to_vec()]),
        (1, vec![b"false".to_vec()]),
        (1, vec![Vec::new()]),
    ])
}

pub(crate) fn unsafe_names(headers: &[(String, String)]) -> Vec<String> {
    // Only for making plausible allow lists; the verdict is never computed here.
    let mut names: Vec<String> = headers
        .iter()
        .map(|(n, _)| n.to_ascii_lowercase())
        .filter(|n| n != "cookie")
        .collect();
    names.sort();
    names.dedup();
    names
}

pub(crate) fn acam_lines(rng: &mut Rng, method: &str) -> Vec<Vec<u8>> {
    let m = method.to_string();
    let lines: Vec<String> = rng.weighted(&[
        (3, Vec::new()),
        (6, vec![m.clone()]),
        (3, vec!["*".to_string()]),
        (2, vec!["GET, POST".to_string()]),
        (2, vec![m.to_ascii_uppercase()]),
        (1, vec![m.to_ascii_lowercase()]),
        (1, vec![format!(",, {m},")]),
        (1, vec![format!("{m} PUT")]),
        (1, vec![format!("GET, {m}"), "DELETE".to_string()]),
        (1, vec!["\"PUT\"".to_string()]),
        (1, vec![format!("GET,{m},@")]),
        (1, vec![format!("*, {m}")]),
    ]);
    lines.into_iter().map(String::into_bytes).collect()
}

pub(crate) fn acah_lines(rng: &mut Rng, headers: &[(String, String)]) -> Vec<Vec<u8>> {
    let names = unsafe_names(headers);
    let all = names.join(", ");
    let first = names.first().cloned().unwrap_or_default();
    let lines: Vec<String> = rng.weighted(&[
        (3, Vec::new()),
        (6, vec![all.clone()]),
        (3, vec!["*".to_string()]),
        (1, vec![first]),
        (1, vec![all.to_ascii_uppercase()]),
        (1, vec![format!(",{all},")]),
        (1, vec!["x y".to_string()]),
        (1, vec!["*, authorization".to_string()]),
        (1, vec!["authorization".to_string(), all.clone()]),
        (1, vec![format!("{all}, x-\u{e9}")]),
    ]);
    lines.into_iter().map(String::into_bytes).collect()
}

pub(crate) const LONG: &str = "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz0123";

pub(crate) fn request_header(rng: &mut Rng) -> (String, String) {
    let (name, values): (&str, Vec<String>) = rng.weighted(&[
        (
            5,
            (
                "Content-Type",
                vec![
                    "text/plain".into(),
                    "application/x-www-form-urlencoded".into(),
                    "multipart/form-data; boundary=x".into(),
                    "text/plain;charset=UTF-8".into(),
                    "application/json".into(),
                    "text/html".into(),
                    "TEXT/PLAIN".into(),
                    "text/plain; charset=\"utf-8\"".into(),
                    "text/plain, application/json".into(),
                    "text/plain;".into(),
                ],
            ),
        ),
        (
            3,
            (
                "Accept",
                vec![
                    "*/*".into(),
                    "application/json".into(),
                    format!("text/{LONG}"),
                    "a\"b".into(),
                    "text/html, application/xhtml+xml".into(),
                ],
            ),
        ),
        (
            2,
            (
                "Accept-Language",
                vec![
                    "en-US".into(),
                    "de-DE,de;q=0.9".into(),
                    "en@US".into(),
                    "fr*".into(),
                ],
            ),
        ),
        (
            1,
            (
                "Content-Language",
                vec!["en".into(), "en-US, de".into(), "en_US".into()],
            ),
        ),
        (
            2,
            (
                "Range",
                vec![
                    "bytes=0-".into(),
                    "bytes=0-99".into(),
                    "bytes=5-1".into(),
                    "bytes=0-1,2-3".into(),
                    "items=0-9".into(),
                    "bytes=-5".into(),
                ],
            ),
        ),
        (3, ("X-Api-Key", vec!["k1".into(), String::new()])),
        (1, ("X-Requested-With", vec!["XMLHttpRequest".into()])),
        (1, ("x-Custom-Header", vec!["v".into()])),
        (2, ("Authorization", vec!["Bearer t".into()])),
        (1, ("X-Long", vec![LONG.repeat(2)])),
        (1, ("Cookie", vec!["a=b".into()])),
    ]);
    (name.to_string(), rng.pick(&values))
}

pub(crate) fn generate(rng: &mut Rng, id: usize, urls: &Urls) -> Scenario {
    let method = rng.weighted(&[
        (5, "GET"),
        (1, "HEAD"),
        (4, "POST"),
        (1, "get"),
        (1, "post"),
        (3, "PUT"),
        (2, "DELETE"),
        (2, "PATCH"),
        (1, "patch"),
        (1, "CHICKEN"),
        (1, "options"),
    ]);
    let count = rng.weighted(&[(5, 0usize), (5, 1), (3, 2), (1, 3)]);
    let mut headers: Vec<(String, String)> = Vec::new();
    for _ in 0..count {
        let (n, v) = request_header(rng);
        if !headers.iter().any(|(m, _)| m.eq_ignore_ascii_case(&n)) {
            headers.push((n, v));
        }
    }
    let credentials = rng.weighted(&[
        (2, None),
        (2, Some("omit")),
        (1, Some("same-origin")),
        (3, Some("include")),
    ]);
    let include = credentials == Some("include");
    let upper = method.to_ascii_uppercase();
    let body =
        (!matches!(upper.as_str(), "GET" | "HEAD") && rng.chance(50)).then(|| "data".to_string());
    let page = urls.page.clone();

    let mut preflight = Canned::new(rng.weighted(&[
        (8, 204),
        (6, 200),
        (1, 299),
        (1, 301),
        (1, 400),
        (1, 404),
        (1, 500),
    ]));
    if preflight.status == 301 && rng.chance(50) {
        preflight = preflight.h("Location", urls.url(Srv::Api, "/elsewhere").into_bytes());
    }
    for line in acao_lines(rng, &page, 14) {
        preflight = preflight.h("Access-Control-Allow-Origin", line);
    }
    for line in acac_lines(rng, include) {
        preflight = preflight.h("Access-Control-Allow-Credentials", line);
    }
    let normalized = if ["delete", "get", "head", "options", "post", "put"]
        .contains(&method.to_ascii_lowercase().as_str())
    {
        upper
    } else {
        method.to_string()
    };
    for line in acam_lines(rng, &normalized) {
        preflight = preflight.h("Access-Control-Allow-Methods", line);
    }
    for line in acah_lines(rng, &headers) {
        preflight = preflight.h("Access-Control-Allow-Headers", line);
    }
    let max_age: Option<&str> = rng.weighted(&[
        (4, None),
        (1, Some("0")),
        (1, Some("600")),
        (1, Some("-1")),
        (1, Some("abc")),
        (1, Some("86400")),
    ]);
    if let Some(m) = max_age {
        preflight = preflight.h("Access-Control-Max-Age", m);
    }

    let mut actual = Canned::new(rng.weighted(&[(8, 200), (1, 201), (1, 204), (1, 404), (1, 500)]));
    for line in acao_lines(rng, &page, 10) {
        actual = actual.h("Access-Control-Allow-Origin", line);
    }
    for line in acac_lines(rng, include) {
        actual = actual.h("Access-Control-Allow-Credentials", line);
    }
    let expose: Option<&str> = rng.weighted(&[
        (4, None),
        (2, Some("X-Exposed")),
        (2, Some("*")),
        (1, Some("x-exposed, x-other")),
        (1, Some("x exposed")),
        (1, Some("Content-Type,,X-Other")),
        (1, Some("set-cookie, x-other")),
    ]);
    if let Some(e) = expose {
        actual = actual.h("Access-Control-Expose-Headers", e);
    }
    actual = actual
        .h("Content-Type", "text/plain")
        .h("X-Exposed", "1")
        .h("X-Other", "2");
    if rng.chance(30) {
        actual = actual.h("Set-Cookie", "a=b").h("Cache-Control", "no-store");
    }
    Scenario {
        id,
        title: format!("generated #{id}"),
        method: method.to_string(),
        headers,
        credentials,
        body,
        stops: vec![Stop {
            server: Srv::Api,
            preflight,
            actual,
        }],
    }
}

pub(crate) fn init(s: &Scenario) -> Value {
    let mut init = json!({ "method": s.method, "cache": "no-store" });
    if !s.headers.is_empty() {
        init["headers"] = json!(s.headers.iter().map(|(n, v)| [n, v]).collect::<Vec<_>>());
    }
    if let Some(c) = s.credentials {
        init["credentials"] = json!(c);
    }
    if let Some(b) = &s.body {
        init["body"] = json!(b);
    }
    init
}

/// A request one of the servers saw.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Seen {
    pub(crate) method: String,
    pub(crate) target: String,
    pub(crate) origin: Option<String>,
    pub(crate) acrm: Option<String>,
    pub(crate) acrh: Option<String>,
}

impl Seen {
    pub(crate) fn of(r: &StubRequest) -> Self {
        Seen {
            method: r.method.clone(),
            target: r.target.clone(),
            origin: r.header("origin").map(str::to_string),
            acrm: r
                .header("access-control-request-method")
                .map(str::to_string),
            acrh: r
                .header("access-control-request-headers")
                .map(str::to_string),
        }
    }
}

pub(crate) type Log = Arc<Mutex<Vec<Seen>>>;

pub(crate) fn respond(
    scenarios: &OnceLock<Vec<Scenario>>,
    log: &Log,
    req: &StubRequest,
) -> StubResponse {
    let path = req.path();
    if path == "/" {
        return StubResponse::new(200)
            .header("Content-Type", "text/html")
            .body(HTML);
    }
    if let Ok(mut l) = log.lock() {
        l.push(Seen::of(req));
    }
    let mut parts = path.trim_start_matches("/s/").split('/');
    let (Some(n), Some(i)) = (parts.next(), parts.next()) else {
        return StubResponse::new(404);
    };
    let (Ok(n), Ok(i)) = (n.parse::<usize>(), i.parse::<usize>()) else {
        return StubResponse::new(404);
    };
    let Some(stop) = scenarios
        .get()
        .and_then(|all| all.get(n))
        .and_then(|s| s.stops.get(i))
    else {
        return StubResponse::new(404);
    };
    let canned = if req.method == "OPTIONS" && req.header("access-control-request-method").is_some()
    {
        &stop.preflight
    } else {
        &stop.actual
    };
    let mut r = StubResponse::new(canned.status);
    for (n, v) in &canned.headers {
        r = r.header(n, v.clone());
    }
    r.body("ok")
}

/// The requests the servers saw whose path starts with `prefix`; empties the log.
pub(crate) fn take_log(log: &Log, prefix: &str) -> Vec<Seen> {
    let mut l = log.lock().expect("log lock");
    let seen: Vec<Seen> = l
        .iter()
        .filter(|s| s.target.starts_with(prefix))
        .cloned()
        .collect();
    l.clear();
    seen
}

/// An explicit scenario: title, method, headers, credentials, preflight and actual responses.
type Case<'a> = (
    &'a str,
    &'a str,
    Vec<(&'a str, &'a str)>,
    Option<&'static str>,
    Canned,
    Canned,
);

/// Scenarios where the engines are known to answer differently (check order, which failures
/// they tell apart, what they quote), explicit so that every suite runs them whatever the
/// generator draws.
pub(crate) fn engine_differences(first_id: usize, urls: &Urls) -> Vec<Scenario> {
    let page = urls.page.as_str();
    let good_preflight = |methods: &str, headers: &str| {
        Canned::new(204)
            .h("Access-Control-Allow-Origin", page)
            .h("Access-Control-Allow-Methods", methods)
            .h("Access-Control-Allow-Headers", headers)
    };
    let ok = Canned::new(200).h("Access-Control-Allow-Origin", page);
    let cases: Vec<Case<'_>> = vec![
        (
            "preflight 500 without Access-Control-Allow-Origin (WebKit: status first)",
            "PUT",
            vec![],
            None,
            Canned::new(500),
            ok.clone(),
        ),
        (
            "preflight 404 with a good Access-Control-Allow-Origin",
            "DELETE",
            vec![],
            None,
            Canned::new(404).h("Access-Control-Allow-Origin", page),
            ok.clone(),
        ),
        (
            "preflight redirected",
            "PUT",
            vec![],
            None,
            Canned::new(307)
                .h("Location", urls.url(Srv::Api, "/elsewhere").into_bytes())
                .h("Access-Control-Allow-Origin", page),
            ok.clone(),
        ),
        (
            "one Access-Control-Allow-Origin line with two origins",
            "GET",
            vec![],
            None,
            Canned::new(204),
            Canned::new(200).h(
                "Access-Control-Allow-Origin",
                format!("{page}, http://other.example").into_bytes(),
            ),
        ),
        (
            "Access-Control-Allow-Origin with a space",
            "GET",
            vec![],
            None,
            Canned::new(204),
            Canned::new(200).h(
                "Access-Control-Allow-Origin",
                format!("{page} *").into_bytes(),
            ),
        ),
        (
            "two Access-Control-Allow-Origin lines",
            "GET",
            vec![],
            None,
            Canned::new(204),
            Canned::new(200)
                .h("Access-Control-Allow-Origin", page)
                .h("Access-Control-Allow-Origin", page),
        ),
        (
            "Access-Control-Allow-Origin that is not an origin",
            "GET",
            vec![],
            None,
            Canned::new(204),
            Canned::new(200).h("Access-Control-Allow-Origin", "-"),
        ),
        (
            "Access-Control-Allow-Origin missing on a 404",
            "GET",
            vec![],
            None,
            Canned::new(204),
            Canned::new(404),
        ),
        (
            "Authorization under Access-Control-Allow-Headers: * (Firefox warns)",
            "GET",
            vec![("Authorization", "Bearer t")],
            None,
            good_preflight("GET", "*"),
            ok.clone(),
        ),
        (
            "Access-Control-Allow-Methods that does not parse",
            "PUT",
            vec![],
            None,
            good_preflight("GET, PUT POST", "*"),
            ok.clone(),
        ),
        (
            "Access-Control-Allow-Headers that does not parse",
            "GET",
            vec![("X-Api-Key", "k")],
            None,
            good_preflight("GET", "x-api-key, x y,"),
            ok,
        ),
        (
            "wildcard origin with credentials",
            "GET",
            vec![],
            Some("include"),
            Canned::new(204),
            Canned::new(200)
                .h("Access-Control-Allow-Origin", "*")
                .h("Access-Control-Allow-Credentials", "true"),
        ),
    ];
    cases
        .into_iter()
        .enumerate()
        .map(
            |(i, (title, method, headers, credentials, preflight, actual))| Scenario {
                id: first_id + i,
                title: title.to_string(),
                method: method.to_string(),
                headers: headers
                    .into_iter()
                    .map(|(n, v)| (n.to_string(), v.to_string()))
                    .collect(),
                credentials,
                body: None,
                stops: vec![Stop {
                    server: Srv::Api,
                    preflight,
                    actual,
                }],
            },
        )
        .collect()
}
