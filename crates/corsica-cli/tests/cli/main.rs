//! Integration tests for the `corsica` binary, one test binary: each test runs the built binary
//! through the one command harness (`util`) and checks what it prints and how it exits.
//!
//! - `args`: the command line itself; `lint` and `eval`: `corsica policy`;
//! - `check`: `corsica check` against loopback stub servers (HTTP/1.1, HTTPS with HTTP/2);
//! - `demo`: `corsica demo` in real Chromium;
//! - `proxy`: `corsica proxy` in front of a loopback upstream (startup errors, reload, drain);
//! - `export`: `corsica export nginx|apache|haproxy|caddy`, with the real servers for `--check`;
//! - `export_syntax`: random policies exported to each server, each file through the server's own
//!   syntax check;
//! - `har`: `corsica har` on recordings made in real Chromium, and on hand-written ones;
//! - `scan`: `corsica scan` against vulnerable and correct loopback servers and a real nginx.
//!
//! `corsica check` against real Chromium over generated scenarios is its own binary
//! (`tests/chromium_check.rs`, one libtest-mimic trial per scenario).

mod args;
mod check;
mod check_advice;
mod demo;
mod eval;
mod export;
mod export_syntax;
mod har;
mod lint;
mod proxy;
mod scan;
mod util;
