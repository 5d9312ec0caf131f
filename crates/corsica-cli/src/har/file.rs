//! A HAR 1.2 file (the "HTTP Archive" devtools, Firefox and Playwright export) read into typed
//! values: only what replaying CORS needs, the request and response heads. Bodies are skipped
//! while reading (never held in memory), so memory grows with the number of entries and the size
//! of their headers, not with what the pages downloaded.
//!
//! Every problem names where it is: the entry's index and the field's path
//! (`log.entries[3].request.headers[0].value`), and the line and column in the file.

use std::fmt;
use std::io::{BufRead, Read};
use std::time::Duration;

use serde::Deserialize;
use serde::de::IgnoredAny;
use url::Url;

use super::date;

/// A body kept for the `corsica check -d` command line only when it is at most this long.
const MAX_BODY_KEPT: usize = 1024;

/// The HAR as stored: serde's view, checked field by field by `serde_path_to_error`.
#[derive(Deserialize)]
struct RawFile {
    log: RawLog,
}

#[derive(Deserialize)]
struct RawLog {
    /// Required by HAR 1.2, but some tools leave it out: not worth refusing a file for.
    #[serde(default)]
    creator: Option<RawCreator>,
    #[serde(default)]
    pages: Option<Vec<RawPage>>,
    entries: Vec<RawEntry>,
}

#[derive(Deserialize)]
struct RawCreator {
    name: String,
    #[serde(default)]
    version: Option<String>,
}

#[derive(Deserialize)]
struct RawPage {
    id: String,
    #[serde(default)]
    title: Option<String>,
}

#[derive(Deserialize)]
struct RawEntry {
    #[serde(default)]
    pageref: Option<String>,
    #[serde(rename = "startedDateTime")]
    started: String,
    request: RawRequest,
    response: RawResponse,
    /// Chromium's resource type (`fetch`, `xhr`, `preflight`, `script`, …).
    #[serde(rename = "_resourceType", default)]
    resource_type: Option<String>,
}

#[derive(Deserialize)]
struct RawRequest {
    method: String,
    url: String,
    headers: Vec<RawHeader>,
    #[serde(default)]
    cookies: Option<Vec<IgnoredAny>>,
    #[serde(rename = "postData", default)]
    post_data: Option<RawPostData>,
}

#[derive(Deserialize)]
struct RawPostData {
    #[serde(default)]
    text: Option<String>,
}

#[derive(Deserialize)]
struct RawResponse {
    status: i64,
    #[serde(rename = "statusText", default)]
    status_text: Option<String>,
    #[serde(rename = "httpVersion", default)]
    http_version: Option<String>,
    headers: Vec<RawHeader>,
    /// Chromium's failure text (`net::ERR_FAILED`); Playwright writes `_failureText`.
    #[serde(rename = "_error", default)]
    error: Option<String>,
    #[serde(rename = "_failureText", default)]
    failure_text: Option<String>,
}

#[derive(Deserialize)]
struct RawHeader {
    name: String,
    value: String,
}

/// Who wrote the file (`log.creator`): `WebInspector` (Chromium's devtools), `Firefox`,
/// `Playwright`, …
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Creator {
    pub(crate) name: String,
    pub(crate) version: String,
}

/// A page of the recording (`log.pages[]`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Page {
    pub(crate) id: String,
    /// The page's title: Chromium writes the page's URL there, Firefox and Playwright its
    /// document title.
    pub(crate) title: String,
}

/// The recorded response, when the browser got one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Response {
    pub(crate) status: u16,
    pub(crate) status_text: String,
    pub(crate) http_version: String,
    pub(crate) headers: Vec<(String, Vec<u8>)>,
}

/// One request and what came back, as recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Entry {
    /// Its index in `log.entries`.
    pub(crate) index: usize,
    pub(crate) pageref: Option<String>,
    /// `startedDateTime`, as written.
    pub(crate) started_text: String,
    /// `startedDateTime`, since the Unix epoch.
    pub(crate) started: Duration,
    pub(crate) resource_type: Option<String>,
    pub(crate) method: String,
    pub(crate) url: Url,
    /// Header lines in order, values as bytes (see [`header_bytes`]).
    pub(crate) headers: Vec<(String, Vec<u8>)>,
    /// Whether the request carried cookies (`cookies` or a `Cookie` header).
    pub(crate) cookies: bool,
    /// Whether it had a body, and the body when short and recorded.
    pub(crate) body: Option<Option<String>>,
    /// `None` when the browser recorded no response (status 0 or -1: blocked, failed, aborted).
    pub(crate) response: Option<Response>,
    /// The browser's failure text, if it wrote one (`net::ERR_FAILED`).
    pub(crate) failure: Option<String>,
}

impl Entry {
    /// The first value of request header `name` (any case).
    pub(crate) fn header(&self, name: &str) -> Option<&[u8]> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_slice())
    }

    /// Whether this is a CORS preflight: `OPTIONS` with `Origin` and
    /// `Access-Control-Request-Method` (Fetch "CORS-preflight request").
    pub(crate) fn is_preflight(&self) -> bool {
        self.method == "OPTIONS"
            && self.header("origin").is_some()
            && self.header("access-control-request-method").is_some()
    }
}

/// The whole file, typed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Har {
    pub(crate) creator: Creator,
    pub(crate) pages: Vec<Page>,
    pub(crate) entries: Vec<Entry>,
}

/// Why a file is not a HAR this command can read.
#[derive(Debug)]
pub(crate) enum HarError {
    /// The file cannot be read.
    Io(std::io::Error),
    /// The JSON is broken, or a field is missing or of the wrong type.
    Json {
        /// The field's path, e.g. `log.entries[3].request.method` (`.` for the top).
        path: String,
        /// The entry, when the problem is inside one.
        entry: Option<usize>,
        /// What serde_json said, without its position.
        message: String,
        line: usize,
        column: usize,
    },
    /// A field has the right type but a value that cannot be what a browser recorded.
    Value {
        entry: usize,
        field: &'static str,
        message: String,
    },
}

impl HarError {
    /// The entry the problem is in, if it is in one.
    pub(crate) fn entry(&self) -> Option<usize> {
        match self {
            HarError::Io(_) => None,
            HarError::Json { entry, .. } => *entry,
            HarError::Value { entry, .. } => Some(*entry),
        }
    }

    /// The field's path, if known.
    pub(crate) fn field(&self) -> Option<String> {
        match self {
            HarError::Io(_) => None,
            HarError::Json { path, .. } => Some(path.clone()),
            HarError::Value { entry, field, .. } => Some(format!("log.entries[{entry}].{field}")),
        }
    }
}

impl fmt::Display for HarError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HarError::Io(e) => write!(f, "cannot read it: {e}"),
            HarError::Json {
                path,
                entry,
                message,
                line,
                column,
            } => {
                if let Some(entry) = entry {
                    write!(f, "entry {entry}: ")?;
                }
                let place = if path == "." {
                    String::new()
                } else {
                    format!("{path}: ")
                };
                write!(f, "{place}{message} (line {line}, column {column})")?;
                if entry.is_none() {
                    f.write_str(
                        "; a HAR 1.2 file is JSON like {\"log\": {\"creator\": …, \"entries\": \
                         [{\"request\": …, \"response\": …}]}}, as the browser's devtools export \
                         it (\"Save all as HAR\")",
                    )?;
                }
                Ok(())
            }
            HarError::Value {
                entry,
                field,
                message,
            } => write!(f, "entry {entry}: log.entries[{entry}].{field}: {message}"),
        }
    }
}

/// serde_json's message without its ` at line L column C` tail (we print the position
/// ourselves), with "EOF" said in words.
fn json_message(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let text = match text.rfind(" at line ") {
        Some(at) => text[..at].to_string(),
        None => text,
    };
    if e.is_eof() {
        format!("{text}: the file ends too early (truncated?)")
    } else if text.starts_with("invalid unicode code point") {
        format!("{text}: bytes that are not UTF-8 (a HAR file is UTF-8 JSON)")
    } else {
        text
    }
}

/// `entries[N]` in a path, if there is one.
fn entry_of(path: &str) -> Option<usize> {
    let rest = path.split("entries[").nth(1)?;
    rest.split(']').next()?.parse().ok()
}

/// A header value as bytes: text recorded one char per byte (Latin-1, how browsers hand out
/// header bytes) goes back to those bytes; anything else is kept as UTF-8.
pub(crate) fn header_bytes(value: &str) -> Vec<u8> {
    if value.chars().all(|c| u32::from(c) <= 0xff) {
        value
            .chars()
            .map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?'))
            .collect()
    } else {
        value.as_bytes().to_vec()
    }
}

fn headers(raw: Vec<RawHeader>) -> Vec<(String, Vec<u8>)> {
    raw.into_iter()
        .map(|h| {
            let value = header_bytes(&h.value);
            (h.name, value)
        })
        .collect()
}

/// Reads a HAR from `reader`, streaming: bodies are skipped, not stored.
pub(crate) fn read(reader: impl Read) -> Result<Har, HarError> {
    let mut reader = std::io::BufReader::with_capacity(64 * 1024, reader);
    // Some tools (Fiddler, Charles on Windows) start the file with a UTF-8 byte-order mark.
    let bom = reader
        .fill_buf()
        .map_err(HarError::Io)?
        .starts_with(b"\xef\xbb\xbf");
    if bom {
        reader.consume(3);
    }
    let mut de = serde_json::Deserializer::from_reader(reader);
    let raw: RawFile = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if inner.is_io() && !inner.is_eof() {
            return HarError::Io(std::io::Error::other(inner.to_string()));
        }
        HarError::Json {
            entry: entry_of(&path),
            message: json_message(&inner),
            line: inner.line(),
            column: inner.column(),
            path,
        }
    })?;
    de.end().map_err(|e| HarError::Json {
        path: ".".to_string(),
        entry: None,
        message: format!("{} after the HAR's closing brace", json_message(&e)),
        line: e.line(),
        column: e.column(),
    })?;
    let log = raw.log;
    let entries = log
        .entries
        .into_iter()
        .enumerate()
        .map(|(index, raw)| entry(index, raw))
        .collect::<Result<_, _>>()?;
    Ok(Har {
        creator: log.creator.map_or_else(
            || Creator {
                name: "unknown".to_string(),
                version: String::new(),
            },
            |c| Creator {
                name: c.name,
                version: c.version.unwrap_or_default(),
            },
        ),
        pages: log
            .pages
            .unwrap_or_default()
            .into_iter()
            .map(|p| Page {
                id: p.id,
                title: p.title.unwrap_or_default(),
            })
            .collect(),
        entries,
    })
}

/// One entry, typed: the URL parsed, the date read, a status that is a response or none.
fn entry(index: usize, raw: RawEntry) -> Result<Entry, HarError> {
    let value = |field, message| HarError::Value {
        entry: index,
        field,
        message,
    };
    let url = Url::parse(&raw.request.url).map_err(|e| {
        value(
            "request.url",
            format!(
                "{} is not a URL ({e}); browsers record absolute URLs",
                crate::output::shown(&raw.request.url)
            ),
        )
    })?;
    let started = date::parse(&raw.started).ok_or_else(|| {
        value(
            "startedDateTime",
            format!(
                "{} is not an ISO 8601 date and time like \"2026-12-01T18:00:00.000Z\"",
                crate::output::shown(&raw.started)
            ),
        )
    })?;
    let status = raw.response.status;
    let response = match status {
        // Firefox and Chromium write 0, Playwright -1, for a request that got no response.
        -1 | 0 => None,
        100..=999 => Some(Response {
            status: u16::try_from(status).unwrap_or_default(),
            status_text: raw.response.status_text.unwrap_or_default(),
            http_version: raw.response.http_version.unwrap_or_default(),
            headers: headers(raw.response.headers),
        }),
        _ => {
            return Err(value(
                "response.status",
                format!("{status} is not an HTTP status (100 to 999, or 0 for no response)"),
            ));
        }
    };
    let request_headers = headers(raw.request.headers);
    let cookies = raw.request.cookies.is_some_and(|c| !c.is_empty())
        || request_headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("cookie"));
    Ok(Entry {
        index,
        pageref: raw.pageref,
        started_text: raw.started,
        started,
        resource_type: raw.resource_type,
        method: raw.request.method,
        url,
        headers: request_headers,
        cookies,
        body: raw
            .request
            .post_data
            .map(|p| p.text.filter(|t| t.len() <= MAX_BODY_KEPT)),
        response,
        failure: raw
            .response
            .error
            .or(raw.response.failure_text)
            .filter(|t| !t.is_empty()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn har(entries: &str) -> String {
        format!(
            r#"{{"log": {{"version": "1.2", "creator": {{"name": "WebInspector", "version": "537.36"}},
            "pages": [{{"id": "page_1", "title": "http://localhost:3000/"}}],
            "entries": [{entries}]}}}}"#
        )
    }

    const ENTRY: &str = r#"{"pageref": "page_1", "startedDateTime": "2026-12-01T18:00:00.123Z",
        "request": {"method": "GET", "url": "http://127.0.0.1:8080/a", "httpVersion": "HTTP/1.1",
          "headers": [{"name": "Origin", "value": "http://localhost:3000"}], "cookies": []},
        "response": {"status": 200, "statusText": "OK", "httpVersion": "HTTP/1.1",
          "headers": [{"name": "Access-Control-Allow-Origin", "value": "*"}],
          "content": {"size": 5, "mimeType": "text/plain", "text": "hello"}},
        "_resourceType": "fetch"}"#;

    #[test]
    fn reads_what_replay_needs() {
        let h = read(har(ENTRY).as_bytes()).unwrap();
        assert_eq!(h.creator.name, "WebInspector");
        assert_eq!(h.pages[0].title, "http://localhost:3000/");
        let e = &h.entries[0];
        assert_eq!(e.url.as_str(), "http://127.0.0.1:8080/a");
        assert_eq!(e.header("origin"), Some(&b"http://localhost:3000"[..]));
        assert_eq!(e.response.as_ref().unwrap().status, 200);
        assert_eq!(e.resource_type.as_deref(), Some("fetch"));
        assert!(!e.cookies);
    }

    #[test]
    fn every_problem_names_its_entry_and_field() {
        let bad = ENTRY.replace(r#""method": "GET""#, r#""method": 5"#);
        let e = read(har(&format!("{ENTRY}, {bad}")).as_bytes()).unwrap_err();
        assert_eq!(e.entry(), Some(1));
        assert_eq!(e.field().as_deref(), Some("log.entries[1].request.method"));
        assert!(e.to_string().contains("invalid type: integer `5`"), "{e}");

        let missing = ENTRY.replace(r#""status": 200, "#, "");
        let e = read(har(&missing).as_bytes()).unwrap_err();
        assert!(e.to_string().contains("missing field `status`"), "{e}");
        assert_eq!(e.field().as_deref(), Some("log.entries[0].response"));

        let text = har(ENTRY);
        let e = read(&text.as_bytes()[..text.len() / 2]).unwrap_err();
        assert!(e.to_string().contains("truncated"), "{e}");
        assert_eq!(e.entry(), Some(0));

        let mut bytes = har(ENTRY).into_bytes();
        let at = bytes.windows(5).position(|w| w == b"/a\", ").unwrap();
        bytes[at + 1] = 0xff;
        let e = read(bytes.as_slice()).unwrap_err();
        assert_eq!(e.entry(), Some(0), "{e}");

        let e = read(har(&ENTRY.replace("200", "1000")).as_bytes()).unwrap_err();
        assert_eq!(e.field().as_deref(), Some("log.entries[0].response.status"));
        let e = read(har(&ENTRY.replace("http://127.0.0.1:8080/a", "/a")).as_bytes()).unwrap_err();
        assert_eq!(e.field().as_deref(), Some("log.entries[0].request.url"));
        let e = read(&b"[]"[..]).unwrap_err();
        assert!(e.to_string().contains("a HAR 1.2 file is JSON"), "{e}");
    }

    #[test]
    fn bodies_are_not_kept_and_no_response_is_none() {
        let e = ENTRY
            .replace(r#""status": 200"#, r#""status": 0"#)
            .replace(r#""cookies": []"#, r#""cookies": [{"name": "s", "value": "1"}], "postData": {"mimeType": "text/plain", "text": "x"}"#);
        let h = read(har(&e).as_bytes()).unwrap();
        assert_eq!(h.entries[0].response, None);
        assert!(h.entries[0].cookies);
        assert_eq!(h.entries[0].body, Some(Some("x".to_string())));
    }

    /// A HAR whose one response body is `size` bytes, generated as it is read.
    struct BigBody {
        head: Vec<u8>,
        size: usize,
        tail: Vec<u8>,
        at: usize,
    }

    impl Read for BigBody {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let total = self.head.len() + self.size + self.tail.len();
            let mut n = 0;
            while n < buf.len() && self.at < total {
                buf[n] = if self.at < self.head.len() {
                    self.head[self.at]
                } else if self.at < self.head.len() + self.size {
                    b'a'
                } else {
                    self.tail[self.at - self.head.len() - self.size]
                };
                n += 1;
                self.at += 1;
            }
            Ok(n)
        }
    }

    #[test]
    fn a_big_body_is_streamed_past() {
        let text = har(ENTRY);
        let (head, tail) = text.split_at(text.find("hello").unwrap());
        let reader = BigBody {
            head: head.as_bytes().to_vec(),
            size: 8 << 20,
            tail: tail.as_bytes()["hello".len()..].to_vec(),
            at: 0,
        };
        let h = read(reader).unwrap();
        assert_eq!(h.entries.len(), 1);
    }

    #[test]
    fn bytes_that_are_not_utf8_in_a_skipped_body_do_not_matter() {
        let mut bytes = har(ENTRY).into_bytes();
        let at = bytes.windows(5).position(|w| w == b"hello").unwrap();
        bytes[at] = 0xff;
        assert_eq!(read(bytes.as_slice()).unwrap().entries.len(), 1);
    }

    #[test]
    fn a_byte_order_mark_is_skipped() {
        let text = format!("\u{feff}{}", har(ENTRY));
        assert_eq!(read(text.as_bytes()).unwrap().entries.len(), 1);
    }

    #[test]
    fn latin1_header_text_goes_back_to_bytes() {
        assert_eq!(header_bytes("caf\u{e9}"), b"caf\xe9");
        assert_eq!(header_bytes("\u{2603}"), "\u{2603}".as_bytes());
    }
}
