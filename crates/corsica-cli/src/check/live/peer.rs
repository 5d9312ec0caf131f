//! What the other end speaks, from the first bytes it sent: the words for a connection that is
//! not the HTTP (or TLS) the URL promised — a TLS port reached with `http://`, a plain HTTP port
//! reached with `https://`, an SSH or mail server.

use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// How many of the first bytes received are kept.
const KEPT: usize = 64;

/// A stream that keeps the first bytes the peer sent, to say what it speaks when the exchange
/// fails.
#[derive(Debug)]
pub(crate) struct Recording<S> {
    inner: S,
    first: Tap,
}

/// The first bytes a [`Recording`] received, readable after the stream is gone.
#[derive(Clone, Debug, Default)]
pub(crate) struct Tap(Arc<Mutex<Vec<u8>>>);

impl Tap {
    /// The first bytes received (at most 64).
    pub(crate) fn first(&self) -> Vec<u8> {
        self.0.lock().map(|b| b.clone()).unwrap_or_default()
    }
}

impl<S> Recording<S> {
    pub(crate) fn new(inner: S) -> Self {
        Recording {
            inner,
            first: Tap::default(),
        }
    }

    /// Where the first bytes are kept.
    pub(crate) fn tap(&self) -> Tap {
        self.first.clone()
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Recording<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = polled {
            if let Ok(mut first) = self.first.0.lock() {
                let room = KEPT.saturating_sub(first.len());
                let new = &buf.filled()[before..];
                first.extend_from_slice(&new[..new.len().min(room)]);
            }
        }
        polled
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Recording<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// What the peer speaks, judging by its first bytes, when that is not what was expected:
/// `tls` says whether the URL asked for TLS. `None` when the bytes tell nothing (or nothing
/// came).
pub(crate) fn speaks(first: &[u8], tls: bool) -> Option<String> {
    // A TLS record: handshake (22) or alert (21), then version 3.x (RFC 8446 §5.1).
    let is_tls = matches!(first, [0x15 | 0x16, 0x03, ..]);
    if is_tls {
        return (!tls)
            .then(|| "this port speaks TLS, not plain HTTP: use an https:// URL".to_string());
    }
    if first.starts_with(b"HTTP/") {
        return tls.then(|| {
            "this port speaks plain HTTP, not TLS: use an http:// URL (or the server's https port)"
                .to_string()
        });
    }
    if first.is_empty() {
        return None;
    }
    let line: String = first
        .iter()
        .take_while(|&&b| b != b'\r' && b != b'\n')
        .take(40)
        .map(|&b| {
            if b.is_ascii_graphic() || b == b' ' {
                char::from(b).to_string()
            } else {
                format!("\\x{b:02x}")
            }
        })
        .collect();
    Some(format!("not an HTTP server: it starts with '{line}'"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_bytes_name_the_protocol() {
        assert_eq!(
            speaks(b"\x15\x03\x03\x00\x02\x02\x32", false).unwrap(),
            "this port speaks TLS, not plain HTTP: use an https:// URL"
        );
        assert!(
            speaks(b"HTTP/1.1 400 Bad Request\r\n", true)
                .unwrap()
                .starts_with("this port speaks plain HTTP")
        );
        assert_eq!(
            speaks(b"SSH-2.0-OpenSSH_9.6\r\nInvalid", false).unwrap(),
            "not an HTTP server: it starts with 'SSH-2.0-OpenSSH_9.6'"
        );
        assert_eq!(speaks(b"HTTP/1.1 200 OK\r\n", false), None);
        assert_eq!(speaks(b"", true), None);
    }
}
