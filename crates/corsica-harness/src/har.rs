//! A HAR 1.2 recording built from what Chromium reported over the DevTools protocol, as its
//! devtools' "Save all as HAR" writes one: `Network.requestWillBeSent` (one per hop of a
//! redirect chain, preflights as requests of their own), the `…ExtraInfo` events with the
//! headers as they went on the wire, `Network.responseReceived`, `Network.loadingFailed`.
//!
//! Where devtools only has what these events carry, so does this: a request the browser never
//! sent (blocked by its preflight) has status 0 and `_error`; a response CORS blocked keeps the
//! status and headers `responseReceivedExtraInfo` gave.

use std::collections::HashMap;

use serde_json::{Value, json};

/// One request of a chain (a redirect starts the next hop under the same request id).
#[derive(Default)]
struct Hop {
    request: Value,
    wall_time: f64,
    resource_type: String,
    /// Set when the response came (or the next hop's `redirectResponse`).
    response: Option<Value>,
    error: Option<String>,
}

/// `{"Name": "a\nb"}` (CDP's header object, repeated lines joined by LF) as HAR header lines.
fn header_lines(headers: &Value) -> Vec<Value> {
    let mut lines = Vec::new();
    if let Some(map) = headers.as_object() {
        for (name, value) in map {
            for v in value.as_str().unwrap_or_default().split('\n') {
                lines.push(json!({ "name": name, "value": v }));
            }
        }
    }
    lines
}

/// Days since 1970-01-01 to a civil date (H. Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Seconds since the epoch as `2026-12-01T18:00:00.123Z`.
fn iso(wall_time: f64) -> String {
    // Whole milliseconds fit an i64 for any wall time a browser reports.
    #[allow(clippy::cast_possible_truncation)]
    let millis = (wall_time * 1000.0).round() as i64;
    let (secs, ms) = (millis.div_euclid(1000), millis.rem_euclid(1000));
    let (days, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, mo, d) = civil_from_days(days);
    format!(
        "{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}.{ms:03}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// The HAR of `events` (one page's DevTools events, in order), for a page at `page_url`.
/// With `preflights` false, preflights are left out, as Chromium's devtools export leaves them.
pub fn from_events(events: &[Value], page_url: &str, version: &str, preflights: bool) -> Value {
    let mut order: Vec<String> = Vec::new();
    let mut hops: HashMap<String, Vec<Hop>> = HashMap::new();
    let mut extra_requests: HashMap<String, Vec<Value>> = HashMap::new();
    let mut extra_responses: HashMap<String, Vec<Value>> = HashMap::new();
    for e in events {
        let p = &e["params"];
        let id = p["requestId"].as_str().unwrap_or_default().to_owned();
        match e["method"].as_str().unwrap_or_default() {
            "Network.requestWillBeSent" => {
                let chain = hops.entry(id.clone()).or_default();
                if let (Some(redirect), Some(last)) = (p.get("redirectResponse"), chain.last_mut())
                {
                    last.response = Some(redirect.clone());
                }
                if chain.is_empty() {
                    order.push(id.clone());
                }
                chain.push(Hop {
                    request: p["request"].clone(),
                    wall_time: p["wallTime"].as_f64().unwrap_or_default(),
                    resource_type: if p["initiator"]["type"] == "preflight" {
                        "preflight".to_owned()
                    } else {
                        p["type"].as_str().unwrap_or("Other").to_ascii_lowercase()
                    },
                    response: None,
                    error: None,
                });
            }
            "Network.requestWillBeSentExtraInfo" => {
                extra_requests
                    .entry(id)
                    .or_default()
                    .push(p["headers"].clone());
            }
            "Network.responseReceivedExtraInfo" => {
                extra_responses.entry(id).or_default().push(p.clone());
            }
            "Network.responseReceived" => {
                if let Some(last) = hops.get_mut(&id).and_then(|c| c.last_mut()) {
                    last.response = Some(p["response"].clone());
                }
            }
            "Network.loadingFailed" => {
                if let Some(last) = hops.get_mut(&id).and_then(|c| c.last_mut()) {
                    last.error = p["errorText"].as_str().map(str::to_owned);
                }
            }
            _ => {}
        }
    }
    let mut entries = Vec::new();
    for id in &order {
        let requests = extra_requests
            .get(id)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let responses = extra_responses
            .get(id)
            .map(Vec::as_slice)
            .unwrap_or_default();
        for (i, hop) in hops[id].iter().enumerate() {
            if !preflights && hop.resource_type == "preflight" {
                continue;
            }
            // The wire headers when the request went out, else the ones Blink prepared.
            let request_headers = requests.get(i).unwrap_or(&hop.request["headers"]);
            let extra = responses.get(i);
            let (status, status_text, protocol, response_headers) = match (&hop.response, extra) {
                (_, Some(extra)) => (
                    extra["statusCode"].as_u64().unwrap_or_default(),
                    hop.response
                        .as_ref()
                        .and_then(|r| r["statusText"].as_str())
                        .unwrap_or_default()
                        .to_owned(),
                    hop.response
                        .as_ref()
                        .and_then(|r| r["protocol"].as_str())
                        .unwrap_or("http/1.1")
                        .to_ascii_uppercase(),
                    header_lines(&extra["headers"]),
                ),
                (Some(r), None) => (
                    r["status"].as_u64().unwrap_or_default(),
                    r["statusText"].as_str().unwrap_or_default().to_owned(),
                    r["protocol"]
                        .as_str()
                        .unwrap_or("http/1.1")
                        .to_ascii_uppercase(),
                    header_lines(&r["headers"]),
                ),
                (None, None) => (0, String::new(), String::new(), Vec::new()),
            };
            let location = response_headers
                .iter()
                .find(|h| {
                    h["name"]
                        .as_str()
                        .is_some_and(|n| n.eq_ignore_ascii_case("location"))
                })
                .and_then(|h| h["value"].as_str())
                .unwrap_or_default()
                .to_owned();
            let mut request = json!({
                "method": hop.request["method"],
                "url": hop.request["url"],
                "httpVersion": protocol,
                "headers": header_lines(request_headers),
                "queryString": [],
                "cookies": [],
                "headersSize": -1,
                "bodySize": 0,
            });
            if let Some(body) = hop.request.get("postData") {
                request["postData"] = json!({ "mimeType": "", "text": body });
            }
            let mut response = json!({
                "status": status,
                "statusText": status_text,
                "httpVersion": protocol,
                "headers": response_headers,
                "cookies": [],
                "content": { "size": 0, "mimeType": "x-unknown" },
                "redirectURL": location,
                "headersSize": -1,
                "bodySize": -1,
            });
            if let Some(error) = &hop.error {
                response["_error"] = json!(error);
            }
            entries.push(json!({
                "pageref": "page_1",
                "startedDateTime": iso(hop.wall_time),
                "time": 0,
                "request": request,
                "response": response,
                "cache": {},
                "timings": { "send": 0, "wait": 0, "receive": 0 },
                "_resourceType": hop.resource_type,
            }));
        }
    }
    // As devtools sorts them: by start (a preflight starts after the request that needs it).
    entries.sort_by(|a, b| {
        a["startedDateTime"]
            .as_str()
            .cmp(&b["startedDateTime"].as_str())
    });
    let started = entries.first().map_or_else(
        || iso(0.0),
        |e| e["startedDateTime"].as_str().unwrap_or_default().to_owned(),
    );
    json!({
        "log": {
            "version": "1.2",
            "creator": { "name": "WebInspector", "version": version },
            "pages": [{
                "startedDateTime": started,
                "id": "page_1",
                "title": page_url,
                "pageTimings": {},
            }],
            "entries": entries,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(iso(0.0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso(1_796_148_000.123), "2026-12-01T18:00:00.123Z");
    }
}
