//! Exit statuses and the errors that end a command with status 2.

use std::io::{self, Write};
use std::process::ExitCode;

use owo_colors::OwoColorize;

/// How a command ended: the exit statuses every command shares (docs/cli.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Exit {
    /// `0`: allowed, clean, valid.
    Ok,
    /// `1`: denied or blocked, invalid policy.
    Fail,
    /// `2`: usage, network or I/O error.
    Error,
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> Self {
        match exit {
            Exit::Ok => ExitCode::SUCCESS,
            Exit::Fail => ExitCode::from(1),
            Exit::Error => ExitCode::from(2),
        }
    }
}

/// Something that stops a command before it can give its answer.
#[derive(Debug)]
pub(crate) enum CliError {
    /// A usage or I/O problem: printed as `corsica: error: {0}`, exit 2. The text says what to
    /// change.
    Message(String),
    /// Standard output was closed by the reader (`| head`): stop quietly, exit 0.
    BrokenPipe,
}

impl CliError {
    /// A usage or I/O error with this explanation.
    pub(crate) fn new(message: impl Into<String>) -> Self {
        CliError::Message(message.into())
    }

    /// An error while writing the answer to standard output.
    pub(crate) fn output(err: io::Error) -> Self {
        if err.kind() == io::ErrorKind::BrokenPipe {
            CliError::BrokenPipe
        } else {
            CliError::new(format!("cannot write to standard output: {err}"))
        }
    }

    /// The exit status this error ends the command with.
    pub(crate) fn exit(&self) -> Exit {
        match self {
            CliError::Message(_) => Exit::Error,
            CliError::BrokenPipe => Exit::Ok,
        }
    }

    /// Prints the error on standard error (nothing for a broken pipe).
    pub(crate) fn report(&self) {
        if let CliError::Message(message) = self {
            eprint(&format!("{} {message}\n", error_prefix()));
        }
    }
}

/// `corsica: error:`, red on a terminal.
pub(crate) fn error_prefix() -> String {
    format!("corsica: {}", "error:".red().bold())
}

/// `corsica: warning:`, yellow on a terminal.
pub(crate) fn warning_prefix() -> String {
    format!("corsica: {}", "warning:".yellow().bold())
}

/// Writes `text` to standard error, stripping colour unless stderr is a terminal that wants it.
/// Failures are ignored: there is nowhere left to report them.
pub(crate) fn eprint(text: &str) {
    let mut err = anstream::stderr().lock();
    let _ = err.write_all(text.as_bytes());
    let _ = err.flush();
}
