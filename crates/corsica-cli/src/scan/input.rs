//! The targets, read as they are needed: URLs on the command line, `@FILE` (one URL a line)
//! and `-` (standard input), so that a list of 100,000 URLs is never held in memory.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;

use tokio::sync::mpsc;
use url::Url;

use crate::output::shown;

/// One argument of `corsica scan`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Source {
    /// A URL.
    Url(String),
    /// `@FILE`.
    File(PathBuf),
    /// `-`.
    Stdin,
}

impl Source {
    /// Reads one argument.
    pub(crate) fn parse(arg: &str) -> Source {
        if arg == "-" {
            Source::Stdin
        } else if let Some(path) = arg.strip_prefix('@') {
            Source::File(PathBuf::from(path))
        } else {
            Source::Url(arg.to_string())
        }
    }
}

/// A target or why a line is not one (`where` says which line of which file).
pub(crate) type Item = Result<Url, String>;

/// Parses one URL; `place` names where it came from, for the message.
pub(crate) fn parse_url(text: &str, place: &str) -> Item {
    if !text.contains("://") {
        return Err(format!(
            "{place}{}: no scheme: write {} (or https://…)",
            shown(text),
            shown(&format!("https://{}", text.trim_start_matches('/')))
        ));
    }
    let url = Url::parse(text).map_err(|e| format!("{place}{}: {e}", shown(text)))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!(
            "{place}{}: only http:// and https:// URLs can be scanned",
            shown(text)
        ));
    }
    Ok(url)
}

/// Starts a thread that reads `sources` in order and sends each target down a channel of
/// `capacity` (blank lines and `#` comments skipped). A file that cannot be opened is one
/// error item; the thread stops when the receiver is dropped.
pub(crate) fn spawn(sources: Vec<Source>, capacity: usize) -> mpsc::Receiver<Item> {
    let (tx, rx) = mpsc::channel(capacity.max(1));
    std::thread::spawn(move || {
        for source in sources {
            let keep_going = match source {
                Source::Url(text) => tx.blocking_send(parse_url(&text, "")).is_ok(),
                Source::File(path) => match std::fs::File::open(&path) {
                    Ok(file) => lines(BufReader::new(file), &path.display().to_string(), &tx),
                    Err(e) => tx
                        .blocking_send(Err(format!("cannot read {}: {e}", path.display())))
                        .is_ok(),
                },
                Source::Stdin => lines(std::io::stdin().lock(), "standard input", &tx),
            };
            if !keep_going {
                return;
            }
        }
    });
    rx
}

/// Sends every URL of `reader`; false when the receiver is gone.
fn lines(reader: impl BufRead, name: &str, tx: &mpsc::Sender<Item>) -> bool {
    for (n, line) in reader.split(b'\n').enumerate() {
        let item = match line {
            Err(e) => Err(format!("cannot read {name}: {e}")),
            Ok(bytes) => {
                let text = String::from_utf8_lossy(&bytes);
                let text = text.trim();
                if text.is_empty() || text.starts_with('#') {
                    continue;
                }
                parse_url(text, &format!("{name}, line {}: ", n + 1))
            }
        };
        // A read error ends this source (the next one is still read).
        let unreadable = matches!(&item, Err(m) if m.starts_with("cannot read"));
        if tx.blocking_send(item).is_err() {
            return false;
        }
        if unreadable {
            return true;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments() {
        assert_eq!(Source::parse("-"), Source::Stdin);
        assert_eq!(Source::parse("@urls.txt"), Source::File("urls.txt".into()));
        assert_eq!(
            Source::parse("https://a.example/"),
            Source::Url("https://a.example/".into())
        );
    }

    #[test]
    fn urls_need_a_scheme() {
        assert!(parse_url("https://a.example/x", "").is_ok());
        let e = parse_url("a.example/x", "urls.txt, line 3: ").unwrap_err();
        assert!(
            e.starts_with("urls.txt, line 3: \"a.example/x\": no scheme"),
            "{e}"
        );
        assert!(parse_url("ftp://a.example/", "").is_err());
    }
}
