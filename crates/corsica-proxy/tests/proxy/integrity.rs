//! Bodies arrive byte for byte, both ways: 0 B to 8 MiB, chunked and fixed-length, SHA-256
//! compared; and they stream (the first bytes arrive before the last are sent).

use std::time::{Duration, Instant};

use bytes::Bytes;
use corsica_loopback::trial;
use http_body_util::{BodyExt, StreamBody};
use libtest_mimic::Trial;
use ring::digest::{SHA256, digest};

use crate::faults::ReceiverStream;
use crate::support::{
    BoxError, TestBody, block_on, client, full, policy, proxy, quick_limits, send, upstream,
};

const SIZES: [usize; 7] = [0, 1, 1000, 65_536, 65_537, 1 << 20, 8 << 20];

pub(crate) fn trials() -> Vec<Trial> {
    vec![
        trial!(bodies_arrive_byte_for_byte),
        trial!(response_bodies_stream),
    ]
}

/// `len` bytes, deterministic and not repetitive in any short period.
pub(crate) fn data(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed
        .wrapping_mul(6_364_136_223_846_793_005)
        .wrapping_add(1_442_695_040_888_963_407);
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    digest(&SHA256, bytes)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `bytes` as a body: fixed-length, or chunked in 64 KiB frames.
fn body(bytes: Vec<u8>, chunked: bool) -> TestBody {
    if !chunked {
        return full(bytes);
    }
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    tokio::spawn(async move {
        let bytes = Bytes::from(bytes);
        let mut at = 0;
        while at < bytes.len() {
            let end = (at + 65_536).min(bytes.len());
            if tx
                .send(Ok::<_, BoxError>(http_body::Frame::data(
                    bytes.slice(at..end),
                )))
                .await
                .is_err()
            {
                return;
            }
            at = end;
        }
    });
    StreamBody::new(ReceiverStream(rx)).boxed()
}

fn bodies_arrive_byte_for_byte() {
    block_on(async {
        // The upstream hashes what it received and answers `size` bytes of its own, chunked or not.
        let up = upstream(|request: http::Request<hyper::body::Incoming>| async move {
            let query = request.uri().query().unwrap_or_default().to_owned();
            let framing = request.headers().get("transfer-encoding").is_some();
            let received = request.into_body().collect().await.unwrap().to_bytes();
            let mut size = 0;
            let mut chunked = false;
            for pair in query.split('&') {
                match pair.split_once('=') {
                    Some(("size", n)) => size = n.parse().unwrap(),
                    Some(("chunked", v)) => chunked = v == "1",
                    _ => {}
                }
            }
            http::Response::builder()
                .header("x-received-sha256", hex(&received))
                .header("x-received-len", received.len().to_string())
                .header("x-received-chunked", if framing { "1" } else { "0" })
                .body(body(data(size, 2), chunked))
                .unwrap()
        })
        .await;
        let proxy = proxy(
            up.addr,
            policy("origins = [\"https://app.example.com\"]\n"),
            quick_limits(),
        )
        .await;
        let client = client();
        let started = Instant::now();
        let mut total = 0;
        for size in SIZES {
            for chunked in [false, true] {
                let sent = data(size, 1);
                let request = http::Request::post(format!(
                    "http://{}/echo?size={size}&chunked={}",
                    proxy.addr,
                    u8::from(chunked)
                ))
                .header("origin", "https://app.example.com")
                .body(body(sent.clone(), chunked))
                .unwrap();
                let got = send(&client, request).await.unwrap();
                let case = format!("{size} bytes, chunked: {chunked}");
                assert_eq!(got.status, 200, "{case}");
                assert_eq!(
                    got.header("x-received-len"),
                    Some(size.to_string().as_str()),
                    "{case}"
                );
                assert_eq!(
                    got.header("x-received-sha256"),
                    Some(hex(&sent).as_str()),
                    "{case}"
                );
                assert_eq!(
                    hex(&got.body),
                    hex(&data(size, 2)),
                    "{case}: the response body"
                );
                if chunked && size > 0 {
                    assert_eq!(got.header("x-received-chunked"), Some("1"), "{case}");
                } else if !chunked {
                    assert_eq!(got.header("x-received-chunked"), Some("0"), "{case}");
                    assert!(
                        got.header("transfer-encoding").is_none() || size == 0,
                        "{case}"
                    );
                }
                total += 2 * size;
            }
        }
        eprintln!(
            "integrity: {} MiB through the proxy in {:?}",
            total >> 20,
            started.elapsed()
        );
    });
}

fn response_bodies_stream() {
    block_on(async {
        let up = upstream(|_| async {
            let (tx, rx) = tokio::sync::mpsc::channel(1);
            tokio::spawn(async move {
                let _ = tx
                    .send(Ok::<_, BoxError>(http_body::Frame::data(
                        Bytes::from_static(b"first"),
                    )))
                    .await;
                tokio::time::sleep(Duration::from_secs(2)).await;
                let _ = tx
                    .send(Ok(http_body::Frame::data(Bytes::from_static(b"last"))))
                    .await;
            });
            http::Response::new(StreamBody::new(ReceiverStream(rx)).boxed())
        })
        .await;
        // The gap stays within the idle timeout.
        let limits = corsica_proxy::Limits {
            idle_timeout: Duration::from_secs(10),
            ..quick_limits()
        };
        let proxy = proxy(up.addr, policy("origins = [\"*\"]\n"), limits).await;
        let started = Instant::now();
        let response = client()
            .request(crate::support::get(proxy.addr, "/", "https://a.example"))
            .await
            .unwrap();
        let mut body = response.into_body();
        let first = body.frame().await.unwrap().unwrap().into_data().unwrap();
        assert_eq!(&first[..], b"first");
        assert!(
            started.elapsed() < Duration::from_millis(1500),
            "the first bytes waited for the last"
        );
        let rest = body.collect().await.unwrap().to_bytes();
        assert_eq!(&rest[..], b"last");
    });
}
