use std::fmt;

/// Why a string is not an acceptable origin or origin pattern. Each message says what to write
/// instead.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum OriginError {
    /// The string is empty.
    Empty,
    /// Longer than any real origin ([`MAX_ORIGIN_LEN`](crate::origin::MAX_ORIGIN_LEN) bytes).
    TooLong,
    /// Whitespace or control characters.
    Whitespace {
        /// The offending input.
        input: Box<str>,
    },
    /// No `scheme://`.
    MissingScheme {
        /// The offending input.
        input: Box<str>,
    },
    /// A scheme that is not `[a-z][a-z0-9+.-]*`.
    InvalidScheme {
        /// The offending input.
        input: Box<str>,
    },
    /// A scheme whose URLs have opaque origins (`file:`, `data:`): browsers send `null` for them.
    OpaqueScheme {
        /// The offending input.
        input: Box<str>,
    },
    /// A `/` after the host: origins have no path.
    TrailingSlash {
        /// The offending input.
        input: Box<str>,
        /// What to write instead.
        canonical: Box<str>,
    },
    /// A path, query or fragment after the host.
    Path {
        /// The offending input.
        input: Box<str>,
        /// What to write instead.
        canonical: Box<str>,
    },
    /// `user:password@` before the host.
    Userinfo {
        /// The offending input.
        input: Box<str>,
        /// What to write instead.
        canonical: Box<str>,
    },
    /// A port that is not decimal 1..=65535 without leading zeros.
    InvalidPort {
        /// The offending input.
        input: Box<str>,
    },
    /// The scheme's default port written out; browsers leave it out.
    DefaultPort {
        /// The offending input.
        input: Box<str>,
        /// The port.
        port: u16,
        /// What to write instead.
        canonical: Box<str>,
    },
    /// A host the URL parser refuses.
    InvalidHost {
        /// The offending input.
        input: Box<str>,
        /// The URL parser's reason.
        reason: Box<str>,
    },
    /// A host ending in `.`: browsers keep the dot, so it would name a different origin.
    TrailingDot {
        /// The offending input.
        input: Box<str>,
        /// What to write instead.
        canonical: Box<str>,
    },
    /// Valid, but not as browsers serialize it (upper case, Unicode, a non-canonical IP address).
    NotCanonical {
        /// The offending input.
        input: Box<str>,
        /// What browsers send.
        canonical: Box<str>,
    },
    /// A `*` in an exact origin.
    Wildcard {
        /// The offending input.
        input: Box<str>,
    },
    /// A `*` anywhere but a leading `*.` label or a `:*` port.
    MisplacedWildcard {
        /// The offending input.
        input: Box<str>,
    },
    /// `*.` in front of an IP address.
    WildcardOnIp {
        /// The offending input.
        input: Box<str>,
    },
    /// Several origins in one string (`"https://a.example, https://b.example"`).
    List {
        /// The offending input.
        input: Box<str>,
        /// Its first origin.
        first: Box<str>,
    },
    /// A regular expression (`^https://.*\.example\.com$`): patterns are not regular expressions.
    RegularExpression {
        /// The offending input.
        input: Box<str>,
        /// The pattern it most likely means, when there is one.
        suggestion: Option<Box<str>>,
    },
}

impl fmt::Display for OriginError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use OriginError::*;
        match self {
            Empty => f.write_str(
                "an empty string is not an origin; write one like \"https://app.example.com\"",
            ),
            TooLong => write!(
                f,
                "longer than {} bytes: no browser sends such an origin",
                super::MAX_ORIGIN_LEN
            ),
            Whitespace { input } => write!(
                f,
                "{input:?} contains whitespace or control characters; remove them"
            ),
            MissingScheme { input } => write!(
                f,
                "{input:?} has no scheme; write it with one, like \"https://{}\"",
                input.trim_start_matches("//")
            ),
            InvalidScheme { input } => {
                write!(
                    f,
                    "{input:?} has an invalid scheme; a scheme is a lower-case letter followed by letters, digits, '+', '-' or '.'"
                )
            }
            OpaqueScheme { input } => write!(
                f,
                "{input:?}: pages from this scheme have an opaque origin and browsers send \"null\" for them; use \"null\" (only with [dangerous] allow_null_origin) or an http(s) origin"
            ),
            TrailingSlash { input, canonical } => {
                write!(
                    f,
                    "{input:?} ends with a trailing slash, which origins never have; write {canonical:?}"
                )
            }
            Path { input, canonical } => {
                write!(
                    f,
                    "{input:?} has a path, query or fragment, which origins never have; write {canonical:?}"
                )
            }
            Userinfo { input, canonical } => {
                write!(
                    f,
                    "{input:?} contains a user name or password, which origins never have; write {canonical:?}"
                )
            }
            InvalidPort { input } => {
                write!(
                    f,
                    "{input:?} has an invalid port; a port is a number from 1 to 65535 without leading zeros"
                )
            }
            DefaultPort {
                input,
                port,
                canonical,
            } => write!(
                f,
                "{input:?}: {port} is the default port for this scheme and browsers leave it out; write {canonical:?}"
            ),
            InvalidHost { input, reason } => write!(f, "{input:?} has an invalid host ({reason})"),
            TrailingDot { input, canonical } => write!(
                f,
                "{input:?} ends its host with a dot, which makes it a different origin; write {canonical:?}"
            ),
            NotCanonical { input, canonical } => write!(
                f,
                "{input:?} is not written the way browsers send it (lower case, punycode, canonical IP); write {canonical:?}"
            ),
            Wildcard { input } if &**input == "*" => f.write_str(
                "\"*\" is a pattern, not an origin: a page has exactly one origin, such as \"https://app.example.com\" (scheme, host and port)",
            ),
            Wildcard { input } => write!(
                f,
                "{input:?} contains '*' but an origin cannot; use a pattern (\"https://*.example.com\", \"http://localhost:*\") where patterns are allowed"
            ),
            MisplacedWildcard { input } => write!(
                f,
                "{input:?}: '*' is only allowed as a whole leading label (\"https://*.example.com\"), as the port (\"http://localhost:*\"), or alone (\"*\")"
            ),
            WildcardOnIp { input } => write!(
                f,
                "{input:?}: '*.' can only precede a domain name, not an IP address; list the addresses you mean"
            ),
            List { input, first } => write!(
                f,
                "{input:?} holds several origins, but one entry is one origin (the first here is {first:?})"
            ),
            RegularExpression {
                input,
                suggestion: Some(pattern),
            } => write!(
                f,
                "{input:?} looks like a regular expression, and origins take no regular expressions: write {pattern:?}"
            ),
            RegularExpression {
                input,
                suggestion: None,
            } => write!(
                f,
                "{input:?} looks like a regular expression, and origins take no regular expressions: use exact origins (\"https://app.example.com\") or '*.' patterns (\"https://*.example.com\")"
            ),
        }
    }
}

impl std::error::Error for OriginError {}
