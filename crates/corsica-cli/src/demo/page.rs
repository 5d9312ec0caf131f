//! The page's server, on the second origin: the page itself, `POST /explain` (what `corsica
//! check` says about a request) and `GET /log` (what the API received).

use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::json;
use url::Url;

use super::DemoPolicy;
use super::api::Log;
use super::explain::{Described, explain};

const PAGE: &str = include_str!("page.html");

/// What the page's handlers share.
#[derive(Clone, Debug)]
pub(crate) struct PageState(Arc<Inner>);

#[derive(Debug)]
struct Inner {
    api: Url,
    port: u16,
    html: String,
    log: Arc<Log>,
}

impl PageState {
    /// The page for the API at `api`, served on `port`.
    pub(crate) fn new(api: Url, port: u16, policy: DemoPolicy, log: Arc<Log>) -> Self {
        let config = json!({
            "api": api.origin().ascii_serialization(),
            "policyName": policy.name,
            "policy": policy.text,
        });
        // Inside <script>: nothing in the JSON may close the element.
        let config = config.to_string().replace('<', "\\u003c");
        let html = PAGE.replace("/*CONFIG*/null", &config);
        PageState(Arc::new(Inner {
            api,
            port,
            html,
            log,
        }))
    }

    /// Whether `origin` is this page's: `localhost`, `127.0.0.1` or `[::1]` with its port.
    fn is_own(&self, origin: &str) -> bool {
        let port = self.0.port;
        ["localhost", "127.0.0.1", "[::1]"]
            .iter()
            .any(|host| origin == format!("http://{host}:{port}"))
    }
}

/// The page server's router.
pub(crate) fn router(state: PageState) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/explain", post(explain_request))
        .route("/log", get(log))
        .route("/favicon.ico", get(|| async { StatusCode::NO_CONTENT }))
        .fallback(|| async { (StatusCode::NOT_FOUND, "not found: open / instead\n") })
        .with_state(state)
}

async fn index(State(state): State<PageState>) -> Response {
    (
        [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))],
        Html(state.0.html.clone()),
    )
        .into_response()
}

/// Checks the request a card made, from the origin the page is really on: the request's own
/// `Origin` (browsers send it on every `POST`). Only the page itself may ask: a request from
/// another origin is refused, and other sites cannot send JSON here without a preflight, which
/// this server never allows.
async fn explain_request(
    State(state): State<PageState>,
    headers: HeaderMap,
    axum::Json(mut described): axum::Json<Described>,
) -> Response {
    if let Some(origin) = headers.get(header::ORIGIN) {
        let origin = String::from_utf8_lossy(origin.as_bytes()).into_owned();
        if !state.is_own(&origin) {
            return (
                StatusCode::FORBIDDEN,
                "only the demo page can ask for explanations\n",
            )
                .into_response();
        }
        described.origin = origin;
    }
    let explained = explain(&state.0.api, described).await;
    axum::Json(explained).into_response()
}

/// `GET /log?after=N`: the requests the API received after number N.
async fn log(State(state): State<PageState>, request: Request) -> Response {
    let after = request
        .uri()
        .query()
        .unwrap_or_default()
        .split('&')
        .find_map(|pair| pair.strip_prefix("after="))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let (last, entries) = state.0.log.since(after);
    (
        [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))],
        axum::Json(json!({ "last": last, "entries": entries })),
    )
        .into_response()
}
