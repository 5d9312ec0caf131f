//! `POST /explain`: what `corsica check` says about the request a card made, word for word.
//!
//! The request is checked by `corsica check`'s own code ([`live::check`]) against the demo API,
//! from the page's origin, and rendered by its own presentation ([`render::human`]): the demo
//! never words an explanation of its own.

use std::time::Duration;

use corsica::Origin;
use corsica::browser::{CredentialsMode, Engine};
use serde::{Deserialize, Serialize};
use url::Url;

use crate::check::parse_header;
use crate::check::{live, render};
use crate::error::error_prefix;
use crate::output::shown;

/// How long one check may take (`corsica check`'s default).
const TIMEOUT: Duration = Duration::from_secs(10);

/// A request as a card describes it: what the page passed to `fetch()`.
#[derive(Clone, Debug, Deserialize)]
pub(crate) struct Described {
    /// The page's origin (`location.origin`).
    pub(crate) origin: String,
    /// The method passed to `fetch()`.
    pub(crate) method: String,
    /// The path on the API, from `/`.
    pub(crate) path: String,
    /// The headers the script sets, `Name: value` each (as `corsica check -H` reads them).
    #[serde(default)]
    pub(crate) headers: Vec<String>,
    /// `omit`, `same-origin` or `include`.
    pub(crate) credentials: String,
    /// A string body, if any.
    #[serde(default)]
    pub(crate) body: Option<String>,
    /// The page's `navigator.userAgent`: the engine `check` behaves as is the browser's own.
    #[serde(default)]
    pub(crate) user_agent: Option<String>,
}

/// The engine a `User-Agent` belongs to (Chromium when unsure).
fn engine_of(user_agent: Option<&str>) -> Engine {
    match user_agent {
        Some(ua) if ua.contains("Firefox/") => Engine::Firefox,
        Some(ua) if ua.contains("AppleWebKit/") && !ua.contains("Chrome/") => Engine::WebKit,
        _ => Engine::Chromium,
    }
}

/// One engine's verdict on the same request, for the side-by-side view.
#[derive(Debug, Serialize)]
pub(crate) struct EngineVerdict {
    /// `chromium`, `firefox` or `webkit`.
    engine: &'static str,
    /// `allowed` or `blocked`.
    verdict: &'static str,
    /// The engine's name for the error: Firefox's reason code, else the error kind.
    kind: Option<String>,
    /// The first line the engine's console prints.
    console: Option<String>,
}

/// What `corsica check` says.
#[derive(Debug, Serialize)]
pub(crate) struct Explained {
    /// `allowed`, `blocked`, or `error` (no verdict: a usage error or no answer).
    verdict: &'static str,
    /// The error kind when blocked (`HeaderDisallowedByPreflightResponse`, …).
    kind: Option<String>,
    /// Whether a preflight was sent.
    preflight: bool,
    /// The `corsica check` command line that prints the same.
    command: String,
    /// What it prints, without colour.
    text: String,
    /// The engine the check behaved as (the page's browser's).
    browser: &'static str,
    /// The three engines' verdicts on the same request.
    engines: Vec<EngineVerdict>,
}

impl Explained {
    fn error(command: String, message: &str) -> Self {
        Explained {
            verdict: "error",
            kind: None,
            preflight: false,
            command,
            text: plain(&format!("{} {message}\n", error_prefix())),
            browser: Engine::Chromium.as_str(),
            engines: Vec::new(),
        }
    }
}

/// Text without ANSI styles, as `corsica check` prints it when standard output is not a terminal.
fn plain(text: &str) -> String {
    anstream::adapter::strip_str(text).to_string()
}

/// `word` quoted for a POSIX shell when it needs to be.
fn quoted(word: &str) -> String {
    let safe = !word.is_empty()
        && word
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./:=@%+,".contains(&b));
    if safe {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// The `corsica check` arguments for `d` against `url`.
fn command(d: &Described, url: &str, body: Option<&str>) -> String {
    let engine = engine_of(d.user_agent.as_deref());
    let mut words = vec![
        "corsica".to_owned(),
        "check".to_owned(),
        quoted(url),
        "--origin".to_owned(),
        quoted(&d.origin),
    ];
    let default_method = if body.is_some() { "POST" } else { "GET" };
    if d.method != default_method {
        words.extend(["-X".to_owned(), quoted(&d.method)]);
    }
    for h in &d.headers {
        words.extend(["-H".to_owned(), quoted(h)]);
    }
    if d.credentials != "same-origin" {
        words.extend(["--credentials".to_owned(), quoted(&d.credentials)]);
    }
    if let Some(body) = body {
        words.extend(["-d".to_owned(), quoted(body)]);
    }
    if engine != Engine::Chromium {
        words.extend(["--browser".to_owned(), engine.as_str().to_owned()]);
    }
    words.join(" ")
}

/// Runs `corsica check` for `d` against the API at `api` and returns what it says.
pub(crate) async fn explain(api: &Url, d: Described) -> Explained {
    let headers: Vec<String> = d
        .headers
        .iter()
        .filter(|h| !h.trim().is_empty())
        .cloned()
        .collect();
    let d = Described { headers, ..d };
    let body = d.body.as_deref().filter(|b| !b.is_empty());
    let url = api
        .join(&d.path)
        .ok()
        .filter(|u| d.path.starts_with('/') && u.origin() == api.origin());
    let shown_url = url.as_ref().map_or_else(
        || format!("{api}{}", d.path.trim_start_matches('/')),
        Url::to_string,
    );
    let command = command(&d, &shown_url, body);
    let Some(url) = url else {
        return Explained::error(
            command,
            &format!("path {}: give a path on the API, from /", shown(&d.path)),
        );
    };
    let origin = match Origin::parse(&d.origin) {
        Ok(origin) => origin,
        Err(e) => return Explained::error(command, &format!("--origin {}: {e}", shown(&d.origin))),
    };
    let Ok(credentials) = d.credentials.parse::<CredentialsMode>() else {
        return Explained::error(
            command,
            &format!(
                "--credentials {}: one of omit, same-origin, include",
                shown(&d.credentials)
            ),
        );
    };
    let mut headers = Vec::with_capacity(d.headers.len());
    for line in &d.headers {
        match parse_header(line) {
            Ok(header) => headers.push(header),
            Err(why) => return Explained::error(command, &format!("-H {}: {why}", shown(line))),
        }
    }
    let config = live::Config {
        url,
        origin,
        method: (!d.method.is_empty()).then(|| d.method.clone()),
        headers,
        credentials,
        body: body.map(|b| b.as_bytes().to_vec()),
        private_network: false,
        timeout: TIMEOUT,
        insecure: false,
        ca_certificates: Vec::new(),
        cookie: None,
        user_agent: None,
        // The demo shows what the follow-ups find (which part a refused preflight fails on).
        diagnose: true,
        engine: engine_of(d.user_agent.as_deref()),
    };
    // `check` runs its own runtime and blocks: keep it off the servers' thread. The other two
    // engines check the same request for the side-by-side view.
    let checked = tokio::task::spawn_blocking(move || {
        let engines: Vec<EngineVerdict> = Engine::ALL
            .iter()
            .filter_map(|&engine| {
                let report = live::check(&live::Config {
                    engine,
                    ..config.clone()
                })
                .ok()?;
                let v = &report.verdict;
                Some(EngineVerdict {
                    engine: engine.as_str(),
                    verdict: if v.is_allowed() { "allowed" } else { "blocked" },
                    kind: v.result.as_ref().err().map(|e| {
                        v.reason_code()
                            .map_or_else(|| e.kind_str().to_string(), str::to_string)
                    }),
                    console: v.console_message(),
                })
            })
            .collect();
        live::check(&config).map(|report| (report, engines))
    })
    .await;
    match checked {
        Ok(Ok((report, engines))) => Explained {
            verdict: if report.verdict.is_allowed() {
                "allowed"
            } else {
                "blocked"
            },
            kind: report
                .verdict
                .result
                .as_ref()
                .err()
                .map(|e| e.kind_str().to_string()),
            preflight: report.steps.iter().any(|s| s.preflight),
            command,
            browser: report.verdict.engine.as_str(),
            text: plain(&render::human(&report)),
            engines,
        },
        Ok(Err(e)) => Explained::error(command, &e.to_string()),
        Err(e) => Explained::error(command, &format!("the check stopped: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn described(method: &str, headers: &[&str], credentials: &str) -> Described {
        Described {
            origin: "http://localhost:3000".into(),
            method: method.into(),
            path: "/api/items/1".into(),
            headers: headers.iter().map(|h| (*h).to_owned()).collect(),
            credentials: credentials.into(),
            body: None,
            user_agent: None,
        }
    }

    #[test]
    fn the_command_line_reproduces_the_check() {
        let url = "http://127.0.0.1:8080/api/items/1";
        assert_eq!(
            command(&described("GET", &[], "same-origin"), url, None),
            "corsica check http://127.0.0.1:8080/api/items/1 --origin http://localhost:3000"
        );
        assert_eq!(
            command(
                &described("PUT", &["Content-Type: application/json"], "include"),
                url,
                Some(r#"{"done":true}"#)
            ),
            "corsica check http://127.0.0.1:8080/api/items/1 --origin http://localhost:3000 \
             -X PUT -H 'Content-Type: application/json' --credentials include -d '{\"done\":true}'"
        );
        assert_eq!(quoted("it's"), r"'it'\''s'");
    }

    #[test]
    fn only_paths_on_the_api_are_checked() {
        let api: Url = "http://127.0.0.1:9/".parse().unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        for path in ["//evil.example/x", "http://evil.example/", "api"] {
            let mut d = described("GET", &[], "omit");
            d.path = path.into();
            let explained = runtime.block_on(explain(&api, d));
            assert_eq!(explained.verdict, "error", "{path}");
            assert!(
                explained.text.starts_with("corsica: error: path"),
                "{}",
                explained.text
            );
        }
    }
}
