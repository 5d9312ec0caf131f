//! Entry points for the fuzz targets (`fuzz/`), compiled only in fuzz builds (`--cfg fuzzing`),
//! so that they are never part of the library's API. Each runs a parser of untrusted bytes the
//! way the command runs it, and discards the output: the fuzzer looks for panics, hangs and
//! runaway memory.

/// `check`'s HTTP/1.1 response-head parser on any bytes; a head that parses has a status in
/// 100..=999 and its header lines as received.
pub fn http_head(bytes: &[u8]) {
    if let Ok(head) = crate::check::live::http1::parse_head(bytes) {
        assert!((100..=999).contains(&head.status), "status {}", head.status);
        let _ = format!("{head:?}");
    }
}

/// `corsica har` on any file: read, replayed through the engine, rendered as text and as JSON.
pub fn har(bytes: &[u8]) {
    crate::har::explain(bytes);
}
