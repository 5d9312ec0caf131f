//! `corsica check URL --origin ORIGIN …`: what a browser does with a `fetch()` from a page of
//! ORIGIN to URL, against the live server: the preflight when one is needed, the request only
//! if it passes, redirects as `fetch()` follows them, every CORS check, the verdict, the line
//! Chromium's console would print and the server change that fixes it.
//!
//! The browser is the engine's ([`corsica::browser::Exchange`]); [`live`] does the network,
//! `render` and `json` the presentation, `fix` the advice.

mod all;
mod error_status;
pub(crate) mod fix;
pub(crate) mod json;
pub mod live;
pub(crate) mod render;
mod warn;

use std::ffi::OsString;
use std::path::Path;
use std::time::Duration;

use clap::{Args, ValueEnum};
use corsica::Origin;
use corsica::browser::{CredentialsMode, Engine, is_forbidden_request_header};
use url::Url;

use crate::error::{self, CliError, Exit};
use crate::output::{print, print_json, shown};
use crate::policy::read_file;

const CHECK_AFTER_HELP: &str = "\
corsica behaves like Chromium's fetch() from a page of ORIGIN: it sends the preflight (OPTIONS)
when the request needs one, the request itself only if the preflight passes, follows redirects
as fetch() does (re-checking CORS on each), and tells what the page's script could read. No
cookies are sent unless --cookie gives them, but with --credentials include the rules for
credentialed requests apply. HTTP/1.1 heads are read byte for byte (only spaces and tabs around values are
stripped, as browsers do); https offers HTTP/2 and HTTP/1.1.

Like curl: -d @FILE sends the file's contents (without its line breaks; --data-binary @FILE
keeps them), -H @FILE reads one header per line, --cookie sends a Cookie header on the
requests that carry credentials (--credentials include), --cacert trusts a CA, -A sets the
User-Agent, -v shows every header line and the start of each body. Chromium's own headers go
along too: Sec-Fetch-Site/Mode/Dest, Referer (the origin, as its default referrer policy sends
it), Accept-Language. The URL's #fragment is never sent.

--diagnose sends follow-up requests when they can tell more: a preflight refused without CORS
headers is retried for each part alone (a safelisted method, the method alone, each header
alone) to name the part the server refuses; an allowed request is retried from a made-up
origin to find servers that allow any origin. They are listed in the output.

With --json, one document on stdout, on every exit (2 included, with error set):
  {\"allowed\", \"browser\", \"request\": {\"url\", \"origin\", \"method\"},
   \"preflight\": {\"sent\", \"status\", \"headers\", \"cache_seconds\"} | null,
   \"response\": {\"status\", \"headers\"} | null, \"redirects\": [{\"url\", \"status\", \"location\"}],
   \"exposed\": [...], \"error\": {\"kind\", \"message\", \"console\", \"reason_code\",
   \"script_error\"} | null, \"fix\": \"...\" | null,
   \"warnings\": [...], \"diagnosis\": [...] | null}
error.kind is Chromium's CorsError name (MissingAllowOriginHeader, ...) or a net error
(ERR_TOO_MANY_REDIRECTS, ERR_CONNECTION_REFUSED); error.message is the line the engine's
console prints first, error.console every line, error.reason_code Firefox's code
(CORSMissingAllowOrigin2), and error.script_error what the page's script sees. \"browser\"
names the engine. On exit 2, kind is usage, TypeError (fetch() throws) or the net error.

--browser firefox or webkit behaves as that engine: its preflight cache cap (Chromium 2 h,
Firefox 24 h, WebKit 10 min), its order of checks, its console text. --browser all checks with
the three, prints one line per engine and where they differ (with --json:
{\"allowed\", \"browsers\": [document, ...], \"differences\": [...]}); exit 1 if any blocks.

Examples:
  corsica check https://api.example.com/data --origin https://app.example.com
  corsica check https://api.example.com/items/1 --origin https://app.example.com \\
    -X PUT -H 'Content-Type: application/json' --credentials include
  corsica check http://127.0.0.1:8080/upload --origin http://localhost:3000 -d @form.txt --json
  corsica check http://127.0.0.1:8080/api/items --origin http://localhost:3000 \\
    -H 'X-Debug: 1' --diagnose
  corsica check https://api.example.com/data --origin https://app.example.com --browser all

Exit status:
  0  allowed: the page's script can read the response
  1  blocked by CORS (or by a redirect fetch() refuses)
  2  usage error, or no answer: DNS, connection, TLS, timeout";

/// `corsica check` as typed.
#[derive(Debug, Args)]
#[command(
    long_about = "See what a browser does with a fetch() from a page of ORIGIN to URL: the \
                  preflight, the request, every CORS check, the verdict, Chromium's console \
                  message and the server change that fixes a blocked request.",
    after_long_help = CHECK_AFTER_HELP
)]
pub(crate) struct CheckArgs {
    /// The URL the page fetches (http or https).
    #[arg(value_name = "URL")]
    url: String,

    /// The page's origin, as browsers send it: scheme://host or scheme://host:port (or null).
    #[arg(long, value_name = "ORIGIN")]
    origin: String,

    /// The method passed to fetch() [default: GET, or POST with --data].
    #[arg(short = 'X', long = "request", value_name = "METHOD")]
    method: Option<String>,

    /// A header the script sets, 'Name: value' ('Name;' for an empty value); repeat for more.
    /// @FILE reads one header per line from FILE.
    #[arg(short = 'H', long = "header", value_name = "HEADER", value_parser = clap::value_parser!(OsString))]
    headers: Vec<OsString>,

    /// The request's credentials mode.
    #[arg(long, value_enum, value_name = "MODE", default_value = "same-origin")]
    credentials: CredentialsArg,

    /// A string body, as fetch()'s body (Content-Type text/plain;charset=UTF-8 unless -H sets
    /// one). @FILE sends the file's contents without its line breaks, as curl does.
    #[arg(short = 'd', long = "data", value_name = "BODY", value_parser = clap::value_parser!(OsString), conflicts_with = "data_binary")]
    data: Option<OsString>,

    /// Like --data, but @FILE is sent byte for byte.
    #[arg(long = "data-binary", value_name = "BODY", value_parser = clap::value_parser!(OsString))]
    data_binary: Option<OsString>,

    /// Cookies for the requests that carry credentials (--credentials include), as
    /// 'name=value; name2=value2'.
    #[arg(short = 'b', long, value_name = "COOKIES")]
    cookie: Option<String>,

    /// Trust the CA certificates in this PEM file too (for a private CA or a self-signed
    /// certificate).
    #[arg(long, value_name = "FILE")]
    cacert: Option<std::path::PathBuf>,

    /// The User-Agent to send, e.g. a browser's.
    #[arg(short = 'A', long = "user-agent", value_name = "AGENT")]
    user_agent: Option<String>,

    /// Show every header line sent and received, and the start of each response body.
    #[arg(short = 'v', long)]
    verbose: bool,

    /// Send follow-up requests that find which part of a refused preflight the server refuses,
    /// and whether it allows any origin (see --help).
    #[arg(long)]
    diagnose: bool,

    /// Make it a Private Network Access request (Chrome's preflight with
    /// Access-Control-Request-Private-Network: true).
    #[arg(long)]
    private_network: bool,

    /// Print one JSON document (see --help).
    #[arg(long)]
    json: bool,

    /// Give up after this many seconds, for the whole check.
    #[arg(long, value_name = "SECS", default_value = "10")]
    timeout: String,

    /// Accept any TLS certificate.
    #[arg(short = 'k', long)]
    insecure: bool,

    /// The browser engine to behave as; `all` checks with each and shows where they differ.
    #[arg(long, value_enum, value_name = "ENGINE", default_value = "chromium")]
    browser: BrowserArg,
}

/// `--browser`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum BrowserArg {
    Chromium,
    Firefox,
    Webkit,
    All,
}

impl BrowserArg {
    /// The engine to behave as (Chromium's rules for the common part of `all`).
    fn engine(self) -> Engine {
        match self {
            BrowserArg::Firefox => Engine::Firefox,
            BrowserArg::Webkit => Engine::WebKit,
            BrowserArg::Chromium | BrowserArg::All => Engine::Chromium,
        }
    }
}

/// `--credentials`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum CredentialsArg {
    // No doc comments on the values: clap would list them one per line.
    Omit,
    SameOrigin,
    Include,
}

impl From<CredentialsArg> for CredentialsMode {
    fn from(c: CredentialsArg) -> Self {
        match c {
            CredentialsArg::Omit => CredentialsMode::Omit,
            CredentialsArg::SameOrigin => CredentialsMode::SameOrigin,
            CredentialsArg::Include => CredentialsMode::Include,
        }
    }
}

/// `corsica check`, validated.
#[derive(Debug)]
pub(crate) struct Check {
    config: live::Config,
    json: bool,
    verbose: bool,
    /// Warnings about the arguments, printed on standard error and kept for `--json`.
    warnings: Vec<String>,
    /// Every engine (`--browser all`), or only `config.engine`.
    all: bool,
}

/// The bytes of `-d`/`--data-binary`: the text itself, or with `@FILE` the file's contents
/// (without CR and LF for `-d`, as curl reads it).
fn body_arg(arg: &OsString, flag: &str, strip_newlines: bool) -> Result<Vec<u8>, CliError> {
    let bytes = arg.as_encoded_bytes();
    let Some(file) = bytes.strip_prefix(b"@") else {
        return Ok(bytes.to_vec());
    };
    let path = String::from_utf8_lossy(file).into_owned();
    let mut body = if path == "-" {
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin().lock(), &mut buf)
            .map_err(|e| CliError::new(format!("{flag} @-: cannot read standard input: {e}")))?;
        buf
    } else {
        read_file(Path::new(&path), &format!("the {flag} file"))?
    };
    if strip_newlines {
        body.retain(|&b| b != b'\r' && b != b'\n');
    }
    Ok(body)
}

/// The header lines of one `-H`: itself, or each line of `@FILE`.
fn header_args(arg: &OsString) -> Result<Vec<(String, Vec<u8>)>, CliError> {
    let bytes = arg.as_encoded_bytes();
    let Some(file) = bytes.strip_prefix(b"@") else {
        let text = arg.to_string_lossy();
        return parse_header(&text)
            .map(|h| vec![h])
            .map_err(|why| CliError::new(format!("-H {}: {why}", shown(&text))));
    };
    let path = String::from_utf8_lossy(file).into_owned();
    let content = if path == "-" {
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin().lock(), &mut buf)
            .map_err(|e| CliError::new(format!("-H @-: cannot read standard input: {e}")))?;
        buf
    } else {
        read_file(Path::new(&path), "header file")?
    };
    let text = String::from_utf8_lossy(&content);
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(i, line)| {
            parse_header(line).map_err(|why| {
                CliError::new(format!(
                    "-H @{path} line {}: {why}; write one header per line as 'Name: value'",
                    i + 1
                ))
            })
        })
        .collect()
}

/// The DER certificates of a PEM file (`--cacert`).
fn ca_file(path: &Path) -> Result<Vec<Vec<u8>>, CliError> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let pem = read_file(path, "--cacert file")?;
    let certs: Vec<Vec<u8>> = CertificateDer::pem_slice_iter(&pem)
        .filter_map(Result::ok)
        .map(|c| c.to_vec())
        .collect();
    if certs.is_empty() {
        return Err(CliError::new(format!(
            "--cacert {}: no PEM certificate in it (\"-----BEGIN CERTIFICATE-----\")",
            shown(&path.display().to_string())
        )));
    }
    Ok(certs)
}

/// Splits `Name: value` (or `Name;` for an empty value), as curl reads -H.
pub(crate) fn parse_header(arg: &str) -> Result<(String, Vec<u8>), String> {
    let (name, value) = match arg.split_once(':') {
        Some((name, value)) => (name, value.trim_start_matches([' ', '\t'])),
        None => match arg.strip_suffix(';') {
            Some(name) => (name, ""),
            None => return Err("no colon: write it as 'Name: value'".to_string()),
        },
    };
    if name.is_empty() {
        return Err("no header name before the colon".to_string());
    }
    if !corsica::method::is_method_token(name) {
        return Err(format!(
            "{} is not a header name (letters, digits and !#$%&'*+-.^_`|~ only, no spaces)",
            shown(name)
        ));
    }
    if value.contains(['\r', '\n', '\0']) {
        return Err("a header value cannot hold CR, LF or NUL".to_string());
    }
    Ok((name.to_string(), value.as_bytes().to_vec()))
}

impl CheckArgs {
    /// Checks the arguments.
    pub(crate) fn validate(&self) -> Result<Check, CliError> {
        // `localhost:3000/x` parses as a URL with scheme `localhost`, `127.0.0.1:9/x` as a
        // relative one: either way the user left out the scheme.
        if !self.url.contains("://") && !self.url.is_empty() {
            return Err(CliError::new(format!(
                "URL {} has no scheme: write {} (or https://…)",
                shown(&self.url),
                shown(&format!("http://{}", self.url.trim_start_matches('/')))
            )));
        }
        let mut warnings = Vec::new();
        let mut url = Url::parse(&self.url).map_err(|e| {
            CliError::new(format!(
                "URL {}: {e}; write it in full, e.g. https://api.example.com/data",
                shown(&self.url)
            ))
        })?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(CliError::new(format!(
                "URL {}: only http and https URLs can be checked",
                shown(&self.url)
            )));
        }
        if url.fragment().is_some() {
            // Browsers never send the fragment; it stays off the wire and out of the report.
            url.set_fragment(None);
        }
        let origin = Origin::parse(&self.origin)
            .map_err(|e| CliError::new(format!("--origin {}: {e}", shown(&self.origin))))?;
        if let Some(method) = &self.method {
            // fetch() upper-cases only the six methods Fetch normalizes: `patch` goes out as
            // written, which servers (and policies) almost never expect.
            let upper = method.to_ascii_uppercase();
            if corsica::method::normalize_method(method) == method.as_str() && upper != *method {
                warnings.push(format!(
                    "-X {}: fetch() sends this method as written (it upper-cases only DELETE, GET, HEAD, OPTIONS, POST and PUT); servers almost always expect {}",
                    shown(method),
                    shown(&upper)
                ));
            }
        }
        let stdin = |a: &Option<OsString>| a.as_ref().is_some_and(|a| a == "@-");
        if self.headers.iter().any(|h| h == "@-") && (stdin(&self.data) || stdin(&self.data_binary))
        {
            return Err(CliError::new(
                "-H @- and the body cannot both be read from standard input; put one in a file",
            ));
        }
        let mut headers = Vec::with_capacity(self.headers.len());
        for arg in &self.headers {
            for (name, value) in header_args(arg)? {
                if name.eq_ignore_ascii_case("origin") {
                    warnings.push(
                        "-H Origin: browsers set Origin themselves and fetch() drops it; use --origin"
                            .to_string(),
                    );
                } else if name.eq_ignore_ascii_case("cookie") {
                    warnings.push(
                        "-H Cookie: fetch() drops this header (scripts cannot set it); use --cookie with --credentials include".to_string(),
                    );
                } else if is_forbidden_request_header(&name, &value) {
                    warnings.push(format!(
                        "-H {}: fetch() drops this header (scripts cannot set it)",
                        shown(&name)
                    ));
                }
                headers.push((name, value));
            }
        }
        let body = match (&self.data, &self.data_binary) {
            (Some(d), _) => Some(body_arg(d, "-d", true)?),
            (None, Some(d)) => Some(body_arg(d, "--data-binary", false)?),
            (None, None) => None,
        };
        let cookie = match &self.cookie {
            None => None,
            Some(c) if !c.contains('=') => {
                return Err(CliError::new(format!(
                    "--cookie {}: write the cookies as 'name=value; name2=value2' (cookie files are not read)",
                    shown(c)
                )));
            }
            Some(c) if c.contains(['\r', '\n', '\0']) => {
                return Err(CliError::new(
                    "--cookie: the value cannot hold CR, LF or NUL".to_string(),
                ));
            }
            Some(c) => {
                if self.credentials != CredentialsArg::Include {
                    warnings.push(
                        "--cookie: a cross-origin fetch() sends cookies only with --credentials include, so none are sent"
                            .to_string(),
                    );
                }
                Some(c.as_bytes().to_vec())
            }
        };
        if let Some(agent) = &self.user_agent {
            if agent.contains(['\r', '\n', '\0']) {
                return Err(CliError::new(
                    "--user-agent: the value cannot hold CR, LF or NUL".to_string(),
                ));
            }
        }
        let ca_certificates = match &self.cacert {
            Some(path) => ca_file(path)?,
            None => Vec::new(),
        };
        let timeout = self
            .timeout
            .parse::<f64>()
            .ok()
            .filter(|t| t.is_finite() && *t > 0.0 && *t <= 86_400.0)
            .ok_or_else(|| {
                CliError::new(format!(
                    "--timeout {}: a number of seconds above 0 (at most a day), e.g. --timeout 5",
                    shown(&self.timeout)
                ))
            })?;
        for warning in &warnings {
            error::eprint(&format!("{} {warning}\n", error::warning_prefix()));
        }
        Ok(Check {
            config: live::Config {
                url,
                origin,
                method: self.method.clone(),
                headers,
                credentials: self.credentials.into(),
                body,
                private_network: self.private_network,
                timeout: Duration::from_secs_f64(timeout),
                insecure: self.insecure,
                ca_certificates,
                cookie,
                user_agent: self.user_agent.clone(),
                diagnose: self.diagnose,
                engine: self.browser.engine(),
            },
            json: self.json,
            verbose: self.verbose,
            warnings,
            all: self.browser == BrowserArg::All,
        })
    }

    /// The request as typed, for the `--json` document of a failed check.
    fn request_doc(&self) -> json::RequestDoc {
        json::RequestDoc {
            url: self.url.split('#').next().unwrap_or_default().to_string(),
            origin: self.origin.clone(),
            method: self.method.clone().unwrap_or_else(|| {
                if self.data.is_some() || self.data_binary.is_some() {
                    "POST".to_string()
                } else {
                    "GET".to_string()
                }
            }),
        }
    }
}

impl Check {
    /// Runs the check and prints the report: exit 0 when allowed, 1 when blocked.
    pub(crate) fn run(self) -> Result<Exit, CliError> {
        if self.all {
            return all::run(&self.config, self.json);
        }
        let report = match live::check(&self.config) {
            Ok(report) => report,
            Err(e) => {
                if self.json {
                    print_failure(&self.config, &e)?;
                }
                return Err(CliError::new(e.to_string()));
            }
        };
        if self.json {
            print_json(&json::document_with_warnings(&report, &self.warnings))?;
        } else {
            let options = render::Options {
                verbose: self.verbose,
            };
            print(&render::human_with(&report, options))?;
        }
        Ok(if report.verdict.is_allowed() {
            Exit::Ok
        } else {
            Exit::Fail
        })
    }
}

/// What to change when a check got no answer, where the error says it.
fn network_fix(e: &live::CheckError) -> Option<String> {
    let live::CheckError::Network { error, .. } = e else {
        return None;
    };
    let text = error.to_string();
    [
        "--cacert",
        "use an http:// URL",
        "use an https:// URL",
        "not an HTTP server",
        "raise --timeout",
    ]
    .iter()
    .any(|hint| text.contains(hint))
    .then_some(text)
}

/// The `--json` document of a check that got no answer (exit 2): the request as configured,
/// the network error, and the fix when the error has one.
pub(super) fn print_failure(config: &live::Config, e: &live::CheckError) -> Result<(), CliError> {
    let request = json::RequestDoc {
        url: config.url.to_string(),
        origin: config.origin.to_string(),
        method: config
            .method
            .clone()
            .unwrap_or_else(|| if config.body.is_some() { "POST" } else { "GET" }.to_string()),
    };
    let script_error = config.engine.profile().script_error();
    print_json(&json::failure(
        config.engine.as_str(),
        Some(request),
        json::ErrorDoc::without_verdict(e.kind(), e.to_string(), Some(script_error)),
        network_fix(e),
    ))
}

/// Runs `corsica check`.
pub(crate) fn run(args: &CheckArgs) -> Result<Exit, CliError> {
    let check = match args.validate() {
        Ok(check) => check,
        Err(e) => {
            if args.json {
                if let CliError::Message(message) = &e {
                    print_json(&json::failure(
                        args.browser.engine().as_str(),
                        Some(args.request_doc()),
                        json::ErrorDoc::without_verdict("usage", message.clone(), None),
                        None,
                    ))?;
                }
            }
            return Err(e);
        }
    };
    check.run()
}

/// The `--json` document for a command line clap refused (exit 2): no request, the error.
pub(crate) fn usage_failure_json(message: &str) -> Result<(), CliError> {
    print_json(&json::failure(
        json::BROWSER,
        None,
        json::ErrorDoc::without_verdict("usage", message, None),
        None,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_read_like_curl() {
        assert_eq!(
            parse_header("X-Api-Key:  k 1 "),
            Ok(("X-Api-Key".into(), b"k 1 ".to_vec()))
        );
        assert_eq!(parse_header("X-Empty;"), Ok(("X-Empty".into(), Vec::new())));
        assert_eq!(parse_header("X-Empty:"), Ok(("X-Empty".into(), Vec::new())));
        assert!(parse_header("no colon").is_err());
        assert!(parse_header(": v").is_err());
        assert!(parse_header("Bad Name: v").is_err());
    }
}
