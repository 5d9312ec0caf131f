//! Load and faults at once, with nothing lost: requests at saturation whose request and response
//! bodies are checked end to end by SHA-256, while the upstream is killed and restarted, a slow
//! route holds connections, slowloris clients stall mid-head and mid-body, oversized heads are
//! refused with `431` and the policy file is reloaded every second.
//!
//! Only the requests under way when the upstream goes down may fail, each with a `502` carrying
//! the CORS headers; resident memory stays flat. `CORSICA_SOAK_REQUESTS` sets the size: 20,000 by
//! default (CI), a million with `scripts/soak`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use corsica_loopback::trial;
use corsica_proxy::Reloader;
use http_body_util::BodyExt;
use libtest_mimic::Trial;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::sync::Mutex;

use crate::faults::closed_port;
use crate::integrity::{data, hex};
use crate::limits::read_to_close;
use crate::reload::File;
use crate::support::{
    Limits, TestBody, TestUpstream, block_on, client, full, get, policy, proxy, send, upstream_on,
};

const APP: &str = "https://app.example";
/// Two policies that both allow `APP`: reloading between them must fail no request.
const POLICY_A: &str = "origins = [\"https://app.example\"]\nmethods = [\"POST\"]\n";
const POLICY_B: &str =
    "origins = [\"https://app.example\", \"https://b.example\"]\nmethods = [\"POST\"]\n";
/// Client tasks sending at once.
const CLIENTS: usize = 32;

/// A pooled client that reuses a connection only while it is younger than the proxy's header
/// timeout here (500 ms): past it the proxy may close the connection just as a request goes out
/// on it, the keep-alive race every HTTP/1.1 client must avoid (browsers retry such requests).
fn load_client()
-> hyper_util::client::legacy::Client<hyper_util::client::legacy::connect::HttpConnector, TestBody>
{
    hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .pool_idle_timeout(Duration::from_millis(250))
        .build_http()
}

pub(crate) fn trials() -> Vec<Trial> {
    vec![trial!(load_and_faults_lose_nothing)]
}

fn size() -> usize {
    std::env::var("CORSICA_SOAK_REQUESTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000)
}

/// The resident set of this process (the proxy, its upstream and its clients), in KiB.
fn resident_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("read /proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS in /proc/self/status")
}

/// The upstream: `/slow` answers after a second; anything else reads the request body, answers
/// its SHA-256 in `x-request-sha256`, and sends a body made from `x-seed` with its SHA-256 in
/// `x-body-sha256`.
async fn upstream(addr: std::net::SocketAddr) -> TestUpstream {
    upstream_on(
        addr,
        |request: http::Request<hyper::body::Incoming>| async move {
            if request.uri().path() == "/slow" {
                tokio::time::sleep(Duration::from_secs(1)).await;
                return http::Response::new(full("slow"));
            }
            let seed: u64 = request
                .headers()
                .get("x-seed")
                .and_then(|v| v.to_str().ok()?.parse().ok())
                .unwrap_or(0);
            let Ok(body) = request.into_body().collect().await else {
                return http::Response::builder()
                    .status(400)
                    .body(full("body cut off"))
                    .unwrap();
            };
            let answer = data(usize::try_from(seed % 16_384).unwrap(), seed ^ 0xa5a5);
            http::Response::builder()
                .header("x-request-sha256", hex(&body.to_bytes()))
                .header("x-body-sha256", hex(&answer))
                .body(full(answer))
                .unwrap()
        },
    )
    .await
}

/// What the clients saw.
#[derive(Default)]
struct Tally {
    ok: AtomicUsize,
    /// `502`s with the CORS headers, and when each came.
    bad_gateway: Mutex<Vec<Instant>>,
}

async fn one_request(
    client: &hyper_util::client::legacy::Client<
        hyper_util::client::legacy::connect::HttpConnector,
        TestBody,
    >,
    addr: std::net::SocketAddr,
    seed: u64,
    tally: &Tally,
) {
    let sent = data(usize::try_from(seed % 8_192).unwrap(), seed);
    let request = http::Request::post(format!("http://{addr}/echo"))
        .header("origin", APP)
        .header("x-seed", seed.to_string())
        .body(full(Bytes::from(sent.clone())))
        .unwrap();
    let got = send(client, request)
        .await
        .unwrap_or_else(|e| panic!("request {seed} lost: {e}"));
    assert_eq!(
        got.header("access-control-allow-origin"),
        Some(APP),
        "request {seed}: {got:?}"
    );
    match got.status {
        200 => {
            assert_eq!(
                got.header("x-request-sha256"),
                Some(&*hex(&sent)),
                "request {seed}: body"
            );
            assert_eq!(
                got.header("x-body-sha256"),
                Some(&*hex(&got.body)),
                "request {seed}: response body"
            );
            tally.ok.fetch_add(1, Ordering::Relaxed);
        }
        502 => tally.bad_gateway.lock().await.push(Instant::now()),
        status => panic!("request {seed}: status {status}: {got:?}"),
    }
}

fn load_and_faults_lose_nothing() {
    block_on(async {
        let total = size();
        let dir = std::env::temp_dir().join(format!("corsica-proxy-soak-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("cors.toml");
        std::fs::write(&path, POLICY_A).unwrap();

        let addr = closed_port();
        let up = Arc::new(Mutex::new(Some(upstream(addr).await)));
        let limits = Limits {
            max_header_bytes: 16 * 1024,
            client_header_timeout: Duration::from_millis(500),
            idle_timeout: Duration::from_secs(1),
            first_byte_timeout: Duration::from_secs(5),
            ..Limits::default()
        };
        let proxy = proxy(addr, policy(POLICY_A), limits).await;
        let reloader = Arc::new(Reloader::new(
            Arc::new(File(path.clone())),
            proxy.handle.clone(),
        ));
        let watching = tokio::spawn(corsica_proxy::watch(Arc::clone(&reloader)));
        let done = Arc::new(AtomicBool::new(false));

        // The policy file is rewritten every second, alternating two good policies.
        let writer = {
            let (done, path) = (Arc::clone(&done), path.clone());
            tokio::spawn(async move {
                let mut n = 0usize;
                while !done.load(Ordering::SeqCst) {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    let tmp = path.with_extension("tmp");
                    std::fs::write(&tmp, [POLICY_B, POLICY_A][n % 2]).unwrap();
                    std::fs::rename(&tmp, &path).unwrap();
                    n += 1;
                }
                n
            })
        };
        // A slow route, always busy.
        let slow = {
            let (done, proxy_at) = (Arc::clone(&done), proxy.addr);
            tokio::spawn(async move {
                let client = client();
                let mut served = 0usize;
                while !done.load(Ordering::SeqCst) {
                    if let Ok(got) = send(&client, get(proxy_at, "/slow", APP)).await {
                        assert!(matches!(got.status, 200 | 502), "the slow route: {got:?}");
                        served += usize::from(got.status == 200);
                    }
                }
                served
            })
        };
        // Slowloris clients: half stall in the head, half in the body; each is cut off.
        let stalled = {
            let (done, proxy_at) = (Arc::clone(&done), proxy.addr);
            tokio::spawn(async move {
                let mut cut = 0usize;
                while !done.load(Ordering::SeqCst) {
                    let mut tasks = Vec::new();
                    for i in 0..10 {
                        tasks.push(tokio::spawn(async move {
                            let mut stream = TcpStream::connect(proxy_at).await.unwrap();
                            let start: &[u8] = if i % 2 == 0 {
                                b"GET / HTTP/1.1\r\nHost: a\r\nX-Slow: "
                            } else {
                                b"POST /echo HTTP/1.1\r\nHost: a\r\nOrigin: https://app.example\r\nContent-Length: 1000\r\n\r\npartial"
                            };
                            stream.write_all(start).await.unwrap();
                            let answer = read_to_close(&mut stream, Duration::from_secs(10)).await;
                            let text = String::from_utf8_lossy(&answer);
                            // A body under way when the upstream goes down gets its 502.
                            assert!(
                                text.is_empty()
                                    || text.starts_with("HTTP/1.1 408")
                                    || (i % 2 == 1 && text.starts_with("HTTP/1.1 502")),
                                "a stalled client got {text:?}"
                            );
                        }));
                    }
                    for t in tasks {
                        t.await.unwrap();
                        cut += 1;
                    }
                }
                cut
            })
        };
        // Oversized heads, refused with 431 all along.
        let oversized = {
            let (done, proxy_at) = (Arc::clone(&done), proxy.addr);
            tokio::spawn(async move {
                let client = client();
                let mut refused = 0usize;
                while !done.load(Ordering::SeqCst) {
                    let request = http::Request::get(format!("http://{proxy_at}/"))
                        .header("origin", APP)
                        .header("x-big", "x".repeat(32 * 1024))
                        .body(full(Bytes::new()))
                        .unwrap();
                    let got = send(&client, request)
                        .await
                        .expect("a 431, not a lost request");
                    assert_eq!(got.status, 431, "{got:?}");
                    refused += 1;
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                refused
            })
        };

        // The load, with the upstream killed and restarted a third of the way through.
        let tally = Arc::new(Tally::default());
        let next = Arc::new(AtomicUsize::new(0));
        let started = Instant::now();
        let mut rss_start = None;
        let mut killed_at = None;
        let mut workers = Vec::new();
        for _ in 0..CLIENTS {
            let (tally, next, proxy_at) = (Arc::clone(&tally), Arc::clone(&next), proxy.addr);
            workers.push(tokio::spawn(async move {
                let client = load_client();
                loop {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    if n >= total {
                        break;
                    }
                    one_request(&client, proxy_at, n as u64, &tally).await;
                }
            }));
        }
        while next.load(Ordering::Relaxed) < total {
            let n = next.load(Ordering::Relaxed);
            if rss_start.is_none() && n >= total / 20 {
                rss_start = Some(resident_kib());
            }
            if killed_at.is_none() && n >= total / 3 {
                let mut up = up.lock().await;
                drop(up.take());
                killed_at = Some(Instant::now());
                // Restarted as soon as the old listener is gone.
                while TcpStream::connect(addr).await.is_ok() {
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
                *up = Some(upstream(addr).await);
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        for worker in workers {
            worker.await.unwrap();
        }
        let took = started.elapsed();
        let rss_end = resident_kib();
        done.store(true, Ordering::SeqCst);
        let writes = writer.await.unwrap();
        let slow_served = slow.await.unwrap();
        let cut = stalled.await.unwrap();
        let refused = oversized.await.unwrap();
        tokio::time::sleep(Duration::from_millis(200)).await;
        let (reloads, reload_failures) = reloader.counts();
        watching.abort();
        let _ = std::fs::remove_dir_all(&dir);

        let ok = tally.ok.load(Ordering::Relaxed);
        let bad_gateway = tally.bad_gateway.lock().await.clone();
        let rss_start = rss_start.expect("measured after the warm-up");
        eprintln!(
            "soak: {total} requests in {took:.1?} ({:.0}/s), {ok} ok, {} answered 502 at the \
             upstream's restart; {slow_served} slow requests, {cut} stalled clients cut off, \
             {refused} oversized heads refused; {writes} policy writes, {reloads} reloads, \
             {reload_failures} refused; resident {rss_start} KiB after warm-up, {rss_end} KiB at \
             the end",
            total as f64 / took.as_secs_f64(),
            bad_gateway.len(),
        );
        assert_eq!(ok + bad_gateway.len(), total, "every request answered");
        let killed_at = killed_at.expect("the upstream was restarted");
        assert!(
            bad_gateway.len() <= 2 * CLIENTS,
            "{} requests failed, more than were under way at the restart",
            bad_gateway.len()
        );
        for at in &bad_gateway {
            assert!(
                at.duration_since(killed_at) < Duration::from_secs(2),
                "a 502 {:?} after the restart",
                at.duration_since(killed_at)
            );
        }
        assert_eq!(reload_failures, 0, "a good policy file was refused");
        assert!(
            reloads as usize + 1 >= writes,
            "{writes} writes but {reloads} reloads"
        );
        assert!(cut > 0 && refused > 0 && slow_served > 0);
        assert!(
            rss_end < rss_start + 64 * 1024,
            "resident memory grew from {rss_start} KiB to {rss_end} KiB"
        );
    });
}
