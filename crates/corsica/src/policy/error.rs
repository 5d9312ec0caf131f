use std::fmt;

use crate::origin::OriginError;

/// One problem in a policy configuration: the key, the value, and what is wrong with it.
///
/// `Display` gives the whole sentence, e.g. `origins: "https://example.com:443": 443 is the
/// default port for this scheme and browsers leave it out; write "https://example.com"`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    key: String,
    value: String,
    kind: ConfigErrorKind,
}

/// What is wrong, with what is needed to explain the fix.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigErrorKind {
    /// `origins` is empty.
    NoOrigins,
    /// An origin pattern that does not parse.
    InvalidOrigin(OriginError),
    /// `null` without `[dangerous] allow_null_origin`.
    NullOrigin,
    /// `*` with credentials without `[dangerous] allow_any_origin_with_credentials`.
    AnyOriginWithCredentials,
    /// A non-loopback `http:` origin with credentials without `[dangerous] allow_insecure_origins`.
    InsecureOriginWithCredentials,
    /// `*.` on a public suffix with credentials without `[dangerous] allow_public_suffix_wildcards`.
    PublicSuffixWildcardWithCredentials {
        /// The public suffix.
        suffix: String,
    },
    /// Not a method token.
    InvalidMethod,
    /// `CONNECT`, `TRACE` or `TRACK`.
    ForbiddenMethod,
    /// Not a header-name token.
    InvalidHeaderName,
    /// A forbidden request-header name: scripts cannot set it.
    ForbiddenRequestHeader,
    /// An `Access-Control-*` name in a header list.
    CorsProtocolHeader,
    /// `Set-Cookie`/`Set-Cookie2` in `expose_headers`: browsers never expose them.
    ForbiddenResponseHeader,
    /// `*` in `expose_headers` with credentials.
    WildcardExposeWithCredentials,
    /// `max_age` outside 0..=86400.
    MaxAgeOutOfRange,
    /// `preflight_status` outside 200..=299.
    PreflightStatusOutOfRange,
    /// A route path that does not start with `/`.
    InvalidRoutePath,
}

impl ConfigError {
    pub(crate) fn new(
        key: impl Into<String>,
        value: impl Into<String>,
        kind: ConfigErrorKind,
    ) -> Self {
        ConfigError {
            key: key.into(),
            value: value.into(),
            kind,
        }
    }

    /// The key, e.g. `origins` or `route[0].methods`.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The offending value as written (empty for a missing value).
    pub fn value(&self) -> &str {
        &self.value
    }

    /// What is wrong.
    pub fn kind(&self) -> &ConfigErrorKind {
        &self.kind
    }

    /// The explanation and fix, without the key.
    pub fn message(&self) -> String {
        use ConfigErrorKind::*;
        let v = &self.value;
        match &self.kind {
            NoOrigins => "no origins are allowed, so no cross-origin request can succeed; list the origins of your front-ends, e.g. origins = [\"https://app.example.com\"]".into(),
            InvalidOrigin(e) => e.to_string(),
            NullOrigin => "\"null\" is sent by sandboxed iframes and data: documents on any site, so allowing it allows anyone; remove it, or set [dangerous] allow_null_origin = true if you accept that".into(),
            AnyOriginWithCredentials => "\"*\" cannot be combined with credentials = true: browsers refuse it, and reflecting every origin with credentials lets any site read your users' data; list the origins you trust, or set [dangerous] allow_any_origin_with_credentials = true if you accept that".into(),
            InsecureOriginWithCredentials if v.starts_with("http://") || v.starts_with("ws://") => format!("{v:?} is plain http, so anyone on the network path can impersonate it and read credentialed responses; use https, or set [dangerous] allow_insecure_origins = true if you accept that"),
            InsecureOriginWithCredentials => format!("{v:?} is not a secure context (its scheme is neither https nor a browser extension's), so browsers do not vouch for who serves it; use https, or set [dangerous] allow_insecure_origins = true if you accept that"),
            PublicSuffixWildcardWithCredentials { suffix } => format!("{v:?} matches every subdomain of the public suffix {suffix:?}, which anyone can register; list your own subdomains, or set [dangerous] allow_public_suffix_wildcards = true if you accept that"),
            InvalidMethod => format!("{v:?} is not a valid method name (letters, digits and !#$%&'*+-.^_`|~ only); fix the spelling"),
            ForbiddenMethod => format!("{v:?} is a forbidden method: browsers never let scripts send it; remove it"),
            InvalidHeaderName => format!("{v:?} is not a valid header name (letters, digits and !#$%&'*+-.^_`|~ only); fix the spelling"),
            ForbiddenRequestHeader => format!("{v:?} is a forbidden request header: browsers set it themselves and scripts cannot, so allowing it has no effect; remove it"),
            CorsProtocolHeader => format!("{v:?} is a CORS protocol header that corsica manages itself; remove it from this list"),
            ForbiddenResponseHeader => format!("{v:?} is never exposed to scripts by browsers, whatever the server says; remove it"),
            WildcardExposeWithCredentials => "\"*\" in expose_headers means the literal name \"*\" for credentialed requests, so with credentials = true it exposes nothing; list the header names instead".into(),
            MaxAgeOutOfRange => format!("{v} is outside 0..=86400 seconds; use a value in range (browsers cap it anyway: Chromium at 7200, Firefox at 86400), or remove max_age to send no header"),
            PreflightStatusOutOfRange => format!("{v} is not an ok status: browsers fail every preflight answered outside 200..=299; use 204 or 200"),
            InvalidRoutePath => format!("{v:?} must start with '/', e.g. \"/api/\""),
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.key, self.message())
    }
}

impl std::error::Error for ConfigError {}

/// Every problem found in a configuration (never empty), and the warnings found beside them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigErrors(Vec<ConfigError>, Vec<ConfigWarning>);

impl ConfigErrors {
    pub(crate) fn new(errors: Vec<ConfigError>, warnings: Vec<ConfigWarning>) -> Self {
        debug_assert!(!errors.is_empty());
        ConfigErrors(errors, warnings)
    }

    /// The warnings about the same configuration (see [`Policy::warnings`](crate::Policy::warnings)).
    pub fn warnings(&self) -> &[ConfigWarning] {
        &self.1
    }

    /// The problems, in the order of the configuration's keys.
    pub fn iter(&self) -> std::slice::Iter<'_, ConfigError> {
        self.0.iter()
    }

    /// How many problems there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Always false: there is at least one problem.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<'a> IntoIterator for &'a ConfigErrors {
    type Item = &'a ConfigError;
    type IntoIter = std::slice::Iter<'a, ConfigError>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl IntoIterator for ConfigErrors {
    type Item = ConfigError;
    type IntoIter = std::vec::IntoIter<ConfigError>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0.len();
        writeln!(
            f,
            "invalid CORS policy ({n} problem{}):",
            if n == 1 { "" } else { "s" }
        )?;
        for e in &self.0 {
            writeln!(f, "  - {e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}

/// Something legal but probably not what was meant (redundant entries, values browsers clamp).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConfigWarning {
    /// The key.
    pub key: String,
    /// The value concerned.
    pub value: String,
    /// What to consider changing.
    pub message: String,
}

impl fmt::Display for ConfigWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.key, self.message)
    }
}
