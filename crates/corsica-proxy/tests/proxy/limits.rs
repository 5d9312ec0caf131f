//! Limits and request hygiene: header and body sizes, malformed and slow clients (nothing reaches
//! the upstream), hop-by-hop and forwarding headers, routes.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use corsica_loopback::trial;
use corsica_proxy::Limits;
use http_body_util::{BodyExt, StreamBody};
use libtest_mimic::Trial;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::faults::ReceiverStream;
use crate::support::{
    TestUpstream, block_on, client, full, get, policy, proxy, quick_limits, send, upstream,
};

const POLICY: &str = r#"origins = ["https://app.example.com"]
"#;
const APP: &str = "https://app.example.com";

pub(crate) fn trials() -> Vec<Trial> {
    vec![
        trial!(a_large_head_is_431),
        trial!(a_large_body_is_413),
        trial!(a_malformed_request_is_400_and_closed),
        trial!(a_slow_client_head_is_cut_off),
        trial!(hop_by_hop_headers_go_and_forwarding_headers_come),
        trial!(routes_pick_the_policy_by_path),
        trial!(http2_cleartext_is_served),
        trial!(connections_beyond_the_limit_wait),
        trial!(a_stalled_request_body_is_408),
    ]
}

/// An upstream counting its requests, echoing the request's headers in its body.
async fn counting() -> (TestUpstream, Arc<AtomicUsize>) {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&calls);
    let up = upstream(move |request: http::Request<hyper::body::Incoming>| {
        let counter = Arc::clone(&counter);
        async move {
            counter.fetch_add(1, Ordering::SeqCst);
            let mut text = String::new();
            for (n, v) in request.headers() {
                text.push_str(&format!("{n}: {}\n", v.to_str().unwrap_or("?")));
            }
            let _ = request.into_body().collect().await;
            http::Response::builder()
                .header("connection", "x-upstream-hop")
                .header("x-upstream-hop", "1")
                .header("keep-alive", "timeout=5")
                .body(full(text))
                .unwrap()
        }
    })
    .await;
    (up, calls)
}

fn a_large_head_is_431() {
    block_on(async {
        let (up, calls) = counting().await;
        let limits = Limits {
            max_header_bytes: 16 * 1024,
            ..quick_limits()
        };
        let proxy = proxy(up.addr, policy(POLICY), limits).await;
        let request = http::Request::get(format!("http://{}/", proxy.addr))
            .header("origin", APP)
            .header("x-big", "a".repeat(32 * 1024))
            .body(full(Bytes::new()))
            .unwrap();
        let got = send(&client(), request).await.unwrap();
        assert_eq!(got.status, 431);
        assert_eq!(calls.load(Ordering::SeqCst), 0);
        // Under the limit is fine.
        let request = http::Request::get(format!("http://{}/", proxy.addr))
            .header("x-big", "a".repeat(8 * 1024))
            .body(full(Bytes::new()))
            .unwrap();
        assert_eq!(send(&client(), request).await.unwrap().status, 200);
    });
}

fn a_large_body_is_413() {
    block_on(async {
        let (up, calls) = counting().await;
        let limits = Limits {
            max_body_bytes: Some(1000),
            ..quick_limits()
        };
        let proxy = proxy(up.addr, policy(POLICY), limits).await;
        let client = client();
        // Declared too large: refused before anything is forwarded, with the CORS headers.
        let request = http::Request::post(format!("http://{}/", proxy.addr))
            .header("origin", APP)
            .body(full(vec![b'x'; 1001]))
            .unwrap();
        let got = send(&client, request).await.unwrap();
        assert_eq!(got.status, 413);
        assert_eq!(got.header("access-control-allow-origin"), Some(APP));
        assert_eq!(calls.load(Ordering::SeqCst), 0);
        // Chunked, found too large on the way.
        let (tx, rx) = tokio::sync::mpsc::channel(4);
        tokio::spawn(async move {
            for _ in 0..4 {
                let chunk = Bytes::from(vec![b'y'; 400]);
                if tx
                    .send(Ok::<_, crate::support::BoxError>(http_body::Frame::data(
                        chunk,
                    )))
                    .await
                    .is_err()
                {
                    break;
                }
            }
        });
        let request = http::Request::post(format!("http://{}/", proxy.addr))
            .header("origin", APP)
            .body(StreamBody::new(ReceiverStream(rx)).boxed())
            .unwrap();
        let got = send(&client, request).await.unwrap();
        assert_eq!(got.status, 413, "{got:?}");
        assert_eq!(got.header("access-control-allow-origin"), Some(APP));
        // At the limit is fine.
        let request = http::Request::post(format!("http://{}/", proxy.addr))
            .body(full(vec![b'x'; 1000]))
            .unwrap();
        assert_eq!(send(&client, request).await.unwrap().status, 200);
    });
}

/// Reads until the peer closes, at most `within`.
pub(crate) async fn read_to_close(stream: &mut TcpStream, within: Duration) -> Vec<u8> {
    let mut out = Vec::new();
    let _ = tokio::time::timeout(within, stream.read_to_end(&mut out))
        .await
        .expect("the proxy closes the connection");
    out
}

fn a_malformed_request_is_400_and_closed() {
    block_on(async {
        let (up, calls) = counting().await;
        let proxy = proxy(up.addr, policy(POLICY), quick_limits()).await;
        for raw in [
            &b"GET / HTTP/1.1\r\nHost: a\r\nNo colon here\r\n\r\n"[..],
            b"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
            b"G\x01T / HTTP/1.1\r\nHost: a\r\n\r\n",
            b"GET / HTTP/9.9\r\nHost: a\r\n\r\n",
        ] {
            let mut stream = TcpStream::connect(proxy.addr).await.unwrap();
            stream.write_all(raw).await.unwrap();
            let answer = read_to_close(&mut stream, Duration::from_secs(3)).await;
            let text = String::from_utf8_lossy(&answer);
            assert!(
                text.starts_with("HTTP/1.1 400") || text.starts_with("HTTP/1.1 505"),
                "{raw:?} got {text:?}"
            );
        }
        assert_eq!(calls.load(Ordering::SeqCst), 0);
    });
}

fn a_slow_client_head_is_cut_off() {
    block_on(async {
        let (up, calls) = counting().await;
        let proxy = proxy(up.addr, policy(POLICY), quick_limits()).await;
        let mut stream = TcpStream::connect(proxy.addr).await.unwrap();
        stream
            .write_all(b"GET / HTTP/1.1\r\nHost: a\r\n")
            .await
            .unwrap();
        let started = Instant::now();
        let answer = read_to_close(&mut stream, Duration::from_secs(5)).await;
        let text = String::from_utf8_lossy(&answer);
        assert!(
            text.is_empty() || text.starts_with("HTTP/1.1 408"),
            "{text:?}"
        );
        assert!(started.elapsed() < Duration::from_secs(3));
        assert_eq!(calls.load(Ordering::SeqCst), 0);
    });
}

fn hop_by_hop_headers_go_and_forwarding_headers_come() {
    block_on(async {
        let (up, _) = counting().await;
        let proxy = proxy(up.addr, policy(POLICY), quick_limits()).await;
        let request = http::Request::get(format!("http://{}/x?y=1", proxy.addr))
            .header("origin", APP)
            .header("connection", "x-client-hop")
            .header("x-client-hop", "1")
            .header("proxy-authorization", "Basic eA==")
            .header("x-forwarded-for", "203.0.113.7")
            .header("x-kept", "1")
            .body(full(Bytes::new()))
            .unwrap();
        let got = send(&client(), request).await.unwrap();
        let seen = String::from_utf8_lossy(&got.body).into_owned();
        assert!(!seen.contains("x-client-hop"), "{seen}");
        assert!(!seen.contains("proxy-authorization"), "{seen}");
        assert!(seen.contains("x-kept: 1"), "{seen}");
        assert!(
            seen.contains("x-forwarded-for: 203.0.113.7, 127.0.0.1"),
            "{seen}"
        );
        assert!(seen.contains("x-forwarded-proto: http"), "{seen}");
        assert!(
            seen.contains(&format!("x-forwarded-host: {}", proxy.addr)),
            "{seen}"
        );
        assert!(
            seen.contains(&format!(
                "forwarded: for=127.0.0.1;proto=http;host=\"{}\"",
                proxy.addr
            )),
            "{seen}"
        );
        assert!(got.header("x-upstream-hop").is_none());
        assert!(got.header("keep-alive").is_none());
    });
}

fn routes_pick_the_policy_by_path() {
    block_on(async {
        let (up, _) = counting().await;
        let routed = policy(
            r#"origins = ["https://app.example.com"]

[[route]]
path = "/public/"
origins = ["*"]
"#,
        );
        let proxy = proxy(up.addr, routed, quick_limits()).await;
        let client = client();
        let got = send(&client, get(proxy.addr, "/public/a", "https://any.example"))
            .await
            .unwrap();
        assert_eq!(got.header("access-control-allow-origin"), Some("*"));
        let got = send(&client, get(proxy.addr, "/private", "https://any.example"))
            .await
            .unwrap();
        assert_eq!(got.header("access-control-allow-origin"), None);
        let got = send(&client, get(proxy.addr, "/private", APP))
            .await
            .unwrap();
        assert_eq!(got.header("access-control-allow-origin"), Some(APP));
    });
}

fn http2_cleartext_is_served() {
    block_on(async {
        let (up, _) = counting().await;
        let proxy = proxy(up.addr, policy(POLICY), quick_limits()).await;
        let client =
            hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
                .http2_only(true)
                .build_http::<crate::support::TestBody>();
        let got = send(&client, get(proxy.addr, "/", APP)).await.unwrap();
        assert_eq!(got.status, 200);
        assert_eq!(got.header("access-control-allow-origin"), Some(APP));
    });
}

fn connections_beyond_the_limit_wait() {
    block_on(async {
        let (up, _) = counting().await;
        let limits = Limits {
            max_connections: 2,
            client_header_timeout: Duration::from_secs(10),
            ..quick_limits()
        };
        let proxy = proxy(up.addr, policy(POLICY), limits).await;
        let first = TcpStream::connect(proxy.addr).await.unwrap();
        let _second = TcpStream::connect(proxy.addr).await.unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
        // The third connection waits in the backlog: its request gets no answer yet.
        let mut third = TcpStream::connect(proxy.addr).await.unwrap();
        third
            .write_all(b"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        let mut buf = [0u8; 12];
        let early =
            tokio::time::timeout(Duration::from_millis(300), third.read_exact(&mut buf)).await;
        assert!(
            early.is_err(),
            "a third connection was served beyond the limit of 2"
        );
        // A slot frees: it is served.
        drop(first);
        tokio::time::timeout(Duration::from_secs(5), third.read_exact(&mut buf))
            .await
            .expect("served once a connection closed")
            .unwrap();
        assert_eq!(&buf, b"HTTP/1.1 200");
    });
}

fn a_stalled_request_body_is_408() {
    block_on(async {
        let (up, _) = counting().await;
        let limits = Limits {
            idle_timeout: Duration::from_millis(500),
            first_byte_timeout: Duration::from_secs(5),
            ..quick_limits()
        };
        let proxy = proxy(up.addr, policy(POLICY), limits).await;
        let mut stream = TcpStream::connect(proxy.addr).await.unwrap();
        stream
            .write_all(b"POST / HTTP/1.1\r\nHost: a\r\nOrigin: https://app.example.com\r\nContent-Length: 10\r\n\r\nabc")
            .await
            .unwrap();
        let started = Instant::now();
        let answer = read_to_close(&mut stream, Duration::from_secs(5)).await;
        let text = String::from_utf8_lossy(&answer).to_ascii_lowercase();
        assert!(text.starts_with("http/1.1 408"), "{text}");
        assert!(
            text.contains("access-control-allow-origin: https://app.example.com"),
            "{text}"
        );
        assert!(started.elapsed() < Duration::from_secs(3));
    });
}
