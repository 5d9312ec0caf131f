//! The browser side on arbitrary responses: `simulate` (the request, its preflight if any, the
//! preflight cache, the CORS and preflight checks, redirects) never panics, and every verdict
//! keeps the CORS invariants: a response the script reads was allowed for this origin, with
//! credentials only when `Access-Control-Allow-Credentials: true` said so, after a preflight with
//! an ok status; `Set-Cookie` is never exposed; an allowed fetch has no failed check.
#![no_main]

use corsica::Origin;
use corsica::browser::{BrowserRequest, CredentialsMode, ResponseHead, simulate};
use libfuzzer_sys::fuzz_target;

/// The requests a page makes, from simple to preflighted and credentialed.
fn request(pick: u8) -> BrowserRequest {
    let origin = Origin::parse("https://app.example").unwrap();
    let url = "https://api.example/data".parse().unwrap();
    let credentials = match pick % 3 {
        0 => CredentialsMode::Omit,
        1 => CredentialsMode::SameOrigin,
        _ => CredentialsMode::Include,
    };
    let builder = BrowserRequest::builder(origin, url).credentials(credentials);
    let builder = match (pick / 3) % 4 {
        0 => builder,
        1 => builder.method("PUT"),
        2 => builder
            .header("Content-Type", "application/json")
            .header("X-Api-Key", "k"),
        _ => builder.method("patch").header("Authorization", "Bearer t"),
    };
    builder
        .wildcard_covers_authorization(pick >= 128)
        .build()
        .unwrap()
}

/// A response from `status line` bytes and `name:value` lines.
fn response(part: &[u8]) -> ResponseHead {
    let mut lines = part.split(|&b| b == b'\n');
    let status = lines
        .next()
        .and_then(|l| l.first().copied())
        .map_or(200, |b| 100 + u16::from(b) * 2);
    lines.fold(ResponseHead::new(status), |r, line| {
        match line.iter().position(|&b| b == b':') {
            Some(i) => r.header(
                String::from_utf8_lossy(&line[..i]).into_owned(),
                &line[i + 1..],
            ),
            None => r,
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let request = request(pick);
    let credentialed = request.credentials() == CredentialsMode::Include;
    // The preflight response, then the actual response, separated by a NUL byte.
    let mut parts = rest.splitn(2, |&b| b == 0);
    let preflight = parts.next().map(response);
    let actual = parts
        .next()
        .map_or_else(|| ResponseHead::new(200), response);

    let verdict = simulate(request, preflight.clone(), actual.clone());
    let _ = verdict.console_message();
    let _ = format!("{:?}", verdict.trace);

    let Ok(exposed) = &verdict.result else { return };
    assert!(
        verdict.trace.failure().is_none(),
        "allowed with a failed check: {:?}",
        verdict.trace
    );
    assert!(
        !exposed
            .headers
            .iter()
            .any(|h| h.eq_ignore_ascii_case("set-cookie")),
        "Set-Cookie exposed"
    );
    let acao = actual.get("access-control-allow-origin");
    let acac = actual.get("access-control-allow-credentials");
    if credentialed {
        assert_eq!(
            acao.as_deref(),
            Some(&b"https://app.example"[..]),
            "credentialed read without the exact origin"
        );
        assert_eq!(
            acac.as_deref(),
            Some(&b"true"[..]),
            "credentialed read without Allow-Credentials: true"
        );
    } else {
        assert!(
            matches!(acao.as_deref(), Some(b"*" | b"https://app.example")),
            "read without Allow-Origin: {acao:?}"
        );
    }
    if verdict.preflight_sent() {
        let preflight = preflight.expect("a preflight was sent, so one was answered");
        assert!(
            preflight.has_ok_status(),
            "allowed after a preflight with status {}",
            preflight.status
        );
    }
});
