//! Every export generator writes a file its server accepts: random valid policies, with the
//! tokens most likely to break a configuration's quoting (`'`, `` ` ``, `#`, `%`, `$`, `|`, `^`,
//! `~` in methods and header names; `(`, `+`, `*`, `?`, `[`, `|` in route paths; IPv6 and
//! bare-port listen addresses; HTTPS upstreams), exported with `corsica export SERVER --check`,
//! which runs the real server's own syntax check (`nginx -t`, `apache2 -t`, `haproxy -c`,
//! `caddy validate`). A policy the server cannot express must be refused by name (exit 1,
//! `unsupported`), never written out broken. Seeded (`CORSICA_SYNTAX_SEED`), and every failure
//! names the policy. About 10 s: one process per server per policy.

use serde_json::Value;

use crate::util::TestDir;

const POLICIES: usize = 40;
const SERVERS: [&str; 4] = ["nginx", "apache", "haproxy", "caddy"];

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
    /// Up to `max` entries of `pool`, as a TOML array.
    fn list(&mut self, pool: &[&str], max: usize) -> String {
        let items: Vec<String> = (0..self.below(max + 1))
            .map(|_| format!("\"{}\"", self.pick(pool)))
            .collect();
        format!("[{}]", items.join(", "))
    }
}

const ORIGINS: &[&str] = &[
    "https://app.example.com",
    "https://*.example.com",
    "http://localhost:*",
    "https://*.example.org:*",
    "https://*.example.com:8443",
    "http://[::1]:*",
    "http://127.0.0.1:3000",
    "https://a-b_c.example.net",
    "null",
];
const METHODS: &[&str] = &[
    "PUT", "DELETE", "PATCH", "*", "X-M'1", "X`M", "M#1", "M%2", "M$3", "A|B", "^~!", "M&*+.",
];
const HEADERS: &[&str] = &[
    "content-type",
    "authorization",
    "*",
    "x-a'b",
    "x-`b",
    "x-#c",
    "x-%d",
    "x-e|f",
    "x-^~!&*+.",
];
const PATHS: &[&str] = &[
    "/api/", "/a(b)/", "/x+y/", "/s*t/", "/q?r", "/v1.2/", "/~u/", "/a|b/", "/c^d/", "/[e]/", "/",
    "/api/v2/",
];
const LISTEN: &[&str] = &["127.0.0.1:18080", "[::1]:18443", "18081", "0.0.0.0:18082"];
const UPSTREAMS: &[&str] = &[
    "http://127.0.0.1:3000",
    "https://localhost:8443",
    "http://[::1]:3000/",
    "http://localhost",
];

/// The keys of one policy (top level or route), as TOML lines.
fn keys(rng: &mut Rng) -> String {
    let origins = if rng.chance(10) {
        "[\"*\"]".to_owned()
    } else {
        let list = rng.list(ORIGINS, 4);
        if list == "[]" {
            format!("[\"{}\"]", rng.pick(ORIGINS))
        } else {
            list
        }
    };
    let mut toml = format!(
        "origins = {origins}\nmethods = {}\nrequest_headers = {}\nexpose_headers = {}\n",
        rng.list(METHODS, 3),
        rng.list(HEADERS, 3),
        rng.list(HEADERS, 2)
    );
    for (key, percent) in [
        ("credentials", 40),
        ("private_network", 20),
        ("preflight_continue", 10),
        ("debug", 20),
    ] {
        if rng.chance(percent) {
            toml.push_str(&format!("{key} = true\n"));
        }
    }
    if rng.chance(50) {
        toml.push_str(&format!("max_age = {}\n", rng.pick(&["0", "600", "86400"])));
    }
    if rng.chance(40) {
        toml.push_str(&format!(
            "preflight_status = {}\n",
            rng.pick(&["200", "204", "299"])
        ));
    }
    toml.push_str(
        "[dangerous]\nallow_null_origin = true\nallow_insecure_origins = true\n\
         allow_public_suffix_wildcards = true\n",
    );
    if rng.chance(50) {
        toml.push_str("allow_any_origin_with_credentials = true\n");
    }
    toml
}

fn random_policy(rng: &mut Rng) -> String {
    let mut toml = keys(rng);
    for _ in 0..rng.below(3) {
        let route = keys(rng).replace("[dangerous]", "[route.dangerous]");
        toml.push_str(&format!(
            "[[route]]\npath = \"{}\"\n{route}",
            rng.pick(PATHS)
        ));
    }
    toml
}

#[test]
fn every_export_passes_its_servers_syntax_check() {
    let seed = std::env::var("CORSICA_SYNTAX_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x0051_47A5_u64);
    let mut rng = Rng(seed | 1);
    let dir = TestDir::new();
    let mut failures = Vec::new();
    let mut checked = [0usize; SERVERS.len()];
    let mut refused = [0usize; SERVERS.len()];
    let mut invalid = 0;
    for n in 0..POLICIES {
        let policy = random_policy(&mut rng);
        let file = format!("p{n}.toml");
        dir.write(&file, &policy);
        let (listen, upstream) = (rng.pick(LISTEN), rng.pick(UPSTREAMS));
        for (s, &server) in SERVERS.iter().enumerate() {
            let out = dir
                .corsica([
                    "export",
                    server,
                    "--policy",
                    file.as_str(),
                    "--upstream",
                    upstream,
                    "--listen",
                    listen,
                    "--check",
                    "--json",
                ])
                .run();
            let doc: Value = out.json();
            if doc["valid"] == Value::Bool(false) {
                invalid += 1;
                break;
            }
            if !doc["unsupported"].is_null() {
                // Refused by name: the file is never written broken.
                assert_eq!(out.code, 1, "{server}: {doc:#}");
                refused[s] += 1;
                continue;
            }
            checked[s] += 1;
            if out.code != 0 || doc["check"]["ok"] != Value::Bool(true) {
                failures.push(format!(
                    "{server} refuses the export of p{n} (--listen {listen} --upstream \
                     {upstream}):\n{policy}\n{}\n{}",
                    doc["check"]["output"].as_str().unwrap_or_default(),
                    out.stderr
                ));
            }
        }
    }
    eprintln!(
        "seed {seed:#x}: {POLICIES} policies ({invalid} invalid); checked {checked:?}, refused \
         {refused:?} (nginx, apache, haproxy, caddy)"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n---\n"));
    for (s, server) in SERVERS.iter().enumerate() {
        assert!(
            checked[s] >= POLICIES / 3,
            "{server}: only {} of {POLICIES} policies were checked: the generator no longer \
             makes exportable policies",
            checked[s]
        );
    }
}
