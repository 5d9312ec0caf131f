//! The demo API: a few JSON endpoints behind [`corsica_tower::CorsLayer`], and a log of every
//! request it received with the policy's decision about it (shown on the page).

use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use corsica::{Policy, RawRequest};
use corsica_tower::CorsLayer;
use serde::Serialize;
use serde_json::{Value, json};

/// How many requests the log keeps.
const LOG_CAPACITY: usize = 500;

/// The API's to-do list.
#[derive(Clone, Debug, Serialize)]
struct Item {
    id: u32,
    title: String,
    done: bool,
}

#[derive(Debug)]
struct Api {
    items: Mutex<BTreeMap<u32, Item>>,
    requests: AtomicU64,
}

/// The API's router: the endpoints, `X-Request-Id` on every answer, the CORS layer around them,
/// and the log around everything.
pub(crate) fn router(policy: Arc<Policy>, log: Arc<Log>) -> Router {
    let items = [
        "Read the CORS part of the Fetch Standard",
        "Click every request on the demo page",
        "Fix the request that is blocked",
    ]
    .iter()
    .zip(1..)
    .map(|(title, id)| {
        (
            id,
            Item {
                id,
                title: (*title).to_owned(),
                done: id == 1,
            },
        )
    })
    .collect();
    let api = Arc::new(Api {
        items: Mutex::new(items),
        requests: AtomicU64::new(0),
    });
    let logged = LogState {
        log,
        policy: Arc::clone(&policy),
    };
    Router::new()
        .route("/api/items", get(list))
        .route("/api/items/{id}", put(update).delete(remove))
        .route("/api/me", get(me))
        .fallback(not_found)
        .with_state(Arc::clone(&api))
        .layer(middleware::from_fn_with_state(api, request_id))
        .layer(CorsLayer::new(policy))
        .layer(middleware::from_fn_with_state(logged, record))
}

/// A JSON answer that no cache keeps.
fn reply(status: StatusCode, value: &Value) -> Response {
    (
        status,
        [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))],
        axum::Json(value),
    )
        .into_response()
}

async fn list(State(api): State<Arc<Api>>) -> Response {
    let items: Vec<Item> = lock(&api.items).values().cloned().collect();
    reply(StatusCode::OK, &json!(items))
}

async fn update(State(api): State<Arc<Api>>, Path(id): Path<String>, body: Bytes) -> Response {
    let Ok(id) = id.parse::<u32>() else {
        return reply(
            StatusCode::NOT_FOUND,
            &json!({ "error": format!("no item {id:?}: ids are numbers") }),
        );
    };
    let change: Value = match serde_json::from_slice(&body) {
        Ok(Value::Object(change)) => Value::Object(change),
        _ => {
            return reply(
                StatusCode::BAD_REQUEST,
                &json!({ "error": "send a JSON object, e.g. {\"title\": \"…\", \"done\": true}" }),
            );
        }
    };
    let mut items = lock(&api.items);
    let item = items.entry(id).or_insert_with(|| Item {
        id,
        title: format!("Item {id}"),
        done: false,
    });
    if let Some(title) = change.get("title").and_then(Value::as_str) {
        item.title = title.chars().take(200).collect();
    }
    if let Some(done) = change.get("done").and_then(Value::as_bool) {
        item.done = done;
    }
    reply(StatusCode::OK, &json!(item))
}

async fn remove(State(api): State<Arc<Api>>, Path(id): Path<String>) -> Response {
    let removed = id
        .parse::<u32>()
        .ok()
        .and_then(|id| lock(&api.items).remove(&id));
    reply(
        StatusCode::OK,
        &json!({ "id": id, "deleted": removed.is_some() }),
    )
}

/// Who is signed in, going by a `session` cookie: a request sent with `credentials: "include"`
/// carries the browser's cookies for the API (this demo sets none, so there are none).
async fn me(headers: HeaderMap) -> Response {
    let session = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| c.trim().strip_prefix("session="))
        .map(str::to_owned);
    let cookies = headers.contains_key(header::COOKIE);
    reply(
        StatusCode::OK,
        &json!({
            "user": session.as_ref().map(|s| format!("user of session {s}")),
            "cookies_sent": cookies,
        }),
    )
}

async fn not_found(request: Request) -> Response {
    reply(
        StatusCode::NOT_FOUND,
        &json!({
            "error": format!("no endpoint {} {}", request.method(), request.uri().path()),
            "endpoints": ["GET /api/items", "PUT /api/items/{id}", "DELETE /api/items/{id}", "GET /api/me"],
        }),
    )
}

/// Sets `X-Request-Id` on every answer of the endpoints (the policy exposes it to scripts).
async fn request_id(State(api): State<Arc<Api>>, request: Request, next: Next) -> Response {
    let n = api.requests.fetch_add(1, Ordering::Relaxed) + 1;
    let mut response = next.run(request).await;
    if let Ok(value) = HeaderValue::from_str(&format!("demo-{n}")) {
        response.headers_mut().insert("x-request-id", value);
    }
    response
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// One request as the API received it, and what the policy decided about it.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Entry {
    /// Its number: 1, 2, …
    seq: u64,
    /// Whether `corsica check` sent it (by its `User-Agent`); else a browser, or curl…
    by_corsica: bool,
    method: String,
    path: String,
    origin: Option<String>,
    /// `Access-Control-Request-Method`, on a preflight.
    request_method: Option<String>,
    /// `Access-Control-Request-Headers`, on a preflight.
    request_headers: Option<String>,
    /// The status answered.
    status: u16,
    /// The decision's outcome (`preflight-ok`, `actual-allowed`, …).
    outcome: &'static str,
    /// Why.
    reason: String,
}

/// The requests the API received, the latest [`LOG_CAPACITY`] of them.
#[derive(Debug, Default)]
pub(crate) struct Log {
    entries: Mutex<(u64, VecDeque<Entry>)>,
}

impl Log {
    fn push(&self, mut entry: Entry) {
        let mut guard = lock(&self.entries);
        let (last, entries) = &mut *guard;
        *last += 1;
        entry.seq = *last;
        if entries.len() == LOG_CAPACITY {
            entries.pop_front();
        }
        entries.push_back(entry);
    }

    /// The entries after number `after`, and the number of the last one.
    pub(crate) fn since(&self, after: u64) -> (u64, Vec<Entry>) {
        let guard = lock(&self.entries);
        let (last, entries) = &*guard;
        (
            *last,
            entries.iter().filter(|e| e.seq > after).cloned().collect(),
        )
    }
}

#[derive(Clone, Debug)]
struct LogState {
    log: Arc<Log>,
    policy: Arc<Policy>,
}

/// Logs each request with the decision the policy makes about it: the same engine call the CORS
/// layer makes inside, on the same head.
async fn record(State(state): State<LogState>, request: Request<Body>, next: Next) -> Response {
    let mut entry = observe(&state.policy, &request);
    let response = next.run(request).await;
    entry.status = response.status().as_u16();
    state.log.push(entry);
    response
}

/// The log entry for `request`, but its status.
fn observe(policy: &Policy, request: &Request<Body>) -> Entry {
    let text = |name: header::HeaderName| {
        request
            .headers()
            .get(name)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
    };
    let mut head = RawRequest::new(request.method().as_str()).scheme("http");
    for (name, value) in request.headers() {
        head = head.header(name.as_str(), value.as_bytes());
    }
    let path = request.uri().path();
    let decision = policy.for_path(path).decide(&head);
    Entry {
        seq: 0,
        by_corsica: text(header::USER_AGENT).is_some_and(|ua| ua.starts_with("corsica/")),
        method: request.method().as_str().to_owned(),
        path: request
            .uri()
            .path_and_query()
            .map_or_else(|| path.to_owned(), |p| p.as_str().to_owned()),
        origin: text(header::ORIGIN),
        request_method: text(header::ACCESS_CONTROL_REQUEST_METHOD),
        request_headers: text(header::ACCESS_CONTROL_REQUEST_HEADERS),
        status: 0,
        outcome: decision.outcome().as_str(),
        reason: decision.reason().to_string(),
    }
}
