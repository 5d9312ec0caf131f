//! Test support shared by the corsica-tower and corsica-actix test suites: both test their
//! adapter in a real server on loopback, talked to by a real HTTP/1.1 client.
//!
//! - [`client`]: the client, which sends a request exactly as built;
//! - [`hostile`]: hostile requests every enforcement point must refuse, and stay up after;
//! - [`capture`]: the adapters' `corsica` log events, filed per test case;
//! - [`middleware`]: the middleware scenarios every adapter must pass, written once against
//!   [`middleware::Adapter`];
//! - [`server_vectors`]: the server conformance vectors as HTTP requests, and the judgement of
//!   the responses an adapter gives;
//! - [`trial!`]: a test function, `async` or not, as a libtest-mimic trial, so that each adapter
//!   has one test binary holding both its hand-written tests and one trial per vector.

pub mod capture;
pub mod client;
pub mod hostile;
pub mod middleware;
pub mod server_vectors;

use std::future::Future;

use libtest_mimic::Trial;

/// Keeps the panics a test provokes on purpose (whose message contains `marker`) out of the
/// output; any other panic is reported as usual.
pub fn quiet_panics(marker: &'static str) {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        if !message.contains(marker) {
            previous(info);
        }
    }));
}

/// The tokio runtime an `async` test runs on, as `#[tokio::test]` builds it.
#[derive(Clone, Copy, Debug)]
pub enum Runtime {
    /// One thread (`#[tokio::test]`).
    CurrentThread,
    /// Two worker threads (`#[tokio::test(flavor = "multi_thread", worker_threads = 2)]`).
    MultiThread,
}

/// A trial that runs the future `test` returns to completion on a fresh `runtime`; a panic
/// fails it.
pub fn async_trial<F, T>(name: &str, runtime: Runtime, test: T) -> Trial
where
    T: FnOnce() -> F + Send + 'static,
    F: Future<Output = ()>,
{
    Trial::test(test_name(name), move || {
        let mut builder = match runtime {
            Runtime::CurrentThread => tokio::runtime::Builder::new_current_thread(),
            Runtime::MultiThread => {
                let mut b = tokio::runtime::Builder::new_multi_thread();
                b.worker_threads(2);
                b
            }
        };
        let rt = builder.enable_all().build().map_err(|e| e.to_string())?;
        rt.block_on(test());
        Ok(())
    })
}

/// A trial that calls `test`; a panic fails it.
pub fn sync_trial(name: &str, test: impl FnOnce() + Send + 'static) -> Trial {
    Trial::test(test_name(name), move || {
        test();
        Ok(())
    })
}

/// `crate::module::test` without the crate: `module::test`.
fn test_name(path: &str) -> String {
    path.split_once("::")
        .map_or(path, |(_, rest)| rest)
        .to_owned()
}

/// A test function as a trial named `module::function`: `trial!(f)` calls `f`, `trial!(async f)`
/// runs `f`'s future on a current-thread runtime, `trial!(async(multi_thread) f)` on two
/// worker threads. A generic function takes its type argument after the name
/// (`trial!(async f::<A>)`), which the trial's name leaves out.
#[macro_export]
macro_rules! trial {
    (async $test:ident $(::<$arg:ty>)?) => {
        $crate::async_trial(
            concat!(module_path!(), "::", stringify!($test)),
            $crate::Runtime::CurrentThread,
            $test $(::<$arg>)?,
        )
    };
    (async(multi_thread) $test:ident $(::<$arg:ty>)?) => {
        $crate::async_trial(
            concat!(module_path!(), "::", stringify!($test)),
            $crate::Runtime::MultiThread,
            $test $(::<$arg>)?,
        )
    };
    ($test:ident $(::<$arg:ty>)?) => {
        $crate::sync_trial(
            concat!(module_path!(), "::", stringify!($test)),
            $test $(::<$arg>)?,
        )
    };
}
