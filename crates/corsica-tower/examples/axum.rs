//! axum 0.8 behind `CorsLayer`, with the policy read from TOML and every mistake in it listed.
//!
//! Run with `RUST_LOG=corsica=debug cargo run -p corsica-tower --example axum`, then:
//! `curl -i http://127.0.0.1:3000/items -H 'Origin: https://app.example.com'`

use axum::{Router, routing::get};
use corsica::{PolicyConfig, PolicyFormat};
use corsica_tower::CorsLayer;
use tracing_subscriber::{filter::Targets, layer::SubscriberExt, util::SubscriberInitExt};

const POLICY: &str = r#"
origins = ["https://app.example.com", "http://localhost:*"]
methods = ["GET", "PUT", "DELETE"]
request_headers = ["Content-Type", "Authorization"]
credentials = true
max_age = 600
"#;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Each CORS decision is logged with its reason; RUST_LOG=corsica=debug shows them.
    let filter: Targets = std::env::var("RUST_LOG")
        .unwrap_or_else(|_| "info".into())
        .parse()?;
    tracing_subscriber::registry()
        .with(tracing_subscriber::fmt::layer())
        .with(filter)
        .init();

    // A bad policy is refused at start-up with every problem listed, never a panic.
    let config = PolicyConfig::parse(POLICY, PolicyFormat::Toml)?;
    let cors = CorsLayer::from_config(&config)?;

    let app = Router::new()
        .route("/items", get(|| async { "[]" }).put(|| async { "saved" }))
        .layer(cors);

    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
    axum::serve(listener, app).await?;
    Ok(())
}
