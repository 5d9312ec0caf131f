//! The middleware scenarios both adapters must pass, written once: what reaches the handler,
//! `Vary`, CORS headers the handler set itself, error responses, policy hot swap under load, bad
//! configurations and per-path policies.
//!
//! Each adapter's test suite implements [`Adapter`] (how to build its middleware and how to
//! serve a [`Backend`] of [`Route`]s behind it on loopback) and adds [`trials`] to its binary; what only
//! one framework does (panics, extractor errors, tower errors, hyper, tonic) stays in that
//! adapter's own tests, which can use this module's fixtures ([`policy`], [`preflight`],
//! [`get_from`], [`assert_allowed`]).

use std::fmt;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use corsica::{ConfigErrors, Policy, PolicyConfig, RouteConfig};
use libtest_mimic::Trial;

use crate::client::{Outgoing, Received, send};
use crate::trial;

/// One adapter under test: its middleware, its policy handle and its server.
///
/// The middleware and handle methods are the only calls into the adapter's own API that the
/// shared scenarios make; [`adapter_middleware!`](crate::adapter_middleware) writes them.
pub trait Adapter: 'static {
    /// The middleware value (`CorsLayer`, `Cors`); its clones share one policy handle.
    type Cors: Clone + fmt::Debug + Send + Sync + 'static;

    /// The middleware for `policy`.
    fn cors(policy: Policy) -> Self::Cors;

    /// The middleware for a configuration, or every mistake in it.
    ///
    /// # Errors
    ///
    /// The configuration's mistakes.
    fn cors_from_config(config: &PolicyConfig) -> Result<Self::Cors, ConfigErrors>;

    /// The policy in force.
    fn policy(cors: &Self::Cors) -> Arc<Policy>;

    /// Puts `policy` in force through the middleware's handle.
    fn set_policy(cors: &Self::Cors, policy: Policy);

    /// Puts a configuration in force through the middleware's handle, or refuses it.
    ///
    /// # Errors
    ///
    /// The configuration's mistakes; the policy in force stays.
    fn set_config(cors: &Self::Cors, config: &PolicyConfig) -> Result<(), ConfigErrors>;

    /// Serves `backend` behind `cors` on loopback, with more than one copy of the middleware
    /// where the framework makes one per worker. Any other path is the framework's own 404. The
    /// server runs until the test binary exits.
    fn serve(cors: Self::Cors, backend: Backend) -> impl Future<Output = SocketAddr>;
}

/// Inside `impl Adapter for …`: the middleware methods for an adapter's middleware type `$cors`,
/// which both adapters spell alike (`new`, `from_config`, `policy`, and `handle()` with `set`
/// and `set_config`); the adapter writes only [`Adapter::serve`].
#[macro_export]
macro_rules! adapter_middleware {
    ($cors:ty) => {
        type Cors = $cors;

        fn cors(policy: ::corsica::Policy) -> $cors {
            <$cors>::new(policy)
        }

        fn cors_from_config(
            config: &::corsica::PolicyConfig,
        ) -> ::std::result::Result<$cors, ::corsica::ConfigErrors> {
            <$cors>::from_config(config)
        }

        fn policy(cors: &$cors) -> ::std::sync::Arc<::corsica::Policy> {
            cors.policy()
        }

        fn set_policy(cors: &$cors, policy: ::corsica::Policy) {
            cors.handle().set(policy);
        }

        fn set_config(
            cors: &$cors,
            config: &::corsica::PolicyConfig,
        ) -> ::std::result::Result<(), ::corsica::ConfigErrors> {
            cors.handle().set_config(config)
        }
    };
}

/// The app behind the middleware: its routes, whose handlers count their calls together.
#[derive(Clone, Debug)]
pub struct Backend {
    routes: &'static [Route],
    calls: Arc<AtomicUsize>,
}

impl Backend {
    /// Each route's path and its handler, which counts the call and says what to answer.
    pub fn handlers(
        &self,
    ) -> impl Iterator<
        Item = (
            &'static str,
            impl Fn() -> Reply + Clone + Send + Sync + 'static,
        ),
    > + '_ {
        self.routes.iter().map(|route| {
            let (calls, reply) = (Arc::clone(&self.calls), route.reply);
            let handler = move || {
                calls.fetch_add(1, Ordering::SeqCst);
                reply
            };
            (route.path, handler)
        })
    }
}

/// A path of the app behind the middleware, answering every method.
#[derive(Clone, Copy, Debug)]
pub struct Route {
    /// The path, exactly.
    pub path: &'static str,
    /// What its handler answers.
    pub reply: Reply,
}

/// What a handler answers.
#[derive(Clone, Copy, Debug)]
pub enum Reply {
    /// A response it builds: this status, these header lines, this body.
    Response {
        /// The status code.
        status: u16,
        /// Header lines, in order.
        headers: &'static [(&'static str, &'static str)],
        /// The body.
        body: &'static str,
    },
    /// A failure in the framework's own error type (axum: an `IntoResponse` error; actix-web:
    /// an `actix_web::Error`) that becomes a response with this status and body.
    Error {
        /// The status code.
        status: u16,
        /// The body.
        body: &'static str,
    },
}

impl Reply {
    /// `200 ok` with these header lines.
    pub const fn ok(headers: &'static [(&'static str, &'static str)]) -> Self {
        Reply::Response {
            status: 200,
            headers,
            body: "ok",
        }
    }
}

/// The origin [`policy`] allows.
pub const APP: &str = "https://app.example.com";

/// The policy of most scenarios: [`APP`] with credentials, `PUT` and `DELETE`, two request
/// headers, one exposed header, a max age of 600.
pub fn policy() -> Policy {
    Policy::builder()
        .origins([APP])
        .methods(["PUT", "DELETE"])
        .request_headers(["content-type", "x-api-key"])
        .expose_headers(["x-request-id"])
        .credentials(true)
        .max_age(600)
        .build()
        .unwrap()
}

/// A request with the `Host` HTTP/1.1 requires (actix-web answers 400 without it).
pub fn request(method: &str, path: &str) -> Outgoing {
    Outgoing::new(method, path).header("host", "api.example.com")
}

/// A preflight from [`APP`] for `PUT` with `content-type`.
pub fn preflight(path: &str) -> Outgoing {
    request("OPTIONS", path)
        .header("origin", APP)
        .header("access-control-request-method", "PUT")
        .header("access-control-request-headers", "content-type")
}

/// A `GET` from `origin`.
pub fn get_from(path: &str, origin: &str) -> Outgoing {
    request("GET", path).header("origin", origin)
}

/// The response carries the headers of an allowed actual request from [`APP`], once each.
pub fn assert_allowed(r: &Received) {
    assert_eq!(
        r.all("access-control-allow-origin"),
        [APP.as_bytes()],
        "{r:?}"
    );
    assert_eq!(
        r.all("access-control-allow-credentials"),
        [&b"true"[..]],
        "{r:?}"
    );
    assert_eq!(
        r.all("access-control-expose-headers"),
        [&b"x-request-id"[..]],
        "{r:?}"
    );
    assert_eq!(
        r.vary().iter().filter(|v| *v == "origin").count(),
        1,
        "{r:?}"
    );
}

/// The response has no `access-control-*` header at all.
pub fn assert_no_cors_headers(r: &Received) {
    assert!(
        r.headers
            .iter()
            .all(|(n, _)| !n.starts_with("access-control-")),
        "{r:?}"
    );
}

/// Serves `routes` behind `cors`; the address and the handlers' call count.
async fn serve<A: Adapter>(
    cors: A::Cors,
    routes: &'static [Route],
) -> (SocketAddr, Arc<AtomicUsize>) {
    let calls = Arc::new(AtomicUsize::new(0));
    let backend = Backend {
        routes,
        calls: Arc::clone(&calls),
    };
    (A::serve(cors, backend).await, calls)
}

async fn preflights_never_reach_the_handler<A: Adapter>() {
    const ROUTES: &[Route] = &[Route {
        path: "/x",
        reply: Reply::ok(&[]),
    }];
    let (addr, calls) = serve::<A>(A::cors(policy()), ROUTES).await;

    for _ in 0..3 {
        let r = send(addr, &preflight("/x")).await.unwrap();
        assert_eq!(r.status, 204);
        assert_eq!(r.one("access-control-allow-origin").as_deref(), Some(APP));
        assert_eq!(
            r.one("access-control-allow-methods").as_deref(),
            Some("PUT,DELETE")
        );
        assert_eq!(r.one("access-control-max-age").as_deref(), Some("600"));
        assert!(r.body.is_empty());
    }
    let refused = send(
        addr,
        &preflight("/x").header("access-control-request-headers", "x-secret"),
    )
    .await
    .unwrap();
    assert_eq!(refused.status, 403);
    assert_no_cors_headers(&refused);
    assert_eq!(
        calls.load(Ordering::SeqCst),
        0,
        "a preflight reached the handler"
    );

    // OPTIONS without Access-Control-Request-Method is not a preflight: the handler answers it.
    let options = send(addr, &request("OPTIONS", "/x").header("origin", APP))
        .await
        .unwrap();
    assert_eq!((options.status, options.body.as_slice()), (200, &b"ok"[..]));
    assert_allowed(&options);
    assert_eq!(calls.load(Ordering::SeqCst), 1);

    let get = send(addr, &get_from("/x", APP)).await.unwrap();
    assert_eq!((get.status, get.body.as_slice()), (200, &b"ok"[..]));
    assert_allowed(&get);
    let no_origin = send(addr, &request("GET", "/x")).await.unwrap();
    assert_eq!(no_origin.vary(), ["origin"]);
    assert!(no_origin.all("access-control-allow-origin").is_empty());
    assert_eq!(calls.load(Ordering::SeqCst), 3);
}

async fn the_handlers_vary_is_kept_and_origin_appended_once<A: Adapter>() {
    const ROUTES: &[Route] = &[
        Route {
            path: "/encoding",
            reply: Reply::ok(&[("vary", "accept-encoding")]),
        },
        Route {
            path: "/origin",
            reply: Reply::ok(&[("vary", "Accept, Origin")]),
        },
        Route {
            path: "/star",
            reply: Reply::ok(&[("vary", "*")]),
        },
    ];
    let (addr, _) = serve::<A>(A::cors(policy()), ROUTES).await;

    let r = send(addr, &get_from("/encoding", APP)).await.unwrap();
    assert_eq!(r.all("vary"), [&b"accept-encoding"[..], b"origin"]);
    assert_allowed(&r);
    // Refused and non-CORS responses vary by origin too.
    let r = send(addr, &get_from("/encoding", "https://evil.example"))
        .await
        .unwrap();
    assert_eq!(r.all("vary"), [&b"accept-encoding"[..], b"origin"]);
    let r = send(addr, &request("GET", "/encoding")).await.unwrap();
    assert_eq!(r.all("vary"), [&b"accept-encoding"[..], b"origin"]);

    let r = send(addr, &get_from("/origin", APP)).await.unwrap();
    assert_eq!(r.all("vary"), [&b"Accept, Origin"[..]]);
    let r = send(addr, &get_from("/star", APP)).await.unwrap();
    assert_eq!(r.all("vary"), [&b"*"[..]]);
}

async fn cors_headers_set_by_the_handler_are_replaced<A: Adapter>() {
    const ROUTES: &[Route] = &[Route {
        path: "/x",
        reply: Reply::ok(&[
            ("access-control-allow-origin", "*"),
            ("access-control-allow-credentials", "false"),
            ("access-control-expose-headers", "x-secret"),
            ("access-control-allow-methods", "TRACE"),
            ("x-request-id", "42"),
        ]),
    }];
    let (addr, _) = serve::<A>(A::cors(policy()), ROUTES).await;

    let r = send(addr, &get_from("/x", APP)).await.unwrap();
    assert_allowed(&r);
    assert!(r.all("access-control-allow-methods").is_empty(), "{r:?}");
    assert_eq!(r.one("x-request-id").as_deref(), Some("42"));

    // Nothing the handler set leaks to an origin the policy does not allow.
    let r = send(addr, &get_from("/x", "https://evil.example"))
        .await
        .unwrap();
    assert_no_cors_headers(&r);
    assert_eq!(r.vary(), ["origin"]);
}

async fn error_responses_carry_cors_headers<A: Adapter>() {
    const ROUTES: &[Route] = &[
        Route {
            path: "/500",
            reply: Reply::Response {
                status: 500,
                headers: &[],
                body: "oops",
            },
        },
        Route {
            path: "/err",
            reply: Reply::Error {
                status: 422,
                body: "no such item",
            },
        },
    ];
    let (addr, _) = serve::<A>(A::cors(policy()), ROUTES).await;

    // An error response the handler built, the framework's error type, an unknown route.
    for (path, status, body) in [
        ("/500", 500, Some("oops")),
        ("/err", 422, Some("no such item")),
        ("/missing", 404, None),
    ] {
        let r = send(addr, &get_from(path, APP)).await.unwrap();
        assert_eq!(r.status, status, "{path}: {r:?}");
        if let Some(body) = body {
            assert_eq!(r.body, body.as_bytes(), "{path}");
        }
        assert_allowed(&r);
    }
}

async fn the_policy_is_swapped_under_concurrent_requests<A: Adapter>() {
    const A_ORIGIN: &str = "https://a.example";
    const B_ORIGIN: &str = "https://b.example";
    const ROUTES: &[Route] = &[Route {
        path: "/x",
        reply: Reply::ok(&[]),
    }];
    let cors = A::cors(Policy::builder().origins([A_ORIGIN]).build().unwrap());
    let (addr, _) = serve::<A>(cors.clone(), ROUTES).await;

    let swapped = Arc::new(AtomicBool::new(false));
    let sent = Arc::new(AtomicUsize::new(0));
    let mut clients = Vec::new();
    for c in 0..4 {
        let (swapped, sent) = (Arc::clone(&swapped), Arc::clone(&sent));
        clients.push(tokio::spawn(async move {
            let mut seen = Vec::new();
            for i in 0..60 {
                let origin = if (c + i) % 2 == 0 { A_ORIGIN } else { B_ORIGIN };
                let after_swap = swapped.load(Ordering::SeqCst);
                let r = send(addr, &get_from("/x", origin)).await.unwrap();
                sent.fetch_add(1, Ordering::SeqCst);
                assert_eq!(r.status, 200);
                let acao = r.one("access-control-allow-origin");
                // Policy A allows only A, policy B only B: each response is one or the other.
                let by_a = acao.as_deref() == (origin == A_ORIGIN).then_some(A_ORIGIN);
                let by_b = acao.as_deref() == (origin == B_ORIGIN).then_some(B_ORIGIN);
                assert!(by_a || by_b, "{origin}: {acao:?}");
                assert!(
                    !after_swap || by_b,
                    "sent after the swap, answered by the old policy"
                );
                seen.push((by_a, by_b));
            }
            seen
        }));
    }
    while sent.load(Ordering::SeqCst) < 60 {
        tokio::task::yield_now().await;
    }
    A::set_policy(
        &cors,
        Policy::builder().origins([B_ORIGIN]).build().unwrap(),
    );
    swapped.store(true, Ordering::SeqCst);

    // An invalid configuration is refused and B stays in force.
    let bad = PolicyConfig {
        origins: vec!["https://a.example/".into()],
        ..PolicyConfig::default()
    };
    let errors = A::set_config(&cors, &bad).unwrap_err();
    assert_eq!(errors.len(), 1, "{errors}");
    assert_eq!(A::policy(&cors).to_config().origins, [B_ORIGIN]);

    let (mut old_only, mut new_only) = (0, 0);
    for client in clients {
        for (by_a, by_b) in client.await.unwrap() {
            old_only += usize::from(by_a && !by_b);
            new_only += usize::from(by_b && !by_a);
        }
    }
    assert!(
        old_only > 0 && new_only > 0,
        "old {old_only}, new {new_only}"
    );
    let r = send(addr, &get_from("/x", B_ORIGIN)).await.unwrap();
    assert_eq!(
        r.one("access-control-allow-origin").as_deref(),
        Some(B_ORIGIN)
    );
}

fn bad_configurations_are_errors_not_panics<A: Adapter>() {
    let config = PolicyConfig {
        origins: vec!["https://app.example.com/".into(), "*".into(), "null".into()],
        methods: vec!["GET POST".into()],
        expose_headers: vec!["*".into()],
        credentials: true,
        max_age: Some(100_000),
        preflight_status: Some(302),
        ..PolicyConfig::default()
    };
    let errors = A::cors_from_config(&config).unwrap_err();
    assert!(errors.len() >= 6, "{errors}");
    for e in &errors {
        assert!(!e.key().is_empty() && !e.message().is_empty(), "{e}");
    }
    assert!(
        A::cors_from_config(&PolicyConfig::default()).is_err(),
        "no origins"
    );

    // A handle keeps the policy in force when a new configuration is refused.
    let cors = A::cors(policy());
    assert_eq!(A::set_config(&cors, &config).unwrap_err(), errors);
    assert_eq!(*A::policy(&cors), policy());
}

async fn policy_routes_apply_by_path<A: Adapter>() {
    const ROUTES: &[Route] = &[
        Route {
            path: "/public/x",
            reply: Reply::ok(&[]),
        },
        Route {
            path: "/private",
            reply: Reply::ok(&[]),
        },
    ];
    let public = PolicyConfig {
        origins: vec!["*".into()],
        ..PolicyConfig::default()
    };
    let config = PolicyConfig {
        origins: vec![APP.into()],
        route: vec![RouteConfig::new("/public/", public)],
        ..PolicyConfig::default()
    };
    let (addr, _) = serve::<A>(A::cors_from_config(&config).unwrap(), ROUTES).await;
    let r = send(addr, &get_from("/public/x", "https://evil.example"))
        .await
        .unwrap();
    assert_eq!(r.one("access-control-allow-origin").as_deref(), Some("*"));
    let r = send(addr, &get_from("/private", "https://evil.example"))
        .await
        .unwrap();
    assert!(r.all("access-control-allow-origin").is_empty(), "{r:?}");
}

async fn hostile_requests_are_refused<A: Adapter>() {
    const ROUTES: &[Route] = &[Route {
        path: "/",
        reply: Reply::ok(&[]),
    }];
    let (addr, _) = serve::<A>(A::cors(policy()), ROUTES).await;
    crate::hostile::assert_refused(addr).await;
}

/// The shared scenarios for adapter `A`, one trial each, named `middleware::NAME`.
pub fn trials<A: Adapter>() -> Vec<Trial> {
    vec![
        trial!(async preflights_never_reach_the_handler::<A>),
        trial!(async the_handlers_vary_is_kept_and_origin_appended_once::<A>),
        trial!(async cors_headers_set_by_the_handler_are_replaced::<A>),
        trial!(async error_responses_carry_cors_headers::<A>),
        trial!(async(multi_thread) the_policy_is_swapped_under_concurrent_requests::<A>),
        trial!(bad_configurations_are_errors_not_panics::<A>),
        trial!(async policy_routes_apply_by_path::<A>),
        trial!(async hostile_requests_are_refused::<A>),
    ]
}
