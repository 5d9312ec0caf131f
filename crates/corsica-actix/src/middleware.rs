//! [`Cors`] (the `Transform`) and [`CorsMiddleware`].

use std::fmt;
use std::future::{Future, Ready, ready};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::{Error, HttpResponse};
use corsica::{ConfigErrors, Policy, PolicyConfig};
use corsica_adapter::{Apply, PolicyCell, PolicyHandle};
use pin_project_lite::pin_project;

use crate::head::{Actix, head};

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
    cell: PolicyCell<Actix>,
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
            cell: PolicyCell::new(policy),
        }
    }

    /// Compiles `config` and makes middleware applying it.
    ///
    /// # Errors
    ///
    /// Every problem in `config` at once (see [`PolicyCell::from_config`]).
    pub fn from_config(config: &PolicyConfig) -> Result<Self, ConfigErrors> {
        Ok(Cors {
            cell: PolicyCell::from_config(config)?,
        })
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
        self.cell.handle()
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
        self.cell.policy()
    }
}

impl fmt::Debug for Cors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cors")
            .field("policy", &self.cell.policy())
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
            cell: self.cell.clone(),
        }))
    }
}

/// The service [`Cors`] wraps around yours. actix-web makes it from [`Cors`] (its
/// `Transform::new_transform`) when it builds the app; you do not construct it yourself.
pub struct CorsMiddleware<S> {
    service: S,
    cell: PolicyCell<Actix>,
}

impl<S> fmt::Debug for CorsMiddleware<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CorsMiddleware")
            .field("policy", &self.cell.policy())
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
        let (answer, mut apply) = self.cell.load().respond(
            request.path(),
            &head(request.head(), request.app_config().secure()),
        );
        let kind = match answer {
            Some(status) => {
                let mut response = HttpResponse::new(Actix::status_code(status));
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
            apply: Apply<Actix>,
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
                    apply.apply_to(response.headers_mut());
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
