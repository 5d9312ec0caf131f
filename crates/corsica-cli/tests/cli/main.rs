//! Integration tests for the `corsica` binary: each test runs the built binary in its own
//! temporary directory and checks what it prints and how it exits.

mod args;
mod eval;
mod lint;
mod util;
