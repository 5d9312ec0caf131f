//! Test servers: upstreams on loopback, proxies in front of them, and a pooled client.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use corsica::{Policy, PolicyConfig};
use corsica_adapter::PolicyHandle;
pub(crate) use corsica_proxy::Limits;
use corsica_proxy::{Options, Proxy, Upstream};
use http::{Request, Response};
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

pub(crate) type BoxError = Box<dyn std::error::Error + Send + Sync>;
pub(crate) type TestBody = BoxBody<Bytes, BoxError>;

pub(crate) fn full(bytes: impl Into<Bytes>) -> TestBody {
    Full::new(bytes.into())
        .map_err(|never| match never {})
        .boxed()
}

/// A running upstream; stops when dropped.
pub(crate) struct TestUpstream {
    pub(crate) addr: SocketAddr,
    _stop: oneshot::Sender<()>,
}

/// An HTTP/1.1 upstream on `addr` (`127.0.0.1:0` for any port) answering with `handler`.
pub(crate) async fn upstream_on<F, Fut>(addr: SocketAddr, handler: F) -> TestUpstream
where
    F: Fn(Request<Incoming>) -> Fut + Send + Sync + Clone + 'static,
    Fut: Future<Output = Response<TestBody>> + Send + 'static,
{
    let listener = TcpListener::bind(addr).await.expect("bind the upstream");
    let addr = listener.local_addr().unwrap();
    let (stop, mut stopped) = oneshot::channel::<()>();
    tokio::spawn(async move {
        let mut connections = tokio::task::JoinSet::new();
        loop {
            tokio::select! {
                accepted = listener.accept() => {
                    let Ok((stream, _)) = accepted else { continue };
                    let handler = handler.clone();
                    connections.spawn(async move {
                        let service = service_fn(move |r| {
                            let f = handler(r);
                            async move { Ok::<_, Infallible>(f.await) }
                        });
                        let _ = hyper::server::conn::http1::Builder::new()
                            .serve_connection(TokioIo::new(stream), service)
                            .await;
                    });
                }
                _ = &mut stopped => break,
            }
        }
        // Dropping the set aborts every connection: the upstream is gone.
        connections.abort_all();
    });
    TestUpstream { addr, _stop: stop }
}

/// An upstream on any port.
pub(crate) async fn upstream<F, Fut>(handler: F) -> TestUpstream
where
    F: Fn(Request<Incoming>) -> Fut + Send + Sync + Clone + 'static,
    Fut: Future<Output = Response<TestBody>> + Send + 'static,
{
    upstream_on("127.0.0.1:0".parse().unwrap(), handler).await
}

/// A running proxy; asked to stop (and drain) when dropped or by [`Running::stop`].
pub(crate) struct Running {
    pub(crate) addr: SocketAddr,
    pub(crate) handle: PolicyHandle,
    stop: Option<oneshot::Sender<()>>,
    done: Option<tokio::task::JoinHandle<()>>,
}

impl Running {
    /// Asks the proxy to stop; resolves when it has drained.
    pub(crate) async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(done) = self.done.take() {
            let _ = done.await;
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

pub(crate) fn policy(toml: &str) -> Policy {
    let config = PolicyConfig::parse(toml.as_bytes(), corsica::PolicyFormat::Toml).unwrap();
    config.compile().unwrap()
}

/// A proxy in front of `upstream` with `policy` and `limits`, on any port.
pub(crate) async fn proxy(
    upstream: SocketAddr,
    policy: impl Into<Arc<Policy>>,
    limits: Limits,
) -> Running {
    let options = Options {
        listen: "127.0.0.1:0".parse().unwrap(),
        upstream: Upstream::parse(&format!("http://{upstream}")).unwrap(),
        limits,
    };
    let proxy = Proxy::bind(options, policy).await.expect("bind the proxy");
    let addr = proxy.local_addr().unwrap();
    let handle = proxy.handle();
    let (stop, stopped) = oneshot::channel::<()>();
    let done = tokio::spawn(proxy.run(async {
        let _ = stopped.await;
    }));
    Running {
        addr,
        handle,
        stop: Some(stop),
        done: Some(done),
    }
}

/// Short timeouts, so that the fault tests stay fast.
pub(crate) fn quick_limits() -> Limits {
    Limits {
        connect_timeout: Duration::from_secs(2),
        first_byte_timeout: Duration::from_millis(500),
        idle_timeout: Duration::from_secs(2),
        client_header_timeout: Duration::from_millis(500),
        drain_timeout: Duration::from_secs(3),
        ..Limits::default()
    }
}

/// A pooled keep-alive HTTP/1.1 client.
pub(crate) fn client() -> Client<HttpConnector, TestBody> {
    Client::builder(TokioExecutor::new()).build_http()
}

/// A response with everything read.
#[derive(Debug)]
pub(crate) struct Got {
    pub(crate) status: u16,
    pub(crate) headers: http::HeaderMap,
    pub(crate) body: Bytes,
}

impl Got {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// Sends `request` with `client` and reads the whole response.
pub(crate) async fn send(
    client: &Client<HttpConnector, TestBody>,
    request: Request<TestBody>,
) -> Result<Got, String> {
    let response = client
        .request(request)
        .await
        .map_err(|e| format!("{e:?}"))?;
    let (parts, body) = response.into_parts();
    let body = body
        .collect()
        .await
        .map_err(|e| format!("reading the body: {e}"))?
        .to_bytes();
    Ok(Got {
        status: parts.status.as_u16(),
        headers: parts.headers,
        body,
    })
}

/// `GET http://{addr}{path}` with `Origin: origin`.
pub(crate) fn get(addr: SocketAddr, path: &str, origin: &str) -> Request<TestBody> {
    Request::get(format!("http://{addr}{path}"))
        .header("origin", origin)
        .body(full(Bytes::new()))
        .unwrap()
}

/// The runtime of a test: two worker threads.
pub(crate) fn block_on<F: Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
        .block_on(future)
}
