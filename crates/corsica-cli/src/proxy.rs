//! `corsica proxy`: a policy file in front of one fixed HTTP upstream (crates/corsica-proxy).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, ValueEnum};
use corsica::{Policy, PolicyFormat};
use corsica_proxy::{Limits, Options, PolicySource, Proxy, Upstream};

use crate::error::{self, CliError, Exit};
use crate::output::shown;
use crate::policy::{check as check_policy, read_file};

const PROXY_AFTER_HELP: &str = "\
Every request is decided by the policy (the [[route]] whose path prefixes the request's, else the
top level): preflights and refusals are answered by the proxy; everything else goes to the
upstream, whose own CORS headers are replaced by the policy's. When the upstream cannot be
reached or is too slow, the answer is 502 or 504 with the policy's CORS headers, so the page's
script can read it. The upstream comes only from --upstream: this is not an open proxy.

WebSocket upgrades pass through. Browsers do not apply CORS to WebSockets: any page can open one
to your service. With reject_disallowed = true in the policy, an upgrade whose Origin the policy
does not allow is refused with 403, the one defence against cross-site WebSocket hijacking.

Reload: on SIGHUP, and when the policy file changes, the file is read again; an invalid file is
refused (its problems logged as `corsica policy lint` words them) and the policy in force stays.
Stop: Ctrl-C or SIGTERM stops accepting, lets requests under way finish (--drain-timeout), exit 0.

Examples:
  corsica proxy --policy cors.toml --upstream http://127.0.0.1:3000
  corsica proxy --policy cors.toml --upstream http://127.0.0.1:3000 --listen 0.0.0.0:8080 \\
    --max-body-bytes 10485760 --log-format json --metrics 127.0.0.1:9090
  corsica proxy --policy cors.toml --upstream http://127.0.0.1:3000 --listen 0.0.0.0:8443 \\
    --tls-cert cert.pem --tls-key key.pem

Exit status:
  0  stopped with Ctrl-C or SIGTERM
  2  the policy file is invalid (every mistake is listed), --listen cannot be bound,
     --upstream is not an http:// URL, or the TLS files cannot be used";

/// `corsica proxy` as typed.
#[derive(Debug, Args)]
#[command(
    long_about = "Run a reverse proxy that enforces a CORS policy file in front of one HTTP \
                  service, exactly as corsica's middleware does: for services whose code you \
                  cannot change.",
    after_long_help = PROXY_AFTER_HELP
)]
pub(crate) struct ProxyArgs {
    /// The policy file (.toml, .yaml, .yml or .json).
    #[arg(long, value_name = "FILE")]
    policy: PathBuf,

    /// The service to forward to: http://HOST:PORT[/BASE-PATH].
    #[arg(long, value_name = "URL")]
    upstream: String,

    /// The address to listen on.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    listen: String,

    /// Serve Prometheus metrics at http://ADDR/metrics (requests by outcome, upstream errors by
    /// kind, reloads, a latency histogram).
    #[arg(long, value_name = "ADDR")]
    metrics: Option<String>,

    /// Speak TLS to clients with this PEM certificate chain (HTTP/2 and HTTP/1.1 by ALPN); needs
    /// --tls-key.
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    tls_cert: Option<PathBuf>,

    /// The PEM private key of --tls-cert.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    tls_key: Option<PathBuf>,

    /// The access log's format, on standard error.
    #[arg(long, value_enum, value_name = "FORMAT", default_value = "text")]
    log_format: LogFormat,

    /// Refuse request bodies larger than this with 413 (default: no limit).
    #[arg(long, value_name = "BYTES")]
    max_body_bytes: Option<u64>,

    /// Refuse request heads larger than this with 431.
    #[arg(long, value_name = "BYTES", default_value_t = 65536)]
    max_header_bytes: usize,

    /// Serve at most this many client connections at once.
    #[arg(long, value_name = "N", default_value_t = 10_000)]
    max_connections: usize,

    /// Seconds to connect to the upstream before answering 504.
    #[arg(long, value_name = "SECS", default_value_t = 5.0)]
    connect_timeout: f64,

    /// Seconds for the upstream to start its response before answering 504.
    #[arg(long, value_name = "SECS", default_value_t = 60.0)]
    upstream_timeout: f64,

    /// Seconds a body (either way) may stay silent: a stalled request body gets 408, a stalled
    /// response body is cut off.
    #[arg(long, value_name = "SECS", default_value_t = 60.0)]
    idle_timeout: f64,

    /// Seconds a client may take to send a request head.
    #[arg(long, value_name = "SECS", default_value_t = 10.0)]
    header_timeout: f64,

    /// Seconds requests under way get to finish after Ctrl-C or SIGTERM.
    #[arg(long, value_name = "SECS", default_value_t = 10.0)]
    drain_timeout: f64,
}

/// `--log-format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

/// The policy file, read with `policy lint`'s code.
#[derive(Debug)]
struct PolicyFile {
    path: PathBuf,
    format: PolicyFormat,
}

impl PolicySource for PolicyFile {
    fn load(&self) -> Result<Policy, Vec<String>> {
        let bytes = read_file(&self.path, "policy file").map_err(|e| match e {
            CliError::Message(message) => vec![message],
            CliError::BrokenPipe => vec!["cannot read the policy file".to_owned()],
        })?;
        let checked = check_policy(&bytes, self.format);
        checked
            .policy
            .ok_or_else(|| checked.report.errors.iter().map(|p| p.human()).collect())
    }

    fn path(&self) -> Option<&Path> {
        Some(&self.path)
    }
}

fn seconds(flag: &str, value: f64) -> Result<Duration, CliError> {
    Duration::try_from_secs_f64(value)
        .ok()
        .filter(|d| !d.is_zero())
        .ok_or_else(|| {
            CliError::new(format!(
                "--{flag} {value}: give a positive number of seconds, e.g. --{flag} 5"
            ))
        })
}

/// Runs `corsica proxy` until Ctrl-C or SIGTERM.
pub(crate) fn run(args: &ProxyArgs) -> Result<Exit, CliError> {
    let upstream = Upstream::parse(&args.upstream).map_err(CliError::new)?;
    let listen: SocketAddr = args.listen.parse().map_err(|_| {
        CliError::new(format!(
            "--listen {}: not an address; write it as IP:PORT, e.g. 127.0.0.1:8080 or 0.0.0.0:8080",
            shown(&args.listen)
        ))
    })?;
    let metrics: Option<SocketAddr> = match &args.metrics {
        None => None,
        Some(text) => Some(text.parse().map_err(|_| {
            CliError::new(format!(
                "--metrics {}: not an address; write it as IP:PORT, e.g. 127.0.0.1:9090",
                shown(text)
            ))
        })?),
    };
    let limits = Limits {
        max_header_bytes: args.max_header_bytes,
        max_body_bytes: args.max_body_bytes,
        max_connections: args.max_connections,
        client_header_timeout: seconds("header-timeout", args.header_timeout)?,
        connect_timeout: seconds("connect-timeout", args.connect_timeout)?,
        first_byte_timeout: seconds("upstream-timeout", args.upstream_timeout)?,
        idle_timeout: seconds("idle-timeout", args.idle_timeout)?,
        drain_timeout: seconds("drain-timeout", args.drain_timeout)?,
    };
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => {
            Some(corsica_proxy::tls_config(cert, key).map_err(CliError::new)?)
        }
        _ => None,
    };
    let format = PolicyFormat::from_path(&args.policy).ok_or_else(|| {
        CliError::new(format!(
            "--policy {}: cannot tell the format from the name; name it .toml, .yaml, .yml or .json",
            shown(&args.policy.display().to_string())
        ))
    })?;
    let name = args.policy.display().to_string();
    let bytes = read_file(&args.policy, "policy file")?;
    let checked = check_policy(&bytes, format);
    for warning in &checked.report.warnings {
        error::eprint(&format!(
            "{} {}: {}\n",
            error::warning_prefix(),
            name,
            warning.human()
        ));
    }
    let Some(policy) = checked.policy else {
        let mut text = format!(
            "{} the policy {} is invalid; fix every problem below (corsica policy lint shows the same):\n",
            error::error_prefix(),
            shown(&name)
        );
        for problem in &checked.report.errors {
            text.push_str(&format!("  - {}\n", problem.human()));
        }
        error::eprint(&text);
        return Ok(Exit::Error);
    };
    let source = Arc::new(PolicyFile {
        path: args.policy.clone(),
        format,
    });
    init_logging(args.log_format);

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::new(format!("cannot start the I/O runtime: {e}")))?;
    runtime.block_on(async move {
        let options = Options {
            listen,
            upstream: upstream.clone(),
            limits,
        };
        let mut proxy = Proxy::bind(options, policy)
            .await
            .map_err(|e| CliError::new(e.to_string()))?;
        let scheme = if tls.is_some() { "https" } else { "http" };
        if let Some(tls) = tls {
            proxy = proxy.with_tls(tls);
        }
        let addr = proxy
            .local_addr()
            .map_err(|e| CliError::new(format!("cannot read the address listened on: {e}")))?;
        let metrics = match metrics {
            None => None,
            Some(addr) => Some(
                proxy
                    .bind_metrics(addr)
                    .await
                    .map_err(|e| CliError::new(e.to_string()))?,
            ),
        };
        let reloader = Arc::new(proxy.reloader(source));
        let watching = tokio::spawn(corsica_proxy::watch(Arc::clone(&reloader)));
        error::eprint(&format!(
            "corsica proxy: listening on {scheme}://{addr}, forwarding to {upstream} with the policy {name}\n"
        ));
        let metrics = metrics.map(|(addr, serve)| {
            error::eprint(&format!(
                "corsica proxy: metrics on http://{addr}/metrics\n"
            ));
            tokio::spawn(serve)
        });
        proxy.run(crate::signal::stopped()).await;
        if let Some(metrics) = metrics {
            metrics.abort();
        }
        watching.abort();
        error::eprint("corsica proxy: stopped\n");
        Ok(Exit::Ok)
    })
}

/// The access log and the proxy's messages on standard error, `RUST_LOG`-free: `INFO` and up.
fn init_logging(format: LogFormat) {
    let builder = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(tracing::Level::INFO)
        .with_ansi(false);
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
}
