//! `Vary: Origin` is appended to the upstream's own `Vary`, never twice: an upstream whose `Vary`
//! lists `Origin` already (in any case) keeps one, and one that lists other fields keeps them,
//! for each server against the real server.

use std::net::SocketAddr;

use corsica::Policy;
use corsica_export::{Options, Server, apache, caddy, export, haproxy, nginx};
use corsica_harness::apache::Apache;
use corsica_harness::caddy::Caddy;
use corsica_harness::haproxy::Haproxy;
use corsica_harness::nginx::Nginx;
use corsica_harness::{StubResponse, StubServer};
use corsica_loopback::client::{self, Outgoing};
use corsica_loopback::server_vectors::runtime;

const ORIGIN: &str = "https://app.example.com";

/// One server at a time: a port is free between `free_ports` and the server's start only if no
/// other test takes it meanwhile.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn vary_once(server: Server) {
    let _turn = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let policy = Policy::builder()
        .origins([ORIGIN])
        .build()
        .expect("the policy");
    // The upstream's Vary depends on the path: /listed lists Origin, /other does not.
    let upstream = StubServer::start(|req| {
        let vary = if req.path().starts_with("/listed") {
            "Accept-Encoding, origin"
        } else {
            "Accept-Encoding"
        };
        StubResponse::new(200).header("Vary", vary).body("ok")
    })
    .expect("the loopback upstream");
    let mut ports = corsica_harness::nginx::free_ports(1).unwrap_or_else(|e| panic!("{e}"));
    let (addr, held) = ports.remove(0);
    let options = Options::new(upstream.origin(), addr.to_string(), "vary", "-");
    let text = export(server, &policy, &options).unwrap_or_else(|e| panic!("{e}"));
    drop(held);
    let addrs: &[SocketAddr] = &[addr];
    let _running: Box<dyn std::any::Any> = match server {
        Server::Apache => Box::new(Apache::start(&text, apache::wrapper_config, addrs).unwrap()),
        Server::Haproxy => Box::new(Haproxy::start(&text, haproxy::wrapper_config, addrs).unwrap()),
        Server::Caddy => Box::new(Caddy::start(&text, caddy::wrapper_config, addrs).unwrap()),
        _ => Box::new(Nginx::start(&text, nginx::wrapper_config, addrs).unwrap()),
    };
    for path in ["/listed", "/other"] {
        let got = runtime()
            .block_on(client::send(
                addr,
                &Outgoing::new("GET", path)
                    .header("origin", ORIGIN)
                    .header("host", addr.to_string()),
            ))
            .unwrap_or_else(|e| panic!("{server}: {e}"));
        let mut vary = got.vary();
        vary.sort();
        assert_eq!(
            vary,
            ["accept-encoding", "origin"],
            "{server} {path}: Vary lines {:?}",
            got.all("vary")
        );
    }
}

#[test]
fn nginx_appends_origin_to_vary_once() {
    vary_once(Server::Nginx);
}

#[test]
fn apache_appends_origin_to_vary_once() {
    vary_once(Server::Apache);
}

#[test]
fn haproxy_appends_origin_to_vary_once() {
    vary_once(Server::Haproxy);
}

#[test]
fn caddy_appends_origin_to_vary_once() {
    vary_once(Server::Caddy);
}
