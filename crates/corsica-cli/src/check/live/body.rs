//! The start of a response body: enough to show what an error response says (`-v`, and the
//! fix for an error answered without CORS headers). The verdict never depends on it.
//!
//! At most [`BODY_BYTES`] are kept, and reading stops early when the server pauses: a body
//! that trickles or never ends does not hold the check up.

use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt};

/// The most of a body kept.
pub(crate) const BODY_BYTES: usize = 8 * 1024;

/// How long to wait for more of a body before keeping what came.
const PAUSE: Duration = Duration::from_millis(500);

/// Whether a response to `method` with `status` has no body (RFC 9110 §6.4.1).
pub(crate) fn bodiless(method: &str, status: u16) -> bool {
    method == "HEAD" || status == 204 || status == 304 || (100..200).contains(&status)
}

/// How the body of an HTTP/1.1 response is delimited (RFC 9112 §6.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Framing {
    Chunked,
    Length(usize),
    UntilClose,
}

fn framing(headers: &[(String, Vec<u8>)]) -> Framing {
    let get = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| String::from_utf8_lossy(v).trim().to_ascii_lowercase())
    };
    if get("transfer-encoding").is_some_and(|v| v.ends_with("chunked")) {
        return Framing::Chunked;
    }
    match get("content-length").and_then(|v| v.parse().ok()) {
        Some(n) => Framing::Length(n),
        None => Framing::UntilClose,
    }
}

/// Reads the start of an HTTP/1.1 body: `rest` is what came after the head already.
pub(crate) async fn read_http1<R: AsyncRead + Unpin>(
    reader: &mut R,
    headers: &[(String, Vec<u8>)],
    mut rest: Vec<u8>,
) -> Vec<u8> {
    let framing = framing(headers);
    let wanted = match framing {
        Framing::Length(n) => n.min(BODY_BYTES),
        // Chunk sizes and CRLFs take room too: read a little more than we keep.
        Framing::Chunked => BODY_BYTES + 1024,
        Framing::UntilClose => BODY_BYTES,
    };
    let mut chunk = [0u8; 4096];
    // The last chunk ends a chunked body even if the server keeps the connection open.
    let ended = |b: &[u8]| {
        framing == Framing::Chunked && (b.ends_with(b"\r\n0\r\n\r\n") || b == b"0\r\n\r\n")
    };
    while rest.len() < wanted && !ended(&rest) {
        match tokio::time::timeout(PAUSE, reader.read(&mut chunk)).await {
            Ok(Ok(n)) if n > 0 => rest.extend_from_slice(&chunk[..n]),
            _ => break,
        }
    }
    let mut body = match framing {
        Framing::Chunked => dechunk(&rest),
        _ => rest,
    };
    body.truncate(wanted.min(BODY_BYTES));
    body
}

/// The data of a chunked body, as far as `bytes` go (RFC 9112 §7.1).
fn dechunk(mut bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(eol) = bytes.iter().position(|&b| b == b'\n') else {
            return out;
        };
        let line = String::from_utf8_lossy(&bytes[..eol]);
        let size = line.split(';').next().unwrap_or_default().trim();
        let Ok(size) = usize::from_str_radix(size, 16) else {
            return out;
        };
        if size == 0 {
            return out;
        }
        bytes = &bytes[eol + 1..];
        let take = size.min(bytes.len());
        out.extend_from_slice(&bytes[..take]);
        if take < size || out.len() >= BODY_BYTES {
            return out;
        }
        bytes = &bytes[take..];
        bytes = bytes.strip_prefix(b"\r\n").unwrap_or(bytes);
    }
}

/// Reads the start of an HTTP/2 body.
pub(crate) async fn read_http2(mut body: hyper::body::Incoming) -> Vec<u8> {
    use http_body_util::BodyExt;
    let mut out = Vec::new();
    while out.len() < BODY_BYTES {
        match tokio::time::timeout(PAUSE, body.frame()).await {
            Ok(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    out.extend_from_slice(data);
                }
            }
            _ => break,
        }
    }
    out.truncate(BODY_BYTES);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunked_bodies_are_joined() {
        assert_eq!(
            dechunk(b"5\r\nhello\r\n6;x=1\r\n world\r\n0\r\n\r\n"),
            b"hello world"
        );
        assert_eq!(dechunk(b"a\r\nhalf"), b"half");
        assert_eq!(dechunk(b"zz\r\n"), b"");
    }

    #[test]
    fn framing_follows_the_headers() {
        let h = |n: &str, v: &str| vec![(n.to_string(), v.as_bytes().to_vec())];
        assert_eq!(
            framing(&h("Transfer-Encoding", "chunked")),
            Framing::Chunked
        );
        assert_eq!(framing(&h("content-length", " 12 ")), Framing::Length(12));
        assert_eq!(framing(&[]), Framing::UntilClose);
        assert!(bodiless("HEAD", 200) && bodiless("GET", 204) && !bodiless("GET", 500));
    }
}
