//! `corsica har` on any file: reading (truncated, mistyped, non-UTF-8 JSON), replaying every
//! entry through the engine's browser side, and rendering text and JSON never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| corsica_cli::fuzzing::har(data));
