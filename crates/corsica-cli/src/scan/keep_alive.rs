//! A target's `http://` probes on one persistent HTTP/1.1 connection: fewer connections for the
//! scanned server (politer) and for the scanner (faster). Heads are parsed by `check`'s parser,
//! byte for byte as Chromium reads them; bodies are read only to find where the next response
//! starts (by `Content-Length` or chunked framing), and a response without either ends the
//! connection. A reused connection the server closed in the meantime is opened again once.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::{Instant, timeout_at};
use url::{Host, Position, Url};

use crate::check::live::http1::{self, Head, MAX_HEAD_BYTES};
use crate::check::live::{NetError, Phase, Received};

/// The largest body read to keep a connection; past it the connection is dropped instead.
const MAX_BODY_BYTES: usize = 1024 * 1024;

/// One target's connection.
#[derive(Debug)]
pub(crate) struct KeepAlive {
    address: Option<SocketAddr>,
    timeout: Duration,
    open: Option<Connection>,
}

#[derive(Debug)]
struct Connection {
    stream: TcpStream,
    /// Bytes read but not used yet.
    buf: Vec<u8>,
}

impl KeepAlive {
    /// A connection to `address` (`--resolve`), or to the URL's host.
    pub(crate) fn new(address: Option<SocketAddr>, timeout: Duration) -> Self {
        KeepAlive {
            address,
            timeout,
            open: None,
        }
    }

    /// Sends one request (no body) and reads its response.
    pub(crate) async fn send(
        &mut self,
        method: &str,
        url: &Url,
        headers: &[(String, Vec<u8>)],
    ) -> Result<Received, NetError> {
        let target = url[Position::BeforeHost..Position::AfterPort].to_string();
        let deadline = Instant::now() + self.timeout;
        let request = http1::encode_request_on(method, url, headers, None, true);
        let head_only = method.eq_ignore_ascii_case("HEAD");
        for attempt in 0..2 {
            let reused = self.open.is_some();
            let mut conn = match self.open.take() {
                Some(conn) => conn,
                None => self.connect(url, &target, deadline).await?,
            };
            let exchange = exchange(&mut conn, &request, head_only, &target);
            match timeout_at(deadline, exchange).await {
                Err(_) => {
                    return Err(NetError::Timeout {
                        timeout: self.timeout,
                        target,
                    });
                }
                Ok(Ok((head, reusable))) => {
                    if reusable {
                        self.open = Some(conn);
                    }
                    return Ok(Received {
                        protocol: head.version,
                        status: head.status,
                        reason: head.reason,
                        headers: head.headers,
                        // Findings need the head only.
                        body: Vec::new(),
                    });
                }
                // The server closed an idle connection: once more on a new one.
                Ok(Err(_)) if reused && attempt == 0 => {}
                Ok(Err(e)) => return Err(e),
            }
        }
        Err(NetError::Protocol {
            target,
            error: "the connection failed twice".to_string(),
            phase: Phase::Reading,
        })
    }

    async fn connect(
        &self,
        url: &Url,
        target: &str,
        deadline: Instant,
    ) -> Result<Connection, NetError> {
        let port = url
            .port_or_known_default()
            .ok_or_else(|| NetError::BadUrl(format!("{url}: no port to connect to")))?;
        let addrs: Vec<SocketAddr> = match (self.address, url.host()) {
            (Some(address), _) => vec![address],
            (None, Some(Host::Ipv4(ip))) => vec![SocketAddr::new(ip.into(), port)],
            (None, Some(Host::Ipv6(ip))) => vec![SocketAddr::new(ip.into(), port)],
            (None, Some(Host::Domain(host))) => {
                match timeout_at(deadline, tokio::net::lookup_host((host, port))).await {
                    Err(_) => return Err(self.timed_out(target)),
                    Ok(Err(e)) => {
                        return Err(NetError::Resolve {
                            host: host.to_string(),
                            error: e.to_string(),
                        });
                    }
                    Ok(Ok(addrs)) => addrs.collect(),
                }
            }
            (None, None) => return Err(NetError::BadUrl(format!("{url}: no host"))),
        };
        let mut last = None;
        for addr in addrs {
            match timeout_at(deadline, TcpStream::connect(addr)).await {
                Err(_) => return Err(self.timed_out(target)),
                Ok(Ok(stream)) => {
                    let _ = stream.set_nodelay(true);
                    return Ok(Connection {
                        stream,
                        buf: Vec::with_capacity(4096),
                    });
                }
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

    fn timed_out(&self, target: &str) -> NetError {
        NetError::Timeout {
            timeout: self.timeout,
            target: target.to_string(),
        }
    }
}

/// Writes `request` and reads the final response head and its body; whether the connection can
/// carry the next request.
async fn exchange(
    conn: &mut Connection,
    request: &[u8],
    head_only: bool,
    target: &str,
) -> Result<(Head, bool), NetError> {
    let broken = |what: &str, e: std::io::Error| NetError::Protocol {
        target: target.to_string(),
        error: format!("{what}: {e}"),
        phase: Phase::Sending,
    };
    conn.stream
        .write_all(request)
        .await
        .map_err(|e| broken("sending the request failed", e))?;
    loop {
        let end = read_until(conn, target, MAX_HEAD_BYTES, |buf| {
            http1::head_end(buf, 0, 0)
        })
        .await?;
        let head = http1::parse_head(&conn.buf[..end]).map_err(|e| NetError::Protocol {
            target: target.to_string(),
            error: e.to_string(),
            phase: Phase::Reading,
        })?;
        conn.buf.drain(..end);
        if (100..200).contains(&head.status) && head.status != 101 {
            continue;
        }
        let reusable = skip_body(conn, &head, head_only, target).await?
            && !header(&head, "connection").is_some_and(|v| v.eq_ignore_ascii_case("close"))
            && head.version == "HTTP/1.1";
        return Ok((head, reusable));
    }
}

/// Reads until `found` says where what is wanted ends in the buffer, or more than `limit`
/// bytes are buffered (an error: a head or a chunk line that never ends).
async fn read_until(
    conn: &mut Connection,
    target: &str,
    limit: usize,
    found: impl Fn(&[u8]) -> Option<usize>,
) -> Result<usize, NetError> {
    loop {
        if let Some(end) = found(&conn.buf) {
            return Ok(end);
        }
        if conn.buf.len() > limit {
            return Err(NetError::Protocol {
                target: target.to_string(),
                error: format!(
                    "more than {} KiB without the end of a response head or chunk line",
                    limit / 1024
                ),
                phase: Phase::Reading,
            });
        }
        let mut chunk = [0u8; 8192];
        let n = conn
            .stream
            .read(&mut chunk)
            .await
            .map_err(|e| NetError::Protocol {
                target: target.to_string(),
                error: e.to_string(),
                phase: Phase::Reading,
            })?;
        if n == 0 {
            return Err(NetError::Protocol {
                target: target.to_string(),
                error: "the server closed the connection without answering".to_string(),
                phase: Phase::Reading,
            });
        }
        conn.buf.extend_from_slice(&chunk[..n]);
    }
}

fn header(head: &Head, name: &str) -> Option<String> {
    let mut values = head
        .headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| String::from_utf8_lossy(v).trim().to_string());
    let first = values.next()?;
    Some(values.fold(first, |all, v| format!("{all}, {v}")))
}

/// Reads past the body; false when the connection cannot carry another response (no framing,
/// a body too large to read for nothing).
async fn skip_body(
    conn: &mut Connection,
    head: &Head,
    head_only: bool,
    target: &str,
) -> Result<bool, NetError> {
    if head_only || matches!(head.status, 204 | 304) {
        return Ok(true);
    }
    if header(head, "transfer-encoding")
        .is_some_and(|v| v.to_ascii_lowercase().ends_with("chunked"))
    {
        return skip_chunks(conn, target).await;
    }
    let Some(length) = header(head, "content-length") else {
        return Ok(false);
    };
    let Ok(length) = length.parse::<usize>() else {
        return Ok(false);
    };
    if length > MAX_BODY_BYTES {
        return Ok(false);
    }
    read_until(conn, target, usize::MAX, |buf| {
        (buf.len() >= length).then_some(length)
    })
    .await?;
    conn.buf.drain(..length);
    Ok(true)
}

async fn skip_chunks(conn: &mut Connection, target: &str) -> Result<bool, NetError> {
    let line_end = |buf: &[u8]| buf.iter().position(|b| *b == b'\n').map(|i| i + 1);
    let mut total = 0usize;
    loop {
        let end = read_until(conn, target, MAX_HEAD_BYTES, line_end).await?;
        let line = String::from_utf8_lossy(&conn.buf[..end]).to_string();
        conn.buf.drain(..end);
        let size = line.split(';').next().unwrap_or("").trim();
        let Ok(size) = usize::from_str_radix(size, 16) else {
            return Ok(false);
        };
        if size == 0 {
            // Trailers, up to the empty line.
            loop {
                let end = read_until(conn, target, MAX_HEAD_BYTES, line_end).await?;
                let empty = conn.buf[..end].iter().all(|b| matches!(b, b'\r' | b'\n'));
                conn.buf.drain(..end);
                if empty {
                    return Ok(true);
                }
            }
        }
        total = total.saturating_add(size);
        if total > MAX_BODY_BYTES {
            return Ok(false);
        }
        let want = size + 2;
        read_until(conn, target, usize::MAX, |buf| {
            (buf.len() >= want).then_some(want)
        })
        .await?;
        conn.buf.drain(..want);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncReadExt;

    /// A server answering each request on a connection with the next of `answers`, recording
    /// how many connections it accepted.
    async fn serve(answers: Vec<&'static [u8]>) -> (SocketAddr, tokio::task::JoinHandle<usize>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let handle = tokio::spawn(async move {
            let mut connections = 0;
            let mut answers = answers.into_iter().peekable();
            'accept: while let Ok((mut stream, _)) = listener.accept().await {
                connections += 1;
                let mut buf = Vec::new();
                loop {
                    let mut chunk = [0u8; 4096];
                    let Ok(n) = stream.read(&mut chunk).await else {
                        continue 'accept;
                    };
                    if n == 0 {
                        continue 'accept;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    while let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        buf.drain(..end + 4);
                        let Some(answer) = answers.next() else {
                            break 'accept;
                        };
                        let _ = stream.write_all(answer).await;
                        if answers.peek().is_none() {
                            break 'accept;
                        }
                        if answer.starts_with(b"HTTP/1.0") {
                            continue 'accept;
                        }
                    }
                }
            }
            connections
        });
        (addr, handle)
    }

    #[test]
    fn probes_share_a_connection_whatever_the_framing() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let (addr, server) = serve(vec![
                b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nA: 1\r\n\r\nhello",
                b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nA: 2\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
                b"HTTP/1.1 204 No Content\r\nA: 3\r\n\r\n",
                // No framing: the connection ends after it.
                b"HTTP/1.0 200 OK\r\nA: 4\r\n\r\nbody",
                b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nA: 5\r\n\r\n",
            ])
            .await;
            let url: Url = format!("http://{addr}/x").parse().unwrap();
            let mut client = KeepAlive::new(None, Duration::from_secs(5));
            for n in 1..=5 {
                let r = client.send("GET", &url, &[]).await.unwrap();
                assert_eq!(r.headers.last().unwrap().1, n.to_string().into_bytes());
            }
            drop(client);
            // Four answers on the first connection, the fifth on a second one.
            assert_eq!(server.await.unwrap(), 2);
        });
    }

    #[test]
    fn large_bodies_are_read_past_or_end_the_connection() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let mut big = b"HTTP/1.1 200 OK\r\nContent-Length: 600000\r\n\r\n".to_vec();
            big.resize(big.len() + 600_000, b'x');
            let big: &'static [u8] = Box::leak(big.into_boxed_slice());
            let (addr, server) = serve(vec![
                big,
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\n",
                b"HTTP/1.1 204 No Content\r\nA: 3\r\n\r\n",
            ])
            .await;
            let url: Url = format!("http://{addr}/").parse().unwrap();
            let mut client = KeepAlive::new(None, Duration::from_secs(5));
            assert_eq!(client.send("GET", &url, &[]).await.unwrap().status, 200);
            // A chunk larger than anything worth reading: the connection is dropped, no panic.
            assert_eq!(client.send("GET", &url, &[]).await.unwrap().status, 200);
            assert_eq!(client.send("GET", &url, &[]).await.unwrap().status, 204);
            drop(client);
            assert_eq!(server.await.unwrap(), 2);
        });
    }
}
