//! `corsica`: the command-line face of the corsica CORS engine.
//!
//! The flow is the same for every command (ripgrep's split between raw and validated
//! arguments):
//!
//! ```text
//! argv ──clap──► cli::Cli (raw flags) ──validate()──► typed config ──run()──► Exit
//!                                             │                        │
//!                                             └─ CliError (exit 2) ◄───┘
//! ```
//!
//! Exit status, for every command (docs/cli.md): `0` allowed / valid, `1` denied / invalid
//! policy, `2` usage, network or I/O error. A closed standard output (`corsica … | head -1`) is not an
//! error: the command stops quietly and exits `0`.

fn main() -> std::process::ExitCode {
    corsica_cli::run()
}
