//! Writing answers: one document to standard output, colour only where it is wanted, and user
//! text made safe to print on a terminal.

use std::fmt::Write as _;
use std::io::Write;

use serde::Serialize;

use crate::error::CliError;

/// Writes `text` (which may hold ANSI styles) to standard output. `anstream` strips the styles
/// unless stdout is a terminal and `NO_COLOR` is unset (or `CLICOLOR_FORCE` asks for them).
pub(crate) fn print(text: &str) -> Result<(), CliError> {
    let mut out = anstream::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(CliError::output)
}

/// Writes `value` to standard output as one pretty-printed JSON document.
pub(crate) fn print_json(value: &impl Serialize) -> Result<(), CliError> {
    let mut text = serde_json::to_string_pretty(value)
        .map_err(|e| CliError::new(format!("cannot render JSON: {e}")))?;
    text.push('\n');
    // Plain stdout: JSON never carries styles.
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(CliError::output)
}

/// `text` made safe for a terminal: control characters (which could move the cursor or change
/// colours) are written as escapes; everything else is kept.
pub(crate) fn sanitized(text: &str) -> String {
    if !text.chars().any(char::is_control) {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
    out
}

/// User input quoted for an error message: in double quotes, escaped, and cut after 80
/// characters so that a hostile argument cannot flood the terminal.
pub(crate) fn shown(text: &str) -> String {
    const SHOWN: usize = 80;
    let mut out = String::from("\"");
    for c in text.chars().take(SHOWN) {
        out.extend(c.escape_debug());
    }
    out.push('"');
    let len = text.chars().count();
    if len > SHOWN {
        let _ = write!(out, "… ({len} characters)");
    }
    out
}

/// Bytes quoted for an error message, like [`shown`]; bytes that are not UTF-8 are replaced.
pub(crate) fn shown_bytes(bytes: &[u8]) -> String {
    shown(&String::from_utf8_lossy(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(sanitized("plain text — ok"), "plain text — ok");
        assert_eq!(sanitized("a\u{1b}[31mb\n"), "a\\u{1b}[31mb\\n");
    }

    #[test]
    fn long_input_is_cut() {
        assert_eq!(shown("Origin"), "\"Origin\"");
        let long = "x".repeat(1000);
        assert_eq!(
            shown(&long),
            format!("\"{}\"… (1000 characters)", "x".repeat(80))
        );
    }
}
