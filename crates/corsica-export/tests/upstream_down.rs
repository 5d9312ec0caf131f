//! When the upstream is down, the server's own error answer still carries the CORS headers (so
//! that the page can read the `502`/`503` instead of a CORS failure hiding it), and preflights are
//! still answered in place: nginx's `add_header … always`, httpd's `Header always`, HAProxy's
//! `http-after-response` and Caddy's `header` before `reverse_proxy` (not deferred), each
//! against the real server in front of a closed loopback port.

use std::net::SocketAddr;

use corsica::Policy;
use corsica_export::{Options, Server, apache, caddy, export, haproxy, nginx};
use corsica_harness::apache::Apache;
use corsica_harness::caddy::Caddy;
use corsica_harness::haproxy::Haproxy;
use corsica_harness::nginx::Nginx;
use corsica_loopback::client::{self, Outgoing};
use corsica_loopback::server_vectors::runtime;

const ORIGIN: &str = "https://app.example.com";

/// One server at a time: a port is free between `free_ports` and the server's start only if no
/// other test takes it meanwhile.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn down_then_check(server: Server) {
    let _turn = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let policy = Policy::builder()
        .origins([ORIGIN])
        .methods(["PUT"])
        .credentials(true)
        .build()
        .expect("the policy");
    // A port nothing listens on: bound, then closed.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a loopback port");
    let mut ports = corsica_harness::nginx::free_ports(1).unwrap_or_else(|e| panic!("{e}"));
    let (addr, held) = ports.remove(0);
    let options = Options::new(
        format!("http://{closed}"),
        addr.to_string(),
        "upstream-down",
        "-",
    );
    let text = export(server, &policy, &options).unwrap_or_else(|e| panic!("{e}"));
    drop(held);
    let addrs: &[SocketAddr] = &[addr];
    let _running: Box<dyn std::any::Any> = match server {
        Server::Apache => Box::new(Apache::start(&text, apache::wrapper_config, addrs).unwrap()),
        Server::Haproxy => Box::new(Haproxy::start(&text, haproxy::wrapper_config, addrs).unwrap()),
        Server::Caddy => Box::new(Caddy::start(&text, caddy::wrapper_config, addrs).unwrap()),
        _ => Box::new(Nginx::start(&text, nginx::wrapper_config, addrs).unwrap()),
    };

    let send = |out: Outgoing| {
        runtime()
            .block_on(client::send(addr, &out.header("host", addr.to_string())))
            .unwrap_or_else(|e| panic!("{server}: {e}"))
    };
    let got = send(Outgoing::new("GET", "/data").header("origin", ORIGIN));
    assert!(
        got.status >= 502,
        "{server}: the upstream is down, got {}",
        got.status
    );
    assert_eq!(
        got.one("access-control-allow-origin").as_deref(),
        Some(ORIGIN),
        "{server}: its own {} must carry the CORS headers: {:?}",
        got.status,
        got.headers
    );
    assert_eq!(
        got.one("access-control-allow-credentials").as_deref(),
        Some("true"),
        "{server}"
    );
    // (`Vary` is not checked here: httpd merges `Vary: Origin` into the table of successful
    // responses, where the upstream's own `Vary` is, so its own 503 has none.)

    let got = send(
        Outgoing::new("OPTIONS", "/data")
            .header("origin", ORIGIN)
            .header("access-control-request-method", "PUT"),
    );
    assert_eq!(
        got.status, 204,
        "{server}: preflights never reach the upstream"
    );
    assert_eq!(
        got.one("access-control-allow-methods").as_deref(),
        Some("PUT"),
        "{server}"
    );
}

#[test]
fn nginx_errors_carry_cors_headers() {
    down_then_check(Server::Nginx);
}

#[test]
fn apache_errors_carry_cors_headers() {
    down_then_check(Server::Apache);
}

#[test]
fn haproxy_errors_carry_cors_headers() {
    down_then_check(Server::Haproxy);
}

#[test]
fn caddy_errors_carry_cors_headers() {
    down_then_check(Server::Caddy);
}
