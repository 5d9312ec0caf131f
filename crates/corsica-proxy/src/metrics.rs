//! `--metrics`: the proxy's counters and latency histogram, served as Prometheus text.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use tokio::net::TcpListener;

use crate::StartError;

/// One label.
type Label = [(&'static str, &'static str); 1];

/// Everything the proxy counts.
pub(crate) struct Metrics {
    registry: Registry,
    requests: Family<Label, Counter>,
    upstream_errors: Family<Label, Counter>,
    reloads: Family<Label, Counter>,
    latency: Histogram,
}

impl Metrics {
    pub(crate) fn new() -> Self {
        let mut registry = Registry::with_prefix("corsica_proxy");
        let requests = Family::<Label, Counter>::default();
        let upstream_errors = Family::<Label, Counter>::default();
        let reloads = Family::<Label, Counter>::default();
        // 0.5 ms to about 16 s.
        let latency = Histogram::new(exponential_buckets(0.0005, 2.0, 16));
        registry.register(
            "requests",
            "Requests answered, by the CORS decision's outcome",
            requests.clone(),
        );
        registry.register(
            "upstream_errors",
            "Requests the upstream failed, by kind (connect, connect-timeout, first-byte-timeout, body-too-large, client-idle, upstream)",
            upstream_errors.clone(),
        );
        registry.register(
            "reloads",
            "Policy reloads, by result (ok, failed)",
            reloads.clone(),
        );
        registry.register(
            "request_duration_seconds",
            "Time from a request's head to its response's head",
            latency.clone(),
        );
        Metrics {
            registry,
            requests,
            upstream_errors,
            reloads,
            latency,
        }
    }

    pub(crate) fn request(&self, outcome: &'static str, elapsed: Duration) {
        self.requests.get_or_create(&[("outcome", outcome)]).inc();
        self.latency.observe(elapsed.as_secs_f64());
    }

    pub(crate) fn upstream_error(&self, kind: &'static str) {
        self.upstream_errors.get_or_create(&[("kind", kind)]).inc();
    }

    pub(crate) fn reload(&self, ok: bool) {
        let result = if ok { "ok" } else { "failed" };
        self.reloads.get_or_create(&[("result", result)]).inc();
    }

    /// The Prometheus text exposition.
    pub(crate) fn text(&self) -> String {
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = encode(&mut out, &self.registry);
        out
    }
}

/// Binds `addr` for the metrics; the returned future serves `GET /metrics` (any path) until
/// dropped.
pub(crate) async fn bind(
    addr: SocketAddr,
    metrics: Arc<Metrics>,
) -> Result<(SocketAddr, impl Future<Output = ()> + Send), StartError> {
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|error| StartError::Metrics { addr, error })?;
    let local = listener.local_addr().unwrap_or(addr);
    let serve = async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let metrics = Arc::clone(&metrics);
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |_request| {
                    let body = metrics.text();
                    async move {
                        Ok::<_, Infallible>(
                            http::Response::builder()
                                .header(
                                    http::header::CONTENT_TYPE,
                                    "application/openmetrics-text; version=1.0.0; charset=utf-8",
                                )
                                .body(http_body_util::Full::new(bytes::Bytes::from(body)))
                                .expect("a valid response"),
                        )
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                    .await;
            });
        }
    };
    Ok((local, serve))
}
