//! Turning a [`Decision`] into `http` 1.x headers, and logging it.

use std::fmt;
use std::sync::Arc;

use corsica::{CORS_RESPONSE_HEADERS, Decision, Outcome, Policy};
use http::header::{self, HeaderMap, HeaderName, HeaderValue, VARY};

/// The engine's CORS response headers, in the order of [`CORS_RESPONSE_HEADERS`].
static NAMES: [HeaderName; 7] = [
    header::ACCESS_CONTROL_ALLOW_ORIGIN,
    header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
    header::ACCESS_CONTROL_ALLOW_METHODS,
    header::ACCESS_CONTROL_ALLOW_HEADERS,
    header::ACCESS_CONTROL_MAX_AGE,
    header::ACCESS_CONTROL_EXPOSE_HEADERS,
    HeaderName::from_static("access-control-allow-private-network"),
];

/// For each of [`NAMES`] but the first (whose value may be the request's `Origin`), the request
/// header whose value the engine may echo in it.
static ECHOED_FROM: [Option<HeaderName>; 7] = [
    None,
    None,
    Some(header::ACCESS_CONTROL_REQUEST_METHOD),
    Some(header::ACCESS_CONTROL_REQUEST_HEADERS),
    None,
    None,
    None,
];

/// The installed policy, with the header values it can produce rendered in advance.
pub(crate) struct Active {
    pub(crate) policy: Arc<Policy>,
    /// Every constant value the policy (or one of its routes) puts in a header, ready to be
    /// cloned (a reference-count increment) instead of copied.
    rendered: Box<[HeaderValue]>,
}

impl Active {
    pub(crate) fn new(policy: Arc<Policy>) -> Self {
        let rendered = policy
            .constant_header_values()
            .into_iter()
            .filter_map(|text| HeaderValue::from_str(text).ok())
            .collect::<Vec<_>>();
        // The warnings of the whole file, routes included, are kept on the top-level policy.
        for w in policy.warnings() {
            tracing::warn!(target: "corsica", key = %w.key, value = %w.value, "CORS policy: {}", w.message);
        }
        Active {
            policy,
            rendered: rendered.into_boxed_slice(),
        }
    }

    /// What to do to the response: the decision's headers as `HeaderValue`s (owned, so the
    /// request can move on to the inner service) and the `Vary` token. `origin` is the request's
    /// `Origin` header.
    pub(crate) fn prepare(
        &self,
        decision: &Decision<'_>,
        request: &HeaderMap,
        origin: Option<&HeaderValue>,
    ) -> Apply {
        let mut apply = Apply {
            values: Default::default(),
            vary: decision.vary(),
        };
        for (name, value) in decision.headers().iter() {
            let Some(slot) = CORS_RESPONSE_HEADERS.iter().position(|n| *n == name) else {
                debug_assert!(false, "the engine set {name}, not a CORS response header");
                continue;
            };
            apply.values[slot] = self.value(slot, value, origin, request);
        }
        apply
    }

    /// `text` as the value of header `slot`: the request's own `Origin`, a value rendered in
    /// advance, or the request header echoed, whichever has the same bytes, shared rather than
    /// copied; a copy otherwise.
    fn value(
        &self,
        slot: usize,
        text: &str,
        origin: Option<&HeaderValue>,
        request: &HeaderMap,
    ) -> Option<HeaderValue> {
        let same = |v: &&HeaderValue| v.as_bytes() == text.as_bytes();
        let found = origin
            .filter(|_| slot == 0)
            .filter(same)
            .or_else(|| self.rendered.iter().find(same))
            .or_else(|| {
                ECHOED_FROM[slot]
                    .as_ref()
                    .and_then(|n| request.get(n))
                    .filter(same)
            });
        if let Some(v) = found {
            return Some(v.clone());
        }
        // Values the engine builds per request (a joined multi-line echo): copied. The engine
        // only produces visible ASCII, so this cannot fail in practice.
        let value = HeaderValue::from_bytes(text.as_bytes()).ok();
        if value.is_none() {
            tracing::warn!(target: "corsica", value = %corsica::Escaped(text.as_bytes()), "CORS header value is not a valid HTTP field value; not sent");
        }
        value
    }
}

/// The headers a decision sets on the response, owned.
#[derive(Clone, Default)]
pub(crate) struct Apply {
    values: [Option<HeaderValue>; 7],
    vary: Option<&'static str>,
}

impl Apply {
    /// Replaces the response's CORS headers with the decision's and appends to `Vary`.
    pub(crate) fn apply_to(self, headers: &mut HeaderMap) {
        // One pass over the (usually few) response headers spares seven lookups.
        if headers.keys().any(|k| NAMES.contains(k)) {
            for name in &NAMES {
                headers.remove(name);
            }
        }
        for (name, value) in NAMES.iter().zip(self.values) {
            if let Some(value) = value {
                headers.insert(name.clone(), value);
            }
        }
        if let Some(token) = self.vary {
            append_vary(headers, token);
        }
    }
}

impl fmt::Debug for Apply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut list = f.debug_map();
        for (name, value) in NAMES.iter().zip(&self.values) {
            if let Some(value) = value {
                list.entry(name, value);
            }
        }
        if let Some(vary) = self.vary {
            list.entry(&VARY, &vary);
        }
        list.finish()
    }
}

/// Appends `token` to `Vary` unless a `Vary` line already lists it (or `*`).
fn append_vary(headers: &mut HeaderMap, token: &'static str) {
    if !corsica::vary_lists(
        headers.get_all(VARY).iter().map(HeaderValue::as_bytes),
        token,
    ) {
        headers.append(VARY, HeaderValue::from_static(token));
    }
}

/// Logs a decision (see the crate docs, "Logging").
pub(crate) fn log(decision: &Decision<'_>, origin: Option<&HeaderValue>) {
    let outcome = decision.outcome().as_str();
    let reason = decision.reason();
    let origin = corsica::Escaped(origin.map_or(&[][..], HeaderValue::as_bytes));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_engine() {
        let names: Vec<&str> = NAMES.iter().map(HeaderName::as_str).collect();
        assert_eq!(names, CORS_RESPONSE_HEADERS);
    }

    #[test]
    fn vary_is_appended_once() {
        let mut headers = HeaderMap::new();
        headers.append(VARY, HeaderValue::from_static("accept-encoding"));
        append_vary(&mut headers, "origin");
        append_vary(&mut headers, "origin");
        let lines: Vec<&str> = headers
            .get_all(VARY)
            .iter()
            .map(|v| v.to_str().unwrap())
            .collect();
        assert_eq!(lines, ["accept-encoding", "origin"]);

        let mut headers = HeaderMap::new();
        headers.append(VARY, HeaderValue::from_static("Accept, Origin"));
        append_vary(&mut headers, "origin");
        assert_eq!(headers.get_all(VARY).iter().count(), 1);

        let mut headers = HeaderMap::new();
        headers.append(VARY, HeaderValue::from_static("*"));
        append_vary(&mut headers, "origin");
        assert_eq!(headers.get_all(VARY).iter().count(), 1);
    }
}
