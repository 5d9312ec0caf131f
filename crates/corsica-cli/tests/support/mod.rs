//! Support shared by the differential suites.

pub(crate) mod explicit;
pub(crate) mod scenarios;

use scenarios::{Rng, Scenario, Urls};

/// Every scenario of a differential suite: `generated` from `seed`, then the explicit ones
/// (redirects, refused-header order, wire bytes, where engines differ), numbered on.
pub(crate) fn every_scenario(seed: u64, generated: usize, urls: &Urls) -> Vec<Scenario> {
    let mut rng = Rng(seed);
    let mut all: Vec<Scenario> = (0..generated)
        .map(|id| scenarios::generate(&mut rng, id, urls))
        .collect();
    all.extend(explicit::redirects(generated, urls));
    let next = all.len();
    all.extend(explicit::header_order(next, urls));
    let next = all.len();
    all.extend(explicit::wire_bytes(next, urls));
    let next = all.len();
    all.extend(scenarios::engine_differences(next, urls));
    all
}
