//! Every `vectors/e2e` case through every enforcement point, in real headless Chromium: a page on
//! one loopback origin `fetch()`es the API on another, and Chromium's verdict (allowed or not,
//! its `CorsError` kind, whether it sent a preflight, the status and readable headers) must equal
//! the vector. The engine's own prediction of the same cases is checked by
//! `corsica/tests/server_vectors.rs`, so all three agree.

use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use corsica_conformance::e2e::{Case, Origins, PageOrigin};
use corsica_conformance::{Loaded, broken, exception_verdict, load};
use corsica_e2e::{Actix, Apache, Caddy, EnforcementPoint, Engine, Haproxy, Nginx, Proxy, Tower};
use corsica_harness::{Chromium, Page, StubResponse, StubServer};
use libtest_mimic::{Arguments, Failed, Trial};
use serde_json::json;

const PAGE: &str = "<!doctype html><html><head><title>corsica e2e</title></head><body><p>e2e page</p></body></html>";

struct World {
    page: Page,
    page_server: StubServer,
    other_server: StubServer,
    sub_server: StubServer,
    _chromium: Chromium,
}

fn page_server() -> StubServer {
    StubServer::start(|_| {
        StubResponse::new(200)
            .header("Content-Type", "text/html")
            .body(PAGE)
    })
    .expect("loopback page server")
}

fn run_case(world: &World, point: &dyn EnforcementPoint, case: &Case) -> Result<(), Failed> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    let api = format!(
        "http://{}",
        listener.local_addr().map_err(|e| e.to_string())?
    );
    let origins = Origins {
        page: format!("http://localhost:{}", world.page_server.addr().port()),
        other: format!("http://localhost:{}", world.other_server.addr().port()),
        sub: format!("http://app.localhost:{}", world.sub_server.addr().port()),
        api: api.clone(),
    };
    let policy = origins.policy(case)?;
    let _guard = point.serve(listener, &policy)?;

    let page_url = match case.request.origin {
        PageOrigin::Null => format!("{}/", origins.page),
        origin => format!("{}/", origins.origin(origin)),
    };
    world
        .page
        .goto(&page_url)
        .map_err(|e| format!("loading the page {page_url}: {e}"))?;
    let mut init = json!({
        "method": case.request.method,
        "credentials": case.request.credentials.as_str(),
        "headers": case.request.headers,
    });
    if !matches!(
        case.request.method.to_ascii_uppercase().as_str(),
        "GET" | "HEAD"
    ) {
        init["body"] = json!("e2e");
    }
    // A query of its own per case, so that a preflight event is this case's even when a later
    // case gets the same loopback port (and Chromium's preflight cache cannot answer for it).
    static CASE: AtomicUsize = AtomicUsize::new(0);
    let separator = if case.request.url.contains('?') {
        '&'
    } else {
        '?'
    };
    let url = format!(
        "{api}{}{separator}e2e-case={}",
        case.request.url,
        CASE.fetch_add(1, Ordering::Relaxed)
    );
    let result = if case.request.origin == PageOrigin::Null {
        world.page.fetch_from_sandboxed_iframe(&url, &init)
    } else {
        world.page.fetch(&url, &init)
    }
    .map_err(|e| format!("fetch: {e}"))?;

    let mut problems = Vec::new();
    let expect = &case.expect;
    let kind = result.cors_failure.as_ref().map(|f| f.kind.as_str());
    if result.ok != expect.allowed {
        problems.push(format!(
            "allowed: chromium {} vector {}",
            result.ok, expect.allowed
        ));
    }
    if kind != expect.error.map(|k| k.as_str()) {
        problems.push(format!(
            "error: chromium {kind:?} vector {:?}",
            expect.error.map(|k| k.as_str())
        ));
    }
    let mut preflighted = result.requests.iter().any(|r| r.preflight && r.url == url);
    if !preflighted && expect.preflight {
        // DevTools may report the preflight after the fetch resolved: wait for it a little.
        preflighted = world.page.saw_preflight(&url, Duration::from_secs(2));
    }
    if preflighted != expect.preflight {
        problems.push(format!(
            "preflight: chromium {preflighted} vector {}",
            expect.preflight
        ));
    }
    if let (true, Some(status)) = (result.ok, expect.status) {
        if result.status != status {
            problems.push(format!(
                "status: chromium {} vector {status}",
                result.status
            ));
        }
    }
    if let (true, Some(exposed)) = (result.ok, &expect.exposed) {
        let readable: Vec<String> = ["x-request-id", "x-internal"]
            .into_iter()
            .filter(|n| result.headers.iter().any(|(h, _)| h == n))
            .map(str::to_owned)
            .collect();
        let mut want = exposed.clone();
        want.sort();
        let mut got = readable;
        got.sort();
        if got != want {
            problems.push(format!("exposed: chromium {got:?} vector {want:?}"));
        }
    }
    if problems.is_empty() {
        if let Some(bug) = &expect.engine_bug {
            return Err(format!(
                "marked engine_bug ({bug}) but Chromium now agrees: remove the marker"
            )
            .into());
        }
        Ok(())
    } else {
        Err(format!(
            "{}\n  console: {:?}\n  js error: {:?}",
            problems.join("\n"),
            result.console,
            result.error
        )
        .into())
    }
}

fn main() {
    let mut args = Arguments::from_args();
    // One browser tab serves every case, one at a time.
    args.test_threads = Some(1);

    let chromium = Chromium::launch().unwrap_or_else(|e| panic!("{e}"));
    eprintln!("e2e: {}", chromium.version());
    let page = chromium.new_page().expect("a tab");
    let world = Arc::new(Mutex::new(World {
        page,
        page_server: page_server(),
        other_server: page_server(),
        sub_server: page_server(),
        _chromium: chromium,
    }));

    let points: Vec<&'static dyn EnforcementPoint> = vec![
        &Engine, &Tower, &Actix, &Proxy, &Nginx, &Apache, &Haproxy, &Caddy,
    ];
    let mut trials = Vec::new();
    for point in points {
        for loaded in load::<Case>() {
            let (test, case) = match loaded {
                Loaded::Case { test, case } => (test, case),
                Loaded::Broken { test, error } => {
                    trials.push(broken(format!("{}::{test}", point.name()), error));
                    continue;
                }
            };
            let name = format!("{}::{test}", point.name());
            let ignored = case.expect.engine_bug.is_some();
            let world = Arc::clone(&world);
            let exception = case.exceptions.get(point.name()).cloned();
            trials.push(
                Trial::ignorable_test(name, move || {
                    let world = world.lock().map_err(|_| "an earlier case panicked")?;
                    let result = run_case(&world, point, &case)
                        .map_err(|e| e.message().unwrap_or("failed").to_owned());
                    exception_verdict(exception.as_deref(), point.name(), result)
                })
                .with_ignored_flag(ignored),
            );
        }
    }
    let conclusion = libtest_mimic::run(&args, trials);
    // `exit` skips destructors: close Chromium first, or it outlives the test.
    drop(world);
    conclusion.exit();
}
