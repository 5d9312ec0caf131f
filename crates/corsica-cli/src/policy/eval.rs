//! `corsica policy eval FILE -X METHOD -H 'Name: value'... [--path /x]`: what a server enforcing
//! the policy answers one request.

use std::ffi::{OsStr, OsString};
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use corsica::{Decision, Outcome, RawRequest};
use owo_colors::OwoColorize;
use serde::Serialize;

use super::{PolicyFileArgs, PolicyInput, Problem, read_file, read_limited};
use crate::error::{self, CliError, Exit};
use crate::output::{print, print_json, sanitized, shown, shown_bytes};

const EVAL_AFTER_HELP: &str = "\
The request is given as the server receives it, so the browser's own headers decide its kind:
no Origin is not a CORS request; OPTIONS with Origin and Access-Control-Request-Method is a
preflight; anything else with Origin is an actual CORS request. Methods are case-sensitive,
as on the wire: browsers send OPTIONS, upper case.

--origin ORIGIN is short for -H 'Origin: ORIGIN' (as in corsica check).

With --json, one document on stdout:
  {\"outcome\", \"status\", \"headers\": [[name, value]...], \"reason\", \"route\", \"warnings\"}
outcome is one of not-cors, actual-allowed, actual-denied, preflight-ok,
preflight-denied-origin, preflight-denied-after; status is the status corsica answers with
itself, or null when the request goes on to the service; headers are the CORS headers and
Vary that corsica adds; route is the path of the [[route]] that applied (null: the top-level
policy); warnings are the policy's, as 'policy lint --json' lists them. For an invalid policy
--json prints the 'policy lint --json' document.

Examples:
  A preflight for a PUT with a JSON body:
    corsica policy eval cors.toml -X OPTIONS \\
      -H 'Origin: https://app.example.com' \\
      -H 'Access-Control-Request-Method: PUT' \\
      -H 'Access-Control-Request-Headers: content-type'

  A credentialed GET, under the policy's [[route]] for /public/:
    corsica policy eval cors.toml -H 'Origin: https://app.example.com' --path /public/logo.png

  A same-origin POST (the browser sends Origin even then), with headers read from a file:
    printf 'Origin: https://api.example.com\\nHost: api.example.com\\n' > req.txt
    corsica policy eval cors.toml -X POST -H @req.txt --scheme https

Exit status:
  0  not-cors, actual-allowed or preflight-ok
  1  actual-denied, preflight-denied-origin or preflight-denied-after, or an invalid policy
  2  usage or I/O error: a header without a colon, no such file, an unknown extension";

/// `corsica policy eval` as typed.
#[derive(Debug, Args)]
#[command(
    long_about = "Show how a server enforcing a policy answers one request: the outcome, the status \
                  corsica answers with (or that the request goes on to the service), the CORS \
                  headers it adds, and why.",
    after_long_help = EVAL_AFTER_HELP
)]
pub(crate) struct EvalArgs {
    #[command(flatten)]
    policy: PolicyFileArgs,

    /// The request method, as on the wire (case-sensitive).
    #[arg(
        short = 'X',
        long = "request",
        value_name = "METHOD",
        default_value = "GET"
    )]
    method: String,

    /// A request header, 'Name: value'; repeat for more. @FILE reads one header per line from
    /// FILE (@- from standard input).
    #[arg(short = 'H', long = "header", value_name = "HEADER", value_parser = clap::value_parser!(OsString))]
    headers: Vec<OsString>,

    /// The page's origin: short for -H 'Origin: ORIGIN'.
    #[arg(long, value_name = "ORIGIN")]
    origin: Option<String>,

    /// The request path, which picks the policy's route.
    #[arg(
        long,
        value_name = "PATH",
        default_value = "/",
        help = "The request path: the first [[route]] whose path is a prefix of it applies"
    )]
    path: String,

    /// The scheme the request arrived over; with Host, it tells same-origin requests apart.
    #[arg(long, value_enum, value_name = "SCHEME")]
    scheme: Option<SchemeArg>,

    /// Print one JSON document: {"outcome", "status", "headers", "reason", "route", "warnings"}.
    #[arg(long)]
    json: bool,
}

/// `--scheme`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum SchemeArg {
    // No doc comments on the values: clap would list them one per line.
    Http,
    Https,
}

/// `corsica policy eval`, validated: the request is built and checked.
#[derive(Debug)]
pub(crate) struct Eval {
    input: PolicyInput,
    request: RawRequest,
    path: String,
    json: bool,
}

impl EvalArgs {
    /// Checks the arguments and builds the request.
    pub(crate) fn validate(&self) -> Result<Eval, CliError> {
        let input = self.policy.validate()?;
        if !corsica::method::is_method_token(&self.method) {
            return Err(CliError::new(format!(
                "-X {}: not a method name (letters, digits and !#$%&'*+-.^_`|~ only); write it as the server receives it, e.g. -X PUT",
                shown(&self.method)
            )));
        }
        if !self.path.starts_with('/') {
            return Err(CliError::new(format!(
                "--path {}: a request path starts with '/', e.g. --path /api/users",
                shown(&self.path)
            )));
        }
        let mut request = RawRequest::new(self.method.as_str());
        let mut has_origin = false;
        for arg in &self.headers {
            for (name, value) in header_lines(arg, input.is_stdin())? {
                has_origin |= name.eq_ignore_ascii_case("origin");
                request = request.header(name, value);
            }
        }
        if let Some(origin) = &self.origin {
            if has_origin {
                return Err(CliError::new(format!(
                    "--origin {} and -H Origin both give the origin: keep one",
                    shown(origin)
                )));
            }
            if origin.contains(['\r', '\n', '\0']) {
                return Err(CliError::new(
                    "--origin: the value cannot hold CR, LF or NUL".to_string(),
                ));
            }
            request = request.header("Origin", origin.as_bytes().to_vec());
        }
        if let Some(scheme) = self.scheme {
            request = request.scheme(match scheme {
                SchemeArg::Http => "http",
                SchemeArg::Https => "https",
            });
        }
        Ok(Eval {
            input,
            request,
            path: self.path.clone(),
            json: self.json,
        })
    }
}

/// The header lines one `-H` argument stands for: itself, or each line of `@FILE`.
fn header_lines(arg: &OsStr, policy_from_stdin: bool) -> Result<Vec<(String, Vec<u8>)>, CliError> {
    let Some(file) = header_file(arg) else {
        let header = parse_header(arg.as_encoded_bytes()).map_err(|problem| {
            CliError::new(format!(
                "-H: {problem}; write it as -H 'Name: value', e.g. -H 'Origin: https://app.example.com'"
            ))
        })?;
        return Ok(vec![header]);
    };
    let (name, bytes) = if file.as_os_str() == "-" {
        if policy_from_stdin {
            return Err(CliError::new(
                "the policy and -H @- cannot both be read from standard input; put the headers or the policy in a file",
            ));
        }
        let bytes = read_limited(
            std::io::stdin().lock(),
            "headers from standard input",
            "<stdin>",
        )?;
        ("<stdin>".to_owned(), bytes)
    } else {
        (
            shown(&file.display().to_string()),
            read_file(&file, "header file")?,
        )
    };
    bytes
        .split(|&b| b == b'\n')
        .map(|line| line.strip_suffix(b"\r").unwrap_or(line))
        .enumerate()
        .filter(|(_, line)| !line.iter().all(u8::is_ascii_whitespace))
        .map(|(i, line)| {
            parse_header(line).map_err(|problem| {
                CliError::new(format!(
                    "{name} line {}: {problem}; write one header per line as 'Name: value'",
                    i + 1
                ))
            })
        })
        .collect()
}

/// The file of `-H @FILE`, if `arg` is one.
fn header_file(arg: &OsStr) -> Option<PathBuf> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        arg.as_bytes()
            .strip_prefix(b"@")
            .map(|rest| PathBuf::from(OsStr::from_bytes(rest)))
    }
    #[cfg(not(unix))]
    {
        arg.to_str()?.strip_prefix('@').map(PathBuf::from)
    }
}

/// Splits `Name: value`. The name must be a token with no space before the colon (RFC 9112
/// §5.1); the value is any bytes, without the spaces and tabs around it (RFC 9110 §5.5).
fn parse_header(line: &[u8]) -> Result<(String, Vec<u8>), String> {
    let Some(colon) = line.iter().position(|&b| b == b':') else {
        return Err(format!(
            "{} has no colon between the name and the value",
            shown_bytes(line)
        ));
    };
    let (name, value) = (&line[..colon], &line[colon + 1..]);
    if name.is_empty() {
        return Err(format!(
            "{} has no name before the colon",
            shown_bytes(line)
        ));
    }
    if let Some(space) = name
        .iter()
        .position(|&b| b == b' ')
        .filter(|_| !name.ends_with(b" "))
    {
        return Err(format!(
            "{}: a header name has no spaces; is the colon missing after {}?",
            shown_bytes(line),
            shown_bytes(&name[..space])
        ));
    }
    if name.ends_with(b" ") || name.ends_with(b"\t") {
        return Err(format!(
            "{} has a space before the colon, which HTTP servers refuse",
            shown_bytes(line)
        ));
    }
    let name = match std::str::from_utf8(name) {
        Ok(name) if corsica::header::is_header_name(name) => name,
        _ => {
            return Err(format!(
                "{} is not a header name (letters, digits and !#$%&'*+-.^_`|~ only)",
                shown_bytes(name)
            ));
        }
    };
    let value = value.trim_ascii_start();
    let end = value
        .iter()
        .rposition(|&b| b != b' ' && b != b'\t')
        .map_or(0, |i| i + 1);
    Ok((name.to_owned(), value[..end].to_vec()))
}

/// The `policy eval --json` document.
#[derive(Debug, Serialize)]
struct EvalJson<'a> {
    outcome: &'static str,
    status: Option<u16>,
    headers: Vec<[&'a str; 2]>,
    reason: String,
    /// The path of the `[[route]]` that applied; `None`: the top-level policy.
    route: Option<&'a str>,
    /// The policy's warnings.
    warnings: &'a [Problem],
}

impl Eval {
    /// Reads the policy, decides, and reports.
    pub(crate) fn run(&self) -> Result<Exit, CliError> {
        let checked = self.input.load()?;
        let Some(policy) = checked.policy else {
            let report = checked.report;
            if self.json {
                print_json(&report)?;
            } else {
                let n = report.errors.len();
                let mut text = format!(
                    "{} {} is not a valid policy, so there is nothing to evaluate; fix {} (run 'corsica policy lint' for the details):\n",
                    error::error_prefix(),
                    sanitized(&self.input.name()),
                    if n == 1 {
                        "this problem".to_owned()
                    } else {
                        format!("these {n} problems")
                    },
                );
                for problem in &report.errors {
                    text.push_str(&format!("  {}\n", problem.human()));
                }
                error::eprint(&text);
            }
            return Ok(Exit::Fail);
        };
        if !self.json {
            let mut text = String::new();
            for warning in &checked.report.warnings {
                text.push_str(&format!(
                    "{} {}\n",
                    error::warning_prefix(),
                    warning.human()
                ));
            }
            error::eprint(&text);
        }

        let route = policy.route_for(&self.path);
        let applied = route.map_or(&policy, |(_, p)| p);
        let decision = applied.decide(&self.request);
        let headers = wire_headers(&decision);
        if self.json {
            print_json(&EvalJson {
                outcome: decision.outcome().as_str(),
                status: decision.respond_status().map(corsica::Status::as_u16),
                headers,
                reason: decision.reason().to_string(),
                route: route.map(|(path, _)| path),
                warnings: &checked.report.warnings,
            })?;
        } else {
            print(&human(&decision, &headers, route.map(|(path, _)| path)))?;
        }
        Ok(match decision.outcome() {
            Outcome::NotCors | Outcome::ActualAllowed | Outcome::PreflightOk => Exit::Ok,
            Outcome::ActualDenied
            | Outcome::PreflightDeniedOrigin
            | Outcome::PreflightDeniedAfter => Exit::Fail,
        })
    }
}

/// The headers corsica adds: the CORS headers, then `vary` when there is one.
fn wire_headers<'d>(decision: &'d Decision<'_>) -> Vec<[&'d str; 2]> {
    let mut headers: Vec<[&str; 2]> = decision
        .headers()
        .iter()
        .map(|(name, value)| [name.as_str(), value])
        .collect();
    if let Some(vary) = decision.vary() {
        headers.push([corsica::header::VARY, vary.as_str()]);
    }
    headers
}

/// The decision for people: outcome, status, headers as on the wire, and the reason.
fn human(decision: &Decision<'_>, headers: &[[&str; 2]], route: Option<&str>) -> String {
    let outcome = decision.outcome().as_str();
    let outcome = match decision.outcome() {
        Outcome::NotCors | Outcome::ActualAllowed | Outcome::PreflightOk => {
            outcome.green().bold().to_string()
        }
        _ => outcome.red().bold().to_string(),
    };
    let label = |name: &str| format!("{:<9}", format!("{name}:")).bold().to_string();
    let mut out = format!("{}{outcome}\n", label("outcome"));
    if let Some(path) = route {
        out.push_str(&format!(
            "{}the [[route]] for {}\n",
            label("policy"),
            sanitized(path)
        ));
    }
    match decision.respond_status() {
        Some(status) => out.push_str(&format!(
            "{}{status}, answered by corsica; the service is not called\n",
            label("status")
        )),
        None => out.push_str(&format!(
            "{}none: the request goes on to the service, which answers it{}\n",
            label("status"),
            if headers.is_empty() {
                "; corsica adds no headers"
            } else {
                "; corsica adds the headers below"
            }
        )),
    }
    for (i, [name, value]) in headers.iter().enumerate() {
        let lead = if i == 0 {
            label("headers")
        } else {
            " ".repeat(9)
        };
        let note = if *name == corsica::header::VARY && decision.calls_inner() {
            " (appended to the service's own Vary)".dimmed().to_string()
        } else {
            String::new()
        };
        out.push_str(&format!(
            "{lead}{}: {}{note}\n",
            name.cyan(),
            sanitized(value)
        ));
    }
    if headers.is_empty() && decision.respond_status().is_some() {
        out.push_str(&format!("{}none\n", label("headers")));
    }
    out.push_str(&format!(
        "{}{}\n",
        label("reason"),
        sanitized(&decision.reason().to_string())
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_split_at_the_first_colon() {
        assert_eq!(
            parse_header(b"Origin:  https://a.example:8443 \t").unwrap(),
            ("Origin".to_owned(), b"https://a.example:8443".to_vec())
        );
        assert_eq!(
            parse_header(b"X-Empty:").unwrap(),
            ("X-Empty".to_owned(), Vec::new())
        );
        assert_eq!(
            parse_header(b"X-Bytes: \xff\x00").unwrap().1,
            b"\xff\x00".to_vec()
        );
    }

    #[test]
    fn malformed_headers_say_what_is_wrong() {
        assert!(
            parse_header(b"Origin https//a.example")
                .unwrap_err()
                .contains("no colon")
        );
        assert!(
            parse_header(b"Origin https://a.example")
                .unwrap_err()
                .contains("is the colon missing after \"Origin\"?")
        );
        assert!(parse_header(b": x").unwrap_err().contains("no name"));
        assert!(
            parse_header(b"Origin : x")
                .unwrap_err()
                .contains("space before the colon")
        );
        assert!(
            parse_header(b"Bad/Name: x")
                .unwrap_err()
                .contains("not a header name")
        );
        assert!(
            parse_header(b"\xff: x")
                .unwrap_err()
                .contains("not a header name")
        );
    }

    #[test]
    fn at_names_a_header_file() {
        assert_eq!(
            header_file(OsStr::new("@req.txt")),
            Some(PathBuf::from("req.txt"))
        );
        assert_eq!(header_file(OsStr::new("Origin: x")), None);
    }
}
