//! The declarative policy: the keys of a policy file (`docs/policy.md`), before validation.

#[cfg(feature = "serde")]
use serde::{Deserialize, Serialize};

use super::{ConfigErrors, Policy};

/// Switches that each allow one configuration the engine otherwise refuses as unsafe.
///
/// Every switch names the risk it accepts; none is needed for a correct policy.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(Serialize, Deserialize),
    serde(default, deny_unknown_fields)
)]
pub struct Dangerous {
    /// Allows `"null"` in `origins`. Any sandboxed iframe or `data:` document on any site sends
    /// `Origin: null`, so trusting it trusts everyone.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "is_false"))]
    pub allow_null_origin: bool,
    /// Allows `"*"` together with `credentials = true`: the engine then reflects any origin
    /// with credentials, which lets every site on the web read your users' data.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "is_false"))]
    pub allow_any_origin_with_credentials: bool,
    /// Allows plain `http://` origins (other than loopback) with credentials: anyone on the
    /// network path can impersonate them.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "is_false"))]
    pub allow_insecure_origins: bool,
    /// Allows `*.` patterns on a public suffix (`https://*.github.io`) with credentials: anyone
    /// can register a subdomain there.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "is_false"))]
    pub allow_public_suffix_wildcards: bool,
}

#[cfg(feature = "serde")]
fn is_false(b: &bool) -> bool {
    !*b
}

/// Declares [`PolicyConfig`] and [`RouteConfig`] from one list of keys, so that a route is
/// exactly "a whole policy with these keys, plus `path`".
macro_rules! policy_keys {
    ($( $(#[$doc:meta])* $field:ident : $ty:ty $(=> $skip:literal)? ,)*) => {
        /// A CORS policy as written in a policy file or built in code. The keys, their defaults
        /// and what each does on the wire are described in the
        /// [policy file reference](https://github.com/corsica-rs/corsica/blob/main/docs/policy.md).
        ///
        /// Nothing here is validated; [`PolicyConfig::compile`] checks everything at once and
        /// returns either a [`Policy`] or every problem found.
        ///
        /// ```
        /// use corsica::PolicyConfig;
        ///
        /// let config = PolicyConfig {
        ///     origins: vec!["https://app.example.com".into()],
        ///     methods: vec!["GET".into(), "PUT".into()],
        ///     request_headers: vec!["Content-Type".into()],
        ///     credentials: true,
        ///     ..PolicyConfig::default()
        /// };
        /// let policy = config.compile().unwrap();
        /// ```
        #[derive(Clone, Debug, Default, PartialEq, Eq)]
        #[cfg_attr(feature = "serde", derive(Serialize, Deserialize), serde(default, deny_unknown_fields))]
        pub struct PolicyConfig {
            $( $(#[$doc])* $(#[cfg_attr(feature = "serde", serde(skip_serializing_if = $skip))])? pub $field: $ty, )*
            /// Switches for configurations refused as unsafe.
            #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Dangerous::is_default"))]
            pub dangerous: Dangerous,
            /// Per-path policies: the first route whose `path` is a prefix of the request path
            /// applies ([`Policy::for_path`]); otherwise this policy does.
            #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Vec::is_empty"))]
            pub route: Vec<RouteConfig>,
        }

        /// One `[[route]]` of a policy file: a path prefix and a whole policy.
        #[derive(Clone, Debug, Default, PartialEq, Eq)]
        #[cfg_attr(feature = "serde", derive(Serialize, Deserialize), serde(default, deny_unknown_fields))]
        pub struct RouteConfig {
            /// The path prefix this route applies to, starting with `/`.
            pub path: String,
            $( $(#[$doc])* $(#[cfg_attr(feature = "serde", serde(skip_serializing_if = $skip))])? pub $field: $ty, )*
            /// Switches for configurations refused as unsafe.
            #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Dangerous::is_default"))]
            pub dangerous: Dangerous,
        }

        impl RouteConfig {
            /// The route's policy (without its path).
            pub fn policy(&self) -> PolicyConfig {
                PolicyConfig { $( $field: self.$field.clone(), )* dangerous: self.dangerous.clone(), route: Vec::new() }
            }

            /// A route applying `policy` (whose own routes are dropped) to paths under `path`.
            pub fn new(path: impl Into<String>, policy: PolicyConfig) -> Self {
                RouteConfig { path: path.into(), $( $field: policy.$field, )* dangerous: policy.dangerous }
            }
        }
    };
}

policy_keys! {
    /// Allowed origins: exact origins, `scheme://*.domain`, `scheme://host:*`, `*`, `null`.
    origins: Vec<String> => "Vec::is_empty",
    /// Methods a preflight may ask for; `*` for any. GET, HEAD and POST never need listing.
    methods: Vec<String> => "Vec::is_empty",
    /// Request headers a preflight may ask for; `*` for any (`Authorization` must still be named).
    request_headers: Vec<String> => "Vec::is_empty",
    /// Response headers scripts may read besides the safelisted ones; `*` for all (not with
    /// credentials).
    expose_headers: Vec<String> => "Vec::is_empty",
    /// Whether to allow credentialed requests (cookies, HTTP auth, client certificates).
    credentials: bool => "is_false",
    /// Seconds a browser may cache a preflight result, 0..=86400; absent: no header is sent and
    /// browsers use 5 seconds.
    max_age: Option<i64> => "Option::is_none",
    /// Whether to answer Private Network Access preflights
    /// (`Access-Control-Request-Private-Network: true`).
    private_network: bool => "is_false",
    /// The status of a successful preflight response, 200..=299; absent: 204.
    preflight_status: Option<u16> => "Option::is_none",
    /// Whether preflights go on to the inner service instead of being answered by corsica.
    preflight_continue: bool => "is_false",
    /// Whether actual requests from disallowed origins get 403 (same-origin requests excepted).
    reject_disallowed: bool => "is_false",
    /// Whether failed preflights answer with an ok status and the headers that did pass, so
    /// the browser's console names exactly what is missing.
    debug: bool => "is_false",
}

impl Dangerous {
    /// Whether no switch is on.
    pub fn is_default(&self) -> bool {
        *self == Dangerous::default()
    }
}

impl PolicyConfig {
    /// Validates and compiles this configuration.
    ///
    /// # Errors
    ///
    /// Every problem found, each naming the key, the value and the fix.
    pub fn compile(&self) -> Result<Policy, ConfigErrors> {
        Policy::compile(self)
    }

    /// Starts a [`PolicyBuilder`].
    pub fn builder() -> PolicyBuilder {
        PolicyBuilder::default()
    }
}

/// Builds a [`Policy`] in code.
///
/// ```
/// use corsica::Policy;
///
/// let policy = Policy::builder()
///     .origins(["https://app.example.com", "https://*.example.com"])
///     .methods(["GET", "PUT", "DELETE"])
///     .request_headers(["content-type", "authorization"])
///     .expose_headers(["x-request-id"])
///     .credentials(true)
///     .max_age(600)
///     .build()
///     .unwrap();
///
/// // Mistakes are all reported at once, never a panic.
/// let errors = Policy::builder()
///     .origins(["https://example.com/", "*"])
///     .credentials(true)
///     .methods(["TRACE"])
///     .build()
///     .unwrap_err();
/// assert_eq!(errors.len(), 3);
/// ```
#[derive(Clone, Debug, Default)]
#[must_use]
pub struct PolicyBuilder {
    config: PolicyConfig,
}

impl PolicyBuilder {
    /// Adds allowed origin patterns.
    pub fn origins<I: IntoIterator<Item = S>, S: Into<String>>(mut self, origins: I) -> Self {
        self.config
            .origins
            .extend(origins.into_iter().map(Into::into));
        self
    }

    /// Adds allowed methods.
    pub fn methods<I: IntoIterator<Item = S>, S: Into<String>>(mut self, methods: I) -> Self {
        self.config
            .methods
            .extend(methods.into_iter().map(Into::into));
        self
    }

    /// Adds allowed request headers.
    pub fn request_headers<I: IntoIterator<Item = S>, S: Into<String>>(mut self, names: I) -> Self {
        self.config
            .request_headers
            .extend(names.into_iter().map(Into::into));
        self
    }

    /// Adds exposed response headers.
    pub fn expose_headers<I: IntoIterator<Item = S>, S: Into<String>>(mut self, names: I) -> Self {
        self.config
            .expose_headers
            .extend(names.into_iter().map(Into::into));
        self
    }

    /// Allows credentialed requests.
    pub fn credentials(mut self, yes: bool) -> Self {
        self.config.credentials = yes;
        self
    }

    /// Sets `Access-Control-Max-Age` in seconds.
    pub fn max_age(mut self, seconds: i64) -> Self {
        self.config.max_age = Some(seconds);
        self
    }

    /// Answers Private Network Access preflights.
    pub fn private_network(mut self, yes: bool) -> Self {
        self.config.private_network = yes;
        self
    }

    /// Sets the status of successful preflight responses.
    pub fn preflight_status(mut self, status: u16) -> Self {
        self.config.preflight_status = Some(status);
        self
    }

    /// Passes preflights on to the inner service.
    pub fn preflight_continue(mut self, yes: bool) -> Self {
        self.config.preflight_continue = yes;
        self
    }

    /// Answers 403 to actual requests from disallowed cross origins.
    pub fn reject_disallowed(mut self, yes: bool) -> Self {
        self.config.reject_disallowed = yes;
        self
    }

    /// Shows which part of a failed preflight failed.
    pub fn debug(mut self, yes: bool) -> Self {
        self.config.debug = yes;
        self
    }

    /// Sets the `[dangerous]` switches.
    pub fn dangerous(mut self, dangerous: Dangerous) -> Self {
        self.config.dangerous = dangerous;
        self
    }

    /// Adds a route: `policy` applies to request paths that start with `path` (see
    /// [`Policy::for_path`]).
    pub fn route(mut self, path: impl Into<String>, policy: PolicyConfig) -> Self {
        self.config.route.push(RouteConfig::new(path, policy));
        self
    }

    /// The configuration built so far.
    pub fn into_config(self) -> PolicyConfig {
        self.config
    }

    /// Validates and compiles the policy.
    ///
    /// # Errors
    ///
    /// Every problem found (see [`PolicyConfig::compile`]).
    pub fn build(self) -> Result<Policy, ConfigErrors> {
        self.config.compile()
    }
}
