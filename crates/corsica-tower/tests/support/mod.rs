//! Test support shared by the corsica-tower and corsica-actix test suites.

#![allow(dead_code, unreachable_pub)]

pub mod capture;
pub mod client;
pub mod vectors;

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
