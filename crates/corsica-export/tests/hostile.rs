//! Hostile requests (`corsica_loopback::hostile`: each CORS request header at 64 KiB, as a
//! 10,000-element list, not UTF-8, on several lines) against the exported configuration of the
//! adapters' shared policy under each real server: each is answered promptly (the server's own
//! `400` for a head over its limits counts), grants nothing, and the next request passes.

use std::net::SocketAddr;

use corsica_export::{Options, Server, apache, caddy, export, haproxy, nginx};
use corsica_harness::apache::Apache;
use corsica_harness::caddy::Caddy;
use corsica_harness::haproxy::Haproxy;
use corsica_harness::nginx::Nginx;
use corsica_harness::{StubResponse, StubServer};
use corsica_loopback::{hostile, middleware, server_vectors::runtime};

fn refused_by(server: Server) {
    let upstream = StubServer::start(|_| StubResponse::new(200).body("ok")).expect("the upstream");
    let (addr, held): (SocketAddr, _) = corsica_harness::nginx::free_ports(1)
        .unwrap_or_else(|e| panic!("{e}"))
        .pop()
        .expect("a free port");
    let options = Options::new(upstream.origin(), addr.to_string(), "hostile", "-");
    let text = export(server, &middleware::policy(), &options).unwrap_or_else(|e| panic!("{e}"));
    drop(held);
    let _running: Box<dyn std::any::Any> = match server {
        Server::Apache => Box::new(
            Apache::start(&text, apache::wrapper_config, &[addr]).unwrap_or_else(|e| panic!("{e}")),
        ),
        Server::Caddy => Box::new(
            Caddy::start(&text, caddy::wrapper_config, &[addr]).unwrap_or_else(|e| panic!("{e}")),
        ),
        Server::Haproxy => Box::new(
            Haproxy::start(&text, haproxy::wrapper_config, &[addr])
                .unwrap_or_else(|e| panic!("{e}")),
        ),
        _ => Box::new(
            Nginx::start(&text, nginx::wrapper_config, &[addr]).unwrap_or_else(|e| panic!("{e}")),
        ),
    };
    runtime().block_on(hostile::assert_refused(addr));
}

/// One test for the four servers, one after the other: each picks a free port and releases it
/// just before its server binds it, which tests running side by side could race for.
#[test]
fn every_server_refuses_hostile_requests() {
    for server in [
        Server::Nginx,
        Server::Apache,
        Server::Haproxy,
        Server::Caddy,
    ] {
        eprintln!("{server}");
        refused_by(server);
    }
}
