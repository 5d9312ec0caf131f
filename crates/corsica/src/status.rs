//! [`Status`]: the status of a response the engine answers itself.

use std::fmt;

/// An HTTP status code (RFC 9110 §15): three digits, 100 to 599. The engine answers preflights
/// with the policy's ok status (2xx) and refusals with [`Status::FORBIDDEN`].
///
/// ```
/// use corsica::Status;
///
/// assert_eq!(Status::new(204), Some(Status::NO_CONTENT));
/// assert_eq!(Status::FORBIDDEN.as_u16(), 403);
/// assert_eq!(Status::new(1000), None);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Status(u16);

impl Status {
    /// `204 No Content`: a preflight's ok status unless the policy sets `preflight_status`.
    pub const NO_CONTENT: Status = Status(204);
    /// `403 Forbidden`: a request the engine refuses itself.
    pub const FORBIDDEN: Status = Status(403);

    /// `Some` for a three-digit status, 100 to 599.
    pub const fn new(code: u16) -> Option<Status> {
        if code >= 100 && code <= 599 {
            Some(Status(code))
        } else {
            None
        }
    }

    /// The number.
    pub const fn as_u16(self) -> u16 {
        self.0
    }

    /// Whether it is `2xx` (Fetch's "ok status").
    pub const fn is_ok(self) -> bool {
        self.0 >= 200 && self.0 <= 299
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl From<Status> for u16 {
    fn from(status: Status) -> u16 {
        status.0
    }
}
