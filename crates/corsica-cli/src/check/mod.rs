//! `corsica check URL --origin ORIGIN …`: what a browser does with a `fetch()` from a page of
//! ORIGIN to URL, against the live server: the preflight when one is needed, the request only
//! if it passes, redirects as `fetch()` follows them, every CORS check, the verdict, the line
//! Chromium's console would print and the server change that fixes it.
//!
//! The browser is the engine's ([`corsica::browser::Exchange`]); [`live`] does the network,
//! `render` and `json` the presentation, `fix` the advice.

mod all;
mod fix;
mod json;
pub mod live;
pub(crate) mod render;

use std::time::Duration;

use clap::{Args, ValueEnum};
use corsica::Origin;
use corsica::browser::{CredentialsMode, Engine, is_forbidden_request_header};
use url::Url;

use crate::error::{self, CliError, Exit};
use crate::output::{print, print_json, shown};

const CHECK_AFTER_HELP: &str = "\
corsica behaves like Chromium's fetch() from a page of ORIGIN: it sends the preflight (OPTIONS)
when the request needs one, the request itself only if the preflight passes, follows redirects
as fetch() does (re-checking CORS on each), and tells what the page's script could read. No
cookies are sent, even with --credentials include, but the rules for credentialed requests
apply. HTTP/1.1 heads are read byte for byte (only spaces and tabs around values are
stripped, as browsers do); https offers HTTP/2 and HTTP/1.1.

With --json, one document on stdout:
  {\"allowed\", \"preflight\": {\"sent\", \"status\", \"headers\", \"cache_seconds\"} | null,
   \"response\": {\"status\", \"headers\"} | null, \"exposed\": [...],
   \"error\": {\"kind\", \"message\"} | null, \"fix\": \"...\"}
error.kind is Chromium's CorsError name (MissingAllowOriginHeader, ...) or a net error
(ERR_TOO_MANY_REDIRECTS); error.message is the line the engine's console prints first,
error.console every line, error.reason_code Firefox's code (CORSMissingAllowOrigin2), and
error.script_error what the page's script sees. \"browser\" names the engine.

--browser firefox or webkit behaves as that engine: its preflight cache cap (Chromium 2 h,
Firefox 24 h, WebKit 10 min), its order of checks, its console text. --browser all checks with
the three, prints one line per engine and where they differ (with --json:
{\"allowed\", \"browsers\": [document, ...], \"differences\": [...]}); exit 1 if any blocks.

Examples:
  corsica check https://api.example.com/data --origin https://app.example.com
  corsica check https://api.example.com/items/1 --origin https://app.example.com \\
    -X PUT -H 'Content-Type: application/json' --credentials include
  corsica check http://127.0.0.1:8080/upload --origin http://localhost:3000 -d 'a=1' --json
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
    #[arg(short = 'H', long = "header", value_name = "HEADER")]
    headers: Vec<String>,

    /// The request's credentials mode.
    #[arg(long, value_enum, value_name = "MODE", default_value = "same-origin")]
    credentials: CredentialsArg,

    /// A string body, as fetch()'s body (Content-Type text/plain;charset=UTF-8 unless -H sets one).
    #[arg(short = 'd', long = "data", value_name = "BODY")]
    data: Option<String>,

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
    /// Every engine (`--browser all`), or only `config.engine`.
    all: bool,
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
        let url = Url::parse(&self.url).map_err(|e| {
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
        let origin = Origin::parse(&self.origin)
            .map_err(|e| CliError::new(format!("--origin {}: {e}", shown(&self.origin))))?;
        if let Some(method) = &self.method {
            // fetch() upper-cases only the six methods Fetch normalizes: `patch` goes out as
            // written, which servers (and policies) almost never expect.
            let upper = method.to_ascii_uppercase();
            if corsica::method::normalize_method(method) == method.as_str() && upper != *method {
                error::eprint(&format!(
                    "{} -X {}: fetch() sends this method as written (it upper-cases only DELETE, GET, HEAD, OPTIONS, POST and PUT); servers almost always expect {}\n",
                    error::warning_prefix(),
                    shown(method),
                    shown(&upper)
                ));
            }
        }
        let mut headers = Vec::with_capacity(self.headers.len());
        for arg in &self.headers {
            let (name, value) = parse_header(arg)
                .map_err(|why| CliError::new(format!("-H {}: {why}", shown(arg))))?;
            if name.eq_ignore_ascii_case("origin") {
                error::eprint(&format!(
                    "{} -H Origin: browsers set Origin themselves and fetch() drops it; use --origin\n",
                    error::warning_prefix()
                ));
            } else if is_forbidden_request_header(&name, &value) {
                error::eprint(&format!(
                    "{} -H {}: fetch() drops this header (scripts cannot set it)\n",
                    error::warning_prefix(),
                    shown(&name)
                ));
            }
            headers.push((name, value));
        }
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
        Ok(Check {
            config: live::Config {
                url,
                origin,
                method: self.method.clone(),
                headers,
                credentials: self.credentials.into(),
                body: self.data.as_ref().map(|d| d.as_bytes().to_vec()),
                private_network: self.private_network,
                timeout: Duration::from_secs_f64(timeout),
                insecure: self.insecure,
                engine: match self.browser {
                    BrowserArg::Firefox => Engine::Firefox,
                    BrowserArg::Webkit => Engine::WebKit,
                    BrowserArg::Chromium | BrowserArg::All => Engine::Chromium,
                },
            },
            json: self.json,
            all: self.browser == BrowserArg::All,
        })
    }
}

impl Check {
    /// Runs the check and prints the report: exit 0 when allowed, 1 when blocked.
    pub(crate) fn run(self) -> Result<Exit, CliError> {
        if self.all {
            return all::run(&self.config, self.json);
        }
        let report = live::check(&self.config).map_err(|e| CliError::new(e.to_string()))?;
        if self.json {
            print_json(&json::document(&report))?;
        } else {
            print(&render::human(&report))?;
        }
        Ok(if report.verdict.is_allowed() {
            Exit::Ok
        } else {
            Exit::Fail
        })
    }
}

/// Runs `corsica check`.
pub(crate) fn run(args: &CheckArgs) -> Result<Exit, CliError> {
    args.validate()?.run()
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
