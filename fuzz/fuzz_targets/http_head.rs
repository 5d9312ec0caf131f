//! `corsica check`'s HTTP/1.1 response-head parser (what any server, or anything listening on a
//! port, sends back): never panics; a head that parses has a three-digit status.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| corsica_cli::fuzzing::http_head(data));
