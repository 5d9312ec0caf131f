//! Hostile requests (`corsica_loopback::hostile`) through the proxy enforcing the adapters'
//! shared policy: each answered promptly, granting nothing, and the next request passes.

use corsica_loopback::{hostile, middleware, trial};
use libtest_mimic::Trial;

use crate::support::{Limits, full, proxy, upstream};

pub(crate) fn trials() -> Vec<Trial> {
    vec![trial!(async hostile_requests_are_refused)]
}

async fn hostile_requests_are_refused() {
    let up = upstream(|_| async { http::Response::new(full("ok")) }).await;
    let proxy = proxy(up.addr, middleware::policy(), Limits::default()).await;
    hostile::assert_refused(proxy.addr).await;
}
