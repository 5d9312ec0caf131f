//! The servers of `bench/run`'s end-to-end runs, for the same policy as `bench/micro`, each on
//! one thread:
//!
//! - `server axum VARIANT ORIGINS ADDR`: axum's hello world, VARIANT `bare` (no CORS),
//!   `constant` (the CORS headers of an allowed GET set as constants: the floor, what the bytes
//!   alone cost), `corsica` (corsica-tower) or `tower-http`;
//! - `server actix VARIANT ORIGINS ADDR`: actix-web's hello world, VARIANT `bare`, `corsica`
//!   (corsica-actix) or `actix-cors`;
//! - `server proxy ORIGINS ADDR UPSTREAM`: corsica-proxy in front of `http://UPSTREAM`;
//! - `server nginx VARIANT ORIGINS ADDR UPSTREAM DIR`: writes `DIR/nginx.conf` for nginx in
//!   front of `http://UPSTREAM` with kept-alive upstream connections, VARIANT `exported`
//!   (`corsica export nginx` of the policy) or `floor` (the same proxying, no CORS).
//!
//! With ORIGINS = 1000 the allowed origin is the last of 1,000 (after 10 patterns for corsica).

use std::process::ExitCode;
use std::time::Duration;

use http::{HeaderName, HeaderValue, Method, header};

const USAGE: &str = "usage: server axum bare|constant|corsica|tower-http ORIGINS ADDR
       server actix bare|corsica|actix-cors ORIGINS ADDR
       server proxy ORIGINS ADDR UPSTREAM
       server nginx exported|floor ORIGINS ADDR UPSTREAM DIR";

fn origins(n: usize) -> Vec<String> {
    if n == 1 {
        vec!["https://app.example.com".to_owned()]
    } else {
        (0..n).map(|i| format!("https://app{i:03}.example.com")).collect()
    }
}

fn policy(n: usize) -> corsica::Policy {
    let mut all = origins(n);
    if n > 1 {
        all.extend((0..10).map(|i| format!("https://*.tenant{i}.example.net")));
    }
    corsica::Policy::builder()
        .origins(all)
        .methods(["GET", "POST", "PUT", "DELETE"])
        .request_headers(["content-type", "authorization", "x-request-id"])
        .expose_headers(["x-request-id"])
        .credentials(true)
        .max_age(3600)
        .build()
        .expect("the benchmark policy compiles")
}

fn axum_app(variant: &str, n: usize) -> Option<axum::Router> {
    use axum::routing::get;
    use tower_http::set_header::SetResponseHeaderLayer;
    let hello = axum::Router::new().route("/", get(|| async { "Hello, World!" }));
    Some(match variant {
        "bare" => hello,
        "constant" => {
            let origin = origins(n).pop().unwrap();
            let set = |name: &'static str, value: &str| {
                SetResponseHeaderLayer::overriding(
                    HeaderName::from_static(name),
                    HeaderValue::from_str(value).unwrap(),
                )
            };
            hello
                .layer(set("access-control-allow-origin", &origin))
                .layer(set("access-control-allow-credentials", "true"))
                .layer(set("access-control-expose-headers", "x-request-id"))
                .layer(set("vary", "origin"))
        }
        "corsica" => hello.layer(corsica_tower::CorsLayer::new(policy(n))),
        "tower-http" => {
            use tower_http::cors::{AllowOrigin, CorsLayer};
            let list = origins(n).into_iter().map(|o| HeaderValue::from_str(&o).unwrap());
            hello.layer(
                CorsLayer::new()
                    .allow_origin(AllowOrigin::list(list))
                    .allow_methods([Method::GET, Method::POST, Method::PUT, Method::DELETE])
                    .allow_headers([
                        header::CONTENT_TYPE,
                        header::AUTHORIZATION,
                        HeaderName::from_static("x-request-id"),
                    ])
                    .expose_headers([HeaderName::from_static("x-request-id")])
                    .allow_credentials(true)
                    .max_age(Duration::from_secs(3600)),
            )
        }
        _ => return None,
    })
}

fn current_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

fn serve_axum(app: axum::Router, addr: &str) {
    current_thread().block_on(async {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .unwrap_or_else(|e| panic!("bind {addr}: {e}"));
        axum::serve(listener, app).await.expect("serve");
    });
}

/// Runs an actix-web server with one worker thread, its app built by `$app`.
macro_rules! actix {
    ($addr:expr, $app:expr) => {
        actix_web::rt::System::new().block_on(async move {
            actix_web::HttpServer::new($app)
                .workers(1)
                .bind($addr)
                .unwrap_or_else(|e| panic!("bind {}: {e}", $addr))
                .run()
                .await
                .expect("serve")
        })
    };
}

fn serve_actix(variant: &str, n: usize, addr: &str) -> Option<()> {
    use actix_web::{App, web};
    let hello = || web::resource("/").to(|| async { "Hello, World!" });
    match variant {
        "bare" => actix!(addr, move || App::new().service(hello())),
        "corsica" => {
            let cors = corsica_actix::Cors::new(policy(n));
            actix!(addr, move || App::new().wrap(cors.clone()).service(hello()))
        }
        "actix-cors" => {
            let list = origins(n);
            actix!(addr, move || {
                let cors = list
                    .iter()
                    .fold(actix_cors::Cors::default(), |c, o| c.allowed_origin(o))
                    .allowed_methods(["GET", "POST", "PUT", "DELETE"])
                    .allowed_headers(["content-type", "authorization", "x-request-id"])
                    .expose_headers(["x-request-id"])
                    .supports_credentials()
                    .max_age(3600);
                App::new().wrap(cors).service(hello())
            })
        }
        _ => return None,
    }
    Some(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let n = |s: &str| s.parse::<usize>().ok().filter(|n| *n >= 1);
    let done = match args[..] {
        ["axum", variant, origins, addr] => n(origins)
            .and_then(|n| axum_app(variant, n))
            .map(|app| serve_axum(app, addr)),
        ["actix", variant, origins, addr] => n(origins).and_then(|n| serve_actix(variant, n, addr)),
        ["proxy", origins, addr, upstream] => n(origins).map(|n| serve_proxy(n, addr, upstream)),
        ["nginx", variant, origins, addr, upstream, dir] => {
            n(origins).and_then(|n| write_nginx(variant, n, addr, upstream, dir))
        }
        _ => None,
    };
    if done.is_none() {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    }
    ExitCode::SUCCESS
}

fn serve_proxy(n: usize, addr: &str, upstream: &str) {
    use corsica_proxy::{Limits, Options, Proxy, Upstream};
    current_thread().block_on(async {
        let options = Options {
            listen: addr.parse().expect("ADDR is IP:PORT"),
            upstream: Upstream::parse(&format!("http://{upstream}")).expect("UPSTREAM is HOST:PORT"),
            limits: Limits::default(),
        };
        let proxy = Proxy::bind(options, policy(n)).await.expect("bind the proxy");
        proxy.run(std::future::pending()).await;
    });
}

fn write_nginx(variant: &str, n: usize, addr: &str, upstream: &str, dir: &str) -> Option<()> {
    use corsica_export::{Options, Server, export, nginx};
    // Kept-alive upstream connections, as corsica-proxy's pool has: an `upstream` block, and
    // HTTP/1.1 without `Connection: close` at the `http` level, which the exported `location`s
    // inherit (they set no `proxy_set_header` of their own). Without them nginx opens a
    // connection per request and the comparison would flatter the proxy.
    let keepalive = format!(
        "upstream bench-upstream {{\n    server {upstream};\n    keepalive 64;\n}}\n\
         proxy_http_version 1.1;\nproxy_set_header Connection \"\";\n"
    );
    let options = Options::new("http://bench-upstream", addr, "bench", "-");
    let site = match variant {
        "exported" => export(Server::Nginx, &policy(n), &options).expect("the policy exports"),
        "floor" => format!(
            "server {{\n    listen {addr};\n    location / {{\n        proxy_pass http://bench-upstream;\n    }}\n}}\n"
        ),
        _ => return None,
    };
    std::fs::write(format!("{dir}/site.conf"), keepalive + &site).expect("write site.conf");
    std::fs::write(format!("{dir}/nginx.conf"), nginx::wrapper_config(&format!("{dir}/site.conf"), dir))
        .expect("write nginx.conf");
    Some(())
}
