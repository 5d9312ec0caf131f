//! Policy files in every format: never panic; compiling a policy's own config gives it back.
#![no_main]

use corsica::{PolicyConfig, PolicyFormat};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for format in [PolicyFormat::Toml, PolicyFormat::Yaml, PolicyFormat::Json] {
        let Ok(config) = PolicyConfig::parse(text, format) else { continue };
        match config.compile() {
            Ok(policy) => {
                let again = policy.to_config().compile().expect("a normalized config compiles");
                assert_eq!(again, policy);
            }
            Err(errors) => {
                assert!(!errors.is_empty());
                for e in &errors {
                    let _ = e.to_string();
                }
            }
        }
    }
});
