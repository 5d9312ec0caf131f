//! `corsica explain 'TEXT'`: a console line pasted back — which engine wrote it, the error, the
//! URL and origin it names, what it means, the fix, and the `corsica check` command that
//! reproduces it. The reading is the engine's ([`corsica::browser::recognize`], built from the
//! texts `check` renders); this module only words it.

use std::fmt::Write as _;
use std::io::Read as _;

use clap::Args;
use corsica::browser::{ConsoleLine, CorsErrorKind, Engine, recognize};
use owo_colors::OwoColorize;
use serde::Serialize;

use crate::check::render::engine_name;
use crate::error::{self, CliError, Exit};
use crate::output::{print, print_json, sanitized};

const EXPLAIN_AFTER_HELP: &str = "\
Paste the line a browser's console printed (Chromium's \"Access to fetch at … has been blocked
by CORS policy: …\", Firefox's \"Cross-Origin Request Blocked: …\", WebKit's \"Origin … is not
allowed by Access-Control-Allow-Origin.\"), or several lines, or - to read them from standard
input. corsica says which engine wrote it, the error, the URL and origin it names, what it
means, the fix, and the corsica check command that reproduces it.

With --json, one document on stdout:
  {\"browser\", \"kind\", \"reason_code\", \"url\", \"origin\", \"meaning\", \"fix\", \"check_command\"}
(url and origin are null when the text does not name them); on exit 2, {\"error\": {\"message\"}}.

Examples:
  corsica explain \"Access to fetch at 'https://api.example.com/x' from origin 'https://app.example.com' has been blocked by CORS policy: No 'Access-Control-Allow-Origin' header is present on the requested resource.\"
  pbpaste | corsica explain -

Exit status:
  0  the text is a CORS console message corsica knows
  2  it is not (or the input could not be read)";

/// `corsica explain` as typed.
#[derive(Debug, Args)]
#[command(after_long_help = EXPLAIN_AFTER_HELP)]
pub(crate) struct ExplainArgs {
    /// The console text, or - to read it from standard input.
    #[arg(value_name = "TEXT")]
    text: String,

    /// Print one JSON document (see --help).
    #[arg(long)]
    json: bool,
}

/// The `--json` document.
#[derive(Debug, Serialize)]
struct Document {
    browser: &'static str,
    kind: Option<&'static str>,
    reason_code: Option<&'static str>,
    url: Option<String>,
    origin: Option<String>,
    meaning: String,
    fix: String,
    check_command: String,
}

#[derive(Debug, Serialize)]
struct ErrorDocument {
    error: ErrorMessage,
}

#[derive(Debug, Serialize)]
struct ErrorMessage {
    message: String,
}

/// What the error means, in plain words.
fn meaning(line: &ConsoleLine) -> String {
    use CorsErrorKind::*;
    let on = |k: CorsErrorKind| {
        if k.is_preflight() {
            "the preflight (OPTIONS) response"
        } else {
            "the response"
        }
    };
    let Some(kind) = line.kind else {
        return if line.warning {
            "a warning: the request went through, but Access-Control-Allow-Headers: * let the Authorization \
             header through, which the Fetch Standard forbids and Firefox will stop allowing"
                .to_string()
        } else {
            "the request failed; the line printed just before this one says why".to_string()
        };
    };
    let param = line.failed_parameter.as_deref().unwrap_or("");
    match kind {
        MissingAllowOriginHeader | PreflightMissingAllowOriginHeader if line.engine == Engine::WebKit => format!(
            "{} has no Access-Control-Allow-Origin header, or one that is not the page's origin (WebKit says the same for both)",
            on(kind)
        ),
        MissingAllowOriginHeader | PreflightMissingAllowOriginHeader => {
            format!("{} has no Access-Control-Allow-Origin header, so the page may not read it", on(kind))
        }
        AllowOriginMismatch | PreflightAllowOriginMismatch | InvalidAllowOriginValue
        | PreflightInvalidAllowOriginValue => format!(
            "{} allows another origin than the page's{}: Access-Control-Allow-Origin must be the page's origin exactly (scheme, host, port, no trailing slash) or *",
            on(kind),
            if param.is_empty() { String::new() } else { format!(" ({param})") }
        ),
        MultipleAllowOriginValues | PreflightMultipleAllowOriginValues => format!(
            "{} carries several origins in Access-Control-Allow-Origin (a list, or the header twice); browsers accept exactly one",
            on(kind)
        ),
        WildcardOriginNotAllowed | PreflightWildcardOriginNotAllowed => format!(
            "{} answers Access-Control-Allow-Origin: * to a request with credentials (cookies): with credentials the origin must be named",
            on(kind)
        ),
        InvalidAllowCredentials | PreflightInvalidAllowCredentials => format!(
            "the request has credentials and {} lacks Access-Control-Allow-Credentials: true (exactly, lower-case)",
            on(kind)
        ),
        PreflightInvalidStatus => "the preflight (OPTIONS) got a status outside 200-299: the server must answer OPTIONS with a 2xx, without requiring authentication".to_string(),
        PreflightDisallowedRedirect => "the preflight (OPTIONS) was answered with a redirect, which browsers never follow".to_string(),
        InvalidAllowMethodsPreflightResponse => "Access-Control-Allow-Methods on the preflight is not a comma-separated list of method names".to_string(),
        InvalidAllowHeadersPreflightResponse => "Access-Control-Allow-Headers on the preflight is not a comma-separated list of header names".to_string(),
        MethodDisallowedByPreflightResponse => format!(
            "the preflight does not list the method{} in Access-Control-Allow-Methods",
            if param.is_empty() { String::new() } else { format!(" {param}") }
        ),
        HeaderDisallowedByPreflightResponse => format!(
            "the request sets the header {param}, which the preflight does not list in Access-Control-Allow-Headers"
        ),
        RedirectContainsCredentials => "the request was redirected to a URL with a user name or password, which CORS requests may not follow".to_string(),
        CorsDisabledScheme => "the URL's scheme is not http or https: fetch() cannot make a CORS request to it".to_string(),
        DisallowedByMode => "the request's mode is same-origin but the URL is on another origin".to_string(),
        _ => format!("{kind}: a Private Network Access or other browser-specific refusal"),
    }
}

/// The server change that fixes it.
fn fix(line: &ConsoleLine) -> String {
    use CorsErrorKind::*;
    let origin = line.origin.as_deref().unwrap_or("<the page's origin>");
    let param = line.failed_parameter.as_deref().unwrap_or("");
    let Some(kind) = line.kind else {
        return if line.warning {
            "list authorization in Access-Control-Allow-Headers by name".to_string()
        } else {
            "see the line before this one".to_string()
        };
    };
    let on = if kind.arises_in_preflight() {
        "the preflight (OPTIONS) response"
    } else {
        "the response"
    };
    match kind {
        MissingAllowOriginHeader | PreflightMissingAllowOriginHeader | AllowOriginMismatch
        | PreflightAllowOriginMismatch | InvalidAllowOriginValue | PreflightInvalidAllowOriginValue
        | MultipleAllowOriginValues | PreflightMultipleAllowOriginValues => {
            format!("send exactly one \"Access-Control-Allow-Origin: {origin}\" on {on}")
        }
        WildcardOriginNotAllowed | PreflightWildcardOriginNotAllowed => format!(
            "answer \"Access-Control-Allow-Origin: {origin}\" (not *) and \"Access-Control-Allow-Credentials: true\" on {on}, or make the request without credentials"
        ),
        InvalidAllowCredentials | PreflightInvalidAllowCredentials => {
            format!("add \"Access-Control-Allow-Credentials: true\" to {on}")
        }
        PreflightInvalidStatus | PreflightDisallowedRedirect => {
            "answer OPTIONS with 204 (or 200) and the CORS headers, before any authentication or redirect".to_string()
        }
        InvalidAllowMethodsPreflightResponse => "write Access-Control-Allow-Methods as a comma-separated list: GET, POST, PUT".to_string(),
        InvalidAllowHeadersPreflightResponse => "write Access-Control-Allow-Headers as a comma-separated list: content-type, authorization".to_string(),
        MethodDisallowedByPreflightResponse => format!("add {param} to Access-Control-Allow-Methods in the preflight response"),
        HeaderDisallowedByPreflightResponse => format!("add {} to Access-Control-Allow-Headers in the preflight response", param.to_ascii_lowercase()),
        _ => "see corsica check for this request".to_string(),
    }
}

/// The `corsica check` command that reproduces the line (placeholders where the line names
/// no URL or origin).
fn check_command(line: &ConsoleLine) -> String {
    let quote = |s: &str| {
        if s.chars()
            .all(|c| c.is_ascii_alphanumeric() || ":/.-_?=&%+".contains(c))
        {
            s.to_string()
        } else {
            format!("'{}'", s.replace('\'', "'\\''"))
        }
    };
    let mut command = format!(
        "corsica check {} --origin {}",
        quote(line.url.as_deref().unwrap_or("URL")),
        quote(line.origin.as_deref().unwrap_or("ORIGIN"))
    );
    if line.kind == Some(CorsErrorKind::MethodDisallowedByPreflightResponse) {
        if let Some(method) = line.failed_parameter.as_deref() {
            let _ = write!(command, " -X {}", quote(method));
        }
    }
    if line.kind == Some(CorsErrorKind::HeaderDisallowedByPreflightResponse) {
        if let Some(name) = line.failed_parameter.as_deref() {
            let _ = write!(command, " -H {}", quote(&format!("{name}: x")));
        }
    }
    if matches!(
        line.kind,
        Some(
            CorsErrorKind::WildcardOriginNotAllowed
                | CorsErrorKind::PreflightWildcardOriginNotAllowed
                | CorsErrorKind::InvalidAllowCredentials
                | CorsErrorKind::PreflightInvalidAllowCredentials
        )
    ) {
        command.push_str(" --credentials include");
    }
    if line.engine != Engine::Chromium {
        let _ = write!(command, " --browser {}", line.engine);
    }
    command
}

/// Reads every line of `text` and merges what they say: the most specific line (one with an
/// error kind) wins, the others fill in the URL and origin it does not name.
fn read(text: &str) -> Option<ConsoleLine> {
    let lines: Vec<ConsoleLine> = text.lines().filter_map(recognize).collect();
    let mut best = lines
        .iter()
        .find(|l| l.kind.is_some())
        .or_else(|| lines.first())?
        .clone();
    for other in lines.iter().filter(|l| l.engine == best.engine) {
        if best.url.is_none() {
            best.url.clone_from(&other.url);
        }
        if best.origin.is_none() {
            best.origin.clone_from(&other.origin);
        }
    }
    Some(best)
}

/// Runs `corsica explain`.
pub(crate) fn run(args: &ExplainArgs) -> Result<Exit, CliError> {
    let text = if args.text == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| CliError::new(format!("cannot read standard input: {e}")))?;
        text
    } else {
        args.text.clone()
    };
    let Some(line) = read(&text) else {
        let message = "not a CORS console message I know (Chromium's \"Access to fetch at … has been blocked by CORS \
                       policy: …\", Firefox's \"Cross-Origin Request Blocked: …\", WebKit's \"Origin … is not allowed \
                       by Access-Control-Allow-Origin.\"): paste the whole line as the console printed it"
            .to_string();
        if args.json {
            print_json(&ErrorDocument {
                error: ErrorMessage {
                    message: message.clone(),
                },
            })?;
        }
        error::eprint(&format!("{} {message}\n", error::error_prefix()));
        return Ok(Exit::Error);
    };
    let doc = Document {
        browser: line.engine.as_str(),
        kind: line.kind.map(CorsErrorKind::as_str),
        reason_code: line.reason_code,
        url: line.url.clone(),
        origin: line.origin.clone(),
        meaning: meaning(&line),
        fix: fix(&line),
        check_command: check_command(&line),
    };
    if args.json {
        print_json(&doc)?;
    } else {
        let mut out = String::new();
        let engine = engine_name(line.engine);
        let _ = match line.reason_code {
            Some(code) => writeln!(
                out,
                "{} {engine}'s console (reason code {code})",
                "written by:".bold()
            ),
            None => writeln!(out, "{} {engine}'s console", "written by:".bold()),
        };
        if let Some(kind) = doc.kind {
            let _ = writeln!(out, "{} {kind}", "error:".bold());
        }
        if let Some(url) = &doc.url {
            let _ = writeln!(out, "{} {}", "url:".bold(), sanitized(url));
        }
        if let Some(origin) = &doc.origin {
            let _ = writeln!(out, "{} {}", "origin:".bold(), sanitized(origin));
        }
        let _ = writeln!(out, "{} {}", "meaning:".bold(), sanitized(&doc.meaning));
        let _ = writeln!(out, "{} {}", "fix:".bold(), sanitized(&doc.fix));
        let _ = writeln!(
            out,
            "{} {}",
            "reproduce:".bold(),
            sanitized(&doc.check_command)
        );
        print(&out)?;
    }
    Ok(Exit::Ok)
}
