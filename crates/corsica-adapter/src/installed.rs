//! The policy in force: [`Installed`], the [`PolicyCell`] an adapter reads it from, and the
//! [`PolicyHandle`] that replaces it.

use std::fmt;
use std::sync::Arc;

use arc_swap::{ArcSwap, Guard};
use corsica::header::{RequestHeader, ResponseHeader};
use corsica::{ConfigErrors, Decision, Outcome, Policy, PolicyConfig, Status, ValueSource};

use crate::{Apply, Head, Headers, log};

/// A policy with the header values it can produce rendered in advance, as `H::Value`s.
pub struct Installed<H: Headers> {
    policy: Arc<Policy>,
    /// [`Policy::rendered_values`], by index (`None` for one that is not a valid field value,
    /// which the engine never renders).
    rendered: Box<[Option<H::Value>]>,
    /// The request header names, by [`RequestHeader::index`], as values for `Vary`.
    vary: Box<[Option<H::Value>]>,
}

impl<H: Headers> Installed<H> {
    /// Renders `policy`'s values and logs its warnings (at `WARN`, target `corsica`).
    pub fn new(policy: Arc<Policy>) -> Self {
        // The constants every policy renders need no reference count.
        let rendered = policy
            .rendered_values()
            .map(|text| match text {
                "*" => Some(H::static_value("*")),
                "true" => Some(H::static_value("true")),
                _ => H::value(text),
            })
            .collect();
        let vary = RequestHeader::ALL
            .into_iter()
            .map(|h| Some(H::static_value(h.as_str())))
            .collect();
        // The warnings of the whole file, routes included, are kept on the top-level policy.
        for w in policy.warnings() {
            tracing::warn!(target: "corsica", key = %w.key, value = %w.value, "CORS policy: {}", w.message);
        }
        Installed {
            policy,
            rendered,
            vary,
        }
    }

    /// The policy (use [`Policy::for_path`] for the request's route).
    pub fn policy(&self) -> &Arc<Policy> {
        &self.policy
    }

    /// Steps 2 and 3 of an adapter's request (see the [crate docs](crate)) at once: decides
    /// `head` by the policy for `path`, logs the decision, and prepares its response changes.
    /// Returns the status to answer with instead of calling the inner service
    /// ([`Decision::respond_status`]), and the changes.
    ///
    /// ```
    /// use corsica::{Policy, Status};
    /// use corsica_adapter::{Head, Lines, PolicyCell};
    ///
    /// let cell = PolicyCell::<Lines>::new(Policy::builder().origins(["https://a.example"]).build()?);
    /// let request = vec![
    ///     ("origin".to_owned(), "https://a.example".to_owned()),
    ///     ("access-control-request-method".to_owned(), "PUT".to_owned()),
    /// ];
    /// let (status, apply) = cell.load().respond("/items", &Head::<Lines>::new("OPTIONS", &request, None, None));
    /// assert_eq!(status, Some(Status::FORBIDDEN)); // PUT is not allowed
    /// # Ok::<(), corsica::ConfigErrors>(())
    /// ```
    pub fn respond(&self, path: &str, head: &Head<'_, H>) -> (Option<Status>, Apply<H>) {
        let (status, apply, ()) = self.respond_and(path, head, |_, _| ());
        (status, apply)
    }

    /// [`Installed::respond`], also handing the decision and the request's first `Origin` line
    /// to `inspect`, whose result it returns too: for an adapter that logs or counts more than
    /// [`log`] does (the proxy's access log and metrics).
    ///
    /// ```
    /// use corsica::Policy;
    /// use corsica_adapter::{Head, Lines, PolicyCell};
    ///
    /// let cell = PolicyCell::<Lines>::new(Policy::builder().origins(["https://a.example"]).build()?);
    /// let request = vec![("origin".to_owned(), "https://b.example".to_owned())];
    /// let head = Head::<Lines>::new("GET", &request, None, None);
    /// let (_, _, outcome) = cell.load().respond_and("/", &head, |d, _| d.outcome().as_str());
    /// assert_eq!(outcome, "actual-denied");
    /// # Ok::<(), corsica::ConfigErrors>(())
    /// ```
    pub fn respond_and<T>(
        &self,
        path: &str,
        head: &Head<'_, H>,
        inspect: impl FnOnce(&Decision<'_>, Option<&[u8]>) -> T,
    ) -> (Option<Status>, Apply<H>, T) {
        let decision = self.policy.for_path(path).decide(head);
        // A non-CORS request has no `Origin` to log or echo: no lookup.
        let origin = match decision.outcome() {
            Outcome::NotCors => None,
            _ => first_line::<H>(head.headers(), RequestHeader::Origin),
        };
        log(&decision, origin.map(H::value_bytes));
        let inspected = inspect(&decision, origin.map(H::value_bytes));
        let apply = self.prepare_with(&decision, head.headers(), origin);
        (decision.respond_status(), apply, inspected)
    }

    /// What to do to the response: the decision's headers as `H::Value`s, owned so that the
    /// request can move on to the inner service, each taken from where the decision says (a
    /// value rendered in advance, or the request's own header line), copied only when the engine
    /// built it for this request. `request` is the request's header map; `decision` comes from
    /// this policy or one of its routes.
    pub fn prepare(&self, decision: &Decision<'_>, request: &H::Map) -> Apply<H> {
        let origin = first_line::<H>(request, RequestHeader::Origin);
        self.prepare_with(decision, request, origin)
    }

    /// [`Installed::prepare`], given the request's first `Origin` line.
    fn prepare_with(
        &self,
        decision: &Decision<'_>,
        request: &H::Map,
        origin: Option<&H::Value>,
    ) -> Apply<H> {
        let mut values: [Option<H::Value>; ResponseHeader::ALL.len()] = Default::default();
        for (name, source) in decision.headers().sources() {
            let shared = match source {
                ValueSource::Rendered { index, .. } => self.rendered.get(index).cloned().flatten(),
                ValueSource::Origin(_) => origin.cloned(),
                ValueSource::Echo { from, .. } => first_line::<H>(request, from).cloned(),
                ValueSource::Built(_) => None,
            };
            values[name.index()] = shared.or_else(|| copy::<H>(source.as_str()));
        }
        let vary = decision.vary().and_then(|h| self.vary[h.index()].clone());
        Apply::new(values, vary)
    }
}

/// The first line of `name` in the request.
fn first_line<H: Headers>(request: &H::Map, name: RequestHeader) -> Option<&H::Value> {
    H::get_all(request, H::request_name(name)).next()
}

/// `text` copied into a value. The engine only produces visible ASCII, so this cannot fail in
/// practice.
fn copy<H: Headers>(text: &str) -> Option<H::Value> {
    let value = H::value(text);
    if value.is_none() {
        tracing::warn!(target: "corsica", value = %corsica::text::Escaped(text.as_bytes()), "CORS header value is not a valid HTTP field value; not sent");
    }
    value
}

impl<H: Headers> fmt::Debug for Installed<H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Installed")
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

/// The installed policy an adapter's layer, services and handles share: read on every request
/// without a lock, replaced through a [`PolicyHandle`].
pub struct PolicyCell<H: Headers> {
    shared: Arc<ArcSwap<Installed<H>>>,
}

impl<H: Headers> PolicyCell<H> {
    /// Installs `policy` (a [`Policy`], or an `Arc<Policy>` shared with other adapters).
    pub fn new(policy: impl Into<Arc<Policy>>) -> Self {
        PolicyCell {
            shared: Arc::new(ArcSwap::from_pointee(Installed::new(policy.into()))),
        }
    }

    /// Compiles `config` and installs it.
    ///
    /// # Errors
    ///
    /// Every problem in `config` at once, each naming the key, the value and the fix. This never
    /// panics: report the errors and refuse to start.
    ///
    /// ```
    /// use corsica::PolicyConfig;
    /// use corsica_adapter::{Lines, PolicyCell};
    ///
    /// let config = PolicyConfig {
    ///     origins: vec!["https://app.example.com/".into(), "*".into()],
    ///     credentials: true,
    ///     ..PolicyConfig::default()
    /// };
    /// let errors = PolicyCell::<Lines>::from_config(&config).unwrap_err();
    /// assert_eq!(errors.len(), 2); // the trailing slash, and "*" with credentials
    /// eprintln!("{errors}");
    /// ```
    pub fn from_config(config: &PolicyConfig) -> Result<Self, ConfigErrors> {
        Ok(PolicyCell::new(config.compile()?))
    }

    /// The installed policy, for one request.
    pub fn load(&self) -> Guard<Arc<Installed<H>>> {
        self.shared.load()
    }

    /// The policy in force.
    pub fn policy(&self) -> Arc<Policy> {
        Arc::clone(&self.shared.load().policy)
    }

    /// A handle that replaces the policy for every holder of this cell or of its clones.
    pub fn handle(&self) -> PolicyHandle {
        PolicyHandle {
            slot: Arc::clone(&self.shared) as Arc<dyn Slot>,
        }
    }
}

impl<H: Headers> Clone for PolicyCell<H> {
    fn clone(&self) -> Self {
        PolicyCell {
            shared: Arc::clone(&self.shared),
        }
    }
}

impl<H: Headers> fmt::Debug for PolicyCell<H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PolicyCell")
            .field("policy", &self.shared.load().policy)
            .finish()
    }
}

/// Where a [`PolicyHandle`] puts policies, whatever the framework's header types.
trait Slot: Send + Sync {
    fn install(&self, policy: Arc<Policy>);
    fn policy(&self) -> Arc<Policy>;
}

impl<H: Headers> Slot for ArcSwap<Installed<H>> {
    fn install(&self, policy: Arc<Policy>) {
        self.store(Arc::new(Installed::new(policy)));
    }

    fn policy(&self) -> Arc<Policy> {
        Arc::clone(&self.load().policy)
    }
}

/// Replaces the policy of a running CORS layer or middleware (and of its clones, in every
/// worker), for example when a policy file changes.
///
/// Requests already being decided finish with the policy they started with; the next ones use
/// the new policy. Reading the policy on the request path takes no lock.
///
/// ```
/// use corsica::{Policy, PolicyConfig};
/// use corsica_adapter::{Lines, PolicyCell};
///
/// let cell = PolicyCell::<Lines>::new(Policy::builder().origins(["https://old.example"]).build().unwrap());
/// let handle = cell.handle();
///
/// let new = PolicyConfig { origins: vec!["https://new.example".into()], ..PolicyConfig::default() };
/// handle.set_config(&new).unwrap();
/// assert_eq!(cell.policy().to_config().origins, ["https://new.example"]);
///
/// // An invalid configuration is refused, with every error, and the policy in force stays.
/// let bad = PolicyConfig { origins: vec!["https://new.example/path".into()], ..PolicyConfig::default() };
/// assert!(handle.set_config(&bad).is_err());
/// assert_eq!(handle.get().to_config().origins, ["https://new.example"]);
/// ```
#[derive(Clone)]
pub struct PolicyHandle {
    slot: Arc<dyn Slot>,
}

impl PolicyHandle {
    /// Puts `policy` in force (a [`Policy`], or an `Arc<Policy>`).
    ///
    /// ```
    /// use corsica::Policy;
    /// use corsica_adapter::{Lines, PolicyCell};
    ///
    /// let cell = PolicyCell::<Lines>::new(Policy::builder().origins(["https://a.example"]).build().unwrap());
    /// cell.handle().set(Policy::builder().origins(["https://b.example"]).build().unwrap());
    /// assert_eq!(cell.policy().to_config().origins, ["https://b.example"]);
    /// ```
    pub fn set(&self, policy: impl Into<Arc<Policy>>) {
        self.slot.install(policy.into());
    }

    /// Compiles `config` and puts it in force.
    ///
    /// # Errors
    ///
    /// Every problem in `config`; the policy in force is then kept.
    pub fn set_config(&self, config: &PolicyConfig) -> Result<(), ConfigErrors> {
        self.set(config.compile()?);
        Ok(())
    }

    /// The policy in force.
    ///
    /// ```
    /// use corsica::Policy;
    /// use corsica_adapter::{Lines, PolicyCell};
    ///
    /// let policy = Policy::builder().origins(["https://a.example"]).build().unwrap();
    /// let handle = PolicyCell::<Lines>::new(policy.clone()).handle();
    /// assert_eq!(*handle.get(), policy);
    /// ```
    pub fn get(&self) -> Arc<Policy> {
        self.slot.policy()
    }
}

impl fmt::Debug for PolicyHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PolicyHandle")
            .field("policy", &self.slot.policy())
            .finish()
    }
}
