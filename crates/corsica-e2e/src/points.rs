//! The middleware enforcement points: an axum app with `corsica-tower` and an actix-web app with
//! `corsica-actix`, each in front of the e2e upstream.

use std::net::{SocketAddr, TcpListener};
use std::sync::mpsc;
use std::thread;

use corsica::{Policy, PolicyConfig};
use corsica_conformance::e2e::{UPSTREAM_BODY as BODY, UPSTREAM_HEADERS as HEADERS};

use crate::EnforcementPoint;

/// Stops a server thread when dropped.
struct Running {
    stop: Option<Box<dyn FnOnce() + Send>>,
    thread: Option<thread::JoinHandle<()>>,
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            stop();
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// axum 0.8 with `corsica_tower::CorsLayer` on every route (a fallback handler answers all).
#[derive(Clone, Copy, Debug, Default)]
pub struct Tower;

impl EnforcementPoint for Tower {
    fn name(&self) -> &'static str {
        "tower"
    }

    fn serve(&self, listener: TcpListener, policy: &PolicyConfig) -> Result<Box<dyn Send>, String> {
        let layer = corsica_tower::CorsLayer::from_config(policy).map_err(|e| e.to_string())?;
        listener.set_nonblocking(true).map_err(|e| e.to_string())?;
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let (ready_tx, ready_rx) = mpsc::channel();
        let thread = thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async move {
                let app = axum::Router::new()
                    .fallback(|| async { (HEADERS.map(|(n, v)| (n, v)), BODY) })
                    .layer(layer);
                let listener = tokio::net::TcpListener::from_std(listener).expect("tokio listener");
                let _ = ready_tx.send(());
                let _ = axum::serve(listener, app)
                    .with_graceful_shutdown(async {
                        let _ = stop_rx.await;
                    })
                    .await;
            });
        });
        ready_rx
            .recv()
            .map_err(|_| "the axum server did not start".to_owned())?;
        Ok(Box::new(Running {
            stop: Some(Box::new(move || {
                let _ = stop_tx.send(());
            })),
            thread: Some(thread),
        }))
    }
}

/// actix-web 4 with `corsica_actix::Cors` wrapping an app whose default service answers all.
#[derive(Clone, Copy, Debug, Default)]
pub struct Actix;

impl EnforcementPoint for Actix {
    fn name(&self) -> &'static str {
        "actix"
    }

    fn serve(&self, listener: TcpListener, policy: &PolicyConfig) -> Result<Box<dyn Send>, String> {
        let policy = Policy::compile(policy).map_err(|e| e.to_string())?;
        let cors = corsica_actix::Cors::new(policy);
        let (handle_tx, handle_rx) = mpsc::channel();
        let thread = thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let server = actix_web::HttpServer::new(move || {
                    actix_web::App::new()
                        .wrap(cors.clone())
                        .default_service(actix_web::web::to(|| async {
                            let mut response = actix_web::HttpResponse::Ok();
                            for (n, v) in HEADERS {
                                response.insert_header((n, v));
                            }
                            response.body(BODY)
                        }))
                })
                .workers(1)
                .disable_signals()
                .listen(listener);
                match server {
                    Ok(server) => {
                        let server = server.run();
                        let _ = handle_tx.send(Ok(server.handle()));
                        let _ = server.await;
                    }
                    Err(e) => drop(handle_tx.send(Err(e.to_string()))),
                }
            });
        });
        let handle = handle_rx
            .recv()
            .map_err(|_| "the actix server did not start".to_owned())??;
        let stop = move || {
            let stopping = handle.stop(false);
            thread::spawn(move || actix_web::rt::System::new().block_on(stopping));
        };
        Ok(Box::new(Running {
            stop: Some(Box::new(stop)),
            thread: Some(thread),
        }))
    }
}

/// The policy exported by `corsica export nginx` (corsica-export), run by a real nginx on the
/// case's port in front of a loopback upstream that answers as the e2e upstream does and also
/// sets wrong CORS headers of its own, which the exported file must hide.
#[derive(Clone, Copy, Debug, Default)]
pub struct Nginx;

/// CORS headers the nginx point's upstream adds to every answer, all wrong.
pub const WRONG_UPSTREAM_CORS: [(&str, &str); 4] = [
    ("Access-Control-Allow-Origin", "https://upstream.invalid"),
    ("Access-Control-Allow-Credentials", "true"),
    ("Access-Control-Expose-Headers", "x-upstream"),
    ("Access-Control-Allow-Methods", "TRACE"),
];

impl EnforcementPoint for Nginx {
    fn name(&self) -> &'static str {
        "nginx"
    }

    fn serve(&self, listener: TcpListener, policy: &PolicyConfig) -> Result<Box<dyn Send>, String> {
        serve_exported(
            corsica_export::Server::Nginx,
            listener,
            policy,
            |text, addr| {
                let running = corsica_harness::nginx::Nginx::start(
                    text,
                    corsica_export::nginx::wrapper_config,
                    &[addr],
                )?;
                Ok(Box::new(running))
            },
        )
    }
}

/// The policy exported by `corsica export apache` (corsica-export), run by a real Apache httpd on
/// the case's port in front of the same upstream as [`Nginx`], wrong CORS headers included.
#[derive(Clone, Copy, Debug, Default)]
pub struct Apache;

impl EnforcementPoint for Apache {
    fn name(&self) -> &'static str {
        "apache"
    }

    fn serve(&self, listener: TcpListener, policy: &PolicyConfig) -> Result<Box<dyn Send>, String> {
        serve_exported(
            corsica_export::Server::Apache,
            listener,
            policy,
            |text, addr| {
                let running = corsica_harness::apache::Apache::start(
                    text,
                    corsica_export::apache::wrapper_config,
                    &[addr],
                )?;
                Ok(Box::new(running))
            },
        )
    }
}

/// The policy exported by `corsica export haproxy` (corsica-export), run by a real HAProxy on the
/// case's port in front of the same upstream as [`Nginx`], wrong CORS headers included.
#[derive(Clone, Copy, Debug, Default)]
pub struct Haproxy;

impl EnforcementPoint for Haproxy {
    fn name(&self) -> &'static str {
        "haproxy"
    }

    fn serve(&self, listener: TcpListener, policy: &PolicyConfig) -> Result<Box<dyn Send>, String> {
        serve_exported(
            corsica_export::Server::Haproxy,
            listener,
            policy,
            |text, addr| {
                let running = corsica_harness::haproxy::Haproxy::start(
                    text,
                    corsica_export::haproxy::wrapper_config,
                    &[addr],
                )?;
                Ok(Box::new(running))
            },
        )
    }
}

/// The policy exported by `corsica export caddy` (corsica-export), run by a real Caddy on the
/// case's port in front of the same upstream as [`Nginx`], wrong CORS headers included.
#[derive(Clone, Copy, Debug, Default)]
pub struct Caddy;

impl EnforcementPoint for Caddy {
    fn name(&self) -> &'static str {
        "caddy"
    }

    fn serve(&self, listener: TcpListener, policy: &PolicyConfig) -> Result<Box<dyn Send>, String> {
        serve_exported(
            corsica_export::Server::Caddy,
            listener,
            policy,
            |text, addr| {
                let running = corsica_harness::caddy::Caddy::start(
                    text,
                    corsica_export::caddy::wrapper_config,
                    &[addr],
                )?;
                Ok(Box::new(running))
            },
        )
    }
}

/// `policy` exported for `server` and served by the real server that `start` launches on the
/// listener's port (it binds the port itself), in front of an upstream that adds
/// [`WRONG_UPSTREAM_CORS`] to every answer.
fn serve_exported(
    server: corsica_export::Server,
    listener: TcpListener,
    policy: &PolicyConfig,
    start: impl FnOnce(&str, SocketAddr) -> Result<Box<dyn Send>, corsica_harness::Error>,
) -> Result<Box<dyn Send>, String> {
    let policy = Policy::compile(policy).map_err(|e| e.to_string())?;
    let upstream = corsica_harness::StubServer::start(|_| {
        WRONG_UPSTREAM_CORS
            .iter()
            .fold(crate::upstream_response(), |r, (n, v)| r.header(n, *v))
    })
    .map_err(|e| format!("the upstream: {e}"))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let options = corsica_export::Options::new(
        upstream.origin(),
        addr.to_string(),
        "the e2e case's policy",
        "-",
    );
    let text = corsica_export::export(server, &policy, &options)
        .map_err(|e| format!("corsica export {}: {e}", server.as_str()))?;
    drop(listener);
    let running = start(&text, addr).map_err(|e| e.to_string())?;
    Ok(Box::new((running, upstream)))
}
