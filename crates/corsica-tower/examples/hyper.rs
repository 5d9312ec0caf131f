//! hyper 1 with hyper-util's tower adapter: a bare service behind `CorsLayer`.
//!
//! Run with `cargo run -p corsica-tower --example hyper`, then:
//! `curl -i -X OPTIONS http://127.0.0.1:3001/ -H 'Origin: https://app.example.com' -H 'Access-Control-Request-Method: PATCH'`

use std::convert::Infallible;

use corsica_tower::{CorsLayer, Policy};
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use tower::{Layer, service_fn};

async fn hello(_: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    Ok(Response::new(Full::new(Bytes::from_static(b"hello"))))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let policy = Policy::builder()
        .origins(["https://app.example.com"])
        .methods(["GET", "PATCH"])
        .build()?;
    let service = CorsLayer::new(policy).layer(service_fn(hello));

    let listener = tokio::net::TcpListener::bind("127.0.0.1:3001").await?;
    loop {
        let (stream, _) = listener.accept().await?;
        let service = TowerToHyperService::new(service.clone());
        tokio::spawn(async move {
            let connection = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service);
            if let Err(e) = connection.await {
                eprintln!("connection error: {e}");
            }
        });
    }
}
