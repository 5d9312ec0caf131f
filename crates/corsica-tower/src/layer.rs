//! [`CorsLayer`] and [`PolicyHandle`].

use std::fmt;
use std::sync::Arc;

use arc_swap::ArcSwap;
use corsica::{ConfigErrors, Policy, PolicyConfig};
use tower_layer::Layer;

use crate::apply::Active;
use crate::service::Cors;

/// The policy shared by a layer, its services and its handles.
pub(crate) type Shared = Arc<ArcSwap<Active>>;

/// A [`Layer`] that applies a CORS [`Policy`] to a service: see the [crate docs](crate).
///
/// Cloning a `CorsLayer` (or a [`Cors`] service) is cheap, and the clones share one policy: a
/// [`PolicyHandle`] from any of them replaces it for all.
///
/// ```
/// use corsica_tower::{CorsLayer, Policy};
///
/// let policy = Policy::builder().origins(["https://app.example.com"]).build().unwrap();
/// let layer = CorsLayer::new(policy);
/// # let _: axum::Router = axum::Router::new().layer(layer);
/// ```
#[derive(Clone)]
#[must_use]
pub struct CorsLayer {
    shared: Shared,
}

impl CorsLayer {
    /// A layer applying `policy` (a [`Policy`], or an `Arc<Policy>` shared with other layers).
    ///
    /// ```
    /// use std::sync::Arc;
    /// use corsica_tower::{CorsLayer, Policy};
    ///
    /// let policy = Arc::new(Policy::builder().origins(["https://app.example.com"]).build().unwrap());
    /// let api = CorsLayer::new(Arc::clone(&policy));
    /// let admin = CorsLayer::new(policy); // the same compiled policy, not a copy
    /// ```
    pub fn new(policy: impl Into<Arc<Policy>>) -> Self {
        CorsLayer {
            shared: Arc::new(ArcSwap::from_pointee(Active::new(policy.into()))),
        }
    }

    /// Compiles `config` and makes a layer applying it.
    ///
    /// # Errors
    ///
    /// Every problem in `config` at once, each naming the key, the value and the fix. This never
    /// panics: report the errors and refuse to start.
    ///
    /// ```
    /// use corsica_tower::{CorsLayer, PolicyConfig};
    ///
    /// let config = PolicyConfig {
    ///     origins: vec!["https://app.example.com/".into(), "*".into()],
    ///     credentials: true,
    ///     ..PolicyConfig::default()
    /// };
    /// let errors = CorsLayer::from_config(&config).unwrap_err();
    /// assert_eq!(errors.len(), 2); // the trailing slash, and "*" with credentials
    /// eprintln!("{errors}");
    /// ```
    pub fn from_config(config: &PolicyConfig) -> Result<Self, ConfigErrors> {
        Ok(CorsLayer::new(config.compile()?))
    }

    /// A handle that replaces the policy of this layer and of every service it made, while they
    /// run. See [`PolicyHandle`].
    ///
    /// ```
    /// use corsica_tower::{CorsLayer, Policy};
    ///
    /// let layer = CorsLayer::new(Policy::builder().origins(["https://a.example"]).build().unwrap());
    /// let handle = layer.handle();
    /// // Give `handle` to whatever watches the policy file; give `layer` to the router.
    /// handle.set(Policy::builder().origins(["https://b.example"]).build().unwrap());
    /// assert_eq!(layer.policy().to_config().origins, ["https://b.example"]);
    /// ```
    pub fn handle(&self) -> PolicyHandle {
        PolicyHandle::from_shared(Arc::clone(&self.shared))
    }

    /// The policy in force.
    ///
    /// ```
    /// use corsica_tower::{CorsLayer, Policy};
    ///
    /// let layer = CorsLayer::new(Policy::builder().origins(["https://a.example"]).build().unwrap());
    /// assert!(layer.policy().varies_by_origin());
    /// ```
    pub fn policy(&self) -> Arc<Policy> {
        Arc::clone(&self.shared.load().policy)
    }
}

impl<S> Layer<S> for CorsLayer {
    type Service = Cors<S>;

    fn layer(&self, inner: S) -> Cors<S> {
        Cors::from_shared(inner, Arc::clone(&self.shared))
    }
}

impl fmt::Debug for CorsLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CorsLayer")
            .field("policy", &self.shared.load().policy)
            .finish()
    }
}

/// Replaces the policy of a [`CorsLayer`] and its services at run time, for example when a
/// policy file changes.
///
/// Requests already being decided finish with the policy they started with; the next ones use
/// the new policy. Reading the policy on the request path takes no lock.
///
/// ```
/// use corsica_tower::{CorsLayer, Policy, PolicyConfig};
///
/// let layer = CorsLayer::new(Policy::builder().origins(["https://old.example"]).build().unwrap());
/// let handle = layer.handle();
///
/// // A valid configuration replaces the policy…
/// let new = PolicyConfig { origins: vec!["https://new.example".into()], ..PolicyConfig::default() };
/// handle.set_config(&new).unwrap();
/// assert_eq!(layer.policy().to_config().origins, ["https://new.example"]);
///
/// // …an invalid one is refused, with every error, and the policy in force stays.
/// let bad = PolicyConfig { origins: vec!["https://new.example/path".into()], ..PolicyConfig::default() };
/// assert!(handle.set_config(&bad).is_err());
/// assert_eq!(layer.policy().to_config().origins, ["https://new.example"]);
/// ```
#[derive(Clone)]
pub struct PolicyHandle {
    shared: Shared,
}

impl PolicyHandle {
    pub(crate) fn from_shared(shared: Shared) -> Self {
        PolicyHandle { shared }
    }

    /// Puts `policy` in force (a [`Policy`], or an `Arc<Policy>`).
    ///
    /// ```
    /// use corsica_tower::{CorsLayer, Policy};
    ///
    /// let layer = CorsLayer::new(Policy::builder().origins(["https://a.example"]).build().unwrap());
    /// layer.handle().set(Policy::builder().origins(["https://b.example"]).build().unwrap());
    /// assert_eq!(layer.policy().to_config().origins, ["https://b.example"]);
    /// ```
    pub fn set(&self, policy: impl Into<Arc<Policy>>) {
        self.shared.store(Arc::new(Active::new(policy.into())));
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
    /// use corsica_tower::{CorsLayer, Policy};
    ///
    /// let policy = Policy::builder().origins(["https://a.example"]).build().unwrap();
    /// let handle = CorsLayer::new(policy.clone()).handle();
    /// assert_eq!(*handle.get(), policy);
    /// ```
    pub fn get(&self) -> Arc<Policy> {
        Arc::clone(&self.shared.load().policy)
    }
}

impl fmt::Debug for PolicyHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PolicyHandle")
            .field("policy", &self.shared.load().policy)
            .finish()
    }
}
