//! Random valid policies (exact origins, `*.` and `:*` patterns, ports, routes, credentials,
//! `*`, max-age, private network, preflight status, `preflight_continue`, `debug`) exported to a
//! real nginx, Apache httpd, HAProxy and Caddy, and random requests (tricky origins, methods and header
//! lists) sent to the server and the engine: the server must answer as the engine decides
//! (status, whether the upstream is called, the exact CORS headers, `Vary: Origin`).
//!
//! Requests stay within what the servers see as the engine does (one line per header, no empty
//! values, upper-case methods, lines under 8 KiB: the differences listed in `vectors/server`'s
//! `exceptions`). The generator is seeded (`CORSICA_PROPERTY_SEED`, default fixed) and every
//! mismatch is reported with the policy and the request.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use corsica::{Dangerous, Policy, PolicyConfig, RawRequest, RouteConfig};
use corsica_export::{Options, Server, apache, caddy, export, haproxy, nginx};
use corsica_harness::apache::Apache;
use corsica_harness::caddy::Caddy;
use corsica_harness::haproxy::Haproxy;
use corsica_harness::nginx::Nginx;
use corsica_harness::{StubResponse, StubServer};
use corsica_loopback::client::{self, Outgoing};
use corsica_loopback::server_vectors::runtime;

const POLICIES: usize = 60;
const REQUESTS: usize = 40;

/// xorshift64*: small, seeded, good enough to pick from pools.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<'a>(&mut self, pool: &[&'a str]) -> &'a str {
        pool[self.below(pool.len())]
    }
    fn some(&mut self, pool: &[&str], max: usize) -> Vec<String> {
        (0..self.below(max + 1))
            .map(|_| self.pick(pool).to_owned())
            .collect()
    }
}

const ORIGIN_PATTERNS: &[&str] = &[
    "https://app.example.com",
    "https://*.example.com",
    "http://localhost:*",
    "https://*.example.com:8443",
    "https://*.example.org:*",
    "http://127.0.0.1:3000",
    "https://a-b.example.net",
    "http://[::1]:*",
    "https://*.localhost",
    "https://a-very-long-subdomain-name-for-the-hash.example.com",
];

const ORIGINS: &[&str] = &[
    "https://app.example.com",
    "https://APP.example.com",
    "HTTPS://app.example.com",
    "https://app.example.com.",
    "https://app.example.com/",
    "https://app.example.com:",
    "https://user@app.example.com",
    "https://x.app.example.com",
    "https://example.com",
    "https://a.example.com",
    "https://a.b.example.com",
    "https://.example.com",
    "https://a..example.com",
    "https://evilexample.com",
    "https://a.examplexcom",
    "https://a-very-long-subdomain-name-for-the-hashxexample.com",
    "https://example.com.evil.net",
    "https://app.example.com.evil.net",
    "https://a.example.com:8443",
    "https://a.example.com:443",
    "https://a.example.com:08443",
    "https://a.example.org:1",
    "https://a.example.org:65535",
    "https://a.example.org:65536",
    "https://a.example.org:443",
    "https://a.example.org",
    "https://a_b.example.org:99",
    "http://localhost",
    "http://localhost:5173",
    "http://localhost:80",
    "http://localhost:0",
    "http://localhost.evil.com:5173",
    "https://localhost:5173",
    "http://127.0.0.1:3000",
    "http://127.0.0.1:3001",
    "https://a-b.example.net",
    "https://a-bxexample.net",
    "http://[::1]:8080",
    "http://[::1]",
    "http://[::1]:80",
    "https://app.localhost",
    "https://a.b.localhost",
    "https://a-very-long-subdomain-name-for-the-hash.example.com",
    "https://A-very-long-subdomain-name-for-the-hash.example.com",
    "null",
    "chrome-extension://abcdef",
    "https://\u{e9}.example.com",
];

const METHODS: &[&str] = &[
    "PUT", "DELETE", "PATCH", "patch", "*", "PROPFIND", "X-Custom",
];
const HEADERS: &[&str] = &[
    "content-type",
    "x-api-key",
    "authorization",
    "*",
    "X-Custom",
];
const ACRMS: &[&str] = &[
    "PUT", "DELETE", "GET", "POST", "HEAD", "PATCH", "patch", "PROPFIND", "put", "X Y", "PU,T",
    "X-Custom",
];
const ACRHS: &[&str] = &[
    "content-type",
    "Content-Type, X-Api-Key",
    "x-api-key,,content-type",
    "authorization",
    "Authorization,content-type",
    "x-other",
    "content-type, x-other",
    "a b",
    ",,,",
    "X-API-KEY\t,content-type",
    "x-custom",
    "content-type,",
];
const ROUTES: &[&str] = &["/api/", "/api/v2/", "/public/"];

/// httpd's `R=` flag knows these 2xx statuses only (`corsica export apache` refuses others).
const APACHE_OK: &[u16] = &[200, 201, 202, 203, 204, 205, 206, 207, 208, 226];

fn random_policy(rng: &mut Rng) -> PolicyConfig {
    let mut config = PolicyConfig {
        origins: if rng.chance(10) {
            vec!["*".to_owned()]
        } else {
            let mut o = rng.some(ORIGIN_PATTERNS, 4);
            if o.is_empty() {
                o.push(rng.pick(ORIGIN_PATTERNS).to_owned());
            }
            if rng.chance(5) {
                o.push("null".to_owned());
            }
            o
        },
        methods: rng.some(METHODS, 3),
        request_headers: rng.some(HEADERS, 3),
        expose_headers: rng.some(&["x-request-id", "*", "x-other"], 2),
        credentials: rng.chance(40),
        max_age: [None, Some(0), Some(600)][rng.below(3)],
        private_network: rng.chance(20),
        preflight_status: [None, Some(200), Some(299), Some(APACHE_OK[3])][rng.below(4)],
        preflight_continue: rng.chance(10),
        debug: rng.chance(15),
        ..PolicyConfig::default()
    };
    config.dangerous = Dangerous {
        allow_null_origin: true,
        allow_any_origin_with_credentials: rng.chance(50),
        allow_insecure_origins: true,
        allow_public_suffix_wildcards: true,
    };
    config
}

/// A valid random policy with up to two routes.
fn valid_policy(rng: &mut Rng) -> (PolicyConfig, Policy) {
    loop {
        let mut config = random_policy(rng);
        for _ in 0..rng.below(3) {
            let mut route = random_policy(rng);
            route.route.clear();
            config.route.push(RouteConfig::new(rng.pick(ROUTES), route));
        }
        if let Ok(policy) = Policy::compile(&config) {
            return (config, policy);
        }
    }
}

struct Request {
    method: &'static str,
    path: String,
    headers: Vec<(&'static str, String)>,
}

fn random_request(rng: &mut Rng, n: usize) -> Request {
    let method = rng.pick(&["GET", "POST", "OPTIONS", "OPTIONS", "PUT", "DELETE"]);
    let prefix = rng.pick(&["/", "/api/", "/api/v2/", "/public/", "/apix/"]);
    let mut headers = Vec::new();
    if rng.chance(90) {
        headers.push(("origin", rng.pick(ORIGINS).to_owned()));
    }
    if rng.chance(70) {
        headers.push(("access-control-request-method", rng.pick(ACRMS).to_owned()));
    }
    if rng.chance(50) {
        headers.push(("access-control-request-headers", rng.pick(ACRHS).to_owned()));
    }
    if rng.chance(20) {
        headers.push((
            "access-control-request-private-network",
            rng.pick(&["true", "false", "TRUE"]).to_owned(),
        ));
    }
    Request {
        method,
        path: format!("{prefix}r{n}"),
        headers,
    }
}

/// What the engine decides: the status (`None`: the upstream answers), the CORS headers, and
/// whether `Vary: Origin` is appended.
fn engine(policy: &Policy, r: &Request) -> (Option<u16>, BTreeMap<String, String>, bool) {
    let head = r
        .headers
        .iter()
        .fold(RawRequest::new(r.method).scheme("http"), |h, (n, v)| {
            h.header(*n, v.as_bytes())
        });
    let d = policy.for_path(&r.path).decide(&head);
    let headers = d
        .headers()
        .iter()
        .map(|(n, v)| (n.as_str().to_owned(), v.to_owned()))
        .collect();
    (
        d.respond_status().map(|s| s.as_u16()),
        headers,
        d.vary().is_some(),
    )
}

#[test]
fn nginx_decides_as_the_engine_on_random_policies_and_requests() {
    compare(Server::Nginx);
}

#[test]
fn apache_decides_as_the_engine_on_random_policies_and_requests() {
    compare(Server::Apache);
}

#[test]
fn haproxy_decides_as_the_engine_on_random_policies_and_requests() {
    compare(Server::Haproxy);
}

#[test]
fn caddy_decides_as_the_engine_on_random_policies_and_requests() {
    compare(Server::Caddy);
}

fn compare(server: Server) {
    let seed = std::env::var("CORSICA_PROPERTY_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5EED_C0DE_u64);
    let mut rng = Rng(seed | 1);
    let upstream = StubServer::start(|_| {
        StubResponse::new(200)
            .header("Access-Control-Allow-Origin", "https://upstream.invalid")
            .header("Access-Control-Allow-Credentials", "true")
            .body("ok")
    })
    .expect("the loopback upstream");

    let (ports, held): (Vec<SocketAddr>, Vec<_>) = corsica_harness::nginx::free_ports(POLICIES)
        .unwrap_or_else(|e| panic!("{e}"))
        .into_iter()
        .unzip();
    let mut include = String::new();
    let mut cases = Vec::new();
    let mut refused = 0;
    for (index, addr) in ports.into_iter().enumerate() {
        let (config, policy) = valid_policy(&mut rng);
        let mut options = Options::new(upstream.origin(), addr.to_string(), "random", "-");
        options.prefix = format!("p{index}");
        match export(server, &policy, &options) {
            Ok(text) => {
                include.push_str(&text);
                cases.push((config, policy, addr));
            }
            Err(_) => refused += 1,
        }
    }
    drop(held);
    let addrs: Vec<SocketAddr> = cases.iter().map(|(_, _, a)| *a).collect();
    let _running: Box<dyn std::any::Any> = match server {
        Server::Apache => Box::new(
            Apache::start(&include, apache::wrapper_config, &addrs)
                .unwrap_or_else(|e| panic!("{e}")),
        ),
        Server::Haproxy => Box::new(
            Haproxy::start(&include, haproxy::wrapper_config, &addrs)
                .unwrap_or_else(|e| panic!("{e}")),
        ),
        Server::Caddy => Box::new(
            Caddy::start(&include, caddy::wrapper_config, &addrs).unwrap_or_else(|e| panic!("{e}")),
        ),
        _ => Box::new(
            Nginx::start(&include, nginx::wrapper_config, &addrs).unwrap_or_else(|e| panic!("{e}")),
        ),
    };

    let mut mismatches = Vec::new();
    let mut sent = 0;
    for (p, (config, policy, addr)) in cases.iter().enumerate() {
        for q in 0..REQUESTS {
            let r = random_request(&mut rng, p * REQUESTS + q);
            let (status, want, vary) = engine(policy, &r);
            let out = r
                .headers
                .iter()
                .fold(Outgoing::new(r.method, &r.path), |o, (n, v)| o.header(n, v))
                .header("host", addr.to_string());
            let got = runtime()
                .block_on(client::send(*addr, &out))
                .unwrap_or_else(|e| panic!("sending to {server}: {e}"));
            sent += 1;
            let called = upstream
                .requests()
                .iter()
                .filter(|u| u.path() == r.path)
                .count();
            let got_cors: BTreeMap<String, String> = got
                .headers
                .iter()
                .filter(|(n, _)| n.starts_with("access-control-"))
                .map(|(n, v)| (n.clone(), String::from_utf8_lossy(v).into_owned()))
                .collect();
            let cors_lines = got
                .headers
                .iter()
                .filter(|(n, _)| n.starts_with("access-control-"))
                .count();
            let got_vary = got.vary().iter().any(|v| v == "origin");
            let mut problems = Vec::new();
            if got.status != status.unwrap_or(200) {
                problems.push(format!("status {} (engine {status:?})", got.status));
            }
            if called != usize::from(status.is_none()) {
                problems.push(format!("upstream called {called} time(s)"));
            }
            if got_cors != want || cors_lines != want.len() {
                problems.push(format!("CORS headers {got_cors:?} (engine {want:?})"));
            }
            if got_vary != vary {
                problems.push(format!("Vary: Origin {got_vary} (engine {vary})"));
            }
            if !problems.is_empty() && mismatches.len() < 20 {
                let policy_json = format!("{config:?}");
                mismatches.push(format!(
                    "{} {} {:?}\n  policy: {policy_json}\n  {}",
                    r.method,
                    r.path,
                    r.headers,
                    problems.join("; ")
                ));
            }
        }
    }
    eprintln!(
        "{server}, seed {seed:#x}: {} policies exported ({refused} refused), {sent} requests",
        cases.len()
    );
    assert!(
        mismatches.is_empty(),
        "{server} and the engine disagree (seed {seed:#x}):\n{}",
        mismatches.join("\n")
    );
}
