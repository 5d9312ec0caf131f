//! [`Proxy`]: the listener, the connections, and the graceful stop.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use corsica::Policy;
use corsica_adapter::{PolicyCell, PolicyHandle};
use hyper::service::service_fn;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tracing::Instrument;

use crate::forward::{self, State};
use crate::{Limits, Options, PolicySource, Reloader, StartError, Upstream};

/// A bound reverse proxy: [`Proxy::bind`], then [`Proxy::run`] until asked to stop.
///
/// ```no_run
/// # async fn example() -> Result<(), Box<dyn std::error::Error>> {
/// use corsica::Policy;
/// use corsica_proxy::{Limits, Options, Proxy, Upstream};
///
/// let policy = Policy::builder().origins(["https://app.example.com"]).build()?;
/// let options = Options {
///     listen: "127.0.0.1:8080".parse()?,
///     upstream: Upstream::parse("http://127.0.0.1:3000")?,
///     limits: Limits::default(),
/// };
/// let proxy = Proxy::bind(options, policy).await?;
/// proxy.run(async { let _ = tokio::signal::ctrl_c().await; }).await;
/// # Ok(())
/// # }
/// ```
pub struct Proxy {
    listener: TcpListener,
    state: Arc<State>,
    tls: Option<tokio_rustls::TlsAcceptor>,
}

impl std::fmt::Debug for Proxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Proxy")
            .field("listen", &self.listener.local_addr().ok())
            .field("upstream", &self.state.upstream)
            .finish_non_exhaustive()
    }
}

impl Proxy {
    /// Binds `options.listen` and prepares the upstream client, with `policy` in force.
    ///
    /// # Errors
    ///
    /// When the address cannot be bound.
    pub async fn bind(
        options: Options,
        policy: impl Into<Arc<Policy>>,
    ) -> Result<Self, StartError> {
        let listener =
            TcpListener::bind(options.listen)
                .await
                .map_err(|error| StartError::Listen {
                    addr: options.listen,
                    error,
                })?;
        Ok(Self::new(
            listener,
            options.upstream,
            options.limits,
            policy,
        ))
    }

    /// A proxy on an already bound listener (in non-blocking mode).
    ///
    /// # Errors
    ///
    /// When tokio cannot take the listener.
    pub fn from_std(
        listener: std::net::TcpListener,
        upstream: Upstream,
        limits: Limits,
        policy: impl Into<Arc<Policy>>,
    ) -> std::io::Result<Self> {
        listener.set_nonblocking(true)?;
        let listener = TcpListener::from_std(listener)?;
        Ok(Self::new(listener, upstream, limits, policy))
    }

    fn new(
        listener: TcpListener,
        upstream: Upstream,
        limits: Limits,
        policy: impl Into<Arc<Policy>>,
    ) -> Self {
        let mut connector = HttpConnector::new();
        connector.set_connect_timeout(Some(limits.connect_timeout));
        connector.set_nodelay(true);
        let client = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(limits.idle_timeout)
            .pool_timer(TokioTimer::new())
            .timer(TokioTimer::new())
            .build(connector);
        let state = Arc::new(State {
            cell: PolicyCell::new(policy),
            client,
            upstream,
            limits,
            scheme: "http",
            metrics: Arc::new(crate::metrics::Metrics::new()),
        });
        Proxy {
            listener,
            state,
            tls: None,
        }
    }

    /// Speaks TLS to clients with `config` (see [`tls_config`](crate::tls_config)): HTTP/2 or
    /// HTTP/1.1 by ALPN, `X-Forwarded-Proto: https`, and the `https` scheme for the CORS
    /// decision of requests that carry none.
    #[must_use]
    pub fn with_tls(mut self, config: Arc<rustls::ServerConfig>) -> Self {
        if let Some(state) = Arc::get_mut(&mut self.state) {
            state.scheme = "https";
        }
        self.tls = Some(tokio_rustls::TlsAcceptor::from(config));
        self
    }

    /// The address listened on.
    ///
    /// # Errors
    ///
    /// When the system cannot tell.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Answers one request in-process, as if it had come over a connection from `peer`: for
    /// requests HTTP/1.1 cannot carry as built (a field value with surrounding whitespace), and
    /// for embedding.
    pub async fn call<B>(
        &self,
        peer: SocketAddr,
        request: http::Request<B>,
    ) -> http::Response<
        impl http_body::Body<Data = bytes::Bytes, Error = Box<dyn std::error::Error + Send + Sync>>,
    >
    where
        B: http_body::Body<Data = bytes::Bytes> + Send + Sync + 'static,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        match forward::handle(Arc::clone(&self.state), peer, request).await {
            Ok(response) => response,
            Err(never) => match never {},
        }
    }

    /// A [`Reloader`] of this proxy's policy from `source`, counted in its metrics.
    pub fn reloader(&self, source: Arc<dyn PolicySource>) -> Reloader {
        Reloader::new(source, self.handle()).with_metrics(Arc::clone(&self.state.metrics))
    }

    /// Binds `addr` for Prometheus metrics (requests by outcome, upstream errors by kind,
    /// reloads by result, a latency histogram) and returns the address bound and the server,
    /// which runs until dropped.
    ///
    /// # Errors
    ///
    /// When the address cannot be bound.
    pub async fn bind_metrics(
        &self,
        addr: SocketAddr,
    ) -> Result<(SocketAddr, impl Future<Output = ()> + Send + 'static), StartError> {
        crate::metrics::bind(addr, Arc::clone(&self.state.metrics)).await
    }

    /// A handle that replaces the policy in force (for every request that starts afterwards).
    pub fn handle(&self) -> PolicyHandle {
        self.state.cell.handle()
    }

    /// Serves until `stop` resolves, then stops accepting connections and gives the requests
    /// under way up to [`Limits::drain_timeout`] to finish. Connection tasks run in the current
    /// tracing span.
    pub async fn run(self, stop: impl Future<Output = ()>) {
        let Proxy {
            listener,
            state,
            tls,
        } = self;
        let limits = state.limits.clone();
        let mut builder = auto::Builder::new(TokioExecutor::new());
        builder
            .http1()
            .timer(TokioTimer::new())
            .header_read_timeout(limits.client_header_timeout)
            .max_buf_size(limits.max_header_bytes.max(8192))
            .keep_alive(true);
        builder
            .http2()
            .timer(TokioTimer::new())
            .max_header_list_size(u32::try_from(limits.max_header_bytes).unwrap_or(u32::MAX));
        let graceful = GracefulShutdown::new();
        let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
        tokio::pin!(stop);
        loop {
            let permit = tokio::select! {
                permit = Arc::clone(&slots).acquire_owned() => match permit {
                    Ok(permit) => permit,
                    Err(_) => break,
                },
                () = &mut stop => break,
            };
            let (stream, peer) = tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok(accepted) => accepted,
                    Err(e) => {
                        // Out of file descriptors and the like: wait a little, then go on.
                        tracing::warn!(target: "corsica_proxy", error = %e, "cannot accept a connection");
                        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                        continue;
                    }
                },
                () = &mut stop => break,
            };
            let _ = stream.set_nodelay(true);
            let state = Arc::clone(&state);
            let service =
                service_fn(move |request| forward::handle(Arc::clone(&state), peer, request));
            match &tls {
                None => {
                    let connection = builder
                        .serve_connection_with_upgrades(TokioIo::new(stream), service)
                        .into_owned();
                    let connection = graceful.watch(connection);
                    tokio::spawn(
                        async move {
                            if let Err(e) = connection.await {
                                tracing::debug!(target: "corsica_proxy", error = %e, %peer, "connection ended with an error");
                            }
                            drop(permit);
                        }
                        .in_current_span(),
                    );
                }
                Some(acceptor) => {
                    let acceptor = acceptor.clone();
                    let watcher = graceful.watcher();
                    let builder = builder.clone();
                    let handshake = limits.client_header_timeout;
                    tokio::spawn(
                        async move {
                            let stream = match tokio::time::timeout(handshake, acceptor.accept(stream)).await {
                                Ok(Ok(stream)) => stream,
                                Ok(Err(e)) => {
                                    tracing::debug!(target: "corsica_proxy", error = %e, %peer, "TLS handshake failed");
                                    return;
                                }
                                Err(_) => {
                                    tracing::debug!(target: "corsica_proxy", %peer, "TLS handshake timed out");
                                    return;
                                }
                            };
                            let connection = builder
                                .serve_connection_with_upgrades(TokioIo::new(stream), service)
                                .into_owned();
                            if let Err(e) = watcher.watch(connection).await {
                                tracing::debug!(target: "corsica_proxy", error = %e, %peer, "connection ended with an error");
                            }
                            drop(permit);
                        }
                        .in_current_span(),
                    );
                }
            }
        }
        drop(listener);
        tokio::select! {
            () = graceful.shutdown() => {}
            () = tokio::time::sleep(limits.drain_timeout) => {
                tracing::warn!(target: "corsica_proxy", timeout = ?limits.drain_timeout, "requests still under way at the end of the drain timeout were cut off");
            }
        }
    }
}
