//! corsica-actix's integration tests, one binary: the `Cors` middleware in real actix-web
//! servers on loopback, talked to by a real HTTP/1.1 client (`corsica-loopback`).
//!
//! - `middleware::*`: what reaches the handler, `Vary`, errors and panics, hot swap, bad
//!   configurations;
//! - `server::FILE::NAME` and `inline::NAME`: each server conformance vector over HTTP.

mod middleware;
mod server;
mod server_vectors;

fn main() {
    let args = libtest_mimic::Arguments::from_args();
    let mut trials = middleware::trials();
    trials.extend(server_vectors::trials());
    libtest_mimic::run(&args, trials).exit();
}
