//! Logging decisions.

use corsica::text::Escaped;
use corsica::{Decision, Outcome};

/// Logs a decision with [`tracing`] under the target `corsica`, with the fields `outcome` (the
/// words of [`Outcome::as_str`]), `reason` and `origin` (the request's `Origin`, escaped):
/// allowed and refused CORS requests at `DEBUG`, requests without `Origin` at `TRACE`. Refusals
/// are never logged at `INFO` or above: any client can cause them at will.
pub fn log(decision: &Decision<'_>, origin: Option<&[u8]>) {
    let outcome = decision.outcome().as_str();
    let reason = decision.reason();
    let origin = Escaped(origin.unwrap_or_default());
    match decision.outcome() {
        Outcome::NotCors => {
            tracing::trace!(target: "corsica", %outcome, %reason, "not a CORS request");
        }
        Outcome::ActualAllowed | Outcome::PreflightOk => {
            tracing::debug!(target: "corsica", %outcome, %reason, %origin, "CORS request allowed");
        }
        Outcome::ActualDenied | Outcome::PreflightDeniedOrigin | Outcome::PreflightDeniedAfter => {
            tracing::debug!(target: "corsica", %outcome, %reason, %origin, "CORS request refused");
        }
    }
}
