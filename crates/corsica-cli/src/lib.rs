//! The code of the `corsica` command, as a library so that its tests can call it in-process;
//! the binary (`src/main.rs`) is a thin shell over [`run`]. Not a stable API: only [`run`] and
//! the hidden `check::live` (for the Chromium conformance test) are public.

#[doc(hidden)]
pub mod check;
mod cli;
mod demo;
mod error;
mod explain;
mod export;
#[cfg(fuzzing)]
#[doc(hidden)]
pub mod fuzzing;
mod har;
mod output;
mod policy;
mod proxy;
mod scan;
mod signal;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use clap::error::ErrorKind;

use crate::cli::{Cli, Command};
use crate::error::{CliError, Exit};

/// Runs the `corsica` command with the process's arguments and returns its exit status.
pub fn run() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => return clap_exit(&err),
    };
    let result = match cli.command {
        Command::Check(args) => check::run(&args),
        Command::Policy(command) => {
            let result = policy::run(command);
            if let (Err(CliError::Message(message)), true) = (&result, wants_json()) {
                // `--json` prints a document on every exit: here, the error.
                let _ = output::print_json(&serde_json::json!({
                    "error": {"kind": "usage", "message": message}
                }));
            }
            result
        }
        Command::Demo(args) => demo::run(&args),
        Command::Proxy(args) => proxy::run(&args),
        Command::Export(args) => export::run(&args),
        Command::Har(args) => har::run(&args),
        Command::Scan(args) => scan::run(&args),
        Command::Explain(args) => explain::run(&args),
    };
    match result {
        Ok(exit) => exit.into(),
        Err(err) => {
            let code = err.exit();
            err.report();
            code.into()
        }
    }
}

/// Whether the command line asks for `--json` (before any `--`).
fn wants_json() -> bool {
    std::env::args_os()
        .skip(1)
        .take_while(|a| a != "--")
        .any(|a| a == "--json")
}

/// Prints what clap has to say: help and version on stdout (exit 0), usage mistakes on stderr
/// as `corsica: error: …` (exit 2), and with `--json` also a document on stdout.
fn clap_exit(err: &clap::Error) -> ExitCode {
    let rendered = err.render().ansi().to_string();
    match err.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let mut out = anstream::stdout().lock();
            match out
                .write_all(rendered.as_bytes())
                .and_then(|()| out.flush())
            {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                    CliError::output(e).report();
                    Exit::Error.into()
                }
                _ => Exit::Ok.into(),
            }
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            error::eprint(&format!(
                "{} a subcommand is needed; pick one of those below\n\n{rendered}",
                error::error_prefix()
            ));
            Exit::Error.into()
        }
        _ => {
            // clap's own text starts with "error: ".
            error::eprint(&format!("corsica: {rendered}"));
            if wants_json() {
                let plain = err.render().to_string();
                let message = plain
                    .lines()
                    .take_while(|l| !l.starts_with("Usage:"))
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .collect::<Vec<_>>()
                    .join(" ")
                    .trim_start_matches("error: ")
                    .to_string();
                let command = std::env::args_os().nth(1);
                if command.as_deref() == Some(std::ffi::OsStr::new("check")) {
                    let _ = check::usage_failure_json(&message);
                } else {
                    let _ = output::print_json(&serde_json::json!({
                        "error": {"kind": "usage", "message": message}
                    }));
                }
            }
            Exit::Error.into()
        }
    }
}
