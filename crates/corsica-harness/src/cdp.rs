//! Headless Chromium over the Chrome DevTools Protocol (a WebSocket, JSON messages).

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{Value, json};
use tungstenite::stream::MaybeTlsStream;
use tungstenite::{Message, WebSocket};

use crate::Error;

/// The flags every launch uses: headless, no sandbox (tests run as root in containers), and
/// nothing that reaches out to the network on its own.
const FLAGS: [&str; 10] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
    "--disable-dev-shm-usage",
    // Keep sandboxed iframes in the page's process, so their requests report on its session.
    "--disable-features=IsolateSandboxedIframes",
];

const CALL_TIMEOUT: Duration = Duration::from_secs(30);

struct Conn {
    next_id: AtomicU64,
    outgoing: Mutex<mpsc::Sender<String>>,
    pending: Mutex<HashMap<u64, mpsc::Sender<Value>>>,
    events: Mutex<Vec<Value>>,
    events_changed: Condvar,
    closed: AtomicBool,
}

impl Conn {
    fn call(&self, session: Option<&str>, method: &str, params: Value) -> Result<Value, Error> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = mpsc::channel();
        self.pending.lock().map_err(poisoned)?.insert(id, tx);
        let mut message = json!({ "id": id, "method": method, "params": params });
        if let Some(session) = session {
            message["sessionId"] = json!(session);
        }
        self.outgoing
            .lock()
            .map_err(poisoned)?
            .send(message.to_string())
            .map_err(|_| Error::Protocol("connection closed".into()))?;
        let reply = rx
            .recv_timeout(CALL_TIMEOUT)
            .map_err(|_| Error::Timeout(format!("{method} got no answer in {CALL_TIMEOUT:?}")))?;
        if let Some(error) = reply.get("error") {
            return Err(Error::Protocol(format!("{method}: {error}")));
        }
        Ok(reply.get("result").cloned().unwrap_or(Value::Null))
    }

    fn event_count(&self) -> usize {
        self.events.lock().map(|e| e.len()).unwrap_or(0)
    }

    /// Waits until an event from index `from` on satisfies `pred`, or `timeout` passes.
    fn wait_event(
        &self,
        from: usize,
        timeout: Duration,
        pred: impl Fn(&Value) -> bool,
    ) -> Option<Value> {
        let deadline = Instant::now() + timeout;
        let mut events = self.events.lock().ok()?;
        loop {
            if let Some(e) = events[from.min(events.len())..].iter().find(|e| pred(e)) {
                return Some(e.clone());
            }
            let now = Instant::now();
            if now >= deadline || self.closed.load(Ordering::Relaxed) {
                return None;
            }
            events = self
                .events_changed
                .wait_timeout(events, deadline - now)
                .ok()?
                .0;
        }
    }

    fn events_since(&self, from: usize) -> Vec<Value> {
        self.events
            .lock()
            .map(|e| e[from.min(e.len())..].to_vec())
            .unwrap_or_default()
    }
}

fn poisoned<T>(_: T) -> Error {
    Error::Protocol("a harness lock was poisoned by a panic".into())
}

/// A headless Chromium process and its DevTools connection. Killed when dropped.
pub struct Chromium {
    child: Child,
    profile: PathBuf,
    conn: Arc<Conn>,
    version: String,
}

impl std::fmt::Debug for Chromium {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Chromium")
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

fn chromium_binary() -> String {
    std::env::var("CORSICA_CHROMIUM").unwrap_or_else(|_| "chromium".to_owned())
}

impl Chromium {
    /// Starts headless Chromium (`chromium` on `PATH`, or the binary `CORSICA_CHROMIUM` names)
    /// with a fresh profile, and connects to it.
    ///
    /// # Errors
    ///
    /// [`Error::Launch`] when the binary is missing or prints no DevTools address — with the
    /// command that installs it — so a missing browser fails the test instead of skipping it.
    pub fn launch() -> Result<Self, Error> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let profile = std::env::temp_dir().join(format!(
            "corsica-chromium-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let binary = chromium_binary();
        let mut child = Command::new(&binary)
            .args(FLAGS)
            .arg("--remote-debugging-port=0")
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| {
                Error::Launch(format!(
                    "`{binary}` could not be started ({e}); install it with `apt-get install -y chromium` (scripts/test does this) or set CORSICA_CHROMIUM"
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
                    if let Some(url) = line.strip_prefix("DevTools listening on ") {
                        let _ = url_tx.send(url.trim().to_owned());
                        sent = true;
                    }
                }
            }
        });
        let Ok(ws_url) = url_rx.recv_timeout(Duration::from_secs(30)) else {
            let _ = child.kill();
            return Err(Error::Launch(format!(
                "`{binary}` printed no DevTools address within 30 s"
            )));
        };
        let (socket, _) = tungstenite::connect(ws_url.as_str())
            .map_err(|e| Error::Launch(format!("connect {ws_url}: {e}")))?;
        if let MaybeTlsStream::Plain(stream) = socket.get_ref() {
            stream.set_read_timeout(Some(Duration::from_millis(5)))?;
        }
        let (out_tx, out_rx) = mpsc::channel::<String>();
        let conn = Arc::new(Conn {
            next_id: AtomicU64::new(1),
            outgoing: Mutex::new(out_tx),
            pending: Mutex::new(HashMap::new()),
            events: Mutex::new(Vec::new()),
            events_changed: Condvar::new(),
            closed: AtomicBool::new(false),
        });
        let io_conn = Arc::clone(&conn);
        thread::spawn(move || io_loop(socket, &out_rx, &io_conn));
        let version = conn.call(None, "Browser.getVersion", json!({}))?;
        let version = version["product"].as_str().unwrap_or("").to_owned();
        Ok(Chromium {
            child,
            profile,
            conn,
            version,
        })
    }

    /// The browser's product string, e.g. `Chrome/156.0.8078.73`.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// Opens a new tab with network, console and runtime events enabled.
    ///
    /// # Errors
    ///
    /// When Chromium refuses or does not answer.
    pub fn new_page(&self) -> Result<Page, Error> {
        let target =
            self.conn
                .call(None, "Target.createTarget", json!({ "url": "about:blank" }))?;
        let target_id = target["targetId"].as_str().unwrap_or_default().to_owned();
        let attached = self.conn.call(
            None,
            "Target.attachToTarget",
            json!({ "targetId": target_id, "flatten": true }),
        )?;
        let session = attached["sessionId"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let page = Page {
            conn: Arc::clone(&self.conn),
            session,
            target_id,
        };
        for domain in [
            "Page.enable",
            "Network.enable",
            "Log.enable",
            "Runtime.enable",
        ] {
            page.call(domain, json!({}))?;
        }
        // Never serve from the HTTP cache or the preflight cache across scenarios.
        page.call("Network.setCacheDisabled", json!({ "cacheDisabled": true }))?;
        Ok(page)
    }
}

impl Drop for Chromium {
    fn drop(&mut self) {
        let _ = self.conn.call(None, "Browser.close", json!({}));
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
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
                } else if let Ok(mut events) = conn.events.lock() {
                    events.push(value);
                    conn.events_changed.notify_all();
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
                conn.events_changed.notify_all();
                return;
            }
        }
    }
}

/// Whether a `Network.requestWillBeSent` event is for a CORS preflight.
fn is_preflight_event(e: &Value) -> bool {
    let p = &e["params"];
    p["type"] == "Preflight" || p["initiator"]["type"] == "preflight"
}

/// Whether a `CorsError` kind can only come from a preflight that was sent.
fn implies_preflight(kind: &str) -> bool {
    kind.starts_with("Preflight")
        || matches!(
            kind,
            "InvalidAllowMethodsPreflightResponse"
                | "InvalidAllowHeadersPreflightResponse"
                | "MethodDisallowedByPreflightResponse"
                | "HeaderDisallowedByPreflightResponse"
        )
}

/// The CORS failure Chromium reported for a request (`Network.loadingFailed.corsErrorStatus`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CorsFailure {
    /// The `network::mojom::CorsError` name, e.g. `MissingAllowOriginHeader`.
    pub kind: String,
    /// The failed parameter (the offending value or name), possibly empty.
    pub failed_parameter: String,
}

/// A request Chromium sent, as DevTools reported it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SentRequest {
    /// Method.
    pub method: String,
    /// URL.
    pub url: String,
    /// Whether DevTools marked it as a CORS preflight.
    pub preflight: bool,
}

/// What a `fetch()` in the page came to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FetchResult {
    /// Whether the promise resolved (the script could read the response).
    pub ok: bool,
    /// The status the script saw (0 when rejected).
    pub status: u16,
    /// The response headers the script could read, lower-case names.
    pub headers: Vec<(String, String)>,
    /// The body text the script read.
    pub body: String,
    /// The JavaScript error message when rejected (`TypeError: Failed to fetch`).
    pub error: Option<String>,
    /// Chromium's CORS verdict when the request failed CORS.
    pub cors_failure: Option<CorsFailure>,
    /// Console messages logged meanwhile (the `Access to fetch at … has been blocked` line).
    pub console: Vec<String>,
    /// Requests sent meanwhile, preflights included.
    pub requests: Vec<SentRequest>,
}

/// A browser tab.
pub struct Page {
    conn: Arc<Conn>,
    session: String,
    target_id: String,
}

impl std::fmt::Debug for Page {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Page")
            .field("target", &self.target_id)
            .finish_non_exhaustive()
    }
}

impl Page {
    fn call(&self, method: &str, params: Value) -> Result<Value, Error> {
        self.conn.call(Some(&self.session), method, params)
    }

    fn ours(&self, event: &Value, method: &str) -> bool {
        event["method"] == method && event["sessionId"] == self.session.as_str()
    }

    /// Navigates and waits for the load event.
    ///
    /// # Errors
    ///
    /// When navigation fails or the page does not load within 30 s.
    pub fn goto(&self, url: &str) -> Result<(), Error> {
        let from = self.conn.event_count();
        let nav = self.call("Page.navigate", json!({ "url": url }))?;
        if let Some(text) = nav.get("errorText").and_then(Value::as_str) {
            return Err(Error::Protocol(format!("navigate {url}: {text}")));
        }
        self.conn
            .wait_event(from, CALL_TIMEOUT, |e| self.ours(e, "Page.loadEventFired"))
            .map(|_| ())
            .ok_or_else(|| Error::Timeout(format!("{url} did not load")))
    }

    /// Evaluates `expression` in the page, awaiting a promise, and returns its JSON value.
    ///
    /// # Errors
    ///
    /// When evaluation throws or the protocol fails.
    pub fn eval(&self, expression: &str) -> Result<Value, Error> {
        let r = self.call(
            "Runtime.evaluate",
            json!({ "expression": expression, "awaitPromise": true, "returnByValue": true }),
        )?;
        if let Some(ex) = r.get("exceptionDetails") {
            return Err(Error::Protocol(format!("script threw: {ex}")));
        }
        Ok(r["result"]["value"].clone())
    }

    /// Runs `fetch(url, init)` in the page and reports what the script saw and what Chromium
    /// said about CORS.
    ///
    /// # Errors
    ///
    /// When the protocol fails (not when the fetch fails: that is in the result).
    pub fn fetch(&self, url: &str, init: &Value) -> Result<FetchResult, Error> {
        let script = format!(
            "(async () => {{ try {{ const r = await fetch({url}, {init}); const headers = []; \
             r.headers.forEach((v, k) => headers.push([k, v])); let body = ''; \
             try {{ body = await r.text(); }} catch (e) {{}} \
             return {{ ok: true, status: r.status, headers, body }}; }} \
             catch (e) {{ return {{ ok: false, error: String(e) }}; }} }})()",
            url = json!(url),
            init = init,
        );
        self.fetch_with(url, &script)
    }

    /// Like [`Page::fetch`], but from a sandboxed iframe (`sandbox="allow-scripts"`) inside the
    /// page, whose origin is opaque: the request carries `Origin: null`.
    ///
    /// # Errors
    ///
    /// When the protocol fails.
    pub fn fetch_from_sandboxed_iframe(
        &self,
        url: &str,
        init: &Value,
    ) -> Result<FetchResult, Error> {
        let inner = format!(
            "<script>fetch({url}, {init}).then(async r => {{ const headers = []; \
             r.headers.forEach((v, k) => headers.push([k, v])); let body = ''; \
             try {{ body = await r.text(); }} catch (e) {{}} \
             parent.postMessage({{ ok: true, status: r.status, headers, body }}, '*'); }}, \
             e => parent.postMessage({{ ok: false, error: String(e) }}, '*'));</script>",
            url = json!(url),
            init = init,
        );
        let script = format!(
            "new Promise(resolve => {{ window.addEventListener('message', e => resolve(e.data), {{ once: true }}); \
             const f = document.createElement('iframe'); f.sandbox = 'allow-scripts'; f.srcdoc = {inner}; \
             document.body.appendChild(f); }})",
            inner = json!(inner),
        );
        self.fetch_with(url, &script)
    }

    /// Whether DevTools reported a preflight to `url` in this tab, waiting up to `within` for it:
    /// the preflight's own event can arrive after the `fetch()` it preceded has resolved (the
    /// network service reports it on another channel), so a [`FetchResult`] without it is not
    /// proof that none was sent. Give `url` a query of its own per request, or an earlier
    /// request's preflight to the same URL counts too.
    pub fn saw_preflight(&self, url: &str, within: Duration) -> bool {
        self.conn
            .wait_event(0, within, |e| {
                self.ours(e, "Network.requestWillBeSent")
                    && is_preflight_event(e)
                    && e["params"]["request"]["url"] == url
            })
            .is_some()
    }

    /// Runs `script` (a promise for `{ok, status, headers, body}` or `{ok: false, error}`) and
    /// gathers what Chromium reported meanwhile.
    fn fetch_with(&self, url: &str, script: &str) -> Result<FetchResult, Error> {
        let from = self.conn.event_count();
        let v = self.eval(script)?;
        let ok = v["ok"].as_bool().unwrap_or(false);
        let mut cors_failure = None;
        if !ok {
            // The network service reports the failure next to the rejection; give it a moment.
            // Only failures of requests to `url` count (a late event of an earlier fetch must
            // not be taken for this one's); redirects keep their request id.
            let ids: Vec<Value> = self
                .conn
                .events_since(from)
                .iter()
                .filter(|e| {
                    self.ours(e, "Network.requestWillBeSent")
                        && e["params"]["request"]["url"] == url
                })
                .map(|e| e["params"]["requestId"].clone())
                .collect();
            if let Some(e) = self.conn.wait_event(from, Duration::from_secs(5), |e| {
                self.ours(e, "Network.loadingFailed")
                    && e["params"].get("corsErrorStatus").is_some()
                    && (ids.is_empty() || ids.contains(&e["params"]["requestId"]))
            }) {
                let status = &e["params"]["corsErrorStatus"];
                cors_failure = Some(CorsFailure {
                    kind: status["corsError"].as_str().unwrap_or_default().to_owned(),
                    failed_parameter: status["failedParameter"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                });
                self.conn.wait_event(from, Duration::from_secs(1), |e| {
                    self.ours(e, "Log.entryAdded")
                });
            }
        }
        // A failure that only a preflight can cause means one was sent, but DevTools may report
        // the preflight's own request after the failure: wait for it, so `requests` is whole.
        if cors_failure
            .as_ref()
            .is_some_and(|f| implies_preflight(&f.kind))
        {
            self.conn.wait_event(from, Duration::from_secs(2), |e| {
                self.ours(e, "Network.requestWillBeSent") && is_preflight_event(e)
            });
        }
        let events = self.conn.events_since(from);
        let console = events
            .iter()
            .filter(|e| self.ours(e, "Log.entryAdded"))
            .filter_map(|e| e["params"]["entry"]["text"].as_str().map(str::to_owned))
            .collect();
        let requests = events
            .iter()
            .filter(|e| self.ours(e, "Network.requestWillBeSent"))
            .map(|e| {
                let p = &e["params"];
                SentRequest {
                    method: p["request"]["method"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                    url: p["request"]["url"].as_str().unwrap_or_default().to_owned(),
                    preflight: is_preflight_event(e),
                }
            })
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
        Ok(FetchResult {
            ok,
            status: v["status"]
                .as_u64()
                .and_then(|s| u16::try_from(s).ok())
                .unwrap_or(0),
            headers,
            body: v["body"].as_str().unwrap_or_default().to_owned(),
            error: v["error"].as_str().map(str::to_owned),
            cors_failure,
            console,
            requests,
        })
    }

    /// A mark in this page's event log, for [`Page::har_since`].
    pub fn mark(&self) -> usize {
        self.conn.event_count()
    }

    /// What the page's network did since `mark`, as a HAR 1.2 recording like the one
    /// Chromium's devtools export (see [`crate::har`]); `preflights` false leaves the
    /// preflights out, as devtools do.
    pub fn har_since(&self, mark: usize, page_url: &str, preflights: bool) -> Value {
        let events: Vec<Value> = self
            .conn
            .events_since(mark)
            .into_iter()
            .filter(|e| {
                e["sessionId"] == self.session.as_str()
                    && e["method"]
                        .as_str()
                        .is_some_and(|m| m.starts_with("Network."))
            })
            .collect();
        let version = self
            .conn
            .call(None, "Browser.getVersion", json!({}))
            .ok()
            .and_then(|v| v["product"].as_str().map(str::to_owned))
            .unwrap_or_default();
        crate::har::from_events(&events, page_url, &version, preflights)
    }

    /// Clicks the first element matching a CSS selector.
    ///
    /// # Errors
    ///
    /// When nothing matches.
    pub fn click(&self, selector: &str) -> Result<(), Error> {
        let found = self.eval(&format!(
            "(() => {{ const el = document.querySelector({s}); if (!el) return false; el.click(); return true; }})()",
            s = json!(selector)
        ))?;
        if found == Value::Bool(true) {
            Ok(())
        } else {
            Err(Error::Protocol(format!("no element matches {selector}")))
        }
    }

    /// Waits until `expression` evaluates truthy, polling every 50 ms.
    ///
    /// # Errors
    ///
    /// [`Error::Timeout`] after `timeout`.
    pub fn wait_for(&self, expression: &str, timeout: Duration) -> Result<Value, Error> {
        let deadline = Instant::now() + timeout;
        loop {
            let v = self.eval(expression)?;
            if !matches!(v, Value::Null | Value::Bool(false)) && v != json!("") && v != json!(0) {
                return Ok(v);
            }
            if Instant::now() >= deadline {
                return Err(Error::Timeout(format!("{expression} stayed falsy")));
            }
            thread::sleep(Duration::from_millis(50));
        }
    }

    /// A PNG screenshot of the viewport at `width`×`height` CSS pixels.
    ///
    /// # Errors
    ///
    /// When the protocol fails.
    pub fn screenshot(&self, width: u32, height: u32) -> Result<Vec<u8>, Error> {
        self.call(
            "Emulation.setDeviceMetricsOverride",
            json!({ "width": width, "height": height, "deviceScaleFactor": 1, "mobile": false }),
        )?;
        let shot = self.call("Page.captureScreenshot", json!({ "format": "png" }))?;
        base64::engine::general_purpose::STANDARD
            .decode(shot["data"].as_str().unwrap_or_default())
            .map_err(|e| Error::Protocol(format!("screenshot data: {e}")))
    }
}
