//! [`CorsLayer`].

use std::fmt;
use std::sync::Arc;

use corsica::{ConfigErrors, Policy, PolicyConfig};
use corsica_adapter::{PolicyCell, PolicyHandle};
use tower_layer::Layer;

use crate::head::Http1;
use crate::service::Cors;

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
    cell: PolicyCell<Http1>,
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
            cell: PolicyCell::new(policy),
        }
    }

    /// Compiles `config` and makes a layer applying it.
    ///
    /// # Errors
    ///
    /// Every problem in `config` at once (see [`PolicyCell::from_config`]).
    pub fn from_config(config: &PolicyConfig) -> Result<Self, ConfigErrors> {
        Ok(CorsLayer {
            cell: PolicyCell::from_config(config)?,
        })
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
        self.cell.handle()
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
        self.cell.policy()
    }
}

impl<S> Layer<S> for CorsLayer {
    type Service = Cors<S>;

    fn layer(&self, inner: S) -> Cors<S> {
        Cors::from_cell(inner, self.cell.clone())
    }
}

impl fmt::Debug for CorsLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CorsLayer")
            .field("policy", &self.cell.policy())
            .finish()
    }
}
