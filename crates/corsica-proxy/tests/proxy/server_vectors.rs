//! Every server conformance vector through the proxy over real HTTP: one proxy per case (the
//! case's policy), all in front of one upstream that counts the calls of each case's path and
//! answers `200 ok` with CORS headers of its own (which the proxy must replace). The response
//! and the decision the proxy logged are judged by `corsica_loopback::server_vectors`.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use corsica::Policy;
use corsica_loopback::capture;
use corsica_loopback::client::{Outgoing, Received};
use corsica_loopback::server_vectors as vectors;
use corsica_proxy::{Limits, Options, Proxy, Upstream};
use http_body_util::BodyExt;
use libtest_mimic::Trial;
use tracing::Instrument;

use crate::support::{full, upstream};

/// The case number in the upstream's path `/c/{n}`.
fn case_of(path: &str) -> Option<usize> {
    path.strip_prefix("/c/")?.parse().ok()
}

/// The `hostile` cases send 100 KB headers for the engine to judge: the proxy's own header limit
/// (64 KiB by default, tested in `limits`) is raised so that they reach the decision.
fn vector_limits() -> Limits {
    Limits {
        max_header_bytes: 1 << 20,
        ..Limits::default()
    }
}

pub(crate) fn trials() -> Vec<Trial> {
    capture::install();
    let rt = vectors::runtime();
    let (mut trials, runnable) = vectors::prepare(|config| config.compile().map(Arc::new));
    let counters: Arc<Vec<Arc<AtomicUsize>>> = {
        let size = runnable.iter().map(|r| r.index + 1).max().unwrap_or(0);
        let mut all: Vec<Arc<AtomicUsize>> =
            (0..size).map(|_| Arc::new(AtomicUsize::new(0))).collect();
        for r in &runnable {
            all[r.index] = Arc::clone(&r.calls);
        }
        Arc::new(all)
    };
    let upstream = rt.block_on(upstream(move |request| {
        let counters = Arc::clone(&counters);
        async move {
            if let Some(n) = case_of(request.uri().path()) {
                if let Some(calls) = counters.get(n) {
                    calls.fetch_add(1, Ordering::SeqCst);
                }
            }
            http::Response::builder()
                .status(200)
                // The upstream's own CORS headers: the proxy replaces them with the decision's.
                .header("access-control-allow-origin", "*")
                .header("access-control-allow-credentials", "true")
                .header("access-control-expose-headers", "x-upstream")
                .header("content-type", "text/plain")
                .body(full("ok"))
                .unwrap()
        }
    }));
    let upstream_addr = upstream.addr;
    // The upstream lives as long as the test binary.
    std::mem::forget(upstream);

    for case in runnable {
        let policy: Arc<Policy> = Arc::clone(&case.cors);
        let index = case.index as u64;
        let proxy = rt.block_on(async {
            let options = Options {
                listen: "127.0.0.1:0".parse().unwrap(),
                upstream: Upstream::parse(&format!("http://{upstream_addr}")).unwrap(),
                limits: vector_limits(),
            };
            Arc::new(
                Proxy::bind(options, Arc::clone(&policy))
                    .await
                    .expect("bind a proxy"),
            )
        });
        let addr: SocketAddr = proxy.local_addr().unwrap();
        // The in-process path needs the proxy itself; the wire path needs it running. Both hold
        // the same policy, so a second proxy (not listening) answers in-process requests.
        let in_process = rt.block_on(async {
            let options = Options {
                listen: "127.0.0.1:0".parse().unwrap(),
                upstream: Upstream::parse(&format!("http://{upstream_addr}")).unwrap(),
                limits: vector_limits(),
            };
            Proxy::bind(options, Arc::clone(&policy))
                .await
                .expect("bind a proxy")
        });
        let running = Arc::try_unwrap(proxy).expect("one owner");
        rt.spawn(
            running
                .run(std::future::pending())
                .instrument(tracing::info_span!("case", case = index)),
        );
        let call = move |send: &Outgoing| -> Result<Received, String> {
            let request = send.build()?;
            vectors::runtime().block_on(
                async {
                    let peer: SocketAddr = "127.0.0.1:1".parse().unwrap();
                    let response = in_process.call(peer, request).await;
                    let (parts, body) = response.into_parts();
                    let body = body.collect().await.map_err(|e| e.to_string())?.to_bytes();
                    Ok(Received::from_parts(
                        parts.status.as_u16(),
                        parts
                            .headers
                            .iter()
                            .map(|(n, v)| (n.as_str(), v.as_bytes())),
                        body.to_vec(),
                    ))
                }
                .instrument(tracing::info_span!("case", case = index)),
            )
        };
        trials.push(vectors::trial(case, addr, call));
    }
    trials
}
