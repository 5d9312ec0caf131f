//! Faults: the upstream refusing, down and back, too slow, cut off mid-body; a graceful stop.
//! Every error answer still carries the decision's CORS headers.

use std::time::{Duration, Instant};

use bytes::Bytes;
use corsica_loopback::trial;
use http_body_util::{BodyExt, StreamBody};
use libtest_mimic::Trial;

use crate::support::{
    block_on, client, full, get, policy, proxy, quick_limits, send, upstream, upstream_on,
};

const POLICY: &str = r#"origins = ["https://app.example.com"]
methods = ["GET", "PUT"]
"#;
const APP: &str = "https://app.example.com";

pub(crate) fn trials() -> Vec<Trial> {
    vec![
        trial!(refused_is_502_with_cors_headers),
        trial!(slow_upstream_is_504_with_cors_headers),
        trial!(restarted_upstream_serves_the_next_requests),
        trial!(a_stop_drains_requests_under_way),
        trial!(a_silent_upstream_body_is_cut_off),
        trial!(a_connect_timeout_is_504_with_cors_headers),
    ]
}

/// A loopback port nobody listens on.
pub(crate) fn closed_port() -> std::net::SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap()
}

fn refused_is_502_with_cors_headers() {
    block_on(async {
        // Bound but not listening: connections are refused, and no other test can take the port
        // while it is held.
        let held = tokio::net::TcpSocket::new_v4().unwrap();
        held.bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let proxy = proxy(held.local_addr().unwrap(), policy(POLICY), quick_limits()).await;
        let client = client();
        let got = send(&client, get(proxy.addr, "/items", APP)).await.unwrap();
        assert_eq!(got.status, 502, "{got:?}");
        assert_eq!(got.header("access-control-allow-origin"), Some(APP));
        assert_eq!(got.header("vary"), Some("origin"));
        // A disallowed origin gets the decision's headers too: none but Vary.
        let got = send(&client, get(proxy.addr, "/items", "https://evil.example"))
            .await
            .unwrap();
        assert_eq!(got.status, 502);
        assert_eq!(got.header("access-control-allow-origin"), None);
        // Preflights are answered by the proxy, upstream or not.
        let preflight = http::Request::builder()
            .method("OPTIONS")
            .uri(format!("http://{}/items", proxy.addr))
            .header("origin", APP)
            .header("access-control-request-method", "PUT")
            .body(full(Bytes::new()))
            .unwrap();
        let got = send(&client, preflight).await.unwrap();
        assert_eq!(got.status, 204);
        assert_eq!(got.header("access-control-allow-methods"), Some("GET,PUT"));
        drop(held);
    });
}

fn slow_upstream_is_504_with_cors_headers() {
    block_on(async {
        let upstream = upstream(|_| async {
            tokio::time::sleep(Duration::from_secs(3)).await;
            http::Response::new(full("late"))
        })
        .await;
        let proxy = proxy(upstream.addr, policy(POLICY), quick_limits()).await;
        let started = Instant::now();
        let got = send(&client(), get(proxy.addr, "/", APP)).await.unwrap();
        let took = started.elapsed();
        assert_eq!(got.status, 504, "{got:?}");
        assert_eq!(got.header("access-control-allow-origin"), Some(APP));
        assert!(took < Duration::from_secs(2), "the 504 took {took:?}");
    });
}

fn restarted_upstream_serves_the_next_requests() {
    block_on(async {
        let addr = closed_port();
        let handler = |_| async { http::Response::new(full("up")) };
        let up = upstream_on(addr, handler).await;
        let proxy = proxy(addr, policy(POLICY), quick_limits()).await;
        let client = client();
        for _ in 0..5 {
            let got = send(&client, get(proxy.addr, "/", APP)).await.unwrap();
            assert_eq!(got.status, 200);
        }
        drop(up);
        // Down (once its connections are gone): 502, with the CORS headers.
        let deadline = Instant::now() + Duration::from_secs(5);
        let got = loop {
            let got = send(&client, get(proxy.addr, "/", APP)).await.unwrap();
            if got.status != 200 || Instant::now() > deadline {
                break got;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        assert_eq!(got.status, 502, "{got:?}");
        assert_eq!(got.header("access-control-allow-origin"), Some(APP));
        let _up = upstream_on(addr, handler).await;
        // The pool's connections to the old process are dead: the next requests must still work.
        for i in 0..20 {
            let got = send(&client, get(proxy.addr, "/", APP)).await.unwrap();
            assert_eq!(got.status, 200, "request {i} after the restart: {got:?}");
            assert_eq!(&got.body[..], b"up");
        }
    });
}

fn a_stop_drains_requests_under_way() {
    block_on(async {
        let upstream = upstream(|_| async {
            tokio::time::sleep(Duration::from_millis(400)).await;
            http::Response::new(full("finished"))
        })
        .await;
        let proxy = proxy(upstream.addr, policy(POLICY), quick_limits()).await;
        let addr = proxy.addr;
        let under_way = tokio::spawn(async move { send(&client(), get(addr, "/", APP)).await });
        tokio::time::sleep(Duration::from_millis(100)).await;
        let started = Instant::now();
        proxy.stop().await;
        let got = under_way.await.unwrap().unwrap();
        assert_eq!(got.status, 200);
        assert_eq!(&got.body[..], b"finished");
        assert!(started.elapsed() < Duration::from_secs(2));
        // No longer accepting.
        assert!(tokio::net::TcpStream::connect(addr).await.is_err());
    });
}

fn a_silent_upstream_body_is_cut_off() {
    block_on(async {
        let upstream = upstream(|_| async {
            let chunks = futures_stream(vec![Ok(Bytes::from_static(b"first"))]);
            http::Response::new(chunks)
        })
        .await;
        let proxy = proxy(upstream.addr, policy(POLICY), quick_limits()).await;
        let response = client().request(get(proxy.addr, "/", APP)).await.unwrap();
        assert_eq!(response.status(), 200);
        let started = Instant::now();
        let read = response.into_body().collect().await;
        assert!(
            read.is_err(),
            "the body must end in an error, not look complete"
        );
        let took = started.elapsed();
        assert!(took < Duration::from_secs(4), "cut off after {took:?}");
    });
}

/// A body of `chunks`, then silence (it never ends).
fn futures_stream(
    chunks: Vec<Result<Bytes, crate::support::BoxError>>,
) -> crate::support::TestBody {
    let (tx, rx) =
        tokio::sync::mpsc::channel::<Result<http_body::Frame<Bytes>, crate::support::BoxError>>(4);
    tokio::spawn(async move {
        for chunk in chunks {
            let _ = tx.send(chunk.map(http_body::Frame::data)).await;
        }
        // Hold the sender: the body stays open and silent.
        tokio::time::sleep(Duration::from_secs(30)).await;
        drop(tx);
    });
    StreamBody::new(ReceiverStream(rx)).boxed()
}

/// An mpsc receiver as a stream.
pub(crate) struct ReceiverStream<T>(pub(crate) tokio::sync::mpsc::Receiver<T>);

impl<T> futures_core::Stream for ReceiverStream<T> {
    type Item = T;
    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<T>> {
        self.0.poll_recv(cx)
    }
}

/// An upstream whose accept queue is full: the kernel drops further SYNs, so connecting hangs.
fn a_connect_timeout_is_504_with_cors_headers() {
    block_on(async {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let listener = socket.listen(0).unwrap();
        let addr = listener.local_addr().unwrap();
        // Fill the queue (never accepted).
        let mut fillers = Vec::new();
        for _ in 0..4 {
            if let Ok(Ok(s)) = tokio::time::timeout(
                Duration::from_millis(200),
                tokio::net::TcpStream::connect(addr),
            )
            .await
            {
                fillers.push(s);
            }
        }
        let limits = crate::support::Limits {
            connect_timeout: Duration::from_millis(300),
            first_byte_timeout: Duration::from_secs(5),
            ..quick_limits()
        };
        let proxy = proxy(addr, policy(POLICY), limits).await;
        let started = Instant::now();
        let got = send(&client(), get(proxy.addr, "/", APP)).await.unwrap();
        assert_eq!(got.status, 504, "{got:?}");
        assert_eq!(got.header("access-control-allow-origin"), Some(APP));
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "{:?}",
            started.elapsed()
        );
        assert!(
            String::from_utf8_lossy(&got.body).contains("connecting"),
            "{got:?}"
        );
        drop(listener);
    });
}
