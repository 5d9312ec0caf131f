//! A real HTTP/1.1 client for the adapter tests.
//!
//! hyper's connection-level client sends the request exactly as built: the method as given
//! (case kept), the request target as given (origin-form `/path`, or absolute-form
//! `https://host/path`), the header lines in order, and no `Host` unless the test adds one.

use std::net::SocketAddr;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::header::{HeaderName, HeaderValue};
use hyper::{Method, Request};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

/// A request to send.
#[derive(Clone, Debug, Default)]
pub struct Outgoing {
    /// Sent as is (case kept).
    pub method: String,
    /// `/path` or `scheme://authority/path`.
    pub target: String,
    /// Header lines, in order.
    pub headers: Vec<(String, Vec<u8>)>,
    /// The body.
    pub body: Vec<u8>,
}

impl Outgoing {
    /// `method target`, without headers or body.
    pub fn new(method: &str, target: &str) -> Self {
        Outgoing {
            method: method.to_owned(),
            target: target.to_owned(),
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// Adds a header line.
    pub fn header(mut self, name: &str, value: impl AsRef<[u8]>) -> Self {
        self.headers
            .push((name.to_owned(), value.as_ref().to_vec()));
        self
    }

    /// Sets the body.
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }

    /// Builds the `http` request, or says why it cannot be sent.
    pub fn build(&self) -> Result<Request<Full<Bytes>>, String> {
        let method =
            Method::from_bytes(self.method.as_bytes()).map_err(|e| format!("method: {e}"))?;
        let mut builder = Request::builder().method(method).uri(self.target.as_str());
        for (name, value) in &self.headers {
            let name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|e| format!("header name {name:?}: {e}"))?;
            let value = HeaderValue::from_bytes(value).map_err(|e| {
                format!(
                    "header {name}: \"{}\": {e}",
                    String::from_utf8_lossy(value).escape_debug()
                )
            })?;
            builder = builder.header(name, value);
        }
        builder
            .body(Full::new(Bytes::from(self.body.clone())))
            .map_err(|e| e.to_string())
    }
}

/// A response as received.
#[derive(Clone, Debug)]
pub struct Received {
    /// The status code.
    pub status: u16,
    /// Every header line, names lower-case, in order.
    pub headers: Vec<(String, Vec<u8>)>,
    /// The whole body.
    pub body: Vec<u8>,
}

impl Received {
    /// A response from its parts: the status, the header lines (names lower-case) and the body.
    pub fn from_parts<'a>(
        status: u16,
        headers: impl IntoIterator<Item = (&'a str, &'a [u8])>,
        body: Vec<u8>,
    ) -> Self {
        Received {
            status,
            headers: headers
                .into_iter()
                .map(|(n, v)| (n.to_owned(), v.to_vec()))
                .collect(),
            body,
        }
    }

    /// Every line of `name`.
    pub fn all(&self, name: &str) -> Vec<&[u8]> {
        self.headers
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.as_slice())
            .collect()
    }

    /// The only line of `name`, as text; panics when there are several.
    pub fn one(&self, name: &str) -> Option<String> {
        let all = self.all(name);
        assert!(all.len() <= 1, "{name}: {} lines: {all:?}", all.len());
        all.first().map(|v| String::from_utf8_lossy(v).into_owned())
    }

    /// The elements of every `Vary` line, lower-case.
    pub fn vary(&self) -> Vec<String> {
        self.all("vary")
            .iter()
            .flat_map(|line| line.split(|&b| b == b','))
            .map(|e| String::from_utf8_lossy(e.trim_ascii()).to_ascii_lowercase())
            .filter(|e| !e.is_empty())
            .collect()
    }
}

/// Sends `request` to `addr` on a new connection and reads the whole response.
pub async fn send(addr: SocketAddr, request: &Outgoing) -> Result<Received, String> {
    let request = request.build()?;
    let stream = TcpStream::connect(addr)
        .await
        .map_err(|e| format!("connect {addr}: {e}"))?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| format!("handshake: {e}"))?;
    let driver = tokio::spawn(connection);
    let response = sender
        .send_request(request)
        .await
        .map_err(|e| format!("no response: {e}"))?;
    let (parts, body) = response.into_parts();
    let body = body
        .collect()
        .await
        .map_err(|e| format!("body: {e}"))?
        .to_bytes()
        .to_vec();
    drop(sender);
    let _ = driver.await;
    let headers = parts
        .headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_bytes()));
    Ok(Received::from_parts(parts.status.as_u16(), headers, body))
}
