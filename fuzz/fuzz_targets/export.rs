//! `corsica export` on arbitrary policy files: never panics, writes the same text every time, and
//! writes nothing a policy could use to break out of the server's syntax (printable ASCII, tabs
//! and newlines only; on a line, double quotes are balanced once escaped ones are set aside).
//! Whether each server loads the files is checked by the export tests under the real servers.
#![no_main]

use corsica::{PolicyConfig, PolicyFormat};
use corsica_export::{Options, Server, export};
use libfuzzer_sys::fuzz_target;

const SERVERS: &[Server] = &[Server::Nginx, Server::Apache, Server::Haproxy, Server::Caddy];

fn check(server: Server, text: &str) {
    for (n, line) in text.lines().enumerate() {
        assert!(
            line.bytes().all(|b| b == b'\t' || (b' '..=b'~').contains(&b)),
            "{server}: line {n} has a byte outside printable ASCII and tabs: {line:?}"
        );
        if line.trim_start().starts_with('#') {
            continue;
        }
        let quotes = line.replace("\\\\", "").replace("\\\"", "").matches('"').count();
        assert!(quotes % 2 == 0, "{server}: unbalanced quotes on line {n}: {line:?}");
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    let format = [PolicyFormat::Toml, PolicyFormat::Yaml, PolicyFormat::Json][usize::from(pick % 3)];
    let Ok(config) = PolicyConfig::parse(text, format) else { return };
    let Ok(policy) = config.compile() else { return };
    let options = Options::new("http://127.0.0.1:9000", "127.0.0.1:8080", "cors.toml", "0".repeat(64));
    for &server in SERVERS {
        let Ok(first) = export(server, &policy, &options) else { continue };
        check(server, &first);
        assert_eq!(export(server, &policy, &options).ok().as_deref(), Some(first.as_str()));
    }
});
