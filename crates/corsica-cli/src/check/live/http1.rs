//! HTTP/1.1 for `corsica check`: one request per connection, and the response head read byte for
//! byte, the way Chromium reads it.
//!
//! Why not hyper's HTTP/1 client: it parses with `httparse`, which refuses any control byte but
//! HT in a header value (`Access-Control-Allow-Origin: \x0b*` is `Error::HeaderValue`, so the whole
//! response would be a network error), where Chromium keeps the byte and the CORS check fails on
//! it (Fetch: only SP and HT around a value are stripped; WPT `cors/origin.htm` expects `\x0b*` to
//! be refused by the CORS check, not by the network). The verdict depends on those exact bytes, so
//! the head is parsed here, following Chromium's `HttpUtil::AssembleRawHeaders` and
//! `HttpUtil::HeadersIterator`:
//!
//! - lines end with CRLF or a bare LF;
//! - a line starting with SP or HT continues the previous one (obs-fold), joined with one space;
//! - a line without a colon, with an empty name, or whose name is not a token is skipped;
//! - SP and HT around the name and the value are stripped; every other byte (VT, FF, bytes above
//!   0x7F) is kept;
//! - 1xx interim responses (`100 Continue`, `103 Early Hints`) are skipped.
//!
//! The verdict needs only the head; the start of the body is read after it ([`super::body`]) to
//! show what an error response says. The request says `Connection: close`.

use tokio::io::{AsyncRead, AsyncReadExt};
use url::{Position, Url};

/// The largest response head read (Chromium's limit is 256 KiB too).
pub(crate) const MAX_HEAD_BYTES: usize = 256 * 1024;

/// A parsed response head.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Head {
    /// `HTTP/1.1` or `HTTP/1.0`.
    pub(crate) version: String,
    /// The status code.
    pub(crate) status: u16,
    /// The reason phrase, as sent (lossy UTF-8).
    pub(crate) reason: String,
    /// Header lines in order: names as sent, values exactly as sent but for the SP and HT
    /// around them.
    pub(crate) headers: Vec<(String, Vec<u8>)>,
}

/// Why a response head could not be read.
#[derive(Debug)]
pub(crate) enum HeadError {
    /// The connection failed while reading.
    Io(std::io::Error),
    /// The server closed the connection before the head ended.
    Closed {
        /// Bytes received before that.
        received: usize,
    },
    /// The head is longer than [`MAX_HEAD_BYTES`].
    TooLong,
    /// The status line is not `HTTP/1.x NNN …`.
    StatusLine(String),
}

impl std::fmt::Display for HeadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HeadError::Io(e) => write!(f, "{e}"),
            HeadError::Closed { received: 0 } => {
                f.write_str("the server closed the connection without answering")
            }
            HeadError::Closed { received } => write!(
                f,
                "the server closed the connection in the middle of the response head (after {received} bytes)"
            ),
            HeadError::TooLong => write!(
                f,
                "the response head is longer than {} KiB",
                MAX_HEAD_BYTES / 1024
            ),
            HeadError::StatusLine(line) => {
                write!(f, "not an HTTP/1.x status line: {line:?}")
            }
        }
    }
}

/// The bytes of a request: request line, `Host`, `headers` in order, `Content-Length` when
/// there is a body (or the method usually has one), `Connection: close`, then the body.
pub(crate) fn encode_request(
    method: &str,
    url: &Url,
    headers: &[(String, Vec<u8>)],
    body: Option<&[u8]>,
) -> Vec<u8> {
    encode_request_on(method, url, headers, body, false)
}

/// [`encode_request`], asking to keep the connection open when `keep_alive` (`corsica scan`
/// sends a target's probes on one connection).
pub(crate) fn encode_request_on(
    method: &str,
    url: &Url,
    headers: &[(String, Vec<u8>)],
    body: Option<&[u8]>,
    keep_alive: bool,
) -> Vec<u8> {
    let target = &url[Position::BeforePath..Position::AfterQuery];
    let target = if target.is_empty() { "/" } else { target };
    let host = &url[Position::BeforeHost..Position::AfterPort];
    let mut out = Vec::with_capacity(256);
    out.extend_from_slice(method.as_bytes());
    out.push(b' ');
    out.extend_from_slice(target.as_bytes());
    out.extend_from_slice(b" HTTP/1.1\r\nHost: ");
    out.extend_from_slice(host.as_bytes());
    out.extend_from_slice(b"\r\n");
    for (name, value) in headers {
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value);
        out.extend_from_slice(b"\r\n");
    }
    // Browsers send `Content-Length: 0` for a bodiless POST, PUT or PATCH.
    let needs_length = body.is_some()
        || ["POST", "PUT", "PATCH"]
            .iter()
            .any(|m| m.eq_ignore_ascii_case(method));
    if needs_length {
        let len = body.map_or(0, <[u8]>::len);
        out.extend_from_slice(format!("Content-Length: {len}\r\n").as_bytes());
    }
    out.extend_from_slice(if keep_alive {
        b"Connection: keep-alive\r\n\r\n".as_slice()
    } else {
        b"Connection: close\r\n\r\n".as_slice()
    });
    if let Some(body) = body {
        out.extend_from_slice(body);
    }
    out
}

/// Reads response heads from `reader` until a final (non-1xx) one, and parses it.
#[cfg(test)]
pub(crate) async fn read_head<R: AsyncRead + Unpin>(reader: &mut R) -> Result<Head, HeadError> {
    read_head_and_rest(reader).await.map(|(head, _)| head)
}

/// [`read_head`], also returning the bytes read past the head (the start of the body).
pub(crate) async fn read_head_and_rest<R: AsyncRead + Unpin>(
    reader: &mut R,
) -> Result<(Head, Vec<u8>), HeadError> {
    let mut buf: Vec<u8> = Vec::with_capacity(4096);
    let mut start = 0;
    loop {
        let mut scanned = start;
        let end = loop {
            if let Some(end) = head_end(&buf, start, scanned) {
                break end;
            }
            scanned = buf.len();
            if buf.len() - start > MAX_HEAD_BYTES {
                return Err(HeadError::TooLong);
            }
            let mut chunk = [0u8; 4096];
            let n = reader.read(&mut chunk).await.map_err(HeadError::Io)?;
            if n == 0 {
                return Err(HeadError::Closed {
                    received: buf.len() - start,
                });
            }
            buf.extend_from_slice(&chunk[..n]);
        };
        let head = parse_head(&buf[start..end])?;
        // 101 would switch protocols; every other 1xx is an interim response to skip.
        if (100..200).contains(&head.status) && head.status != 101 {
            start = end;
            continue;
        }
        return Ok((head, buf[end..].to_vec()));
    }
}

/// Where the head that starts at `start` ends (just after its blank line), searching the bytes
/// from `scanned` on (minus the few that a terminator could straddle).
pub(crate) fn head_end(buf: &[u8], start: usize, scanned: usize) -> Option<usize> {
    let from = scanned.saturating_sub(3).max(start);
    let mut i = from;
    while i < buf.len() {
        if buf[i] == b'\n' {
            // The line that ends here is empty when the previous line ended just before it,
            // or when it holds only the CR of a CRLF.
            let prev = if i > start && buf[i - 1] == b'\r' {
                i - 1
            } else {
                i
            };
            if prev == start || (prev > start && buf[prev - 1] == b'\n') {
                return Some(i + 1);
            }
        }
        i += 1;
    }
    None
}

/// Parses one response head (status line, header lines, blank line).
pub(crate) fn parse_head(bytes: &[u8]) -> Result<Head, HeadError> {
    let mut lines = split_lines(bytes);
    let status_line = lines.next().unwrap_or_default();
    let (version, status, reason) = parse_status_line(status_line)
        .ok_or_else(|| HeadError::StatusLine(String::from_utf8_lossy(status_line).into_owned()))?;
    // Join obs-folded continuation lines first (AssembleRawHeaders).
    let mut joined: Vec<Vec<u8>> = Vec::new();
    for line in lines {
        if line.is_empty() {
            break;
        }
        if matches!(line[0], b' ' | b'\t') {
            if let Some(last) = joined.last_mut() {
                let rest = trim_lws(line);
                if !rest.is_empty() {
                    last.push(b' ');
                    last.extend_from_slice(rest);
                }
                continue;
            }
        }
        joined.push(line.to_vec());
    }
    let mut headers = Vec::with_capacity(joined.len());
    for line in &joined {
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            continue;
        };
        let (name, value) = (&line[..colon], &line[colon + 1..]);
        if name.is_empty() || matches!(name[0], b' ' | b'\t') {
            continue;
        }
        let name = trim_lws(name);
        if name.is_empty() || !name.iter().all(|&b| is_tchar(b)) {
            continue;
        }
        // A token is ASCII, so this is always valid UTF-8.
        let name = String::from_utf8_lossy(name).into_owned();
        headers.push((name, trim_lws(value).to_vec()));
    }
    Ok(Head {
        version,
        status,
        reason,
        headers,
    })
}

/// The lines of a head, without their CRLF or LF.
fn split_lines(bytes: &[u8]) -> impl Iterator<Item = &[u8]> {
    let bytes = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    bytes
        .split(|&b| b == b'\n')
        .map(|line| line.strip_suffix(b"\r").unwrap_or(line))
}

/// `HTTP/1.x SP 3DIGIT [SP reason]`.
fn parse_status_line(line: &[u8]) -> Option<(String, u16, String)> {
    let rest = line.strip_prefix(b"HTTP/")?;
    let space = rest.iter().position(|&b| b == b' ')?;
    let version = &rest[..space];
    if !version.starts_with(b"1.") {
        return None;
    }
    let rest = trim_lws(&rest[space..]);
    if rest.len() < 3 || !rest[..3].iter().all(u8::is_ascii_digit) {
        return None;
    }
    if rest.len() > 3 && !matches!(rest[3], b' ' | b'\t') {
        return None;
    }
    let status = rest[..3]
        .iter()
        .fold(0u16, |n, &d| n * 10 + u16::from(d - b'0'));
    // RFC 9110 §15: every valid status code is from 100 up (found by fuzz/http_head).
    if status < 100 {
        return None;
    }
    let reason = String::from_utf8_lossy(trim_lws(&rest[3..])).into_owned();
    Some((
        format!("HTTP/{}", String::from_utf8_lossy(version)),
        status,
        reason,
    ))
}

/// Strips SP and HT at both ends (Chromium `TrimLWS`; Fetch "HTTP tab or space").
fn trim_lws(bytes: &[u8]) -> &[u8] {
    let lws = |b: &u8| matches!(b, b' ' | b'\t');
    let start = bytes.iter().position(|b| !lws(b)).unwrap_or(bytes.len());
    let end = bytes.iter().rposition(|b| !lws(b)).map_or(start, |i| i + 1);
    &bytes[start..end]
}

/// RFC 9110 `tchar`.
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(bytes: &[u8]) -> Head {
        parse_head(bytes).unwrap()
    }

    #[test]
    fn sp_and_ht_are_stripped_but_vt_and_ff_are_kept() {
        let h = head(
            b"HTTP/1.1 200 OK\r\n\
              A:  \t* \t\r\n\
              B: \x0b*\r\n\
              C: *\x0c\r\n\
              D:\r\n\
              E: caf\xc3\xa9 \xff\r\n\r\n",
        );
        assert_eq!(
            h.headers,
            [
                ("A".to_string(), b"*".to_vec()),
                ("B".to_string(), b"\x0b*".to_vec()),
                ("C".to_string(), b"*\x0c".to_vec()),
                ("D".to_string(), Vec::new()),
                ("E".to_string(), b"caf\xc3\xa9 \xff".to_vec()),
            ]
        );
    }

    #[test]
    fn repeated_lines_stay_in_order_with_their_case() {
        let h = head(
            b"HTTP/1.1 204 No Content\r\nAccess-Control-Allow-Origin: a\r\nX: 1\r\naccess-control-allow-origin: b\r\n\r\n",
        );
        assert_eq!(h.status, 204);
        assert_eq!(h.reason, "No Content");
        assert_eq!(h.version, "HTTP/1.1");
        let names: Vec<&str> = h.headers.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "Access-Control-Allow-Origin",
                "X",
                "access-control-allow-origin"
            ]
        );
    }

    #[test]
    fn malformed_lines_are_skipped_and_folds_joined() {
        let h = head(
            b"HTTP/1.0 200\nno colon here\n: empty name\nbad name: x\n good: leading space\nX-A: one\n  two \n\tthree\nX-B : spaced name\n\n",
        );
        assert_eq!(h.version, "HTTP/1.0");
        assert_eq!(h.reason, "");
        assert_eq!(
            h.headers,
            [
                ("X-A".to_string(), b"one two three".to_vec()),
                ("X-B".to_string(), b"spaced name".to_vec()),
            ]
        );
    }

    #[test]
    fn status_lines() {
        assert!(parse_head(b"HTTP/2 200\r\n\r\n").is_err());
        assert!(parse_head(b"ICY 200 OK\r\n\r\n").is_err());
        assert!(parse_head(b"HTTP/1.1 20\r\n\r\n").is_err());
        assert!(parse_head(b"HTTP/1.1 2000\r\n\r\n").is_err());
        // Found by fuzz/http_head: a three-digit status below 100 is no status at all.
        assert!(parse_head(b"HTTP/1.1 020 Whatever\r\n\r\n").is_err());
        assert!(parse_head(b"HTTP/1.1 000\r\n\r\n").is_err());
        assert_eq!(
            head(b"HTTP/1.1 404 Not  Found \r\n\r\n").reason,
            "Not  Found"
        );
        assert_eq!(head(b"HTTP/1.1 299\r\n\r\n").status, 299);
    }

    #[test]
    fn request_bytes() {
        let url: Url = "http://127.0.0.1:8080/a/b?c=d#frag".parse().unwrap();
        let bytes = encode_request(
            "OPTIONS",
            &url,
            &[("Origin".to_string(), b"http://x".to_vec())],
            None,
        );
        assert_eq!(
            bytes,
            b"OPTIONS /a/b?c=d HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nOrigin: http://x\r\nConnection: close\r\n\r\n"
        );
        let url: Url = "https://api.example:443".parse().unwrap();
        let bytes = encode_request("patch", &url, &[], None);
        assert_eq!(
            bytes,
            b"patch / HTTP/1.1\r\nHost: api.example\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        );
        let bytes = encode_request("POST", &url, &[], Some(b"data"));
        assert!(bytes.ends_with(b"Content-Length: 4\r\nConnection: close\r\n\r\ndata"));
    }

    /// A reader that hands out the given chunks one read at a time.
    struct Chunks(std::collections::VecDeque<Vec<u8>>);

    impl AsyncRead for Chunks {
        fn poll_read(
            mut self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
            buf: &mut tokio::io::ReadBuf<'_>,
        ) -> std::task::Poll<std::io::Result<()>> {
            if let Some(mut chunk) = self.0.pop_front() {
                let n = chunk.len().min(buf.remaining());
                buf.put_slice(&chunk[..n]);
                if n < chunk.len() {
                    self.0.push_front(chunk.split_off(n));
                }
            }
            std::task::Poll::Ready(Ok(()))
        }
    }

    fn read_all(chunks: &[&[u8]]) -> Result<Head, HeadError> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let mut reader = Chunks(chunks.iter().map(|c| c.to_vec()).collect());
        rt.block_on(read_head(&mut reader))
    }

    #[test]
    fn interim_responses_are_skipped() {
        let h = read_all(&[
            b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nX: 1\r\n\r\nbody",
        ])
        .unwrap();
        assert_eq!(h.status, 200);
        assert_eq!(h.headers, [("X".to_string(), b"1".to_vec())]);
    }

    #[test]
    fn truncated_and_oversized_heads() {
        assert!(matches!(
            read_all(&[b""]),
            Err(HeadError::Closed { received: 0 })
        ));
        assert!(matches!(
            read_all(&[b"HTTP/1.1 200 OK\r\nX: 1\r\n"]),
            Err(HeadError::Closed { .. })
        ));
        let big = vec![b'a'; MAX_HEAD_BYTES + 10];
        assert!(matches!(
            read_all(&[b"HTTP/1.1 200 OK\r\nX: ", &big]),
            Err(HeadError::TooLong)
        ));
    }

    #[test]
    fn head_end_is_found_across_reads() {
        let whole = b"HTTP/1.1 200 OK\r\nA: b\r\n\r\nrest";
        for split in 1..whole.len() {
            let h = read_all(&[&whole[..split], &whole[split..]]).unwrap();
            assert_eq!(h.headers, [("A".to_string(), b"b".to_vec())]);
        }
        assert_eq!(head_end(b"HTTP/1.1 200 OK\n\nx", 0, 0), Some(17));
    }
}
