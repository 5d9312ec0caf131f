//! One request: the decision, then the proxy's own answer or the upstream's response, with the
//! decision's CORS headers either way.

use std::convert::Infallible;
use std::error::Error as _;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use corsica_adapter::{Apply, Head, PolicyCell};
use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::{Request, Response, StatusCode, Uri};
use http_body::Body;
use http_body_util::{BodyExt, LengthLimitError, Limited};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;

use crate::body::{BoxError, IdleTimeout, ProxyBody, empty, full};
use crate::{Limits, Upstream};

corsica_adapter::http_headers!(Http1, http);

/// The target of the access log (one `INFO` event per request).
pub(crate) const ACCESS: &str = "corsica_proxy::access";

/// What every request shares.
pub(crate) struct State {
    pub(crate) cell: PolicyCell<Http1>,
    pub(crate) client: Client<HttpConnector, ProxyBody>,
    pub(crate) upstream: Upstream,
    pub(crate) limits: Limits,
    /// The scheme clients speak to the proxy (`http`, or `https` with TLS).
    pub(crate) scheme: &'static str,
    pub(crate) metrics: Arc<crate::metrics::Metrics>,
}

/// How a request ended, for the access log and the metrics.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Fault {
    /// The upstream refused the connection or could not be reached.
    Connect,
    /// Connecting to the upstream took longer than the connect timeout.
    ConnectTimeout,
    /// The upstream did not start its response within the first-byte timeout.
    FirstByteTimeout,
    /// The request body was larger than allowed.
    BodyTooLarge,
    /// The client's request body stayed silent for longer than the idle timeout.
    ClientIdle,
    /// Anything else between the proxy and the upstream.
    Upstream,
}

impl Fault {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Fault::Connect => "connect",
            Fault::ConnectTimeout => "connect-timeout",
            Fault::FirstByteTimeout => "first-byte-timeout",
            Fault::BodyTooLarge => "body-too-large",
            Fault::ClientIdle => "client-idle",
            Fault::Upstream => "upstream",
        }
    }

    fn status(self) -> StatusCode {
        match self {
            Fault::Connect | Fault::Upstream => StatusCode::BAD_GATEWAY,
            Fault::ConnectTimeout | Fault::FirstByteTimeout => StatusCode::GATEWAY_TIMEOUT,
            Fault::BodyTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Fault::ClientIdle => StatusCode::REQUEST_TIMEOUT,
        }
    }

    fn message(self) -> &'static str {
        match self {
            Fault::Connect => "corsica proxy: the upstream could not be reached\n",
            Fault::ConnectTimeout => "corsica proxy: connecting to the upstream timed out\n",
            Fault::FirstByteTimeout => "corsica proxy: the upstream did not answer in time\n",
            Fault::BodyTooLarge => "corsica proxy: the request body is larger than allowed\n",
            Fault::ClientIdle => "corsica proxy: the request body stopped coming\n",
            Fault::Upstream => "corsica proxy: the upstream failed\n",
        }
    }
}

/// Headers that belong to one connection and are never passed on (RFC 9110 §7.6.1).
const HOP_BY_HOP: [&str; 9] = [
    "connection",
    "keep-alive",
    "proxy-connection",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

/// Removes the hop-by-hop headers, and those that `Connection` names.
pub(crate) fn remove_hop_by_hop(headers: &mut HeaderMap) {
    let named: Vec<HeaderName> = headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|t| HeaderName::from_bytes(t.trim().as_bytes()).ok())
        .collect();
    for name in named {
        headers.remove(name);
    }
    for name in HOP_BY_HOP {
        headers.remove(name);
    }
}

/// Adds `X-Forwarded-For` (appended to any already there), `X-Forwarded-Proto`,
/// `X-Forwarded-Host` and a `Forwarded` element (RFC 7239) for this hop.
fn add_forwarded(headers: &mut HeaderMap, peer: SocketAddr, scheme: &str, host: Option<&str>) {
    let ip = peer.ip().to_string();
    let xff = match headers.get("x-forwarded-for").and_then(|v| v.to_str().ok()) {
        Some(before) if !before.trim().is_empty() => format!("{before}, {ip}"),
        _ => ip.clone(),
    };
    headers.remove("x-forwarded-for");
    if let Ok(v) = HeaderValue::from_str(&xff) {
        headers.insert("x-forwarded-for", v);
    }
    headers.insert(
        "x-forwarded-proto",
        HeaderValue::from_static(if scheme == "https" { "https" } else { "http" }),
    );
    let mut forwarded = if peer.is_ipv6() {
        format!("for=\"[{ip}]\";proto={scheme}")
    } else {
        format!("for={ip};proto={scheme}")
    };
    headers.remove("x-forwarded-host");
    if let Some(host) = host {
        if let Ok(v) = HeaderValue::from_str(host) {
            headers.insert("x-forwarded-host", v);
        }
        if host
            .bytes()
            .all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\')
        {
            forwarded.push_str(&format!(";host=\"{host}\""));
        }
    }
    if let Ok(v) = HeaderValue::from_str(&forwarded) {
        headers.append(header::FORWARDED, v);
    }
}

/// What the access log says about a request.
struct Access {
    method: http::Method,
    path: String,
    outcome: &'static str,
    reason: String,
    origin: String,
}

/// Answers one request.
pub(crate) async fn handle<B>(
    state: Arc<State>,
    peer: SocketAddr,
    request: Request<B>,
) -> Result<Response<ProxyBody>, Infallible>
where
    B: Body<Data = Bytes> + Send + Sync + 'static,
    B::Error: Into<BoxError>,
{
    let started = Instant::now();
    let logging = tracing::enabled!(target: ACCESS, tracing::Level::INFO);
    let uri = request.uri();
    let head = Head::<Http1>::new(
        request.method().as_str(),
        request.headers(),
        uri.authority().map(|a| a.as_str()),
        // Over TLS the scheme is known even when the request target does not say it.
        uri.scheme_str()
            .or((state.scheme == "https").then_some("https")),
    );
    let (answer, apply, (outcome, access)) =
        state
            .cell
            .load()
            .respond_and(uri.path(), &head, |decision, origin| {
                let outcome = decision.outcome().as_str();
                let access = logging.then(|| Access {
                    method: request.method().clone(),
                    path: uri.path().to_owned(),
                    outcome,
                    reason: decision.reason().to_string(),
                    origin: corsica::text::Escaped(origin.unwrap_or_default()).to_string(),
                });
                (outcome, access)
            });

    let (mut response, fault) = match answer {
        Some(status) => {
            let mut response = Response::new(empty());
            *response.status_mut() = Http1::status_code(status);
            (response, None)
        }
        None => match forward(&state, peer, request).await {
            Ok(response) => (response, None),
            Err(fault) => {
                let mut response = Response::new(full(fault.message()));
                *response.status_mut() = fault.status();
                response.headers_mut().insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/plain; charset=utf-8"),
                );
                (response, Some(fault))
            }
        },
    };
    apply_cors(apply, response.headers_mut());
    state.metrics.request(outcome, started.elapsed());
    if let Some(fault) = fault {
        state.metrics.upstream_error(fault.as_str());
    }

    if let Some(access) = access {
        let status = response.status().as_u16();
        let elapsed = started.elapsed();
        tracing::info!(
            target: ACCESS,
            method = %access.method,
            path = %access.path,
            origin = %access.origin,
            outcome = access.outcome,
            reason = %access.reason,
            status,
            upstream_status = if answer.is_none() && fault.is_none() { status } else { 0 },
            fault = fault.map_or("", Fault::as_str),
            duration_ms = elapsed.as_secs_f64() * 1000.0,
            "request"
        );
    }
    Ok(response)
}

fn apply_cors(mut apply: Apply<Http1>, headers: &mut HeaderMap) {
    apply.apply_to(headers);
}

/// Sends `request` to the upstream and returns its response, hop-by-hop headers removed.
async fn forward<B>(
    state: &State,
    peer: SocketAddr,
    request: Request<B>,
) -> Result<Response<ProxyBody>, Fault>
where
    B: Body<Data = Bytes> + Send + Sync + 'static,
    B::Error: Into<BoxError>,
{
    let limits = &state.limits;
    let mut request = request;
    // An HTTP/1.1 upgrade (WebSocket): the client's side of the connection, once answered 101.
    let upgrade = upgrade_protocol(request.headers())
        .map(|protocol| (protocol, hyper::upgrade::on(&mut request)));
    let (mut parts, body) = request.into_parts();
    let version = parts.version;
    if let Some(max) = limits.max_body_bytes {
        let declared = parts
            .headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|n| n > max) {
            return Err(Fault::BodyTooLarge);
        }
    }
    let host = parts
        .uri
        .authority()
        .map(|a| a.as_str().to_owned())
        .or_else(|| {
            parts
                .headers
                .get(header::HOST)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        });
    remove_hop_by_hop(&mut parts.headers);
    if let Some((protocol, _)) = &upgrade {
        parts
            .headers
            .insert(header::CONNECTION, HeaderValue::from_static("upgrade"));
        parts.headers.insert(header::UPGRADE, protocol.clone());
    }
    add_forwarded(&mut parts.headers, peer, state.scheme, host.as_deref());
    if let Some(host) = host.as_deref().and_then(|h| HeaderValue::from_str(h).ok()) {
        parts.headers.insert(header::HOST, host);
    }
    let path_and_query = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let target = format!(
        "http://{}{}{}",
        state.upstream.authority, state.upstream.base, path_and_query
    );
    parts.uri = target.parse::<Uri>().map_err(|_| Fault::Upstream)?;
    parts.version = http::Version::HTTP_11;

    let body = IdleTimeout::new(body, limits.idle_timeout);
    let body: ProxyBody = match limits.max_body_bytes {
        Some(max) => Limited::new(body, usize::try_from(max).unwrap_or(usize::MAX))
            .map_err(|e| e as BoxError)
            .boxed(),
        None => body.boxed(),
    };
    let upstream = Request::from_parts(parts, body);

    let response = tokio::time::timeout(limits.first_byte_timeout, state.client.request(upstream))
        .await
        .map_err(|_| Fault::FirstByteTimeout)?
        .map_err(|e| classify(&e))?;
    if response.status() == StatusCode::SWITCHING_PROTOCOLS {
        if let Some((_, client)) = upgrade {
            return Ok(switch(response, client, version));
        }
    }
    let (mut parts, body) = response.into_parts();
    remove_hop_by_hop(&mut parts.headers);
    // The client's version, whatever the upstream speaks (an HTTP/1.0 upstream must not turn a
    // keep-alive connection into a closing one).
    parts.version = version;
    let body = IdleTimeout::new(body, limits.idle_timeout).boxed();
    Ok(Response::from_parts(parts, body))
}

/// The protocol an HTTP/1.1 request asks to upgrade to (`Connection: upgrade` and `Upgrade`).
fn upgrade_protocol(headers: &HeaderMap) -> Option<HeaderValue> {
    let asks = headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| t.trim().eq_ignore_ascii_case("upgrade"));
    if asks {
        headers.get(header::UPGRADE).cloned()
    } else {
        None
    }
}

/// The upstream switched protocols: answers the client 101 with the upstream's `Upgrade`, then
/// copies bytes both ways between the two upgraded connections until either side closes.
fn switch(
    mut response: Response<hyper::body::Incoming>,
    client: hyper::upgrade::OnUpgrade,
    version: http::Version,
) -> Response<ProxyBody> {
    let upstream = hyper::upgrade::on(&mut response);
    let (mut parts, _) = response.into_parts();
    let protocol = parts.headers.get(header::UPGRADE).cloned();
    remove_hop_by_hop(&mut parts.headers);
    parts
        .headers
        .insert(header::CONNECTION, HeaderValue::from_static("upgrade"));
    if let Some(protocol) = protocol {
        parts.headers.insert(header::UPGRADE, protocol);
    }
    parts.version = version;
    tokio::spawn(async move {
        let (Ok(client), Ok(upstream)) = (client.await, upstream.await) else {
            tracing::debug!(target: "corsica_proxy", "an upgrade did not complete");
            return;
        };
        let mut client = hyper_util::rt::TokioIo::new(client);
        let mut upstream = hyper_util::rt::TokioIo::new(upstream);
        let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
    });
    Response::from_parts(parts, empty())
}

/// The fault an upstream request failed with.
fn classify(error: &hyper_util::client::legacy::Error) -> Fault {
    let mut source = error.source();
    while let Some(e) = source {
        if e.is::<LengthLimitError>() {
            return Fault::BodyTooLarge;
        }
        if e.is::<crate::body::Idle>() {
            return Fault::ClientIdle;
        }
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            if io.kind() == std::io::ErrorKind::TimedOut {
                return Fault::ConnectTimeout;
            }
        }
        if e.to_string().contains("timed out") && error.is_connect() {
            return Fault::ConnectTimeout;
        }
        source = e.source();
    }
    if error.is_connect() {
        Fault::Connect
    } else {
        Fault::Upstream
    }
}
