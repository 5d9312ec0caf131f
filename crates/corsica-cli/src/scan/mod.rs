//! `corsica scan URL... | @FILE | -`: find CORS misconfigurations, each confirmed by the
//! engine's browser side, and (`--policy`) check that a deployment enforces its policy.
//!
//! - `probe`: the probes derived from a target's host and registrable domain (pure);
//! - `judge`: the browser's verdict on each answer and the findings it proves (pure);
//! - `policy`: `--policy`'s probes and differences from the engine's decisions (pure);
//! - `class`: the finding ids, titles, fixes and severities;
//! - `input`: the targets, streamed; `net`: sending the probes; `report`: text, JSON, SARIF.

mod class;
mod input;
mod judge;
mod keep_alive;
mod net;
mod policy;
mod probe;
mod report;

use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};
use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::Args;
use tokio::task::JoinSet;

use crate::check::parse_header;
use crate::error::{CliError, Exit};
use crate::output::shown;
use crate::policy::PolicyFileArgs;

use self::input::Source;
use self::net::{Rate, Settings};
use self::report::{Format, Report};

const SCAN_AFTER_HELP: &str = "\
Each target gets about 45 probes derived from its own host and registrable domain (the public
suffix list): GET requests with crafted Origin headers (any origin, null, prefix, suffix and
substring matches, unescaped regex dots, any subdomain, http:// origins, special characters,
shared hosting sites, localhost.*), preflights for a PUT with a custom header and for Private
Network Access, a request without Origin (for Vary) and one on an error status. Every answer
is judged as a browser would: a finding says whether a page on the origin sent reads the
response with and without credentials, and its severity follows what the attacker gets (a
readable credentialed response is critical; a reflected origin that browsers still refuse is
info). Only the targets' hosts are contacted; redirects are reported, never followed.

With --policy FILE, the probes also include each origin and pattern the policy allows,
near-misses of each, each allowed method and header and a refused one, Private Network
Access and each route; every probe where the browser's verdict on the live answer differs
from its verdict on the policy's answer is a policy-* finding.

Formats: text (for people, with a summary table), json
  {\"findings\": [{\"url\", \"id\", \"severity\", \"origin_sent\", \"evidence\", \"fix\"}],
   \"errors\": [{\"url\", \"message\"}], \"summary\": {...}}
and sarif (SARIF 2.1.0, for code-scanning dashboards).

Examples:
  corsica scan https://api.example.com/v1/me
  corsica scan @urls.txt --concurrency 100 --rate 200 --format json > scan.json
  corsica scan https://api.example.com/ -H 'Cookie: session=…' --policy cors.toml
  corsica scan http://api.example.com:8080/ --resolve api.example.com:8080:127.0.0.1

Exit status:
  0  no finding above info
  1  at least one finding above info
  2  usage error, or a target could not be scanned (and no finding above info)";

/// `corsica scan` as typed.
#[derive(Debug, Args)]
#[command(
    long_about = "Find CORS misconfigurations before attackers do: crafted origins and \
                  preflights sent to each target, every answer judged as a browser would, and \
                  (--policy) every place where the live server answers otherwise than its policy.",
    after_long_help = SCAN_AFTER_HELP
)]
pub(crate) struct ScanArgs {
    /// URLs to scan, @FILE for a file of URLs (one a line, # comments), - for standard input.
    #[arg(value_name = "URL|@FILE|-", required = true)]
    targets: Vec<String>,

    /// Also check that each target enforces this policy file (TOML, YAML or JSON).
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,

    /// Targets scanned at the same time.
    #[arg(long, value_name = "N", default_value = "50")]
    concurrency: usize,

    /// Targets of one host (host:port) scanned at the same time.
    #[arg(long, value_name = "N", default_value = "4")]
    per_host: usize,

    /// At most this many requests per second, over all targets [default: no limit].
    #[arg(long, value_name = "N")]
    rate: Option<f64>,

    /// Give up on a request after this many seconds.
    #[arg(long, value_name = "SECS", default_value = "10")]
    timeout: f64,

    /// A header sent with every probe, 'Name: value' (a cookie, a token); repeat for more.
    #[arg(short = 'H', long = "header", value_name = "HEADER")]
    headers: Vec<String>,

    /// Connect to ADDR for HOST:PORT instead of resolving HOST (as curl's --resolve); repeat.
    #[arg(long, value_name = "HOST:PORT:ADDR")]
    resolve: Vec<String>,

    /// At most this many probes per target, and as many more for --policy.
    #[arg(long, value_name = "N", default_value = "100")]
    max_probes: usize,

    /// Output format.
    #[arg(long, value_enum, value_name = "FORMAT", default_value = "text")]
    format: Format,

    /// The same as --format json.
    #[arg(long, conflicts_with = "format")]
    json: bool,

    /// Accept any TLS certificate.
    #[arg(short = 'k', long)]
    insecure: bool,
}

/// Parses `HOST:PORT:ADDR` (ADDR may be `[v6]`).
fn parse_resolve(arg: &str) -> Result<((String, u16), SocketAddr), String> {
    let mut parts = arg.splitn(3, ':');
    let (Some(host), Some(port), Some(addr)) = (parts.next(), parts.next(), parts.next()) else {
        return Err("write it as HOST:PORT:ADDR, e.g. api.example.com:443:127.0.0.1".into());
    };
    let port: u16 = port
        .parse()
        .map_err(|_| format!("{} is not a port number", shown(port)))?;
    let ip: std::net::IpAddr = addr
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse()
        .map_err(|_| format!("{} is not an IP address", shown(addr)))?;
    if host.is_empty() {
        return Err("no host before the first colon".into());
    }
    Ok(((host.to_ascii_lowercase(), port), SocketAddr::new(ip, port)))
}

/// A random DNS label for this run's attacker origins.
fn random_label() -> String {
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    let mut n = hasher.finish();
    let mut label = String::from("corsica");
    for _ in 0..6 {
        label.push(char::from(b'a' + (n % 26) as u8));
        n /= 26;
    }
    label
}

impl ScanArgs {
    fn format(&self) -> Format {
        if self.json { Format::Json } else { self.format }
    }

    fn settings(&self) -> Result<Settings, CliError> {
        for (flag, n) in [
            ("--concurrency", self.concurrency),
            ("--per-host", self.per_host),
            ("--max-probes", self.max_probes),
        ] {
            if !(1..=100_000).contains(&n) {
                return Err(CliError::new(format!(
                    "{flag} {n}: a number from 1 to 100000"
                )));
            }
        }
        let rate = match self.rate {
            Some(r) if !(r.is_finite() && (0.001..=1e9).contains(&r)) => {
                return Err(CliError::new(format!(
                    "--rate {r}: a number of requests per second from 0.001 to 1000000000, e.g. --rate 100"
                )));
            }
            Some(r) => Some(Rate::new(r)),
            None => None,
        };
        if !(self.timeout.is_finite() && self.timeout > 0.0 && self.timeout <= 86_400.0) {
            return Err(CliError::new(format!(
                "--timeout {}: a number of seconds above 0 (at most a day), e.g. --timeout 5",
                self.timeout
            )));
        }
        let mut headers = Vec::new();
        for arg in &self.headers {
            let header = parse_header(arg)
                .map_err(|why| CliError::new(format!("-H {}: {why}", shown(arg))))?;
            headers.push(header);
        }
        let mut resolve = HashMap::new();
        for arg in &self.resolve {
            let (key, addr) = parse_resolve(arg)
                .map_err(|why| CliError::new(format!("--resolve {}: {why}", shown(arg))))?;
            resolve.insert(key, addr);
        }
        let policy = match &self.policy {
            None => None,
            Some(path) => {
                let checked = PolicyFileArgs::new(path.clone(), None).validate()?.load()?;
                match checked.policy {
                    Some(policy) => Some(policy::PolicyProbes::new(policy)),
                    None => {
                        return Err(CliError::new(format!(
                            "--policy {}: the policy is invalid; `corsica policy lint {}` lists every mistake",
                            path.display(),
                            path.display()
                        )));
                    }
                }
            }
        };
        Ok(Settings {
            timeout: Duration::from_secs_f64(self.timeout),
            insecure: self.insecure,
            headers,
            resolve,
            max_probes: self.max_probes,
            label: random_label(),
            policy,
            tls: std::sync::OnceLock::new(),
            per_host: self.per_host,
            hosts: Mutex::new(HashMap::new()),
            rate,
        })
    }
}

/// Runs `corsica scan`.
pub(crate) fn run(args: &ScanArgs) -> Result<Exit, CliError> {
    let format = args.format();
    let settings = match args.settings() {
        Ok(s) => s,
        Err(CliError::Message(message)) if format != Format::Text => {
            // One document on stdout even for a usage error.
            crate::output::print_json(&serde_json::json!({
                "findings": [],
                "errors": [],
                "error": {"message": message},
            }))?;
            CliError::Message(message).report();
            return Ok(Exit::Error);
        }
        Err(e) => return Err(e),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::new(format!("cannot start the I/O runtime: {e}")))?;
    let sources = args.targets.iter().map(|a| Source::parse(a)).collect();
    let concurrency = args.concurrency;
    let summary = runtime.block_on(scan_all(Arc::new(settings), sources, concurrency, format))?;
    Ok(if summary.has_findings() {
        Exit::Fail
    } else if summary.errors > 0 {
        Exit::Error
    } else {
        Exit::Ok
    })
}

async fn scan_all(
    settings: Arc<Settings>,
    sources: Vec<Source>,
    concurrency: usize,
    format: Format,
) -> Result<report::Summary, CliError> {
    let started = Instant::now();
    let mut targets = input::spawn(sources, concurrency * 2);
    // Styles only when stdout is a terminal that wants them (anstream's choice).
    let choice = anstream::AutoStream::choice(&std::io::stdout());
    let stdout = anstream::AutoStream::new(std::io::stdout().lock(), choice);
    let mut report = Report::begin(format, std::io::BufWriter::new(stdout))?;
    let progress = Progress::new();
    let mut running = JoinSet::new();
    let mut input_open = true;
    while input_open || !running.is_empty() {
        tokio::select! {
            item = targets.recv(), if input_open && running.len() < concurrency => match item {
                None => input_open = false,
                Some(Ok(url)) => {
                    running.spawn(net::scan(Arc::clone(&settings), url));
                }
                Some(Err(message)) => progress.suspend(|| report.bad_input(message))?,
            },
            done = running.join_next(), if !running.is_empty() => {
                if let Some(done) = done {
                    let scanned = done.map_err(|e| CliError::new(format!("a scan task failed: {e}")))?;
                    progress.suspend(|| report.target(scanned))?;
                    progress.update(&report.summary);
                }
            }
        }
    }
    progress.finish();
    report.end(started.elapsed())
}

/// A progress line on standard error (indicatif), only when it is a terminal.
struct Progress {
    bar: Option<indicatif::ProgressBar>,
}

impl Progress {
    fn new() -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = indicatif::ProgressBar::new_spinner();
            if let Ok(style) =
                indicatif::ProgressStyle::with_template("{spinner} [{elapsed_precise}] {msg}")
            {
                bar.set_style(style);
            }
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        Progress { bar }
    }

    /// Runs `write` with the bar hidden, so that output on the same terminal stays clean.
    fn suspend<T>(&self, write: impl FnOnce() -> T) -> T {
        match &self.bar {
            Some(bar) => bar.suspend(write),
            None => write(),
        }
    }

    fn update(&self, s: &report::Summary) {
        if let Some(bar) = &self.bar {
            let findings: usize = s.findings.values().sum();
            bar.set_message(format!(
                "{} URLs scanned, {} requests, {} findings, {} errors",
                s.targets, s.requests, findings, s.errors
            ));
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolve_reads_like_curl() {
        assert_eq!(
            parse_resolve("API.example.com:8080:127.0.0.1"),
            Ok((
                ("api.example.com".to_string(), 8080),
                "127.0.0.1:8080".parse().unwrap()
            ))
        );
        assert_eq!(
            parse_resolve("a.example:443:[::1]").unwrap().1,
            "[::1]:443".parse().unwrap()
        );
        assert!(parse_resolve("a.example:443").is_err());
        assert!(parse_resolve("a.example:x:127.0.0.1").is_err());
        assert!(parse_resolve("a.example:1:nope").is_err());
    }

    #[test]
    fn labels_are_dns_labels() {
        let l = random_label();
        assert!(l.bytes().all(|b| b.is_ascii_lowercase()), "{l}");
        assert_eq!(l.len(), 13);
    }
}
