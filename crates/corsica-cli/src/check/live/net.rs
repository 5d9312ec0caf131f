//! The network side of `corsica check`: one request, one connection, one response head.
//!
//! `http://` URLs speak HTTP/1.1 ([`super::http1`]); `https://` URLs offer HTTP/2 and HTTP/1.1
//! by ALPN, as browsers do, and HTTP/2 goes through hyper. Redirects are never followed here:
//! the caller (the browser model) decides what to send next.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper_util::rt::{TokioExecutor, TokioIo};
use rustls::ClientConfig;
use rustls::pki_types::ServerName;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::{Instant, timeout_at};
use url::{Host, Position, Url};

use super::http1;
use super::tls;

/// How a response came back.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Received {
    /// `HTTP/1.1`, `HTTP/1.0` or `HTTP/2`.
    pub protocol: String,
    /// The status code.
    pub status: u16,
    /// The reason phrase (HTTP/1) or the status's usual one (HTTP/2).
    pub reason: String,
    /// Header lines in order, values exactly as received (minus SP/HT around them).
    pub headers: Vec<(String, Vec<u8>)>,
    /// The start of the body (at most 8 KiB; empty when there is none), to show what an error
    /// response says.
    pub body: Vec<u8>,
}

/// Where in an exchange a failure happened, for the words "while sending" / "while reading".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Before anything was sent: DNS, TCP, TLS.
    Connecting,
    /// Writing the request.
    Sending,
    /// Waiting for or reading the response.
    Reading,
}

/// Why no response came back. Each prints as one line that says what failed and where.
#[derive(Debug)]
pub enum NetError {
    /// The URL has no host or port this client can use.
    BadUrl(String),
    /// DNS found nothing, or failed.
    Resolve {
        /// The host name.
        host: String,
        /// What the resolver said.
        error: String,
    },
    /// No address accepted a TCP connection.
    Connect {
        /// `host:port`.
        target: String,
        /// The last error.
        error: std::io::Error,
    },
    /// The TLS handshake failed (certificate, protocol).
    Tls {
        /// `host:port`.
        target: String,
        /// What went wrong, in the user's words (and what to do).
        error: String,
        /// Whether `--insecure` was on.
        insecure: bool,
    },
    /// The deadline passed.
    Timeout {
        /// The `--timeout` in force.
        timeout: Duration,
        /// `host:port`.
        target: String,
    },
    /// The connection broke, or the answer was not HTTP.
    Protocol {
        /// `host:port`.
        target: String,
        /// What went wrong.
        error: String,
        /// While sending or while reading.
        phase: Phase,
    },
    /// The request cannot be expressed over HTTP/2 (a header value HTTP/2 forbids).
    Request(String),
}

impl std::fmt::Display for NetError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NetError::BadUrl(m) | NetError::Request(m) => f.write_str(m),
            NetError::Resolve { host, error } => write!(f, "cannot resolve {host}: {error}"),
            NetError::Connect { target, error } => {
                write!(f, "cannot connect to {target}: {}", io_reason(error))
            }
            NetError::Tls {
                target,
                error,
                insecure,
            } => {
                write!(f, "TLS handshake with {target} failed: {error}")?;
                if !insecure && error.contains("certificate") && !error.contains("--insecure") {
                    f.write_str(" (--insecure skips certificate verification)")?;
                }
                Ok(())
            }
            NetError::Timeout { timeout, target } => write!(
                f,
                "no answer from {target} within {} (raise --timeout)",
                seconds(*timeout)
            ),
            NetError::Protocol { target, error, .. } => {
                write!(f, "bad answer from {target}: {error}")
            }
        }
    }
}

impl NetError {
    /// Where the exchange stood when it failed; `None` for a timeout (anywhere).
    pub fn phase(&self) -> Option<Phase> {
        match self {
            NetError::BadUrl(_)
            | NetError::Resolve { .. }
            | NetError::Connect { .. }
            | NetError::Tls { .. }
            | NetError::Request(_) => Some(Phase::Connecting),
            NetError::Protocol { phase, .. } => Some(*phase),
            NetError::Timeout { .. } => None,
        }
    }

    /// The net error Chromium reports for it (`ERR_CONNECTION_REFUSED`, …), for `--json`.
    pub fn chromium_name(&self) -> &'static str {
        match self {
            NetError::BadUrl(_) => "ERR_INVALID_URL",
            NetError::Resolve { .. } => "ERR_NAME_NOT_RESOLVED",
            NetError::Connect { error, .. } => match error.kind() {
                std::io::ErrorKind::ConnectionRefused => "ERR_CONNECTION_REFUSED",
                std::io::ErrorKind::ConnectionReset => "ERR_CONNECTION_RESET",
                _ => "ERR_CONNECTION_FAILED",
            },
            NetError::Tls { error, .. } if error.contains("certificate") => {
                "ERR_CERT_AUTHORITY_INVALID"
            }
            NetError::Tls { .. } => "ERR_SSL_PROTOCOL_ERROR",
            NetError::Timeout { .. } => "ERR_TIMED_OUT",
            NetError::Protocol { error, .. } if error.contains("without answering") => {
                "ERR_EMPTY_RESPONSE"
            }
            NetError::Protocol { .. } => "ERR_INVALID_HTTP_RESPONSE",
            NetError::Request(_) => "ERR_INVALID_ARGUMENT",
        }
    }
}

/// A failed TLS handshake in the user's words: what the certificate or the peer is, and what to
/// do. `first` are the first bytes the peer sent.
fn tls_words(e: &std::io::Error, first: &[u8], insecure: bool) -> String {
    use rustls::CertificateError as C;
    if let Some(words) = super::peer::speaks(first, true) {
        return words;
    }
    let Some(error) = e.get_ref().and_then(|e| e.downcast_ref::<rustls::Error>()) else {
        if e.kind() == std::io::ErrorKind::UnexpectedEof {
            return "the server closed the connection during the TLS handshake (does this port \
                    speak plain HTTP? then use an http:// URL)"
                .to_string();
        }
        return io_reason(e);
    };
    let verify = if insecure {
        ""
    } else {
        ": trust its CA with --cacert FILE (PEM), or skip verification with --insecure"
    };
    match error {
        rustls::Error::InvalidCertificate(c) => match c {
            C::UnknownIssuer | C::BadSignature => {
                format!("the certificate is self-signed or from an unknown CA{verify}")
            }
            C::NotValidForName | C::NotValidForNameContext { .. } => {
                format!("the certificate is for another host name{verify}")
            }
            C::Expired | C::ExpiredContext { .. } => format!("the certificate has expired{verify}"),
            C::NotValidYet | C::NotValidYetContext { .. } => {
                format!("the certificate is not valid yet (check the clock){verify}")
            }
            C::Revoked => "the certificate is revoked".to_string(),
            // webpki's own errors come as `Other`; a self-signed certificate made as a CA is
            // `CaUsedAsEndEntity`.
            other if format!("{other:?}").contains("CaUsedAsEndEntity") => {
                format!(
                    "the certificate is self-signed (a CA certificate used by the server itself){verify}"
                )
            }
            other => format!("the certificate is refused ({other:?}){verify}"),
        },
        rustls::Error::InvalidMessage(_) | rustls::Error::InappropriateMessage { .. } => {
            "the server does not speak TLS on this port (is it plain HTTP? try http://)".to_string()
        }
        rustls::Error::AlertReceived(alert) => {
            format!("the server refused the handshake (TLS alert {alert:?})")
        }
        rustls::Error::NoApplicationProtocol => {
            "the server offers neither HTTP/2 nor HTTP/1.1 (ALPN)".to_string()
        }
        other => other.to_string(),
    }
}

impl std::error::Error for NetError {}

/// `1 s`, `2.5 s`.
fn seconds(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 {
        format!("{s:.0} s")
    } else {
        format!("{s} s")
    }
}

/// An I/O error without the OS error number (`connection refused`, not `Connection refused
/// (os error 111)`).
fn io_reason(e: &std::io::Error) -> String {
    let text = e.to_string();
    let text = match text.find(" (os error") {
        Some(i) => text[..i].to_string(),
        None => text,
    };
    let mut chars = text.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => text,
    }
}

/// An error with its sources, `outer: inner: innermost`.
fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let s_text = s.to_string();
        if !text.ends_with(&s_text) {
            text.push_str(": ");
            text.push_str(&s_text);
        }
        source = s.source();
    }
    text
}

/// Sends requests until a deadline; one connection per request.
pub(crate) struct Client {
    insecure: bool,
    roots: Vec<rustls::pki_types::CertificateDer<'static>>,
    tls: Option<Arc<ClientConfig>>,
    deadline: Instant,
    timeout: Duration,
    /// Where to connect instead of resolving the URL's host (`corsica scan --resolve`).
    address: Option<SocketAddr>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("insecure", &self.insecure)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client whose every request must be answered within `timeout` from now.
    pub(crate) fn new(timeout: Duration, insecure: bool) -> Self {
        Client {
            insecure,
            roots: Vec::new(),
            tls: None,
            deadline: Instant::now() + timeout,
            timeout,
            address: None,
        }
    }

    /// Trusts these CA certificates too (`--cacert`).
    pub(crate) fn trust(&mut self, roots: Vec<rustls::pki_types::CertificateDer<'static>>) {
        self.roots = roots;
        self.tls = None;
    }

    /// Connects to `address` instead of resolving the URL's host (as curl's `--resolve`).
    pub(crate) fn connect_to(mut self, address: Option<SocketAddr>) -> Self {
        self.address = address;
        self
    }

    /// Uses this TLS configuration (shared by many clients) instead of building one.
    pub(crate) fn with_tls(mut self, config: Arc<ClientConfig>) -> Self {
        self.tls = Some(config);
        self
    }

    /// Starts the timeout again: the next request has the whole of it.
    pub(crate) fn restart_deadline(&mut self) {
        self.deadline = Instant::now() + self.timeout;
    }

    /// Sends one request and reads the response head (and the start of the body).
    pub(crate) async fn send(
        &mut self,
        method: &str,
        url: &Url,
        headers: &[(String, Vec<u8>)],
        body: Option<&[u8]>,
    ) -> Result<Received, NetError> {
        let target = url[Position::BeforeHost..Position::AfterPort].to_string();
        let port = url
            .port_or_known_default()
            .ok_or_else(|| NetError::BadUrl(format!("{url}: no port to connect to")))?;
        let https = match url.scheme() {
            "http" => false,
            "https" => true,
            other => {
                return Err(NetError::BadUrl(format!(
                    "{url}: cannot send {other}: requests (only http and https)"
                )));
            }
        };
        let stream = self.connect(url, port, &target).await?;
        let _ = stream.set_nodelay(true);
        if !https {
            return self
                .http1(stream, method, url, headers, body, &target)
                .await;
        }
        let config = match &self.tls {
            Some(config) => Arc::clone(config),
            None => {
                let config = tls::client_config(self.insecure, &self.roots).map_err(|error| {
                    NetError::Tls {
                        target: target.clone(),
                        error,
                        insecure: self.insecure,
                    }
                })?;
                self.tls = Some(Arc::clone(&config));
                config
            }
        };
        let server_name = match url.host() {
            Some(Host::Domain(d)) => ServerName::try_from(d.to_string()),
            Some(Host::Ipv4(ip)) => Ok(ServerName::IpAddress(std::net::IpAddr::V4(ip).into())),
            Some(Host::Ipv6(ip)) => Ok(ServerName::IpAddress(std::net::IpAddr::V6(ip).into())),
            None => return Err(NetError::BadUrl(format!("{url}: no host"))),
        }
        .map_err(|e| NetError::BadUrl(format!("{url}: not a TLS server name: {e}")))?;
        let connector = tokio_rustls::TlsConnector::from(config);
        let stream = super::peer::Recording::new(stream);
        let tap = stream.tap();
        let tls = match timeout_at(self.deadline, connector.connect(server_name, stream)).await {
            Err(_) => return Err(self.timed_out(&target)),
            Ok(Err(e)) => {
                return Err(NetError::Tls {
                    target,
                    error: tls_words(&e, &tap.first(), self.insecure),
                    insecure: self.insecure,
                });
            }
            Ok(Ok(tls)) => tls,
        };
        if tls.get_ref().1.alpn_protocol() == Some(b"h2") {
            self.http2(tls, method, url, headers, body, &target).await
        } else {
            self.http1(tls, method, url, headers, body, &target).await
        }
    }

    fn timed_out(&self, target: &str) -> NetError {
        NetError::Timeout {
            timeout: self.timeout,
            target: target.to_string(),
        }
    }

    async fn connect(&self, url: &Url, port: u16, target: &str) -> Result<TcpStream, NetError> {
        let addrs: Vec<SocketAddr> = match url.host() {
            _ if self.address.is_some() => self.address.into_iter().collect(),
            Some(Host::Ipv4(ip)) => vec![SocketAddr::new(ip.into(), port)],
            Some(Host::Ipv6(ip)) => vec![SocketAddr::new(ip.into(), port)],
            Some(Host::Domain(host)) => {
                match timeout_at(self.deadline, tokio::net::lookup_host((host, port))).await {
                    Err(_) => return Err(self.timed_out(target)),
                    Ok(Err(e)) => {
                        return Err(NetError::Resolve {
                            host: host.to_string(),
                            error: resolver_reason(&e),
                        });
                    }
                    Ok(Ok(addrs)) => addrs.collect(),
                }
            }
            None => return Err(NetError::BadUrl(format!("{url}: no host"))),
        };
        let mut last = None;
        for addr in addrs {
            match timeout_at(self.deadline, TcpStream::connect(addr)).await {
                Err(_) => return Err(self.timed_out(target)),
                Ok(Ok(stream)) => return Ok(stream),
                Ok(Err(e)) => last = Some(e),
            }
        }
        Err(match last {
            Some(error) => NetError::Connect {
                target: target.to_string(),
                error,
            },
            None => NetError::Resolve {
                host: url.host_str().unwrap_or_default().to_string(),
                error: "no address found".to_string(),
            },
        })
    }

    async fn http1<S: AsyncRead + AsyncWrite + Unpin>(
        &self,
        stream: S,
        method: &str,
        url: &Url,
        headers: &[(String, Vec<u8>)],
        body: Option<&[u8]>,
        target: &str,
    ) -> Result<Received, NetError> {
        let request = http1::encode_request(method, url, headers, body);
        // What the peer says first, if it is not HTTP (a TLS alert, an SSH banner).
        let mut stream = super::peer::Recording::new(stream);
        let tap = stream.tap();
        let exchange = async {
            let sending = |e: std::io::Error| NetError::Protocol {
                target: target.to_string(),
                error: super::peer::speaks(&tap.first(), false).unwrap_or_else(|| io_reason(&e)),
                phase: Phase::Sending,
            };
            if let Err(e) = stream.write_all(&request).await {
                return Err(sending(e));
            }
            if let Err(e) = stream.flush().await {
                return Err(sending(e));
            }
            match http1::read_head_and_rest(&mut stream).await {
                Ok(head) => Ok(head),
                Err(e) => Err(NetError::Protocol {
                    target: target.to_string(),
                    error: super::peer::speaks(&tap.first(), false).unwrap_or_else(|| match e {
                        http1::HeadError::Io(e) => io_reason(&e),
                        other => other.to_string(),
                    }),
                    phase: Phase::Reading,
                }),
            }
        };
        let (head, rest) = timeout_at(self.deadline, exchange)
            .await
            .map_err(|_| self.timed_out(target))??;
        let body = if super::body::bodiless(method, head.status) {
            Vec::new()
        } else {
            super::body::read_http1(&mut stream, &head.headers, rest).await
        };
        Ok(Received {
            protocol: head.version,
            status: head.status,
            reason: head.reason,
            headers: head.headers,
            body,
        })
    }

    async fn http2<S: AsyncRead + AsyncWrite + Unpin + Send + 'static>(
        &self,
        stream: S,
        method: &str,
        url: &Url,
        headers: &[(String, Vec<u8>)],
        body: Option<&[u8]>,
        target: &str,
    ) -> Result<Received, NetError> {
        let protocol_error = |what: &str, e: &dyn std::error::Error| NetError::Protocol {
            target: target.to_string(),
            error: format!("{what}: {}", chain(e)),
            // The connection's set-up is part of sending; a failed request may have been sent.
            phase: if what.contains("request") {
                Phase::Reading
            } else {
                Phase::Sending
            },
        };
        let mut request = http::Request::builder()
            .method(
                http::Method::from_bytes(method.as_bytes())
                    .map_err(|e| NetError::Request(format!("method {method:?}: {e}")))?,
            )
            .uri(&url[..Position::AfterQuery]);
        for (name, value) in headers {
            let name = http::HeaderName::from_bytes(name.as_bytes())
                .map_err(|e| NetError::Request(format!("header {name:?}: {e}")))?;
            let value = http::HeaderValue::from_bytes(value).map_err(|_| {
                NetError::Request(format!(
                    "the value of {name} has bytes that HTTP/2 cannot carry"
                ))
            })?;
            request = request.header(name, value);
        }
        let request = request
            .body(Full::new(Bytes::copy_from_slice(body.unwrap_or_default())))
            .map_err(|e| NetError::Request(format!("cannot build the HTTP/2 request: {e}")))?;
        let exchange = async {
            let (mut sender, connection) =
                hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(stream))
                    .await
                    .map_err(|e| protocol_error("HTTP/2 handshake failed", &e))?;
            tokio::spawn(async move {
                let _ = connection.await;
            });
            sender
                .ready()
                .await
                .map_err(|e| protocol_error("HTTP/2 connection failed", &e))?;
            sender
                .send_request(request)
                .await
                .map_err(|e| protocol_error("HTTP/2 request failed", &e))
        };
        let response = timeout_at(self.deadline, exchange)
            .await
            .map_err(|_| self.timed_out(target))??;
        let status = response.status();
        let headers = response
            .headers()
            .iter()
            .map(|(n, v)| (n.as_str().to_string(), v.as_bytes().to_vec()))
            .collect();
        let body = if super::body::bodiless(method, status.as_u16()) {
            Vec::new()
        } else {
            super::body::read_http2(response.into_body()).await
        };
        Ok(Received {
            protocol: "HTTP/2".to_string(),
            status: status.as_u16(),
            reason: status.canonical_reason().unwrap_or_default().to_string(),
            headers,
            body,
        })
    }
}

/// What the resolver said, without the noise (`failed to lookup address information: Name or
/// service not known` → `name or service not known`).
fn resolver_reason(e: &std::io::Error) -> String {
    let text = io_reason(e);
    match text.strip_prefix("failed to lookup address information: ") {
        Some(rest) => {
            let mut chars = rest.chars();
            match chars.next() {
                Some(c) => c.to_lowercase().chain(chars).collect(),
                None => text,
            }
        }
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_read_as_one_line() {
        let e = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        let refused = io_reason(&e);
        assert!(refused.starts_with(char::is_lowercase), "{refused}");
        let net = NetError::Connect {
            target: "127.0.0.1:1".into(),
            error: e,
        };
        assert!(
            net.to_string()
                .starts_with("cannot connect to 127.0.0.1:1: ")
        );
        assert_eq!(seconds(Duration::from_millis(2500)), "2.5 s");
        assert_eq!(seconds(Duration::from_secs(3)), "3 s");
        let tls = NetError::Tls {
            target: "a:443".into(),
            error: "invalid peer certificate: UnknownIssuer".into(),
            insecure: false,
        };
        assert!(
            tls.to_string()
                .ends_with("(--insecure skips certificate verification)")
        );
    }
}
