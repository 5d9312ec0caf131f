//! WebSocket upgrades pass through (bytes both ways after the 101); with `reject_disallowed`, an
//! upgrade from an origin the policy does not allow is refused with 403 before the upstream.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bytes::Bytes;
use corsica_loopback::trial;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use libtest_mimic::Trial;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::support::{block_on, full, policy, proxy, quick_limits};

pub(crate) fn trials() -> Vec<Trial> {
    vec![trial!(
        websocket_upgrades_pass_through_and_bad_origins_get_403
    )]
}

/// An upstream that accepts every upgrade and echoes what it then receives.
async fn echo_upstream(calls: Arc<AtomicUsize>) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let calls = Arc::clone(&calls);
            tokio::spawn(async move {
                let service =
                    service_fn(move |mut request: http::Request<hyper::body::Incoming>| {
                        calls.fetch_add(1, Ordering::SeqCst);
                        let upgraded = hyper::upgrade::on(&mut request);
                        tokio::spawn(async move {
                            if let Ok(upgraded) = upgraded.await {
                                let mut io = TokioIo::new(upgraded);
                                let mut buf = [0u8; 1024];
                                while let Ok(n) = io.read(&mut buf).await {
                                    if n == 0 || io.write_all(&buf[..n]).await.is_err() {
                                        break;
                                    }
                                }
                            }
                        });
                        async {
                            Ok::<_, Infallible>(
                                http::Response::builder()
                                    .status(101)
                                    .header("connection", "upgrade")
                                    .header("upgrade", "websocket")
                                    .header("sec-websocket-accept", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
                                    .body(full(Bytes::new()))
                                    .unwrap(),
                            )
                        }
                    });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .with_upgrades()
                    .await;
            });
        }
    });
    addr
}

/// Sends an upgrade request from `origin` and returns the stream and the response head.
async fn handshake(addr: SocketAddr, origin: &str) -> (TcpStream, String) {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let request = format!(
        "GET /ws HTTP/1.1\r\nHost: {addr}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nOrigin: {origin}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        let n = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut byte))
            .await
            .expect("a response head")
            .unwrap();
        if n == 0 {
            break;
        }
        head.push(byte[0]);
    }
    (stream, String::from_utf8_lossy(&head).to_ascii_lowercase())
}

fn websocket_upgrades_pass_through_and_bad_origins_get_403() {
    block_on(async {
        let calls = Arc::new(AtomicUsize::new(0));
        let upstream = echo_upstream(Arc::clone(&calls)).await;
        let proxy = proxy(
            upstream,
            policy("origins = [\"https://app.example.com\"]\nreject_disallowed = true\n"),
            quick_limits(),
        )
        .await;

        let (mut stream, head) = handshake(proxy.addr, "https://app.example.com").await;
        assert!(head.starts_with("http/1.1 101"), "{head}");
        assert!(head.contains("upgrade: websocket"), "{head}");
        assert!(
            head.contains("sec-websocket-accept: s3pplmbitxaq9kygzzhzrbk+xoo="),
            "{head}"
        );
        for message in [&b"hello"[..], b"second frame", &[0u8, 255, 1, 2]] {
            stream.write_all(message).await.unwrap();
            let mut back = vec![0u8; message.len()];
            tokio::time::timeout(Duration::from_secs(5), stream.read_exact(&mut back))
                .await
                .expect("the echo")
                .unwrap();
            assert_eq!(back, message);
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);

        // Cross-site WebSocket hijacking: refused before the upstream.
        let (_, head) = handshake(proxy.addr, "https://evil.example").await;
        assert!(head.starts_with("http/1.1 403"), "{head}");
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    });
}
