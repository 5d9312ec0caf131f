//! [`Cors`] and its [`ResponseFuture`].

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use corsica_adapter::{Apply, PolicyCell, PolicyHandle};
use http::{Request, Response, StatusCode};
use pin_project_lite::pin_project;
use tower_service::Service;

use crate::head::{Http1, head};

/// A service wrapped by a [`CorsLayer`](crate::CorsLayer): see the [crate docs](crate).
///
/// ```
/// use corsica_tower::{Cors, CorsLayer, Policy};
/// use http::{Request, Response};
/// use std::convert::Infallible;
/// use tower::{Layer, service_fn};
///
/// let policy = Policy::builder().origins(["https://app.example.com"]).build().unwrap();
/// let inner = service_fn(|_: Request<String>| async { Ok::<_, Infallible>(Response::new(String::new())) });
/// let service: Cors<_> = CorsLayer::new(policy).layer(inner);
/// ```
#[derive(Clone)]
pub struct Cors<S> {
    inner: S,
    cell: PolicyCell<Http1>,
}

impl<S> Cors<S> {
    pub(crate) fn from_cell(inner: S, cell: PolicyCell<Http1>) -> Self {
        Cors { inner, cell }
    }

    /// A handle that replaces the policy of this service (and of the layer that made it, and of
    /// its clones). See [`PolicyHandle`].
    ///
    /// ```
    /// # use corsica_tower::{CorsLayer, Policy};
    /// # use tower::{Layer, service_fn};
    /// # let inner = service_fn(|_: http::Request<String>| async { Ok::<_, std::convert::Infallible>(http::Response::new(String::new())) });
    /// let service = CorsLayer::new(Policy::builder().origins(["https://a.example"]).build().unwrap()).layer(inner);
    /// service.handle().set(Policy::builder().origins(["https://b.example"]).build().unwrap());
    /// assert_eq!(service.handle().get().to_config().origins, ["https://b.example"]);
    /// ```
    pub fn handle(&self) -> PolicyHandle {
        self.cell.handle()
    }

    /// The inner service.
    ///
    /// ```
    /// # use corsica_tower::{CorsLayer, Policy};
    /// # use tower::{Layer, service_fn};
    /// # let inner = service_fn(|_: http::Request<String>| async { Ok::<_, std::convert::Infallible>(http::Response::new(String::new())) });
    /// let mut service = CorsLayer::new(Policy::builder().origins(["https://a.example"]).build().unwrap()).layer(inner);
    /// let inner = service.get_ref();
    /// let inner = service.get_mut();
    /// let inner = service.into_inner();
    /// ```
    pub fn get_ref(&self) -> &S {
        &self.inner
    }

    /// The inner service, mutably.
    pub fn get_mut(&mut self) -> &mut S {
        &mut self.inner
    }

    /// Unwraps the inner service.
    pub fn into_inner(self) -> S {
        self.inner
    }
}

impl<S: fmt::Debug> fmt::Debug for Cors<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cors")
            .field("inner", &self.inner)
            .field("policy", &self.cell.policy())
            .finish()
    }
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for Cors<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    ResBody: Default,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        let (answer, apply) = self
            .cell
            .load()
            .respond(request.uri().path(), &head(&request));
        let kind = match answer {
            Some(status) => Kind::Answer {
                status: Http1::status_code(status),
                apply,
            },
            None => Kind::Inner {
                future: self.inner.call(request),
                apply,
            },
        };
        ResponseFuture { kind }
    }
}

pin_project! {
    /// The response future of [`Cors`]: the inner service's response with the CORS headers
    /// applied, or the layer's own answer to a preflight or refused request.
    pub struct ResponseFuture<F> {
        #[pin]
        kind: Kind<F>,
    }
}

pin_project! {
    #[project = KindProj]
    enum Kind<F> {
        Inner {
            #[pin]
            future: F,
            apply: Apply<Http1>,
        },
        Answer {
            status: StatusCode,
            apply: Apply<Http1>,
        },
    }
}

impl<F, B, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<Response<B>, E>>,
    B: Default,
{
    type Output = Result<Response<B>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().kind.project() {
            KindProj::Inner { future, apply } => {
                let mut response = ready!(future.poll(cx))?;
                apply.apply_to(response.headers_mut());
                Poll::Ready(Ok(response))
            }
            KindProj::Answer { status, apply } => {
                let mut response = Response::new(B::default());
                *response.status_mut() = *status;
                apply.apply_to(response.headers_mut());
                Poll::Ready(Ok(response))
            }
        }
    }
}

impl<F> fmt::Debug for ResponseFuture<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("ResponseFuture");
        match &self.kind {
            Kind::Inner { apply, .. } => s.field("apply", apply),
            Kind::Answer { status, apply } => s.field("status", status).field("apply", apply),
        };
        s.finish_non_exhaustive()
    }
}
