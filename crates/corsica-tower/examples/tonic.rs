//! gRPC-web through a browser: tonic + tonic-web behind `CorsLayer`.
//!
//! The service is `grpc.health.v1.Health` from `tonic-health`, whose generated code ships with
//! the crate, so nothing here needs `protoc`. A page on `http://localhost:5173` can call it with
//! a gRPC-web client (`Content-Type: application/grpc-web+proto`, `X-Grpc-Web`, `X-User-Agent`);
//! the browser's preflight is answered by the layer, and `grpc-status`/`grpc-message` are exposed
//! so the client can read them.
//!
//! Run with `cargo run -p corsica-tower --example tonic`, then try a preflight:
//! `curl -i -X OPTIONS http://127.0.0.1:50051/grpc.health.v1.Health/Check -H 'Origin: http://localhost:5173' -H 'Access-Control-Request-Method: POST' -H 'Access-Control-Request-Headers: content-type,x-grpc-web,x-user-agent'`

use corsica_tower::{CorsLayer, Policy};
use tonic_web::GrpcWebLayer;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let policy = Policy::builder()
        .origins(["http://localhost:5173"])
        .methods(["POST"])
        .request_headers(["content-type", "x-grpc-web", "x-user-agent", "grpc-timeout"])
        .expose_headers(["grpc-status", "grpc-message", "grpc-status-details-bin"])
        .max_age(600)
        .build()?;

    let (_reporter, health) = tonic_health::server::health_reporter();

    tonic::transport::Server::builder()
        // gRPC-web is HTTP/1.1 from browsers.
        .accept_http1(true)
        // CORS outside, so preflights never reach the gRPC-web translation.
        .layer(CorsLayer::new(policy))
        .layer(GrpcWebLayer::new())
        .add_service(health)
        .serve("127.0.0.1:50051".parse()?)
        .await?;
    Ok(())
}
