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
mod output;
mod policy;
mod proxy;
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
        Command::Policy(command) => policy::run(command),
        Command::Demo(args) => demo::run(&args),
        Command::Proxy(args) => proxy::run(&args),
        Command::Export(args) => export::run(&args),
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

/// Prints what clap has to say: help and version on stdout (exit 0), usage mistakes on stderr
/// as `corsica: error: …` (exit 2).
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
            Exit::Error.into()
        }
    }
}
