//! `corsica demo`: CORS to click through. Two servers on loopback, two origins:
//!
//! ```text
//!   browser ── page  http://localhost:P   (page.html, POST /explain, GET /log)
//!      │                    │ /explain runs corsica check's code against the API
//!      └── fetch() ──► API  http://127.0.0.1:Q  (axum behind corsica_tower::CorsLayer)
//! ```
//!
//! The page runs each request in the browser, shows what the API received (with the policy's
//! decision for each request), and asks `/explain` for what `corsica check` says about the same
//! request: the verdicts must agree.

mod api;
mod explain;
mod page;

use std::io;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use corsica::{Policy, PolicyFormat};
use tokio::net::TcpListener;
use tokio::sync::watch;
use url::Url;

use crate::error::{self, CliError, Exit};
use crate::output::{print, shown};
use crate::policy::{check as check_policy, read_file};

/// The example policy, which the demo API enforces unless `--policy` names another. It is the
/// repository's `examples/policies/example.toml`, copied into the crate so that the published
/// crate builds on its own; a test keeps the two identical.
const EXAMPLE_POLICY: &str = include_str!("example.toml");

/// How long the servers get to finish the requests under way once asked to stop.
const STOP_GRACE: Duration = Duration::from_secs(3);

const DEMO_AFTER_HELP: &str = "\
What it starts, both on loopback:
  API   http://127.0.0.1:PORT   a small JSON API behind corsica's tower layer (CorsLayer) and
                                the example policy (examples/policies/example.toml): origins
                                https://app.example.com, https://*.example.com and
                                http://localhost:*; methods GET POST PUT DELETE; request headers
                                Content-Type and Authorization; X-Request-Id exposed; credentials.
          GET /api/items   PUT /api/items/{id}   DELETE /api/items/{id}   GET /api/me
  Page  http://localhost:PORT   a page on a second origin (the policy allows it through
                                http://localhost:*) that calls the API. Open it in a browser.

What to click:
  Simple GET          no preflight; allowed
  JSON PUT            Content-Type: application/json needs a preflight; allowed
  Credentialed GET    credentials: \"include\" needs Access-Control-Allow-Credentials; allowed
  Disallowed header   X-Debug is not in the policy: the preflight refuses it; blocked
  Your own request    any method, headers (one per line) and credentials mode
Each result shows what your browser did (the status and the headers the script can read, or
the TypeError), the requests the API received with the policy's decision for each, and what
`corsica check` says about the same request: the trace, the verdict, Chromium's console
message and the fix, with the follow-up requests of `corsica check --diagnose` (which part of a
refused preflight the API refuses). corsica sends those requests itself, so the API sees each
one at least twice.

How to stop: Ctrl-C (or SIGTERM); the demo exits with status 0.

Examples:
  corsica demo
  corsica demo --api-port 8080 --page-port 3000
  corsica demo --policy cors.toml        # your policy in front of the demo API

Exit status:
  0  stopped with Ctrl-C or SIGTERM
  1  the --policy file is invalid (every mistake is listed)
  2  usage error, or a port is taken";

/// `corsica demo` as typed.
#[derive(Debug, Args)]
#[command(
    long_about = "Start a demo API behind a CORS policy and a page on a second origin that \
                  calls it, both on loopback. Click requests in a real browser: each shows the \
                  browser's outcome next to corsica's explanation of it.",
    after_long_help = DEMO_AFTER_HELP
)]
pub(crate) struct DemoArgs {
    /// The API's port on 127.0.0.1 (0: any free port).
    #[arg(long, value_name = "PORT", default_value_t = 0)]
    api_port: u16,

    /// The page's port on localhost (0: any free port).
    #[arg(long, value_name = "PORT", default_value_t = 0)]
    page_port: u16,

    /// Put this policy (.toml, .yaml, .yml or .json) in front of the API instead of the example.
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
}

/// The policy in front of the demo API.
#[derive(Debug)]
pub(crate) struct DemoPolicy {
    /// The compiled policy.
    pub(crate) policy: Arc<Policy>,
    /// Where it comes from: a path, or `built-in example`.
    pub(crate) name: String,
    /// Its text, shown on the page.
    pub(crate) text: String,
}

/// `corsica demo`, validated.
#[derive(Debug)]
pub(crate) struct Demo {
    policy: DemoPolicy,
    api_port: u16,
    page_port: u16,
}

impl DemoArgs {
    /// Reads and compiles the policy and checks the ports. `Ok(Err(exit))`: the policy file is
    /// invalid and its problems have been printed.
    pub(crate) fn validate(&self) -> Result<Result<Demo, Exit>, CliError> {
        if self.api_port != 0 && self.api_port == self.page_port {
            return Err(CliError::new(format!(
                "--api-port and --page-port are both {}: the API and the page need a port each",
                self.api_port
            )));
        }
        let (name, text, format) = match &self.policy {
            None => (
                "the built-in example (examples/policies/example.toml)".to_owned(),
                EXAMPLE_POLICY.to_owned(),
                PolicyFormat::Toml,
            ),
            Some(path) => {
                let format = PolicyFormat::from_path(path).ok_or_else(|| {
                    CliError::new(format!(
                        "--policy {}: cannot tell the format from the name; name it .toml, .yaml, .yml or .json",
                        shown(&path.display().to_string())
                    ))
                })?;
                let bytes = read_file(path, "policy file")?;
                (
                    path.display().to_string(),
                    String::from_utf8_lossy(&bytes).into_owned(),
                    format,
                )
            }
        };
        let checked = check_policy(text.as_bytes(), format);
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
            return Ok(Err(Exit::Fail));
        };
        Ok(Ok(Demo {
            policy: DemoPolicy {
                policy: Arc::new(policy),
                name,
                text,
            },
            api_port: self.api_port,
            page_port: self.page_port,
        }))
    }
}

/// Runs `corsica demo` until Ctrl-C or SIGTERM.
pub(crate) fn run(args: &DemoArgs) -> Result<Exit, CliError> {
    let demo = match args.validate()? {
        Ok(demo) => demo,
        Err(exit) => return Ok(exit),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::new(format!("cannot start the I/O runtime: {e}")))?;
    runtime.block_on(demo.serve())
}

/// Binds `port` on `host` for `what`, with an error that says what to do when it is taken.
async fn listen(host: &str, port: u16, what: &str, flag: &str) -> Result<TcpListener, CliError> {
    TcpListener::bind((host, port)).await.map_err(|e| {
        let why = match e.kind() {
            io::ErrorKind::AddrInUse => format!(
                "port {port} is taken; pick another {flag}, or leave it out for any free port"
            ),
            io::ErrorKind::PermissionDenied => format!(
                "not allowed to use port {port} (ports below 1024 need privileges); pick another {flag}"
            ),
            _ => format!("{e}"),
        };
        CliError::new(format!("cannot listen on {host}:{port} for {what}: {why}"))
    })
}

impl Demo {
    async fn serve(self) -> Result<Exit, CliError> {
        let api_listener = listen("127.0.0.1", self.api_port, "the API", "--api-port").await?;
        let page_listener = listen("127.0.0.1", self.page_port, "the page", "--page-port").await?;
        let api_port = local_port(&api_listener)?;
        let page_port = local_port(&page_listener)?;
        // Browsers may resolve localhost to ::1 first: answer there too when the system allows.
        let page_v6 = TcpListener::bind(("::1", page_port)).await.ok();

        let api_origin = format!("http://127.0.0.1:{api_port}");
        let page_origin = format!("http://localhost:{page_port}");
        let log = Arc::new(api::Log::default());
        let api_app = api::router(Arc::clone(&self.policy.policy), Arc::clone(&log));
        let api_url = Url::parse(&api_origin)
            .map_err(|e| CliError::new(format!("the API's URL {api_origin}: {e}")))?;
        let page_app = page::router(page::PageState::new(api_url, page_port, self.policy, log));

        let (stop_tx, stop_rx) = watch::channel(false);
        let mut servers = tokio::task::JoinSet::new();
        let mut start = |listener: TcpListener, app: axum::Router| {
            let mut stop = stop_rx.clone();
            servers.spawn(async move {
                axum::serve(listener, app)
                    .with_graceful_shutdown(async move {
                        let _ = stop.wait_for(|stop| *stop).await;
                    })
                    .await
            });
        };
        start(api_listener, api_app);
        start(page_listener, page_app.clone());
        if let Some(listener) = page_v6 {
            start(listener, page_app);
        }

        print(&format!(
            "corsica demo: an API behind a CORS policy, and a page on another origin that calls it.\n\
             \n\
             API   {api_origin}\n\
             Page  {page_origin}  ← open this\n\
             \n\
             Click the requests on the page: each shows what the browser did next to corsica's\n\
             explanation. Press Ctrl-C to stop.\n"
        ))?;

        let failed = tokio::select! {
            () = crate::signal::stopped() => None,
            // The servers only end when asked to, or when accepting connections fails.
            Some(result) = servers.join_next() => Some(match result {
                Ok(Err(e)) => format!("a server stopped: {e}"),
                Ok(Ok(())) => "a server stopped".to_owned(),
                Err(e) => format!("a server stopped: {e}"),
            }),
        };
        let _ = stop_tx.send(true);
        let _ = tokio::time::timeout(STOP_GRACE, async {
            while servers.join_next().await.is_some() {}
        })
        .await;
        match failed {
            None => {
                error::eprint("corsica demo: stopped\n");
                Ok(Exit::Ok)
            }
            Some(why) => Err(CliError::new(why)),
        }
    }
}

fn local_port(listener: &TcpListener) -> Result<u16, CliError> {
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| CliError::new(format!("cannot read the address listened on: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(policy: Option<&str>, api_port: u16, page_port: u16) -> DemoArgs {
        DemoArgs {
            api_port,
            page_port,
            policy: policy.map(PathBuf::from),
        }
    }

    #[test]
    fn the_built_in_policy_is_the_example_and_valid() {
        let demo = args(None, 0, 0).validate().unwrap().unwrap();
        assert!(demo.policy.text.contains("http://localhost:*"));
        assert_eq!(
            demo.policy.policy.to_config().origins,
            [
                "https://app.example.com",
                "https://*.example.com",
                "http://localhost:*"
            ]
        );
    }

    /// The built-in policy and the repository's example are the same file, byte for byte.
    #[test]
    fn the_built_in_policy_is_the_repository_example() {
        let repository = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let workspace = std::fs::read_to_string(repository.join("Cargo.toml")).unwrap_or_default();
        if !workspace.contains("\"crates/corsica-cli\"") {
            // A published crate, outside the repository: there is no copy to compare with.
            return;
        }
        let example = repository.join("examples/policies/example.toml");
        let text = std::fs::read_to_string(&example)
            .unwrap_or_else(|e| panic!("{}: {e}", example.display()));
        assert!(
            text == EXAMPLE_POLICY,
            "{} and crates/corsica-cli/src/demo/example.toml differ: copy one over the other",
            example.display()
        );
    }

    #[test]
    fn one_port_cannot_serve_both() {
        assert!(args(None, 8080, 8080).validate().is_err());
        assert!(args(None, 8080, 8081).validate().is_ok());
    }

    #[test]
    fn a_policy_file_needs_a_known_extension() {
        assert!(args(Some("cors.txt"), 0, 0).validate().is_err());
    }
}
