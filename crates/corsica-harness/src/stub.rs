//! A canned-response HTTP/1.1 server on loopback, recording every request it receives.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

/// A request as the stub server received it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StubRequest {
    /// The method, as sent.
    pub method: String,
    /// The request target (path and query).
    pub target: String,
    /// Header lines in order, names as sent.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl StubRequest {
    /// The first value of `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The path without the query.
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }
}

/// A canned response. Header values are raw bytes, written exactly (no normalisation), so tests
/// can send duplicated, padded or malformed CORS headers.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StubResponse {
    /// Status code.
    pub status: u16,
    /// Header lines, written in order.
    pub headers: Vec<(String, Vec<u8>)>,
    /// Body.
    pub body: Vec<u8>,
}

impl StubResponse {
    /// A response with this status, no headers, empty body.
    pub fn new(status: u16) -> Self {
        StubResponse {
            status,
            ..Self::default()
        }
    }

    /// Appends a header line.
    #[must_use]
    pub fn header(mut self, name: &str, value: impl Into<Vec<u8>>) -> Self {
        self.headers.push((name.to_owned(), value.into()));
        self
    }

    /// Sets the body.
    #[must_use]
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }

    fn write_to(&self, w: &mut impl Write, head_only: bool) -> std::io::Result<()> {
        let mut out = format!("HTTP/1.1 {} {}\r\n", self.status, reason(self.status)).into_bytes();
        for (name, value) in &self.headers {
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(b": ");
            out.extend_from_slice(value);
            out.extend_from_slice(b"\r\n");
        }
        let bodyless = head_only || matches!(self.status, 100..=199 | 204 | 304);
        if !bodyless {
            out.extend_from_slice(format!("Content-Length: {}\r\n", self.body.len()).as_bytes());
        }
        out.extend_from_slice(b"Connection: close\r\n\r\n");
        if !bodyless {
            out.extend_from_slice(&self.body);
        }
        w.write_all(&out)?;
        w.flush()
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        500 => "Internal Server Error",
        _ => "Status",
    }
}

type Handler = dyn Fn(&StubRequest) -> StubResponse + Send + Sync;

/// An HTTP/1.1 server on `127.0.0.1` with an ephemeral port that answers every request with
/// the handler's response and records the requests. Stops when dropped.
pub struct StubServer {
    addr: SocketAddr,
    log: Arc<Mutex<Vec<StubRequest>>>,
    stop: Arc<AtomicBool>,
}

impl std::fmt::Debug for StubServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StubServer")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl StubServer {
    /// Starts a server answering with `handler`.
    ///
    /// # Errors
    ///
    /// When no loopback port can be bound.
    pub fn start(
        handler: impl Fn(&StubRequest) -> StubResponse + Send + Sync + 'static,
    ) -> std::io::Result<Self> {
        Self::start_on("127.0.0.1:0", handler)
    }

    /// Starts a server on `addr` (e.g. `127.0.0.1:0` or `[::1]:0`).
    ///
    /// # Errors
    ///
    /// When `addr` cannot be bound.
    pub fn start_on(
        addr: &str,
        handler: impl Fn(&StubRequest) -> StubResponse + Send + Sync + 'static,
    ) -> std::io::Result<Self> {
        Self::from_listener(TcpListener::bind(addr)?, handler)
    }

    /// Serves on an already bound listener (to know the port before building the handler).
    ///
    /// # Errors
    ///
    /// When the listener's address cannot be read.
    pub fn from_listener(
        listener: TcpListener,
        handler: impl Fn(&StubRequest) -> StubResponse + Send + Sync + 'static,
    ) -> std::io::Result<Self> {
        let addr = listener.local_addr()?;
        let log = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let handler: Arc<Handler> = Arc::new(handler);
        let (log2, stop2) = (Arc::clone(&log), Arc::clone(&stop));
        thread::spawn(move || {
            for stream in listener.incoming() {
                if stop2.load(Ordering::Relaxed) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let (handler, log) = (Arc::clone(&handler), Arc::clone(&log2));
                thread::spawn(move || {
                    let _ = serve(stream, &*handler, &log);
                });
            }
        });
        Ok(StubServer { addr, log, stop })
    }

    /// `http://127.0.0.1:PORT` — the server's origin.
    pub fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The server's origin followed by `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.origin())
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<StubRequest> {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }

    /// Forgets the recorded requests.
    pub fn clear(&self) {
        if let Ok(mut l) = self.log.lock() {
            l.clear();
        }
    }
}

impl Drop for StubServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_millis(100));
    }
}

fn serve(
    stream: TcpStream,
    handler: &Handler,
    log: &Mutex<Vec<StubRequest>>,
) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    if reader.read_line(&mut line)? == 0 {
        return Ok(());
    }
    let mut parts = line.split_whitespace();
    let (method, target) = (
        parts.next().unwrap_or("").to_owned(),
        parts.next().unwrap_or("").to_owned(),
    );
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h)? == 0 {
            break;
        }
        let h = h.trim_end_matches(['\r', '\n']);
        if h.is_empty() {
            break;
        }
        if let Some((n, v)) = h.split_once(':') {
            headers.push((n.trim().to_owned(), v.trim().to_owned()));
        }
    }
    let length = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = vec![0; length.min(16 << 20)];
    reader.read_exact(&mut body)?;
    let request = StubRequest {
        method,
        target,
        headers,
        body,
    };
    let response = handler(&request);
    let head_only = request.method == "HEAD";
    if let Ok(mut l) = log.lock() {
        l.push(request);
    }
    let mut stream = stream;
    response.write_to(&mut stream, head_only)
}
