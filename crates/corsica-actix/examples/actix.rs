//! actix-web 4 behind `Cors`, with the policy read from TOML and every mistake in it listed.
//!
//! Run with `RUST_LOG=corsica=debug cargo run -p corsica-actix --example actix`, then:
//! `curl -i http://127.0.0.1:8080/items -H 'Origin: https://app.example.com'`

use actix_web::{App, HttpResponse, HttpServer, web};
use corsica::{PolicyConfig, PolicyFormat};
use corsica_actix::Cors;
use tracing_subscriber::{filter::Targets, layer::SubscriberExt, util::SubscriberInitExt};

const POLICY: &str = r#"
origins = ["https://app.example.com", "http://localhost:*"]
methods = ["GET", "PUT", "DELETE"]
request_headers = ["Content-Type", "Authorization"]
credentials = true
max_age = 600
"#;

fn main() -> Result<(), Box<dyn std::error::Error>> {
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
    let cors = Cors::from_config(&config)?;

    let server = HttpServer::new(move || {
        App::new()
            .wrap(cors.clone())
            .route(
                "/items",
                web::get().to(|| async { HttpResponse::Ok().body("[]") }),
            )
            .route(
                "/items",
                web::put().to(|| async { HttpResponse::Ok().body("saved") }),
            )
    })
    .bind(("127.0.0.1", 8080))?;
    actix_web::rt::System::new().block_on(server.run())?;
    Ok(())
}
