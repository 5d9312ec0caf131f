//! Policies: a [`PolicyConfig`] compiled once into an immutable [`Policy`].

#[cfg(feature = "serde")]
mod collect;
mod config;
mod error;
#[cfg(feature = "serde")]
mod file;
#[cfg(feature = "serde")]
mod locate;

use std::fmt;
use std::sync::Arc;

pub use config::{Dangerous, PolicyBuilder, PolicyConfig, RouteConfig};
pub use error::{ConfigError, ConfigErrorKind, ConfigErrors, ConfigWarning};
#[cfg(feature = "serde")]
pub use file::{PolicyFileError, PolicyFormat};

use crate::header::{
    is_cors_protocol_header_name, is_cors_safelisted_response_header_name,
    is_forbidden_request_header_name, is_forbidden_response_header_name,
};
use crate::method::{is_forbidden_method, is_method_token, normalize_method};
use crate::origin::{OriginMatcher, OriginPattern};
use crate::status::Status;
use crate::token::{cmp_ignore_ascii_case, is_token};

/// A validated, compiled CORS policy: immutable, cheap to share (`Send + Sync`), with every
/// response header value rendered in advance.
///
/// Build one with [`Policy::builder`] or [`PolicyConfig::compile`], then call
/// [`Policy::decide`] for each request.
#[derive(Clone)]
pub struct Policy {
    config: PolicyConfig,
    pub(crate) origins: OriginMatcher,
    pub(crate) any_origin: bool,
    pub(crate) null_origin: bool,
    pub(crate) credentials: bool,
    pub(crate) methods: NameSet,
    pub(crate) request_headers: NameSet,
    pub(crate) allow_methods_value: Option<RenderedValue>,
    pub(crate) allow_headers_value: Option<RenderedValue>,
    pub(crate) expose_headers_value: Option<RenderedValue>,
    pub(crate) max_age_value: Option<RenderedValue>,
    /// Every constant header value of this policy and its routes (one list, shared).
    pub(crate) rendered_values: Arc<[Box<str>]>,
    pub(crate) private_network: bool,
    pub(crate) preflight_status: Status,
    pub(crate) preflight_continue: bool,
    pub(crate) reject_disallowed: bool,
    pub(crate) debug: bool,
    routes: Vec<(Box<str>, Policy)>,
    warnings: Vec<ConfigWarning>,
}

/// A header value rendered when the policy is compiled: its text, and its position in
/// [`Policy::rendered_values`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RenderedValue {
    pub(crate) index: u16,
    pub(crate) text: Box<str>,
}

/// The position of `*` in [`Policy::rendered_values`].
pub(crate) const ANY_INDEX: u16 = 0;
/// The position of `true` in [`Policy::rendered_values`].
pub(crate) const TRUE_INDEX: u16 = 1;

/// Collects the rendered values of a policy and its routes, each once.
struct Renderer {
    values: Vec<Box<str>>,
}

impl Renderer {
    fn new() -> Self {
        // At `ANY_INDEX` and `TRUE_INDEX`.
        Renderer {
            values: vec!["*".into(), "true".into()],
        }
    }

    fn render(&mut self, text: String) -> RenderedValue {
        let index = match self.values.iter().position(|v| **v == *text) {
            Some(i) => i,
            None => {
                self.values.push(text.as_str().into());
                self.values.len() - 1
            }
        };
        RenderedValue {
            // At most four values per route.
            index: u16::try_from(index).unwrap_or(u16::MAX),
            text: text.into(),
        }
    }
}

/// A set of method or header names: `*` and/or a sorted list.
#[derive(Clone, Debug, Default)]
pub(crate) struct NameSet {
    pub(crate) any: bool,
    names: Vec<Box<str>>,
    case_insensitive: bool,
}

impl NameSet {
    fn new(any: bool, names: &[String], case_insensitive: bool) -> Self {
        let mut names: Vec<Box<str>> = names
            .iter()
            .filter(|n| *n != "*")
            .map(|n| n.as_str().into())
            .collect();
        names.sort();
        NameSet {
            any,
            names,
            case_insensitive,
        }
    }

    /// Whether `name` is listed (not counting `*`).
    pub(crate) fn contains(&self, name: &[u8]) -> bool {
        // Policies list a handful of names: comparing lengths first rejects most of them at
        // once, which beats a binary search until the list is long.
        // Names are stored lower-case and browsers send them so: plain byte comparisons then.
        if self.names.len() <= 16 {
            // Whether `name` has upper case, found out only if some name of its length differs.
            let mut upper = None;
            return self.names.iter().any(|n| {
                n.len() == name.len()
                    && (n.as_bytes() == name
                        || (self.case_insensitive
                            && *upper
                                .get_or_insert_with(|| name.iter().any(u8::is_ascii_uppercase))
                            && n.as_bytes().eq_ignore_ascii_case(name)))
            });
        }
        if !self.case_insensitive {
            return self
                .names
                .binary_search_by(|n| n.as_bytes().cmp(name))
                .is_ok();
        }
        // Names are stored lower-case: lower-case the candidate on the stack, then compare
        // bytes (browsers send lower-case names, so this is usually a plain copy).
        let mut buf = [0u8; 64];
        match buf.get_mut(..name.len()) {
            Some(lower) => {
                for (l, b) in lower.iter_mut().zip(name) {
                    *l = b.to_ascii_lowercase();
                }
                let lower = &*lower;
                self.names
                    .binary_search_by(|n| n.as_bytes().cmp(lower))
                    .is_ok()
            }
            None => self
                .names
                .binary_search_by(|n| cmp_ignore_ascii_case(n.as_bytes(), name))
                .is_ok(),
        }
    }
}

struct Checker<'a> {
    prefix: &'a str,
    errors: &'a mut Vec<ConfigError>,
    warnings: &'a mut Vec<ConfigWarning>,
}

impl Checker<'_> {
    fn error(&mut self, key: &str, value: impl Into<String>, kind: ConfigErrorKind) {
        self.errors.push(ConfigError::new(
            format!("{}{key}", self.prefix),
            value,
            kind,
        ));
    }

    fn warn(&mut self, key: &str, value: impl Into<String>, message: impl Into<String>) {
        self.warnings.push(ConfigWarning {
            key: format!("{}{key}", self.prefix),
            value: value.into(),
            message: message.into(),
        });
    }

    /// Deduplicates `names`, warning about repeats (linear: policies may list thousands).
    fn dedupe(&mut self, key: &str, names: Vec<String>) -> Vec<String> {
        let mut seen = std::collections::HashSet::with_capacity(names.len());
        let mut out: Vec<String> = Vec::with_capacity(names.len());
        for name in names {
            if !seen.insert(name.clone()) {
                self.warn(key, &name, format!("{name:?} is listed more than once"));
            } else {
                out.push(name);
            }
        }
        out
    }
}

impl Policy {
    /// The longest `max_age` accepted (24 hours; Firefox's cap, Chromium caps at 2 hours).
    pub const MAX_AGE_LIMIT: i64 = 86_400;

    /// The longest `Access-Control-Request-Headers` (all lines together) a preflight may carry.
    /// Browsers send each requested name once, lower-case, joined by bare commas: 4 KiB is room
    /// for some 200 names. Longer values are refused before any parsing.
    pub const MAX_REQUEST_HEADERS_LEN: usize = 4096;

    /// Starts a [`PolicyBuilder`].
    pub fn builder() -> PolicyBuilder {
        PolicyBuilder::default()
    }

    /// Validates and compiles `config`, reporting every problem at once.
    ///
    /// # Errors
    ///
    /// [`ConfigErrors`]: each names the key, the value and the fix.
    pub fn compile(config: &PolicyConfig) -> Result<Policy, ConfigErrors> {
        let mut errors = Vec::new();
        let mut warnings = Vec::new();
        let mut renderer = Renderer::new();
        let policy = Self::compile_one(config, "", &mut errors, &mut warnings, &mut renderer);
        let mut routes = Vec::with_capacity(config.route.len());
        for (i, route) in config.route.iter().enumerate() {
            let prefix = format!("route[{i}].");
            if !route.path.starts_with('/') {
                errors.push(ConfigError::new(
                    format!("{prefix}path"),
                    &route.path,
                    ConfigErrorKind::InvalidRoutePath,
                ));
            }
            let compiled = Self::compile_one(
                &route.policy(),
                &prefix,
                &mut errors,
                &mut warnings,
                &mut renderer,
            );
            routes.push((route.path.as_str().into(), compiled));
        }
        if !errors.is_empty() {
            return Err(ConfigErrors::new(errors, warnings));
        }
        let rendered_values: Arc<[Box<str>]> = renderer.values.into();
        let mut policy = policy;
        policy.rendered_values = Arc::clone(&rendered_values);
        for (_, route) in &mut routes {
            route.rendered_values = Arc::clone(&rendered_values);
        }
        policy.config.route = config
            .route
            .iter()
            .zip(&routes)
            .map(|(r, (_, p))| RouteConfig::new(r.path.clone(), p.config.clone()))
            .collect();
        policy.routes = routes;
        policy.warnings = warnings;
        Ok(policy)
    }

    fn compile_one(
        config: &PolicyConfig,
        prefix: &str,
        errors: &mut Vec<ConfigError>,
        warnings: &mut Vec<ConfigWarning>,
        renderer: &mut Renderer,
    ) -> Policy {
        let mut c = Checker {
            prefix,
            errors,
            warnings,
        };
        let credentials = config.credentials;
        let dangerous = &config.dangerous;

        // origins
        if config.origins.is_empty() {
            c.error("origins", "", ConfigErrorKind::NoOrigins);
        }
        let origin_texts = c.dedupe("origins", config.origins.clone());
        let mut patterns = Vec::with_capacity(origin_texts.len());
        for text in &origin_texts {
            match OriginPattern::parse(text) {
                Err(e) => c.error("origins", text, ConfigErrorKind::InvalidOrigin(e)),
                Ok(p) => {
                    check_origin_pattern(&mut c, &p, credentials, dangerous);
                    patterns.push(p);
                }
            }
        }
        let any_origin = patterns.iter().any(OriginPattern::is_any);
        let null_origin = patterns.iter().any(OriginPattern::is_null);
        if any_origin && patterns.len() > 1 {
            c.warn(
                "origins",
                "*",
                "\"*\" already allows every origin; the other entries are redundant",
            );
        }

        // methods
        let mut methods = Vec::with_capacity(config.methods.len());
        for m in &config.methods {
            if m == "*" {
                methods.push(m.clone());
            } else if !is_method_token(m) {
                c.error("methods", m, ConfigErrorKind::InvalidMethod);
            } else if is_forbidden_method(m) {
                c.error("methods", m, ConfigErrorKind::ForbiddenMethod);
            } else {
                methods.push(normalize_method(m).into_owned());
            }
        }
        let methods = c.dedupe("methods", methods);
        let any_method = methods.iter().any(|m| m == "*");

        // request_headers
        let request_headers = check_header_names(
            &mut c,
            "request_headers",
            &config.request_headers,
            |c, name| {
                if is_forbidden_request_header_name(name) {
                    c.error(
                        "request_headers",
                        name,
                        ConfigErrorKind::ForbiddenRequestHeader,
                    );
                    false
                } else {
                    true
                }
            },
        );
        let any_header = request_headers.iter().any(|h| h == "*");

        // expose_headers
        let expose_headers = check_header_names(
            &mut c,
            "expose_headers",
            &config.expose_headers,
            |c, name| {
                if name == "*" && credentials {
                    c.error(
                        "expose_headers",
                        name,
                        ConfigErrorKind::WildcardExposeWithCredentials,
                    );
                    false
                } else if is_forbidden_response_header_name(name) {
                    c.error(
                        "expose_headers",
                        name,
                        ConfigErrorKind::ForbiddenResponseHeader,
                    );
                    false
                } else {
                    if is_cors_safelisted_response_header_name(name) {
                        c.warn(
                            "expose_headers",
                            name,
                            format!(
                                "{name:?} is always readable by scripts; listing it changes nothing"
                            ),
                        );
                    }
                    true
                }
            },
        );

        // max_age, preflight_status
        if let Some(age) = config.max_age {
            if !(0..=Policy::MAX_AGE_LIMIT).contains(&age) {
                c.error(
                    "max_age",
                    age.to_string(),
                    ConfigErrorKind::MaxAgeOutOfRange,
                );
            } else if let Some(message) = max_age_beyond_caps(u64::try_from(age).unwrap_or(0)) {
                c.warn("max_age", age.to_string(), message);
            }
        }
        let preflight_status = match config.preflight_status {
            None => Status::NO_CONTENT,
            Some(code) => match Status::new(code).filter(|s| s.is_ok()) {
                Some(status) => status,
                None => {
                    c.error(
                        "preflight_status",
                        code.to_string(),
                        ConfigErrorKind::PreflightStatusOutOfRange,
                    );
                    Status::NO_CONTENT
                }
            },
        };
        if config.debug {
            c.warn("debug", "true", "failed preflights reveal which part of the policy they failed; turn debug off in production");
        }
        if config.reject_disallowed && any_origin {
            c.warn(
                "reject_disallowed",
                "true",
                "every origin is allowed, so no request is ever rejected",
            );
        }
        if config.preflight_continue && (config.debug || config.preflight_status.is_some()) {
            c.warn("preflight_continue", "true", "preflights go to your service, which sets the status itself; debug and preflight_status have no effect on them");
        }

        // Precomputed header values (Fetch §3.2.3): `*` is a wildcard only without credentials;
        // with credentials the engine echoes what the preflight asked for instead.
        let allow_methods_value = if any_method {
            (!credentials).then(|| "*".into())
        } else {
            join(&methods)
        };
        let authorization_named = request_headers.iter().any(|h| h == "authorization");
        let allow_headers_value = if any_header {
            (!credentials).then(|| {
                if authorization_named {
                    "*,authorization".into()
                } else {
                    "*".into()
                }
            })
        } else {
            join(&request_headers)
        };
        let expose_headers_value = if expose_headers.iter().any(|h| h == "*") {
            Some("*".into())
        } else {
            join(&expose_headers)
        };

        let normalized = PolicyConfig {
            origins: origin_texts,
            methods: methods.clone(),
            request_headers: request_headers.clone(),
            expose_headers,
            route: Vec::new(),
            ..config.clone()
        };
        Policy {
            origins: OriginMatcher::new(&patterns),
            any_origin,
            null_origin,
            credentials,
            methods: NameSet::new(any_method, &methods, false),
            request_headers: NameSet::new(any_header, &request_headers, true),
            allow_methods_value: allow_methods_value.map(|v| renderer.render(v)),
            allow_headers_value: allow_headers_value.map(|v| renderer.render(v)),
            expose_headers_value: expose_headers_value.map(|v| renderer.render(v)),
            max_age_value: config.max_age.map(|a| renderer.render(a.to_string())),
            rendered_values: Arc::from([]),
            private_network: config.private_network,
            preflight_status,
            preflight_continue: config.preflight_continue,
            reject_disallowed: config.reject_disallowed,
            debug: config.debug,
            config: normalized,
            routes: Vec::new(),
            warnings: Vec::new(),
        }
    }

    /// The normalized configuration this policy was compiled from: compiling it again gives
    /// the same policy.
    ///
    /// ```
    /// # use corsica::Policy;
    /// let policy = Policy::builder().origins(["https://a.example"]).methods(["patch", "put"]).build().unwrap();
    /// assert_eq!(policy.to_config().methods, ["patch", "PUT"]); // Fetch normalizes only the six
    /// assert_eq!(policy.to_config().compile().unwrap(), policy);
    /// ```
    pub fn to_config(&self) -> PolicyConfig {
        self.config.clone()
    }

    /// Legal but questionable settings found while compiling (redundant entries, values
    /// browsers clamp, debug left on).
    pub fn warnings(&self) -> &[ConfigWarning] {
        &self.warnings
    }

    /// The policy for a request path: the first route whose `path` is a prefix of `path`, or
    /// this policy.
    pub fn for_path(&self, path: &str) -> &Policy {
        self.route_for(path).map_or(self, |(_, p)| p)
    }

    /// The route applying to `path` (its prefix and policy), or `None` when this policy does.
    pub fn route_for(&self, path: &str) -> Option<(&str, &Policy)> {
        self.routes
            .iter()
            .find(|(prefix, _)| path.starts_with(&**prefix))
            .map(|(prefix, p)| (&**prefix, p))
    }

    /// The routes, in order.
    pub fn routes(&self) -> impl Iterator<Item = (&str, &Policy)> {
        self.routes.iter().map(|(path, p)| (&**path, p))
    }

    /// Every constant value this policy and its routes can put in a response header (`*`,
    /// `true`, the method, header and expose lists, the max-age), each once, in the order that
    /// [`ValueSource::Rendered`](crate::ValueSource::Rendered)'s `index` refers to. A policy and
    /// its routes share this list. Adapters turn these into their header-value type once, when
    /// the policy is installed, so that applying a decision never copies them.
    ///
    /// ```
    /// use corsica::Policy;
    ///
    /// let policy = Policy::builder().origins(["https://a.example"]).methods(["PUT"]).build().unwrap();
    /// assert_eq!(policy.rendered_values().collect::<Vec<_>>(), ["*", "true", "PUT"]);
    /// ```
    pub fn rendered_values(&self) -> impl ExactSizeIterator<Item = &str> {
        self.rendered_values.iter().map(|v| &**v)
    }

    /// The constant value this policy sends for `header`, rendered when it was compiled:
    /// `Access-Control-Allow-Methods`, `-Allow-Headers`, `-Expose-Headers` and `-Max-Age`, when
    /// the policy sends one that does not depend on the request (`None` otherwise, and for the
    /// other headers). For tools that write the policy out for another server
    /// (`corsica export`), so that they never render a list themselves.
    ///
    /// ```
    /// use corsica::{Policy, header::ResponseHeader};
    /// let policy = Policy::builder().origins(["https://a.example"]).methods(["PUT", "DELETE"]).build().unwrap();
    /// assert_eq!(policy.constant_value(ResponseHeader::AccessControlAllowMethods), Some("PUT,DELETE"));
    /// assert_eq!(policy.constant_value(ResponseHeader::AccessControlMaxAge), None);
    /// ```
    pub fn constant_value(&self, header: crate::header::ResponseHeader) -> Option<&str> {
        use crate::header::ResponseHeader as H;
        let value = match header {
            H::AccessControlAllowMethods => &self.allow_methods_value,
            H::AccessControlAllowHeaders => &self.allow_headers_value,
            H::AccessControlExposeHeaders => &self.expose_headers_value,
            H::AccessControlMaxAge => &self.max_age_value,
            _ => return None,
        };
        value.as_ref().map(|v| &*v.text)
    }

    /// Whether responses from this policy depend on the request's `Origin`: true for every
    /// policy but a credential-free `*`.
    pub fn varies_by_origin(&self) -> bool {
        !self.any_origin || self.credentials
    }
}

fn check_origin_pattern(
    c: &mut Checker<'_>,
    p: &OriginPattern,
    credentials: bool,
    dangerous: &Dangerous,
) {
    let text = p.as_str();
    if p.is_null() {
        if !dangerous.allow_null_origin {
            c.error("origins", text, ConfigErrorKind::NullOrigin);
        }
        return;
    }
    if p.is_any() {
        if credentials && !dangerous.allow_any_origin_with_credentials {
            c.error("origins", text, ConfigErrorKind::AnyOriginWithCredentials);
        }
        return;
    }
    if credentials && !p.is_secure() && !dangerous.allow_insecure_origins {
        c.error(
            "origins",
            text,
            ConfigErrorKind::InsecureOriginWithCredentials,
        );
    }
    if p.is_subdomain_wildcard() {
        if let Some(domain) = p.host() {
            if let Some(suffix) = public_suffix(domain) {
                if credentials && !dangerous.allow_public_suffix_wildcards {
                    c.error(
                        "origins",
                        text,
                        ConfigErrorKind::PublicSuffixWildcardWithCredentials { suffix },
                    );
                } else if !credentials {
                    c.warn("origins", text, format!("{domain:?} is a public suffix: anyone can register a subdomain of it and be allowed"));
                }
            }
        }
    }
}

/// `Some(domain)` when anyone can register a name that `*.domain` matches: `domain` is itself a
/// public suffix (`com`, `co.uk`, `github.io`), or a wildcard rule of the list makes each of its
/// children one (`*.ck`, `*.kawasaki.jp`).
fn public_suffix(domain: &str) -> Option<String> {
    let is_public_suffix = |name: &str| {
        psl::suffix(name.as_bytes())
            .is_some_and(|s| s.as_bytes() == name.as_bytes() && s.is_known())
    };
    (is_public_suffix(domain) || is_public_suffix(&format!("corsica-probe.{domain}")))
        .then(|| domain.to_owned())
}

/// Validates a list of header names: tokens, no `Access-Control-*`, `extra` for the list's own
/// rules; returns them lower-cased and deduplicated.
fn check_header_names(
    c: &mut Checker<'_>,
    key: &str,
    names: &[String],
    extra: impl Fn(&mut Checker<'_>, &str) -> bool,
) -> Vec<String> {
    let mut out = Vec::with_capacity(names.len());
    for name in names {
        if name != "*" && !is_token(name.as_bytes()) {
            c.error(key, name, ConfigErrorKind::InvalidHeaderName);
        } else if is_cors_protocol_header_name(name) {
            c.error(key, name, ConfigErrorKind::CorsProtocolHeader);
        } else if extra(c, name) {
            out.push(name.to_ascii_lowercase());
        }
    }
    c.dedupe(key, out)
}

fn join(names: &[String]) -> Option<String> {
    (!names.is_empty()).then(|| names.join(","))
}

impl PartialEq for Policy {
    fn eq(&self, other: &Self) -> bool {
        self.config == other.config
    }
}

impl Eq for Policy {}

impl fmt::Debug for Policy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Policy")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl TryFrom<&PolicyConfig> for Policy {
    type Error = ConfigErrors;
    fn try_from(config: &PolicyConfig) -> Result<Self, Self::Error> {
        Policy::compile(config)
    }
}

impl TryFrom<PolicyConfig> for Policy {
    type Error = ConfigErrors;
    fn try_from(config: PolicyConfig) -> Result<Self, Self::Error> {
        Policy::compile(&config)
    }
}

/// The warning for a `max_age` some browser engine does not honour in full: which engines cap
/// it, at what, and which keep it whole (so a policy change takes that long to reach them).
fn max_age_beyond_caps(age: u64) -> Option<String> {
    use crate::browser::Engine;
    let name = |e: Engine| match e {
        Engine::Chromium => "Chromium",
        Engine::Firefox => "Firefox",
        Engine::WebKit => "WebKit",
    };
    let mut engines = Engine::ALL.map(|e| (e.profile().max_age_cap(), name(e)));
    engines.sort_unstable();
    let capped: Vec<String> = engines
        .iter()
        .filter(|(cap, _)| *cap < age)
        .map(|(cap, n)| format!("{n} at most {cap} s"))
        .collect();
    if capped.is_empty() {
        return None;
    }
    let whole: Vec<&str> = engines
        .iter()
        .filter(|(cap, _)| *cap >= age)
        .map(|(_, n)| *n)
        .collect();
    let mut message = format!("browsers cache a preflight result {}", capped.join(", "));
    if !whole.is_empty() {
        message.push_str(&format!(
            "; {} {} it the whole {age} s, so a change to this policy can take that long to reach {}",
            whole.join(" and "),
            if whole.len() == 1 { "keeps" } else { "keep" },
            if whole.len() == 1 { "its users" } else { "their users" },
        ));
    }
    Some(message)
}
