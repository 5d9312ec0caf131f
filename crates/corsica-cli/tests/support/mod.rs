//! Support shared by the differential suites.

pub(crate) mod scenarios;
