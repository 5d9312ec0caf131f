//! `corsica har FILE.har`: every cross-origin request of a devtools (Chromium, Firefox) or
//! Playwright recording replayed through the engine's browser model, from the recorded headers:
//! the verdict, the error kind and console text, and the fix, as `corsica check` shows them;
//! then the failures grouped by cause.
//!
//! `file` reads the HAR into typed values (bodies skipped), `page` reads what the recording
//! says about the page (origin, CORS mode, credentials, the script's headers), `replay` drives
//! the engine, `render`, `json` and `summary` present, `command` writes the `corsica check`
//! line that replays a request live.

mod command;
mod date;
mod file;
mod json;
mod page;
mod render;
mod replay;
mod summary;

use std::fs::File;
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use corsica::browser::Engine;

use crate::error::{CliError, Exit};
use crate::output::{print, print_json};

const HAR_AFTER_HELP: &str = "\
Export the HAR from the browser's devtools (Network panel: \"Save all as HAR\" in Chromium,
\"Save All As HAR\" in Firefox) or record one with Playwright (recordHar). corsica finds every
request a script made in CORS mode (fetch, XMLHttpRequest) to another origin, and replays it
through its model of the browser that made the recording (log.creator: Firefox; Safari's
\"WebKit Web Inspector\" as WebKit; anything else as Chromium; --browser to choose): the
preflight, the CORS checks, redirects, and that browser's console lines. The page's origin is
read from the request's Origin header, else from its Referer, else from the page's URL in the
HAR's pages. The credentials mode is include when the request sent cookies, same-origin
(fetch's default) otherwise.

Chromium's devtools leave preflights out of the HAR: when the request itself went out, its
preflight passed; when it did not, the recording cannot tell why, and corsica prints the
`corsica check` command that replays the request against the live server.

With --json, one document on stdout:
  {\"entries\": [{\"index\", \"verdict\": \"allowed\"|\"blocked\"|\"incomplete\", \"allowed\",
    \"preflight\", \"response\", \"error\": {\"kind\", \"message\"} | null, \"fix\", \"missing\",
    \"page_origin\", \"credentials\", \"check_command\", ...}],
   \"summary\": {\"creator\", \"entries\", \"cross_origin\", \"allowed\", \"blocked\", \"incomplete\",
    \"causes\": [{\"kind\", \"server\", \"count\", \"entries\", \"fix\"}], ...}}
and {\"error\": {\"message\", \"entry\", \"field\"}} when the file cannot be read.

Examples:
  corsica har session.har
  corsica har session.har --json | jq '.summary.causes'

Exit status:
  0  every cross-origin request in the recording was allowed
  1  some were blocked, or the recording cannot tell for some
  2  the file cannot be read, or is not a HAR (the message names the entry and field)";

/// `corsica har` as typed.
#[derive(Debug, Args)]
#[command(
    long_about = "Explain every CORS request of a recording exported from the browser's devtools \
                  (or Playwright): the verdict, the browser's console message and the fix, as \
                  'corsica check' shows them, and the failures grouped by cause.",
    after_long_help = HAR_AFTER_HELP
)]
pub(crate) struct HarArgs {
    /// The HAR file (HAR 1.2, as devtools export it); '-' for standard input.
    #[arg(value_name = "FILE.har")]
    file: PathBuf,

    /// Whose rules decide: by default those of the browser that made the recording (its
    /// `log.creator`: Firefox, Safari's Web Inspector as WebKit, else Chromium).
    #[arg(long, value_enum, value_name = "BROWSER", default_value = "auto")]
    browser: BrowserArg,

    /// Print one JSON document (see --help).
    #[arg(long)]
    json: bool,
}

/// `--browser`: the models the engine has.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum BrowserArg {
    Auto,
    Chromium,
    Firefox,
    Webkit,
}

/// The engine whose rules decide: the one asked for, or the recording's browser.
fn engine(arg: BrowserArg, creator: &file::Creator) -> Engine {
    match arg {
        BrowserArg::Chromium => Engine::Chromium,
        BrowserArg::Firefox => Engine::Firefox,
        BrowserArg::Webkit => Engine::WebKit,
        BrowserArg::Auto => {
            let name = creator.name.to_ascii_lowercase();
            if name.contains("firefox") {
                Engine::Firefox
            } else if name.contains("webkit") || name.contains("safari") {
                // Safari's devtools write "WebKit Web Inspector"; Chromium's "WebInspector".
                Engine::WebKit
            } else {
                Engine::Chromium
            }
        }
    }
}

/// Runs `corsica har`.
pub(crate) fn run(args: &HarArgs) -> Result<Exit, CliError> {
    let shown_name = args.file.display().to_string();
    let har = if args.file.as_os_str() == "-" {
        file::read(std::io::stdin().lock())
    } else {
        match File::open(&args.file) {
            Ok(f) => file::read(f),
            Err(e) => Err(file::HarError::Io(e)),
        }
    };
    let har = match har {
        Ok(har) => har,
        Err(e) => {
            let message = format!("{}: {e}", crate::output::shown(&shown_name));
            if args.json {
                print_json(&json::error_document(&message, Some(&e)))?;
            }
            return Err(CliError::new(message));
        }
    };
    let replay = replay::replay(&har, engine(args.browser, &har.creator));
    let summary = summary::summary(&har, &replay);
    if args.json {
        print_json(&json::document(&replay, &summary))?;
    } else {
        print(&render::human(&shown_name, &replay, &summary))?;
    }
    Ok(if summary.blocked == 0 && summary.incomplete == 0 {
        Exit::Ok
    } else {
        Exit::Fail
    })
}

/// Everything `run` does to a file's bytes, its output discarded (for the fuzz target).
#[cfg(fuzzing)]
pub(crate) fn explain(bytes: &[u8]) {
    let Ok(har) = file::read(bytes) else { return };
    let replay = replay::replay(&har, engine(BrowserArg::Auto, &har.creator));
    let summary = summary::summary(&har, &replay);
    let _ = serde_json::to_string(&json::document(&replay, &summary));
    let _ = render::human("fuzz.har", &replay, &summary);
}

#[cfg(test)]
mod tests {
    //! Hostile input: every prefix and byte-flipped copy of the hand-written recordings is read
    //! and replayed without a panic.

    const FIXTURES: [&[u8]; 2] = [
        include_bytes!("../../tests/cli/har/firefox.har"),
        include_bytes!("../../tests/cli/har/playwright.har"),
    ];

    fn explain(bytes: &[u8]) {
        if let Ok(har) = super::file::read(bytes) {
            let replay =
                super::replay::replay(&har, super::engine(super::BrowserArg::Auto, &har.creator));
            let summary = super::summary::summary(&har, &replay);
            let _ = super::render::human("x.har", &replay, &summary);
            let _ = serde_json::to_string(&super::json::document(&replay, &summary));
        }
    }

    #[test]
    fn no_prefix_or_flipped_byte_panics() {
        for fixture in FIXTURES {
            explain(fixture);
            for end in (0..fixture.len()).step_by(31) {
                explain(&fixture[..end]);
            }
            for at in (0..fixture.len()).step_by(61) {
                for byte in [b'"', b'{', b']', b'0', b'x', 0xff, b'\\'] {
                    let mut copy = fixture.to_vec();
                    copy[at] = byte;
                    explain(&copy);
                }
            }
        }
    }
}
