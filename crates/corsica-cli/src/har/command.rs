//! The `corsica check` command line that replays a recorded request against the live server:
//! what to run when the recording lacks what a verdict needs, or to see whether a fix worked.

use corsica::browser::{BrowserRequest, CredentialsMode};

/// `text` quoted for a POSIX shell: in single quotes, each `'` written `'\''`; left bare when
/// it is only characters no shell treats specially.
pub(crate) fn quoted(text: &str) -> String {
    let plain = !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./:@%+=,".contains(&b));
    if plain {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

/// `corsica check URL --origin ORIGIN [-X METHOD] [-H 'Name: value']... [--credentials include]
/// [-d BODY]` for `request`, with `body` when one was recorded (the fragment is never part of
/// a request).
pub(crate) fn check_command(request: &BrowserRequest, body: Option<&Option<String>>) -> String {
    let mut url = request.initial_url().clone();
    url.set_fragment(None);
    let mut words = vec![
        "corsica".to_string(),
        "check".to_string(),
        quoted(url.as_str()),
        "--origin".to_string(),
        quoted(request.origin().as_str()),
    ];
    let method = request.method();
    let default = if body.is_some() { "POST" } else { "GET" };
    if method != default {
        words.push("-X".to_string());
        words.push(quoted(method));
    }
    for (name, value) in request.headers() {
        words.push("-H".to_string());
        words.push(quoted(&format!(
            "{name}: {}",
            String::from_utf8_lossy(value)
        )));
    }
    if request.credentials() == CredentialsMode::Include {
        words.push("--credentials".to_string());
        words.push("include".to_string());
    }
    match body {
        Some(Some(text)) => {
            words.push("-d".to_string());
            words.push(quoted(text));
        }
        // A body too long to keep, or not recorded: its headers are given above, which is what
        // CORS looks at.
        Some(None) => {
            words.push("-d".to_string());
            words.push("''".to_string());
        }
        None => {}
    }
    words.join(" ")
}

#[cfg(test)]
mod tests {
    use corsica::Origin;

    use super::*;

    #[test]
    fn quoting() {
        assert_eq!(quoted("http://a.test/x?y=1"), "'http://a.test/x?y=1'");
        assert_eq!(quoted("http://a.test/x"), "http://a.test/x");
        assert_eq!(quoted("it's"), r"'it'\''s'");
        assert_eq!(quoted(""), "''");
    }

    #[test]
    fn the_command_replays_the_request() {
        let r = BrowserRequest::builder(
            Origin::parse("http://localhost:3000").unwrap(),
            "http://127.0.0.1:8080/items/1?x=1#frag".parse().unwrap(),
        )
        .method("PUT")
        .header("Content-Type", "application/json")
        .header("Cookie", "dropped")
        .credentials(CredentialsMode::Include)
        .build()
        .unwrap();
        assert_eq!(
            check_command(&r, Some(&Some("{\"a\":1}".to_string()))),
            "corsica check 'http://127.0.0.1:8080/items/1?x=1' --origin http://localhost:3000 \
             -X PUT -H 'Content-Type: application/json' --credentials include -d '{\"a\":1}'"
        );
        let r =
            BrowserRequest::builder(Origin::opaque(), "http://127.0.0.1:8080/".parse().unwrap())
                .build()
                .unwrap();
        assert_eq!(
            check_command(&r, None),
            "corsica check http://127.0.0.1:8080/ --origin null"
        );
    }
}
