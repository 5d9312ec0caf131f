//! [`Cors`] (the `Transform`), [`CorsMiddleware`] and [`PolicyHandle`].

use std::fmt;
use std::future::{Future, Ready, ready};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::http::StatusCode;
use actix_web::http::header::ORIGIN;
use actix_web::{Error, HttpResponse};
use arc_swap::ArcSwap;
use corsica::{ConfigErrors, Policy, PolicyConfig};
use pin_project_lite::pin_project;

use crate::apply::{Active, Apply, log};
use crate::head::Head;

type Shared = Arc<ArcSwap<Active>>;

/// The CORS middleware factory: pass it to `App::wrap`, `Scope::wrap` or `Resource::wrap`. See
/// the [crate docs](crate).
///
/// Cloning a `Cors` is cheap and the clones share one policy: a [`PolicyHandle`] from any of
/// them replaces it for all, in every worker.
///
/// ```
/// use actix_web::{App, HttpResponse, web};
/// use corsica_actix::{Cors, Policy};
///
/// let policy = Policy::builder().origins(["https://app.example.com"]).build().unwrap();
/// let cors = Cors::new(policy);
/// let app = App::new()
///     .wrap(cors.clone())
///     .route("/items", web::get().to(HttpResponse::Ok));
/// ```
#[derive(Clone)]
#[must_use]
pub struct Cors {
    shared: Shared,
}

impl Cors {
    /// Middleware applying `policy` (a [`Policy`], or an `Arc<Policy>` shared with others).
    ///
    /// ```
    /// use std::sync::Arc;
    /// use corsica_actix::{Cors, Policy};
    ///
    /// let policy = Arc::new(Policy::builder().origins(["https://app.example.com"]).build().unwrap());
    /// let api = Cors::new(Arc::clone(&policy));
    /// let admin = Cors::new(policy); // the same compiled policy, not a copy
    /// ```
    pub fn new(policy: impl Into<Arc<Policy>>) -> Self {
        Cors {
            shared: Arc::new(ArcSwap::from_pointee(Active::new(policy.into()))),
        }
    }

    /// Compiles `config` and makes middleware applying it.
    ///
    /// # Errors
    ///
    /// Every problem in `config` at once, each naming the key, the value and the fix. This never
    /// panics: report the errors and refuse to start.
    ///
    /// ```
    /// use corsica_actix::{Cors, PolicyConfig};
    ///
    /// let config = PolicyConfig {
    ///     origins: vec!["https://app.example.com/".into(), "*".into()],
    ///     credentials: true,
    ///     ..PolicyConfig::default()
    /// };
    /// let errors = Cors::from_config(&config).unwrap_err();
    /// assert_eq!(errors.len(), 2); // the trailing slash, and "*" with credentials
    /// eprintln!("{errors}");
    /// ```
    pub fn from_config(config: &PolicyConfig) -> Result<Self, ConfigErrors> {
        Ok(Cors::new(config.compile()?))
    }

    /// A handle that replaces the policy of this middleware (and of its clones, in every worker)
    /// while the server runs. See [`PolicyHandle`].
    ///
    /// ```
    /// use corsica_actix::{Cors, Policy};
    ///
    /// let cors = Cors::new(Policy::builder().origins(["https://a.example"]).build().unwrap());
    /// let handle = cors.handle();
    /// // Give `handle` to whatever watches the policy file; give clones of `cors` to `App::wrap`.
    /// handle.set(Policy::builder().origins(["https://b.example"]).build().unwrap());
    /// assert_eq!(cors.policy().to_config().origins, ["https://b.example"]);
    /// ```
    pub fn handle(&self) -> PolicyHandle {
        PolicyHandle {
            shared: Arc::clone(&self.shared),
        }
    }

    /// The policy in force.
    ///
    /// ```
    /// use corsica_actix::{Cors, Policy};
    ///
    /// let cors = Cors::new(Policy::builder().origins(["https://a.example"]).build().unwrap());
    /// assert!(cors.policy().varies_by_origin());
    /// ```
    pub fn policy(&self) -> Arc<Policy> {
        Arc::clone(&self.shared.load().policy)
    }
}

impl fmt::Debug for Cors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cors")
            .field("policy", &self.shared.load().policy)
            .finish()
    }
}

impl<S, B> Transform<S, ServiceRequest> for Cors
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
    B: MessageBody,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Transform = CorsMiddleware<S>;
    type InitError = ();
    type Future = Ready<Result<CorsMiddleware<S>, ()>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(CorsMiddleware {
            service,
            shared: Arc::clone(&self.shared),
        }))
    }
}

/// Replaces the policy of a [`Cors`] middleware at run time, in every worker, for example when
/// a policy file changes.
///
/// Requests already being decided finish with the policy they started with; the next ones use
/// the new policy. Reading the policy on the request path takes no lock.
///
/// ```
/// use corsica_actix::{Cors, Policy, PolicyConfig};
///
/// let cors = Cors::new(Policy::builder().origins(["https://old.example"]).build().unwrap());
/// let handle = cors.handle();
///
/// let new = PolicyConfig { origins: vec!["https://new.example".into()], ..PolicyConfig::default() };
/// handle.set_config(&new).unwrap();
/// assert_eq!(cors.policy().to_config().origins, ["https://new.example"]);
///
/// // An invalid configuration is refused, with every error, and the policy in force stays.
/// let bad = PolicyConfig { origins: vec!["https://new.example/path".into()], ..PolicyConfig::default() };
/// assert!(handle.set_config(&bad).is_err());
/// assert_eq!(handle.get().to_config().origins, ["https://new.example"]);
/// ```
#[derive(Clone)]
pub struct PolicyHandle {
    shared: Shared,
}

impl PolicyHandle {
    /// Puts `policy` in force (a [`Policy`], or an `Arc<Policy>`).
    ///
    /// ```
    /// use corsica_actix::{Cors, Policy};
    ///
    /// let cors = Cors::new(Policy::builder().origins(["https://a.example"]).build().unwrap());
    /// cors.handle().set(Policy::builder().origins(["https://b.example"]).build().unwrap());
    /// assert_eq!(cors.policy().to_config().origins, ["https://b.example"]);
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
    /// use corsica_actix::{Cors, Policy};
    ///
    /// let policy = Policy::builder().origins(["https://a.example"]).build().unwrap();
    /// let handle = Cors::new(policy.clone()).handle();
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

/// The service [`Cors`] wraps around yours. actix-web makes it from [`Cors`] (its
/// `Transform::new_transform`) when it builds the app; you do not construct it yourself.
pub struct CorsMiddleware<S> {
    service: S,
    shared: Shared,
}

impl<S> fmt::Debug for CorsMiddleware<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CorsMiddleware")
            .field("policy", &self.shared.load().policy)
            .finish_non_exhaustive()
    }
}

impl<S, B> Service<ServiceRequest> for CorsMiddleware<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
    B: MessageBody,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Future = CorsFuture<S::Future, B>;

    forward_ready!(service);

    fn call(&self, request: ServiceRequest) -> Self::Future {
        let (answer, apply) = {
            let active = self.shared.load();
            let policy = active.policy.for_path(request.path());
            let head = Head::new(request.head(), request.app_config().secure());
            let decision = policy.decide(&head);
            let headers = &request.head().headers;
            let origin = headers.get(ORIGIN);
            log(&decision, origin);
            let apply = active.prepare(&decision, headers, origin);
            (decision.respond_status(), apply)
        };
        let kind = match answer {
            Some(status) => {
                // The engine only answers with 2xx or 403.
                let mut response = HttpResponse::new(
                    StatusCode::from_u16(status).unwrap_or(StatusCode::FORBIDDEN),
                );
                apply.apply_to(response.headers_mut());
                Kind::Answer {
                    response: Some(request.into_response(response).map_into_right_body()),
                }
            }
            None => Kind::Inner {
                future: self.service.call(request),
                apply,
            },
        };
        CorsFuture { kind }
    }
}

pin_project! {
    /// The response future of [`CorsMiddleware`]: your service's response with the CORS headers
    /// applied, or the middleware's own answer to a preflight or refused request.
    pub struct CorsFuture<F, B> {
        #[pin]
        kind: Kind<F, B>,
    }
}

pin_project! {
    #[project = KindProj]
    enum Kind<F, B> {
        Inner {
            #[pin]
            future: F,
            apply: Apply,
        },
        Answer {
            response: Option<ServiceResponse<EitherBody<B>>>,
        },
    }
}

impl<F, B> Future for CorsFuture<F, B>
where
    F: Future<Output = Result<ServiceResponse<B>, Error>>,
{
    type Output = Result<ServiceResponse<EitherBody<B>>, Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().kind.project() {
            KindProj::Inner { future, apply } => match std::task::ready!(future.poll(cx)) {
                Ok(mut response) => {
                    std::mem::take(apply).apply_to(response.headers_mut());
                    Poll::Ready(Ok(response.map_into_left_body()))
                }
                // An error from an inner middleware: actix makes it a response later, with
                // `Error::error_response`, which then gets the CORS headers.
                Err(mut error) => {
                    let apply = std::mem::take(apply);
                    error.add_response_mapper(move |mut response| {
                        apply.clone().apply_to(response.headers_mut());
                        response
                    });
                    Poll::Ready(Err(error))
                }
            },
            KindProj::Answer { response } => Poll::Ready(Ok(response
                .take()
                .expect("CorsFuture polled after completion"))),
        }
    }
}

impl<F, B> fmt::Debug for CorsFuture<F, B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("CorsFuture");
        match &self.kind {
            Kind::Inner { apply, .. } => s.field("apply", apply),
            Kind::Answer { response } => s.field("status", &response.as_ref().map(|r| r.status())),
        };
        s.finish_non_exhaustive()
    }
}
