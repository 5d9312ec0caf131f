//! The reverse proxy enforcement point: `corsica_proxy::Proxy` with the policy, in front of a
//! separate loopback server that answers as the e2e upstream, as `corsica proxy` runs.

use std::net::TcpListener;
use std::sync::mpsc;
use std::thread;

use corsica::{Policy, PolicyConfig};
use corsica_harness::StubServer;

use crate::{EnforcementPoint, upstream_response};

/// `corsica proxy`'s engine room: the policy in a reverse proxy, the upstream behind it.
#[derive(Clone, Copy, Debug, Default)]
pub struct Proxy;

/// The proxy's thread and the upstream; both stop when dropped.
struct Running {
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<thread::JoinHandle<()>>,
    _upstream: StubServer,
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl EnforcementPoint for Proxy {
    fn name(&self) -> &'static str {
        "proxy"
    }

    fn serve(&self, listener: TcpListener, policy: &PolicyConfig) -> Result<Box<dyn Send>, String> {
        let policy = Policy::compile(policy).map_err(|e| e.to_string())?;
        let upstream = StubServer::start(|_| upstream_response()).map_err(|e| e.to_string())?;
        let target = corsica_proxy::Upstream::parse(&format!("http://{}", upstream.addr()))?;
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let (ready_tx, ready_rx) = mpsc::channel();
        let thread = thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async move {
                let limits = corsica_proxy::Limits {
                    drain_timeout: std::time::Duration::from_secs(1),
                    ..corsica_proxy::Limits::default()
                };
                match corsica_proxy::Proxy::from_std(listener, target, limits, policy) {
                    Ok(proxy) => {
                        let _ = ready_tx.send(Ok(()));
                        proxy
                            .run(async {
                                let _ = stop_rx.await;
                            })
                            .await;
                    }
                    Err(e) => drop(ready_tx.send(Err(e.to_string()))),
                }
            });
        });
        ready_rx
            .recv()
            .map_err(|_| "the proxy did not start".to_owned())??;
        Ok(Box::new(Running {
            stop: Some(stop_tx),
            thread: Some(thread),
            _upstream: upstream,
        }))
    }
}
