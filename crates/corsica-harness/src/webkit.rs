//! WebKitGTK (Debian's `libwebkit2gtk-4.1-0`) in a page this harness hosts itself, under Xvfb.
//!
//! WebKitWebDriver gives a script's result but no console text, so a small PyGObject program
//! (`webkit/host.py`, run by `/usr/bin/python3` under `xvfb-run`) hosts a `WebKitWebView` with
//! the `enable-write-console-messages-to-stdout` setting: the web process then writes each
//! console message to standard output (`CONSOLE SECURITY ERROR <text>`), where the program's
//! own answers go too. WebKit's lines do not name the URL, so fetches run one at a time.

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, mpsc};
use std::thread;
use std::time::Duration;

use serde_json::{Value, json};

use crate::Error;

const HOST: &str = include_str!("webkit/host.py");
const CALL_TIMEOUT: Duration = Duration::from_secs(30);
/// The prefix of the host program's answers on standard output.
const ANSWER: &str = "@@corsica ";

/// What a `fetch()` in WebKit gave.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebKitFetch {
    /// Whether the promise resolved.
    pub ok: bool,
    /// The status the script saw.
    pub status: u16,
    /// The headers the script could read (lower-case names).
    pub headers: Vec<(String, String)>,
    /// The rejection, as `String(e)` (`TypeError: Load failed`).
    pub error: Option<String>,
    /// The console messages, in order, without WebKit's `CONSOLE <SOURCE> <LEVEL> ` prefix.
    pub console: Vec<String>,
}

/// A WebKitGTK page under Xvfb. Stopped when dropped.
pub struct WebKit {
    child: Child,
    stdin: Mutex<Option<ChildStdin>>,
    lines: Mutex<mpsc::Receiver<String>>,
    dir: PathBuf,
}

impl std::fmt::Debug for WebKit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebKit").finish_non_exhaustive()
    }
}

const INSTALL: &str = "apt-get install -y xvfb xauth python3-gi gir1.2-webkit2-4.1 libwebkit2gtk-4.1-0 (scripts/test does this)";

impl WebKit {
    /// Starts the host program under `xvfb-run`, with a fresh data directory.
    ///
    /// # Errors
    ///
    /// [`Error::Launch`] naming the `apt-get` command when Xvfb, PyGObject or WebKitGTK is
    /// missing.
    pub fn launch() -> Result<Self, Error> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let dir = std::env::temp_dir().join(format!(
            "corsica-webkit-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir)?;
        let host = dir.join("host.py");
        std::fs::write(&host, HOST)?;
        let python = std::env::var("CORSICA_PYTHON").unwrap_or_else(|_| "/usr/bin/python3".into());
        let mut child = Command::new("xvfb-run")
            .args(["-a", "-s", "-screen 0 800x600x24 -nolisten tcp"])
            .arg(&python)
            .arg(&host)
            .arg(&dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| {
                Error::Launch(format!("`xvfb-run` could not be started ({e}); {INSTALL}"))
            })?;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| Error::Launch("no stdout".into()))?;
        let stderr = child
            .stderr
            .take()
            .ok_or_else(|| Error::Launch("no stderr".into()))?;
        let stdin = child.stdin.take();
        let (tx, rx) = mpsc::channel();
        let err_tx = tx.clone();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        // The web process writes its console messages to standard error.
        thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if std::env::var_os("CORSICA_WEBKIT_DEBUG").is_some() {
                    eprintln!("webkit: {line}");
                }
                if err_tx.send(line).is_err() {
                    return;
                }
            }
        });
        let webkit = WebKit {
            child,
            stdin: Mutex::new(stdin),
            lines: Mutex::new(rx),
            dir,
        };
        Ok(webkit)
    }

    fn send(&self, command: &Value) -> Result<(), Error> {
        let mut stdin = self
            .stdin
            .lock()
            .map_err(|_| Error::Protocol("lock poisoned".into()))?;
        let stdin = stdin
            .as_mut()
            .ok_or_else(|| Error::Protocol("the WebKit host has stopped".into()))?;
        writeln!(stdin, "{command}")?;
        stdin.flush()?;
        Ok(())
    }

    /// Reads lines until an answer: the console lines before it, and the answer.
    fn answer(&self) -> Result<(Vec<String>, Value), Error> {
        let lines = self
            .lines
            .lock()
            .map_err(|_| Error::Protocol("lock poisoned".into()))?;
        let mut console = Vec::new();
        loop {
            let line = lines.recv_timeout(CALL_TIMEOUT).map_err(|_| {
                Error::Launch(format!(
                    "the WebKit host gave no answer in {CALL_TIMEOUT:?}; is WebKitGTK installed? {INSTALL}"
                ))
            })?;
            if let Some(json) = line.strip_prefix(ANSWER) {
                let value = serde_json::from_str(json)
                    .map_err(|e| Error::Protocol(format!("WebKit host answer: {e}")))?;
                return Ok((console, value));
            }
            if let Some(rest) = line.strip_prefix("CONSOLE ") {
                console.push(rest.to_owned());
            }
        }
    }

    /// Console lines that arrive within `wait` (the web process writes them on its own).
    fn late_lines(&self, wait: Duration) -> Vec<String> {
        let Ok(lines) = self.lines.lock() else {
            return Vec::new();
        };
        let mut out = Vec::new();
        while let Ok(line) = lines.recv_timeout(wait) {
            if let Some(rest) = line.strip_prefix("CONSOLE ") {
                out.push(rest.to_owned());
            }
        }
        out
    }

    /// Loads `url` and waits for it.
    ///
    /// # Errors
    ///
    /// When the host does not answer.
    pub fn goto(&self, url: &str) -> Result<(), Error> {
        self.send(&json!({ "goto": url }))?;
        self.answer().map(|_| ())
    }

    /// Runs `fetch(url, init)` in the page.
    ///
    /// # Errors
    ///
    /// When the host does not answer.
    pub fn fetch(&self, url: &str, init: &Value) -> Result<WebKitFetch, Error> {
        self.send(&json!({ "fetch": url, "init": init }))?;
        let (mut console, v) = self.answer()?;
        let ok = v["ok"].as_bool().unwrap_or(false);
        // The web process may flush its console lines after the promise settled.
        if !ok && !console.iter().any(|l| l.contains("Fetch API cannot load")) {
            console.extend(self.late_lines(Duration::from_millis(150)));
        }
        let console = console
            .into_iter()
            .map(|l| strip_level(&l).to_owned())
            .collect();
        let headers = v["headers"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|pair| {
                        Some((pair[0].as_str()?.to_owned(), pair[1].as_str()?.to_owned()))
                    })
                    .collect()
            })
            .unwrap_or_default();
        Ok(WebKitFetch {
            ok,
            status: v["status"]
                .as_u64()
                .and_then(|s| u16::try_from(s).ok())
                .unwrap_or(0),
            headers,
            error: v["error"].as_str().map(str::to_owned),
            console,
        })
    }
}

/// `SECURITY ERROR text` → `text` (what follows `CONSOLE ` is the source and the level).
fn strip_level(line: &str) -> &str {
    let mut parts = line.splitn(3, ' ');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(_source), Some(_level), Some(text)) => text,
        _ => line,
    }
}

impl Drop for WebKit {
    fn drop(&mut self) {
        let _ = self.send(&json!({ "quit": true }));
        if let Ok(mut stdin) = self.stdin.lock() {
            stdin.take();
        }
        for _ in 0..50 {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                break;
            }
            thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
