//! Origin and origin-pattern parsers: never panic; the strict and the hot-path parser agree; the
//! compiled matcher agrees with the reference matcher.
#![no_main]

use corsica::Origin;
use corsica::origin::{OriginMatcher, OriginPattern, OriginRef};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let hot = OriginRef::parse(data);
    let Ok(text) = std::str::from_utf8(data) else {
        assert!(hot.is_none());
        return;
    };
    if let Ok(origin) = Origin::parse(text) {
        assert_eq!(origin.to_string(), text);
        if !origin.is_opaque() {
            let r = hot.expect("a canonical origin parses on the hot path");
            assert_eq!((r.scheme(), r.host(), r.port()), (origin.scheme(), origin.host(), origin.port()));
        }
    }
    // Split the input into a pattern and an origin to match.
    if let Some((pattern, origin)) = text.split_once('\n') {
        if let Ok(p) = OriginPattern::parse(pattern) {
            let m = OriginMatcher::new([&p]);
            assert_eq!(m.matches(origin.as_bytes()), p.matches(origin), "{pattern} vs {origin}");
        }
    }
});
