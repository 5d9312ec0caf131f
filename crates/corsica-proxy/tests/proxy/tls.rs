//! TLS toward clients: a self-signed certificate, HTTP/1.1 and HTTP/2 chosen by ALPN, the CORS
//! headers applied, `X-Forwarded-Proto: https` sent upstream.

use std::sync::Arc;

use bytes::Bytes;
use corsica_loopback::trial;
use http_body_util::BodyExt;
use hyper_util::rt::{TokioExecutor, TokioIo};
use libtest_mimic::Trial;
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::net::TcpStream;

use crate::support::{block_on, full, policy, quick_limits, upstream};

pub(crate) fn trials() -> Vec<Trial> {
    vec![trial!(tls_serves_http1_and_http2)]
}

fn tls_serves_http1_and_http2() {
    block_on(async {
        let dir = std::env::temp_dir().join(format!("corsica-proxy-tls-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = rcgen::CertificateParams::new(vec!["localhost".to_owned()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        let (cert_path, key_path) = (dir.join("cert.pem"), dir.join("key.pem"));
        std::fs::write(&cert_path, cert.pem()).unwrap();
        std::fs::write(&key_path, key.serialize_pem()).unwrap();
        let config = corsica_proxy::tls_config(&cert_path, &key_path).unwrap();
        assert!(corsica_proxy::tls_config(&key_path, &key_path).is_err());

        let up = upstream(|request: http::Request<hyper::body::Incoming>| async move {
            let proto = request
                .headers()
                .get("x-forwarded-proto")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("-")
                .to_owned();
            http::Response::new(full(proto))
        })
        .await;
        let proxy = corsica_proxy::Proxy::bind(
            corsica_proxy::Options {
                listen: "127.0.0.1:0".parse().unwrap(),
                upstream: corsica_proxy::Upstream::parse(&format!("http://{}", up.addr)).unwrap(),
                limits: quick_limits(),
            },
            policy("origins = [\"https://app.example.com\"]\n"),
        )
        .await
        .unwrap()
        .with_tls(config);
        let addr = proxy.local_addr().unwrap();
        tokio::spawn(proxy.run(std::future::pending()));

        let mut roots = rustls::RootCertStore::empty();
        roots
            .add(CertificateDer::from(cert.der().to_vec()))
            .unwrap();
        for alpn in [&b"http/1.1"[..], b"h2"] {
            let mut client = rustls::ClientConfig::builder_with_provider(Arc::new(
                rustls::crypto::ring::default_provider(),
            ))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots.clone())
            .with_no_client_auth();
            client.alpn_protocols = vec![alpn.to_vec()];
            let connector = tokio_rustls::TlsConnector::from(Arc::new(client));
            let tcp = TcpStream::connect(addr).await.unwrap();
            let tls = connector
                .connect(ServerName::try_from("localhost").unwrap(), tcp)
                .await
                .unwrap();
            let request = http::Request::get(format!("https://localhost:{}/x", addr.port()))
                .header("origin", "https://app.example.com")
                .header("host", format!("localhost:{}", addr.port()))
                .body(full(Bytes::new()))
                .unwrap();
            let response = if alpn == b"h2" {
                let (mut sender, conn) =
                    hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(tls))
                        .await
                        .unwrap();
                tokio::spawn(conn);
                let (mut parts, body) = request.into_parts();
                parts.headers.remove("host");
                sender
                    .send_request(http::Request::from_parts(parts, body))
                    .await
                    .unwrap()
            } else {
                let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tls))
                    .await
                    .unwrap();
                tokio::spawn(conn);
                let (mut parts, body) = request.into_parts();
                parts.uri = "/x".parse().unwrap();
                sender
                    .send_request(http::Request::from_parts(parts, body))
                    .await
                    .unwrap()
            };
            let alpn = String::from_utf8_lossy(alpn);
            assert_eq!(response.status(), 200, "{alpn}");
            assert_eq!(
                response
                    .headers()
                    .get("access-control-allow-origin")
                    .unwrap(),
                "https://app.example.com",
                "{alpn}"
            );
            let body = response.into_body().collect().await.unwrap().to_bytes();
            assert_eq!(&body[..], b"https", "{alpn}");
        }
        let _ = std::fs::remove_dir_all(&dir);
    });
}
