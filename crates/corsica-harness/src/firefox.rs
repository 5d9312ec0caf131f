//! Headless Firefox (Debian's `firefox-esr`) over its built-in WebDriver BiDi: no geckodriver.
//!
//! The page's `fetch()` runs through `script.evaluate`; the console lines come from Firefox's
//! console service, read in chrome scope (`Services.console.getMessageArray()`), because BiDi's
//! `log.entryAdded` carries neither the reason code (the message's `category`, a
//! `security.properties` key such as `CORSMissingAllowOrigin2`) nor warnings.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::thread;
use std::time::Duration;

use serde_json::{Value, json};
use tungstenite::stream::MaybeTlsStream;
use tungstenite::{Message, WebSocket};

use crate::Error;

const CALL_TIMEOUT: Duration = Duration::from_secs(30);

/// Preferences written to the fresh profile: nothing reaches out on its own, and no cache keeps
/// a response between scenarios.
const USER_JS: &str = r#"
user_pref("browser.shell.checkDefaultBrowser", false);
user_pref("browser.startup.homepage_override.mstone", "ignore");
user_pref("datareporting.policy.dataSubmissionEnabled", false);
user_pref("toolkit.telemetry.reportingpolicy.firstRun", false);
user_pref("app.update.disabledForTesting", true);
user_pref("network.captive-portal-service.enabled", false);
user_pref("network.connectivity-service.enabled", false);
user_pref("browser.safebrowsing.malware.enabled", false);
user_pref("browser.safebrowsing.phishing.enabled", false);
user_pref("extensions.update.enabled", false);
user_pref("services.settings.server", "http://127.0.0.1:9/");
user_pref("network.proxy.type", 0);
user_pref("browser.cache.disk.enable", false);
user_pref("browser.cache.memory.enable", false);
user_pref("devtools.console.stdout.content", false);
user_pref("remote.prefs.recommended", true);
"#;

struct Conn {
    next_id: AtomicU64,
    outgoing: Mutex<mpsc::Sender<String>>,
    pending: Mutex<HashMap<u64, mpsc::Sender<Value>>>,
    closed: AtomicBool,
}

impl Conn {
    fn call(&self, method: &str, params: Value) -> Result<Value, Error> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = mpsc::channel();
        self.pending
            .lock()
            .map_err(|_| Error::Protocol("lock poisoned".into()))?
            .insert(id, tx);
        let message = json!({ "id": id, "method": method, "params": params });
        self.outgoing
            .lock()
            .map_err(|_| Error::Protocol("lock poisoned".into()))?
            .send(message.to_string())
            .map_err(|_| Error::Protocol("connection closed".into()))?;
        let reply = rx
            .recv_timeout(CALL_TIMEOUT)
            .map_err(|_| Error::Timeout(format!("{method} got no answer in {CALL_TIMEOUT:?}")))?;
        if reply["type"] == "error" {
            return Err(Error::Protocol(format!(
                "{method}: {} {}",
                reply["error"], reply["message"]
            )));
        }
        Ok(reply.get("result").cloned().unwrap_or(Value::Null))
    }
}

fn io_loop(
    mut socket: WebSocket<MaybeTlsStream<TcpStream>>,
    outgoing: &mpsc::Receiver<String>,
    conn: &Conn,
) {
    loop {
        while let Ok(text) = outgoing.try_recv() {
            if socket.send(Message::text(text)).is_err() {
                conn.closed.store(true, Ordering::Relaxed);
                return;
            }
        }
        match socket.read() {
            Ok(Message::Text(text)) => {
                let Ok(value) = serde_json::from_str::<Value>(text.as_str()) else {
                    continue;
                };
                if let Some(id) = value.get("id").and_then(Value::as_u64) {
                    if let Some(tx) = conn.pending.lock().ok().and_then(|mut p| p.remove(&id)) {
                        let _ = tx.send(value);
                    }
                }
            }
            Ok(_) => {}
            Err(tungstenite::Error::Io(e))
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(_) => {
                conn.closed.store(true, Ordering::Relaxed);
                return;
            }
        }
    }
}

/// One console message from Firefox's console service.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsoleEntry {
    /// The message's text.
    pub text: String,
    /// Its category: for CORS messages the `security.properties` key (`CORSMissingAllowOrigin2`).
    pub category: String,
    /// Whether it is a warning (not an error).
    pub warning: bool,
}

/// What a `fetch()` in Firefox gave.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FirefoxFetch {
    /// Whether the promise resolved.
    pub ok: bool,
    /// The status the script saw.
    pub status: u16,
    /// The headers the script could read (lower-case names).
    pub headers: Vec<(String, String)>,
    /// The rejection, as `String(e)` (`TypeError: NetworkError when attempting to fetch resource.`).
    pub error: Option<String>,
    /// The console messages the fetch caused, in order.
    pub console: Vec<ConsoleEntry>,
}

/// A headless Firefox and its BiDi session, with one tab. Killed when dropped.
pub struct Firefox {
    child: Child,
    profile: PathBuf,
    conn: Arc<Conn>,
    context: String,
    chrome: String,
    version: String,
}

impl std::fmt::Debug for Firefox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Firefox")
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

fn firefox_binary() -> String {
    std::env::var("CORSICA_FIREFOX").unwrap_or_else(|_| "firefox-esr".to_owned())
}

impl Firefox {
    /// Starts `firefox-esr` (or `CORSICA_FIREFOX`) headless with a fresh profile and opens a BiDi
    /// session.
    ///
    /// # Errors
    ///
    /// [`Error::Launch`] naming the `apt-get` command when the binary is missing.
    pub fn launch() -> Result<Self, Error> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let profile = std::env::temp_dir().join(format!(
            "corsica-firefox-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&profile)?;
        std::fs::write(profile.join("user.js"), USER_JS)?;
        let binary = firefox_binary();
        let mut child = Command::new(&binary)
            .args(["-headless", "-no-remote", "-profile"])
            .arg(&profile)
            .args(["--remote-debugging-port=0", "-remote-allow-system-access"])
            .env("MOZ_HEADLESS", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| {
                Error::Launch(format!(
                    "`{binary}` could not be started ({e}); install it with `apt-get install -y firefox-esr` (scripts/test does this) or set CORSICA_FIREFOX"
                ))
            })?;
        let stderr = child
            .stderr
            .take()
            .ok_or_else(|| Error::Launch("no stderr".into()))?;
        let (url_tx, url_rx) = mpsc::channel();
        thread::spawn(move || {
            let mut sent = false;
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if !sent {
                    if let Some(at) = line.find("WebDriver BiDi listening on ") {
                        let url = line[at + "WebDriver BiDi listening on ".len()..].trim();
                        let _ = url_tx.send(url.to_owned());
                        sent = true;
                    }
                }
            }
        });
        let Ok(ws_url) = url_rx.recv_timeout(Duration::from_secs(60)) else {
            let _ = child.kill();
            return Err(Error::Launch(format!(
                "`{binary}` printed no WebDriver BiDi address within 60 s"
            )));
        };
        let session_url = format!("{}/session", ws_url.trim_end_matches('/'));
        let (socket, _) = tungstenite::connect(session_url.as_str())
            .map_err(|e| Error::Launch(format!("connect {session_url}: {e}")))?;
        if let MaybeTlsStream::Plain(stream) = socket.get_ref() {
            stream.set_read_timeout(Some(Duration::from_millis(5)))?;
        }
        let (out_tx, out_rx) = mpsc::channel::<String>();
        let conn = Arc::new(Conn {
            next_id: AtomicU64::new(1),
            outgoing: Mutex::new(out_tx),
            pending: Mutex::new(HashMap::new()),
            closed: AtomicBool::new(false),
        });
        let io_conn = Arc::clone(&conn);
        thread::spawn(move || io_loop(socket, &out_rx, &io_conn));
        let session = conn.call(
            "session.new",
            json!({ "capabilities": { "alwaysMatch": { "acceptInsecureCerts": true } } }),
        )?;
        let version = format!(
            "{} {}",
            session["capabilities"]["browserName"]
                .as_str()
                .unwrap_or("firefox"),
            session["capabilities"]["browserVersion"]
                .as_str()
                .unwrap_or("")
        );
        let tree = conn.call("browsingContext.getTree", json!({}))?;
        let context = tree["contexts"][0]["context"]
            .as_str()
            .ok_or_else(|| Error::Protocol("no browsing context".into()))?
            .to_owned();
        let chrome_tree = conn.call("browsingContext.getTree", json!({ "moz:scope": "chrome" }))?;
        let chrome = chrome_tree["contexts"][0]["context"]
            .as_str()
            .ok_or_else(|| {
                Error::Protocol(
                    "no chrome browsing context (is -remote-allow-system-access honoured?)".into(),
                )
            })?
            .to_owned();
        Ok(Firefox {
            child,
            profile,
            conn,
            context,
            chrome,
            version,
        })
    }

    /// `firefox 153.8.0esr`.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// Loads `url` in the tab and waits for it.
    ///
    /// # Errors
    ///
    /// When the navigation fails.
    pub fn goto(&self, url: &str) -> Result<(), Error> {
        self.conn
            .call(
                "browsingContext.navigate",
                json!({ "context": self.context, "url": url, "wait": "complete" }),
            )
            .map(|_| ())
    }

    fn evaluate(&self, context: &str, expression: &str) -> Result<Value, Error> {
        let r = self.conn.call(
            "script.evaluate",
            json!({
                "expression": expression,
                "target": { "context": context },
                "awaitPromise": true,
                "resultOwnership": "none",
            }),
        )?;
        if r["type"] == "exception" {
            return Err(Error::Protocol(format!(
                "script threw: {}",
                r["exceptionDetails"]
            )));
        }
        let text = r["result"]["value"].as_str().unwrap_or("null");
        serde_json::from_str(text).map_err(|e| Error::Protocol(format!("script result: {e}")))
    }

    /// Every console message the console service holds, then empties it.
    fn take_console(&self) -> Result<Vec<ConsoleEntry>, Error> {
        let v = self.evaluate(
            &self.chrome,
            "(() => { const out = Services.console.getMessageArray().map(m => { \
               let e = null; try { e = m.QueryInterface(Ci.nsIScriptError); } catch (_) {} \
               return e ? { text: e.errorMessage, category: e.category, warning: (e.flags & 1) === 1 } \
                        : { text: m.message, category: '', warning: false }; }); \
               Services.console.reset(); return JSON.stringify(out); })()",
        )?;
        Ok(v.as_array()
            .map(|a| {
                a.iter()
                    .map(|m| ConsoleEntry {
                        text: m["text"].as_str().unwrap_or_default().to_owned(),
                        category: m["category"].as_str().unwrap_or_default().to_owned(),
                        warning: m["warning"].as_bool().unwrap_or(false),
                    })
                    .collect()
            })
            .unwrap_or_default())
    }

    /// Runs `fetch(url, init)` in the page and returns what the script and the console saw.
    ///
    /// # Errors
    ///
    /// When the browser cannot be reached.
    pub fn fetch(&self, url: &str, init: &Value) -> Result<FirefoxFetch, Error> {
        self.take_console()?;
        let script = format!(
            "(async () => {{ try {{ const r = await fetch({url}, {init}); const headers = []; \
             r.headers.forEach((v, k) => headers.push([k, v])); \
             try {{ await r.text(); }} catch (e) {{}} \
             return JSON.stringify({{ ok: true, status: r.status, headers }}); }} \
             catch (e) {{ return JSON.stringify({{ ok: false, error: String(e) }}); }} }})()",
            url = json!(url),
            init = init,
        );
        let v = self.evaluate(&self.context, &script)?;
        let ok = v["ok"].as_bool().unwrap_or(false);
        // The console service gets the CORS message from the network code, which may lag the
        // rejection a little.
        let mut console = self.take_console()?;
        if !ok {
            // Wait for the first CORS line (up to 1 s), then until four polls in a row bring no new
            // one (about 40 ms): a failed preflight is followed by more lines.
            let mut quiet = 0;
            for _ in 0..200 {
                thread::sleep(Duration::from_millis(5));
                let more = self.take_console()?;
                let blocked = console
                    .iter()
                    .any(|m| m.text.starts_with("Cross-Origin Request Blocked"));
                if more.is_empty() {
                    quiet += 1;
                    if blocked && quiet >= 4 {
                        break;
                    }
                } else {
                    quiet = 0;
                    console.extend(more);
                }
            }
        }
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
        Ok(FirefoxFetch {
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

impl Drop for Firefox {
    fn drop(&mut self) {
        let _ = self.conn.call("session.end", json!({}));
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}
