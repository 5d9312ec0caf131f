//! Every `vectors/server` case against each real server running the exported configuration:
//! per server one process, one `server` / `<VirtualHost>` / `frontend` / site block per case (each case's
//! policy exported with its own variable prefix, on its own loopback port), all in front of one
//! loopback upstream that sets wrong CORS headers of its own (which the export must hide). A case
//! a server cannot pass lists the reason in its `exceptions` (`{"nginx": "why"}`), never here.
//! Test names start with the server (`nginx::server::origins::…`).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use corsica::Policy;
use corsica_conformance::exception_verdict;
use corsica_conformance::{Loaded, broken};
use corsica_export::{ExportError, Options, Server, apache, caddy, export, haproxy, nginx};
use corsica_harness::apache::Apache;
use corsica_harness::caddy::Caddy;
use corsica_harness::haproxy::Haproxy;
use corsica_harness::nginx::Nginx;
use corsica_harness::{StubResponse, StubServer};
use corsica_loopback::client;
use corsica_loopback::server_vectors::{Plan, judge_response, load, plan, runtime};
use libtest_mimic::{Arguments, Completion, Trial};

/// CORS headers the upstream sets on every response, all wrong: the export hides them.
const WRONG: [(&str, &str); 7] = [
    ("Access-Control-Allow-Origin", "https://upstream.invalid"),
    ("Access-Control-Allow-Credentials", "true"),
    ("Access-Control-Allow-Methods", "TRACE"),
    ("Access-Control-Allow-Headers", "x-upstream"),
    ("Access-Control-Max-Age", "1"),
    ("Access-Control-Expose-Headers", "x-upstream"),
    ("Access-Control-Allow-Private-Network", "true"),
];

/// A running server, stopped when dropped.
type Running = Box<dyn Send>;

/// A server the export writes for, and how the tests start it on the exported text.
struct Target {
    /// Its name in `exceptions`, test names and `CORSICA_<NAME>_DUMP`.
    key: &'static str,
    server: Server,
    start: fn(&str, &[SocketAddr]) -> Result<Running, corsica_harness::Error>,
}

const TARGETS: [Target; 4] = [
    Target {
        key: "nginx",
        server: Server::Nginx,
        start: |text, addrs| Ok(Box::new(Nginx::start(text, nginx::wrapper_config, addrs)?)),
    },
    Target {
        key: "apache",
        server: Server::Apache,
        start: |text, addrs| {
            Ok(Box::new(Apache::start(
                text,
                apache::wrapper_config,
                addrs,
            )?))
        },
    },
    Target {
        key: "haproxy",
        server: Server::Haproxy,
        start: |text, addrs| {
            Ok(Box::new(Haproxy::start(
                text,
                haproxy::wrapper_config,
                addrs,
            )?))
        },
    },
    Target {
        key: "caddy",
        server: Server::Caddy,
        start: |text, addrs| Ok(Box::new(Caddy::start(text, caddy::wrapper_config, addrs)?)),
    },
];

/// A hostile request that a server answers otherwise than the engine must still be refused: a
/// `400` that never reaches the upstream and carries no CORS header.
fn refused(got: &client::Received, calls: usize) -> Result<(), String> {
    let cors = got
        .headers
        .iter()
        .any(|(n, _)| n.starts_with("access-control-"));
    if got.status == 400 && calls == 0 && !cors {
        Ok(())
    } else {
        Err(format!(
            "a hostile request must be refused: expected 400, no upstream call and no CORS \
             header, got {} with {calls} upstream call(s) and CORS headers: {cors}",
            got.status
        ))
    }
}

struct Served {
    index: usize,
    test: String,
    case: Box<corsica_conformance::server::Case>,
    addr: SocketAddr,
}

fn main() {
    let args = Arguments::from_args();
    let started = Instant::now();
    let mut trials = Vec::new();
    let mut running = Vec::new();
    for target in &TARGETS {
        running.push(serve(target, &mut trials));
        eprintln!("{}: listening after {:.1?}", target.key, started.elapsed());
    }
    let conclusion = libtest_mimic::run(&args, trials);
    // `exit` skips destructors: stop the servers first, or they outlive the test.
    drop(running);
    eprintln!("server vectors: {:.1?}", started.elapsed());
    conclusion.exit();
}

/// Exports every case's policy for `target`, starts the server on all of them in front of an
/// upstream of its own (so that its calls are counted per server), and adds a trial per case.
fn serve(target: &'static Target, trials: &mut Vec<Trial>) -> Running {
    let key = target.key;
    let upstream = Arc::new(
        StubServer::start(|_| {
            WRONG
                .iter()
                .fold(StubResponse::new(200), |r, (n, v)| r.header(n, *v))
                .header("Content-Type", "text/plain")
                .body("ok")
        })
        .expect("the loopback upstream"),
    );
    let mut served = Vec::new();
    let mut include = String::new();
    let cases = load();
    // One port per case, kept bound until the server starts, so that no two cases share one.
    let (ports, held): (Vec<SocketAddr>, Vec<_>) = corsica_harness::nginx::free_ports(cases.len())
        .unwrap_or_else(|e| panic!("{e}"))
        .into_iter()
        .unzip();
    for (index, loaded) in cases.into_iter().enumerate() {
        let (test, case) = match loaded {
            Loaded::Broken { test, error } => {
                trials.push(broken(format!("{key}::{test}"), error));
                continue;
            }
            Loaded::Case { test, case } => (test, case),
        };
        let exception = case.exceptions.get(key).cloned();
        let policy = match Policy::compile(&case.policy) {
            Ok(p) => p,
            Err(e) => {
                trials.push(broken(
                    format!("{key}::{test}"),
                    format!("the policy does not compile: {e}"),
                ));
                continue;
            }
        };
        let addr = ports[index];
        let mut options = Options::new(
            upstream.origin(),
            addr.to_string(),
            format!("vectors case {test}"),
            "-",
        );
        options.prefix = format!("c{index}");
        match export(target.server, &policy, &options) {
            Ok(text) => {
                include.push_str(&text);
                served.push(Served {
                    index,
                    test,
                    case,
                    addr,
                });
            }
            Err(e @ ExportError::Unsupported { .. }) => {
                let refused = format!("refused by the export: {e}");
                trials.push(Trial::ignorable_test(format!("{key}::{test}"), move || {
                    exception_verdict(exception.as_deref(), key, Err(refused))
                }));
            }
            Err(e) => trials.push(broken(format!("{key}::{test}"), format!("export: {e}"))),
        }
    }

    if let Some(path) = std::env::var_os(format!("CORSICA_{}_DUMP", key.to_ascii_uppercase())) {
        std::fs::write(path, &include).expect("dump");
    }
    drop(held);
    let addrs: Vec<SocketAddr> = served.iter().map(|s| s.addr).collect();
    let server = (target.start)(&include, &addrs).unwrap_or_else(|e| panic!("{key}: {e}"));

    for s in served {
        let upstream = Arc::clone(&upstream);
        let hostile = s.test.starts_with("server::hostile::");
        trials.push(Trial::ignorable_test(
            format!("{key}::{}", s.test),
            move || {
                let case = &s.case;
                let exception = case.exceptions.get(key).map(String::as_str);
                let path = format!("/c/{}", s.index);
                let result =
                    match plan(case, &path, &s.addr.to_string()) {
                        Plan::Wire(send) => runtime()
                            .block_on(client::send(s.addr, &send))
                            .and_then(|got| {
                                let calls = upstream
                                    .requests()
                                    .iter()
                                    .filter(|r| r.path() == path)
                                    .count();
                                let judged = judge_response(case, &got, calls);
                                if hostile && exception.is_some() && judged.is_err() {
                                    refused(&got, calls)?;
                                }
                                judged
                            }),
                        Plan::InProcess(_, reason) => {
                            return Ok(Completion::ignored_with(format!(
                                "{reason}: only an in-process adapter sees the exact value"
                            )));
                        }
                        Plan::Unsendable(reason) => return Ok(Completion::ignored_with(reason)),
                    };
                exception_verdict(exception, key, result)
            },
        ));
    }
    server
}
