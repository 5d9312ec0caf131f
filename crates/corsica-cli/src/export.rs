//! `corsica export SERVER --policy FILE --upstream URL [--listen ADDR] [--check] [--json]`: the
//! policy written out as a configuration file for an edge server (nginx, Apache httpd, HAProxy,
//! Caddy), by the pure
//! `corsica-export` crate; this module reads the file, hashes it, prints the result and runs the
//! server's own syntax check.

use std::path::{Path, PathBuf};
use std::process::Command;

use clap::{Args, ValueEnum};
use corsica_export::{ExportError, Options, Server};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::error::{CliError, Exit, warning_prefix};
use crate::output::{print, print_json, sanitized};
use crate::policy::{FormatArg, PolicyFileArgs, Problem};

const EXPORT_AFTER_HELP: &str = "\
The file starts with a comment: the corsica version, the policy file's SHA-256 and how to
include it:
  nginx:  inside the http {} block of nginx.conf (include /etc/nginx/conf.d/corsica-cors.conf;)
  apache: at the top level (save it as /etc/apache2/conf-available/corsica-cors.conf, then
          a2enmod headers setenvif rewrite proxy proxy_http && a2enconf corsica-cors)
  haproxy: after the global and defaults sections (append it to haproxy.cfg, or load it as
          a second file: haproxy -f /etc/haproxy/haproxy.cfg -f corsica-cors.cfg)
  caddy:  a site block: import it from the Caddyfile, after the global options block
          (import /etc/caddy/corsica-cors.caddy)

Every key of the policy is expressed exactly or refused: when the server cannot express one
(all: reject_disallowed, debug with request_headers = [\"*\"]; apache: a preflight_status
httpd has no reason phrase for, such as 299), the command exits 1 naming the key and the
server.

With --json, one document on stdout:
  {\"server\", \"policy\": {\"file\", \"sha256\"}, \"valid\", \"errors\", \"unsupported\",
   \"config\", \"check\"}

Examples:
  corsica export nginx --policy cors.toml --upstream http://127.0.0.1:3000 \\
    --listen 0.0.0.0:8080 > /etc/nginx/conf.d/corsica-cors.conf
  corsica export apache --policy cors.toml --upstream http://127.0.0.1:3000 --check \\
    > /etc/apache2/conf-available/corsica-cors.conf
  corsica export caddy --policy cors.toml --upstream http://127.0.0.1:3000 --check \\
    > /etc/caddy/corsica-cors.caddy

Exit status:
  0  the file was written (and, with --check, the server accepts it)
  1  the policy is invalid, the server cannot express it, or the server refuses the file
  2  usage or I/O error: no such file, a bad --upstream or --listen, the server missing for
     --check";

/// `corsica export` as typed.
#[derive(Debug, Args)]
#[command(
    long_about = "Write a policy out as a configuration file for an edge server, so that the \
                  server you already run enforces exactly what corsica's engine would: nginx \
                  (1.22 or later), Apache httpd (2.4), HAProxy (2.6) or Caddy (2.6).",
    after_long_help = EXPORT_AFTER_HELP
)]
pub(crate) struct ExportArgs {
    /// The server to write the configuration for.
    #[arg(value_enum, value_name = "SERVER")]
    server: ServerArg,

    /// The policy file: .toml, .yaml, .yml or .json.
    #[arg(long, value_name = "FILE")]
    policy: PathBuf,

    /// Read the policy as this format instead of going by its extension.
    #[arg(long, value_enum, value_name = "FORMAT")]
    format: Option<FormatArg>,

    /// Where the server proxies requests to: http://HOST:PORT or https://HOST:PORT.
    #[arg(long, value_name = "URL")]
    upstream: String,

    /// The address the server listens on: HOST:PORT, [V6]:PORT or PORT.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    listen: String,

    /// Run the server's own syntax check on the file (nginx -t, apache2 -t, haproxy -c, caddy
    /// validate), in a temporary directory.
    #[arg(long)]
    check: bool,

    /// Print one JSON document instead of the file.
    #[arg(long)]
    json: bool,
}

/// The servers `export` writes for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum ServerArg {
    Nginx,
    Apache,
    Haproxy,
    Caddy,
}

impl From<ServerArg> for Server {
    fn from(s: ServerArg) -> Self {
        match s {
            ServerArg::Nginx => Server::Nginx,
            ServerArg::Apache => Server::Apache,
            ServerArg::Haproxy => Server::Haproxy,
            ServerArg::Caddy => Server::Caddy,
        }
    }
}

/// The `export --json` document.
#[derive(Debug, Serialize)]
struct ExportJson {
    server: &'static str,
    policy: PolicyJson,
    valid: bool,
    errors: Vec<Problem>,
    unsupported: Option<UnsupportedJson>,
    config: Option<String>,
    check: Option<CheckJson>,
}

#[derive(Debug, Serialize)]
struct PolicyJson {
    file: String,
    sha256: String,
}

#[derive(Debug, Serialize)]
struct UnsupportedJson {
    key: &'static str,
    route: Option<String>,
    message: String,
}

#[derive(Debug, Serialize)]
struct CheckJson {
    command: String,
    ok: bool,
    output: String,
}

/// The `--json` document of a command that exits 2.
#[derive(Debug, Serialize)]
struct ErrorJson {
    error: ErrorMessage,
}

#[derive(Debug, Serialize)]
struct ErrorMessage {
    message: String,
}

/// Runs `corsica export`.
pub(crate) fn run(args: &ExportArgs) -> Result<Exit, CliError> {
    match export(args) {
        Err(CliError::Message(message)) if args.json => {
            print_json(&ErrorJson {
                error: ErrorMessage {
                    message: message.clone(),
                },
            })?;
            Err(CliError::Message(message))
        }
        other => other,
    }
}

fn export(args: &ExportArgs) -> Result<Exit, CliError> {
    let server = Server::from(args.server);
    let input = PolicyFileArgs::new(args.policy.clone(), args.format).validate()?;
    let (bytes, checked) = input.load_with_bytes()?;
    let sha256 = hex(&Sha256::digest(&bytes));
    let mut doc = ExportJson {
        server: server.as_str(),
        policy: PolicyJson {
            file: input.name(),
            sha256: sha256.clone(),
        },
        valid: checked.report.valid,
        errors: checked.report.errors.clone(),
        unsupported: None,
        config: None,
        check: None,
    };
    let Some(policy) = checked.policy else {
        if args.json {
            print_json(&doc)?;
        } else {
            let mut text = String::new();
            for e in &checked.report.errors {
                text.push_str(&format!("corsica: error: {}\n", e.human()));
            }
            crate::error::eprint(&text);
        }
        return Ok(Exit::Fail);
    };
    let options = Options::new(&args.upstream, &args.listen, input.name(), sha256);
    let text = match corsica_export::export(server, &policy, &options) {
        Ok(text) => text,
        Err(e @ ExportError::InvalidOption { .. }) => return Err(CliError::new(e.to_string())),
        Err(e) => {
            let route = match &e {
                ExportError::Unsupported { route, .. } => route.clone(),
                _ => None,
            };
            if args.json {
                doc.unsupported = Some(UnsupportedJson {
                    key: e.key(),
                    route,
                    message: e.to_string(),
                });
                print_json(&doc)?;
            } else {
                crate::error::eprint(&format!(
                    "{} {}\n",
                    crate::error::error_prefix(),
                    sanitized(&e.to_string())
                ));
            }
            return Ok(Exit::Fail);
        }
    };
    let mut exit = Exit::Ok;
    if args.check {
        let check = syntax_check(server, &text)?;
        if !check.ok {
            exit = Exit::Fail;
            if !args.json {
                crate::error::eprint(&format!(
                    "{} {server} refuses the file ({}):\n{}",
                    crate::error::error_prefix(),
                    check.command,
                    sanitized(&check.output)
                ));
            }
        } else if !args.json {
            crate::error::eprint(&format!(
                "corsica: {server} accepts the file ({})\n",
                check.command
            ));
        }
        doc.check = Some(check);
    }
    if args.json {
        doc.config = Some(text);
        print_json(&doc)?;
    } else {
        for w in &checked.report.warnings {
            crate::error::eprint(&format!("{} {}\n", warning_prefix(), w.human()));
        }
        print(&text)?;
    }
    Ok(exit)
}

/// Lower-case hex.
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The server's binary: `CORSICA_NGINX` / `CORSICA_APACHE` / `CORSICA_HAPROXY` /
/// `CORSICA_CADDY`, else on `PATH`, else in `/usr/sbin`.
fn server_binary(server: Server) -> Result<PathBuf, CliError> {
    let (var, name, package) = match server {
        Server::Apache => ("CORSICA_APACHE", "apache2", "apache2"),
        Server::Haproxy => ("CORSICA_HAPROXY", "haproxy", "haproxy"),
        Server::Caddy => ("CORSICA_CADDY", "caddy", "caddy"),
        _ => ("CORSICA_NGINX", "nginx", "nginx"),
    };
    if let Some(path) = std::env::var_os(var) {
        return Ok(PathBuf::from(path));
    }
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .map(|d| d.join(name))
        .chain([PathBuf::from("/usr/sbin").join(name)])
        .find(|p| p.is_file())
        .ok_or_else(|| {
            CliError::new(format!(
                "--check needs {name}: install it (sudo apt-get install -y {package}) or set \
                 {var} to its path"
            ))
        })
}

/// The server's own syntax check (`nginx -t`, `apache2 -t`, `haproxy -c`, `caddy validate`) on
/// `text` included in a minimal
/// configuration, in a fresh temporary directory.
fn syntax_check(server: Server, text: &str) -> Result<CheckJson, CliError> {
    let binary = server_binary(server)?;
    let dir = std::env::temp_dir().join(format!(
        "corsica-export-check-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
    ));
    let io = |e: std::io::Error| CliError::new(format!("--check: {}: {e}", dir.display()));
    std::fs::create_dir_all(&dir).map_err(io)?;
    let result = run_check(server, &binary, &dir, text);
    let _ = std::fs::remove_dir_all(&dir);
    result
}

fn run_check(server: Server, binary: &Path, dir: &Path, text: &str) -> Result<CheckJson, CliError> {
    let io = |e: std::io::Error| CliError::new(format!("--check: {}: {e}", dir.display()));
    let file = dir.join("cors.conf");
    std::fs::write(&file, text).map_err(io)?;
    let (main, wrapper) = match server {
        Server::Apache => (
            "httpd.conf",
            corsica_export::apache::wrapper_config as fn(&str, &str) -> String,
        ),
        Server::Haproxy => (
            "haproxy.cfg",
            corsica_export::haproxy::wrapper_config as fn(&str, &str) -> String,
        ),
        Server::Caddy => (
            "Caddyfile",
            corsica_export::caddy::wrapper_config as fn(&str, &str) -> String,
        ),
        _ => (
            "nginx.conf",
            corsica_export::nginx::wrapper_config as fn(&str, &str) -> String,
        ),
    };
    let main = dir.join(main);
    std::fs::write(
        &main,
        wrapper(&file.to_string_lossy(), &dir.to_string_lossy()),
    )
    .map_err(io)?;
    let mut command = Command::new(binary);
    match server {
        Server::Apache => command.arg("-t").arg("-d").arg(dir).arg("-f").arg(&main),
        Server::Haproxy => command.arg("-c").arg("-f").arg(&main).arg("-f").arg(&file),
        // Caddy keeps its state under $HOME / $XDG_*: inside the temporary directory.
        Server::Caddy => command
            .args(["validate", "--adapter", "caddyfile", "--config"])
            .arg(&main)
            .env("HOME", dir)
            .env("XDG_CONFIG_HOME", dir.join("config"))
            .env("XDG_DATA_HOME", dir.join("data")),
        _ => command
            .arg("-t")
            .arg("-q")
            .arg("-p")
            .arg(dir)
            .arg("-c")
            .arg(&main)
            .arg("-e")
            .arg(dir.join("error.log")),
    };
    let output = command
        .output()
        .map_err(|e| CliError::new(format!("--check: cannot run {}: {e}", binary.display())))?;
    let mut out = String::from_utf8_lossy(&output.stderr).into_owned();
    out.push_str(&String::from_utf8_lossy(&output.stdout));
    let check = match server {
        Server::Caddy => "validate --adapter caddyfile --config",
        Server::Haproxy => "-c -f",
        _ => "-t on",
    };
    Ok(CheckJson {
        command: format!(
            "{} {check} {} (including the file)",
            binary.display(),
            main.file_name()
                .map_or(String::new(), |n| n.to_string_lossy().into_owned())
        ),
        ok: output.status.success(),
        output: out,
    })
}
