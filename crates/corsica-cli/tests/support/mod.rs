//! Support shared by the differential suites.

pub(crate) mod explicit;
pub(crate) mod scenarios;
