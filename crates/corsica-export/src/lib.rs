//! A corsica policy written out as the configuration of an edge server, so that the server
//! people already run enforces the same policy as the engine: `corsica export
//! nginx|apache|caddy|haproxy`.
//!
//! Pure: a compiled [`Policy`] and a few [`Options`] in, the text of one file out. Nothing is
//! read or written here; the CLI reads the policy file, hashes it and prints the result.
//!
//! Every key of the policy is either expressed exactly or refused with an [`ExportError`]
//! naming the key and the server: nothing is approximated silently. What each server cannot
//! express is listed in `docs/cli.md` (`corsica export`), and the `vectors/server` cases that a
//! server answers differently say so in their `exceptions`.

#![forbid(unsafe_code)]

use std::fmt;

use corsica::Policy;

pub mod apache;
pub mod caddy;
mod common;
pub mod haproxy;
pub mod nginx;

/// The servers a policy can be exported to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Server {
    /// nginx 1.22 or later: a file to `include` inside `http {}`.
    Nginx,
    /// Apache httpd 2.4: a file to `Include` at the top level.
    Apache,
    /// HAProxy 2.6: a `frontend` and a `backend` to append after `global` and `defaults`.
    Haproxy,
    /// Caddy 2.6: a Caddyfile site block to `import`.
    Caddy,
}

impl Server {
    /// The server's name as the CLI spells it (`nginx`).
    pub fn as_str(self) -> &'static str {
        match self {
            Server::Nginx => "nginx",
            Server::Apache => "apache",
            Server::Haproxy => "haproxy",
            Server::Caddy => "caddy",
        }
    }
}

impl fmt::Display for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the export needs besides the policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    /// The upstream the server proxies to: `http://HOST:PORT` or `https://HOST:PORT`, without
    /// a path.
    pub upstream: String,
    /// The address the server listens on: `HOST:PORT`, `[V6]:PORT` or a port alone.
    pub listen: String,
    /// The version of corsica that writes the file, for the header comment.
    pub version: String,
    /// The policy file's name as the user gave it, for the header comment.
    pub policy_file: String,
    /// The SHA-256 of the policy file's bytes, in lower-case hex, for the header comment.
    pub policy_sha256: String,
    /// The prefix of every name the file defines (nginx variables), so that several exported
    /// files can be included in one server: lower-case letters, digits and `_`, starting with a
    /// letter. `corsica` unless given.
    pub prefix: String,
}

impl Options {
    /// Options with the default prefix (`corsica`).
    pub fn new(
        upstream: impl Into<String>,
        listen: impl Into<String>,
        policy_file: impl Into<String>,
        policy_sha256: impl Into<String>,
    ) -> Self {
        Options {
            upstream: upstream.into(),
            listen: listen.into(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            policy_file: policy_file.into(),
            policy_sha256: policy_sha256.into(),
            prefix: "corsica".to_owned(),
        }
    }
}

/// Why a policy cannot be exported.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ExportError {
    /// The server cannot express a key of the policy exactly.
    Unsupported {
        /// The server.
        server: Server,
        /// The policy key (`debug`, `reject_disallowed`, `methods`, …).
        key: &'static str,
        /// The route's path when the key is in a `[[route]]`, `None` for the top level.
        route: Option<String>,
        /// Why the server cannot express it, and what to do instead.
        why: String,
    },
    /// An option (`--upstream`, `--listen`) is not usable.
    InvalidOption {
        /// The option (`upstream`, `listen`, `prefix`).
        option: &'static str,
        /// Its value.
        value: String,
        /// What is wrong and what to write instead.
        why: &'static str,
    },
}

impl ExportError {
    /// The policy key (for [`ExportError::Unsupported`]) or option name.
    pub fn key(&self) -> &'static str {
        match self {
            ExportError::Unsupported { key, .. } => key,
            ExportError::InvalidOption { option, .. } => option,
        }
    }
}

impl fmt::Display for ExportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExportError::Unsupported {
                server,
                key,
                route,
                why,
            } => {
                write!(f, "{server} cannot express `{key}`")?;
                if let Some(path) = route {
                    write!(f, " (in the route {path:?})")?;
                }
                write!(f, ": {why}")
            }
            ExportError::InvalidOption { option, value, why } => {
                write!(f, "--{option} {value:?}: {why}")
            }
        }
    }
}

impl std::error::Error for ExportError {}

/// Writes `policy` out for `server`.
///
/// # Errors
///
/// When the server cannot express a key of the policy exactly, or an option is not usable.
pub fn export(server: Server, policy: &Policy, options: &Options) -> Result<String, ExportError> {
    match server {
        Server::Nginx => nginx::export(policy, options),
        Server::Apache => apache::export(policy, options),
        Server::Haproxy => haproxy::export(policy, options),
        Server::Caddy => caddy::export(policy, options),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every file is ASCII, comments included, so that no server or editor reads it otherwise
    /// (found by fuzz/export: Caddy's comments had a `…` and a `§`).
    #[test]
    fn every_export_is_ascii() {
        let policy = Policy::builder().origins(["*"]).build().unwrap();
        let options = Options::new("http://127.0.0.1:9000", "127.0.0.1:8080", "cors.toml", "00");
        for server in [
            Server::Nginx,
            Server::Apache,
            Server::Haproxy,
            Server::Caddy,
        ] {
            let text = export(server, &policy, &options).unwrap();
            assert!(
                text.is_ascii(),
                "{server}: {:?}",
                text.chars().find(|c| !c.is_ascii())
            );
        }
    }
}
