//! Starting an actix-web server on loopback for the tests.

use std::net::SocketAddr;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::{App, HttpServer};

/// Starts an `HttpServer` with `workers` workers on its own actix system thread and returns its
/// address. It runs until the test binary exits.
pub(crate) fn start<F, I, B>(workers: usize, factory: F) -> SocketAddr
where
    F: Fn() -> App<I> + Send + Clone + 'static,
    I: ServiceFactory<
            ServiceRequest,
            Config = (),
            Response = ServiceResponse<B>,
            Error = actix_web::Error,
            InitError = (),
        > + 'static,
    B: MessageBody + 'static,
{
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let server = HttpServer::new(factory)
                .workers(workers)
                .disable_signals()
                .bind(("127.0.0.1", 0))
                .unwrap();
            tx.send(server.addrs()[0]).unwrap();
            server.run().await
        })
    });
    rx.recv().unwrap()
}
