//! corsica-tower's integration tests, one binary: `CorsLayer` in real servers on loopback, talked
//! to by a real HTTP/1.1 client (`corsica-loopback`).
//!
//! - `middleware::*`: what reaches the handler, `Vary`, errors and panics, hot swap, frameworks;
//! - `server::FILE::NAME` and `inline::NAME`: each server conformance vector over HTTP.
//!
//! The allocation count (`tests/allocations.rs`) is a binary of its own: it installs a counting
//! global allocator, which every other test running beside it would disturb.

mod middleware;
mod server_vectors;

fn main() {
    let args = libtest_mimic::Arguments::from_args();
    let mut trials = middleware::trials();
    trials.extend(server_vectors::trials());
    libtest_mimic::run(&args, trials).exit();
}
