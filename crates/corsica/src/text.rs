//! Request bytes shown as text, safely: [`Escaped`].

use std::fmt;

/// Header bytes shown as text for logs and messages: printable ASCII as is, `"` and `\\`
/// backslash-escaped, other bytes as `\xNN`, at most 80 bytes then the length. Request headers
/// are attacker-controlled; this keeps them from driving a terminal or flooding a log.
///
/// ```
/// use corsica::text::Escaped;
///
/// assert_eq!(Escaped(b"a\x1b[2J\"").to_string(), "a\\x1b[2J\\\"");
/// assert!(Escaped(&[b'x'; 1000]).to_string().ends_with("… (1000 bytes)"));
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Escaped<'a>(pub &'a [u8]);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const SHOWN: usize = 80;
        for &b in self.0.iter().take(SHOWN) {
            if b == b'"' || b == b'\\' {
                write!(f, "\\{}", b as char)?;
            } else if b.is_ascii_graphic() || b == b' ' {
                write!(f, "{}", b as char)?;
            } else {
                write!(f, "\\x{b:02x}")?;
            }
        }
        if self.0.len() > SHOWN {
            write!(f, "… ({} bytes)", self.0.len())?;
        }
        Ok(())
    }
}
