//! `corsica demo` in real Chromium: the built binary is started with no arguments, its page
//! is opened in headless Chromium, every request on it is clicked, and each card must show the
//! browser's real outcome next to `corsica check`'s, agreeing, with the explanation word for word
//! what the `corsica check` binary prints for the same request.
//!
//! Chromium must be installed (`chromium`, or `CORSICA_CHROMIUM`): without it the test fails
//! with the command that installs it. With `CORSICA_UPDATE_SCREENSHOT=1` the final screenshot
//! is written to `docs/demo.png`.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use corsica_harness::{Chromium, Page};
use serde_json::{Value, json};

use crate::util::TestDir;

/// How long one card may take: the browser's fetch, then corsica's check.
const CARD_TIMEOUT: Duration = Duration::from_secs(30);

/// The running `corsica demo`, stopped (SIGKILL) when dropped, so a failing test leaves nothing
/// behind.
struct Demo {
    child: Child,
    api: String,
    page: String,
    /// Its working directory.
    _dir: TestDir,
}

impl Demo {
    /// `corsica demo` with no arguments; waits for the two URLs it prints.
    fn start() -> Demo {
        let dir = TestDir::new();
        let mut child = dir.corsica(["demo"]).spawn();
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut demo = Demo {
            child,
            api: String::new(),
            page: String::new(),
            _dir: dir,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while demo.api.is_empty() || demo.page.is_empty() {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = rx
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("corsica demo printed no API and Page URLs in 30 s"));
            let url = |label: &str| {
                line.strip_prefix(label)
                    .and_then(|rest| rest.split_whitespace().next())
                    .map(str::to_owned)
            };
            if let Some(api) = url("API ") {
                demo.api = api;
            } else if let Some(page) = url("Page ") {
                assert!(line.contains("← open this"), "{line}");
                demo.page = page;
            }
        }
        demo
    }

    /// Stops the demo as Ctrl-C would (SIGTERM here) and returns its exit code.
    fn stop(mut self) -> Option<i32> {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -TERM failed");
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = self.child.try_wait().expect("wait for corsica demo") {
                return status.code();
            }
            assert!(
                Instant::now() < deadline,
                "corsica demo did not stop within 10 s of SIGTERM"
            );
            thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// What a card shows, read from its `data-*` attributes and text.
fn card(page: &Page, id: &str) -> Value {
    page.eval(&format!(
        "(() => {{ const c = document.getElementById({id}); if (!c) return null; \
         return {{ ...c.dataset, \
           browserText: c.querySelector('[data-role=browser-verdict]')?.textContent ?? null, \
           trace: c.querySelector('pre.trace')?.textContent ?? null, \
           command: c.querySelector('.cmd')?.textContent ?? null, \
           engines: [...c.querySelectorAll('[data-role=engines] tr')].map(tr => tr.dataset.engine + ' ' + tr.dataset.verdict), \
           seen: [...c.querySelectorAll('ul.seen li[data-outcome]')].map(li => li.textContent) }}; }})()",
        id = json!(id)
    ))
    .expect("read a card")
}

/// Clicks `button` and waits until card `id` has both verdicts.
fn run(page: &Page, button: &str, id: &str) -> Value {
    page.click(button).expect("click");
    page.wait_for(
        &format!(
            "document.getElementById({}) && document.getElementById({}).dataset.state === 'done'",
            json!(id),
            json!(id)
        ),
        CARD_TIMEOUT,
    )
    .unwrap_or_else(|e| panic!("card {id} never finished: {e}\n{}", card(page, id)));
    let c = card(page, id);
    assert!(c.get("failed").is_none(), "card {id} failed: {c:#}");
    assert_eq!(
        c["browser"], c["corsica"],
        "card {id}: the browser and corsica disagree: {c:#}"
    );
    assert_eq!(c["agree"], "yes", "card {id}: {c:#}");
    c
}

/// What the `corsica check` binary prints for these arguments (no colour: not a terminal).
fn corsica_check(args: &[&str]) -> String {
    TestDir::new().corsica(["check"]).args(args).run().stdout
}

#[test]
fn the_demo_page_agrees_with_the_browser_in_real_chromium() {
    let started = Instant::now();
    let demo = Demo::start();
    assert!(demo.api.starts_with("http://127.0.0.1:"), "{}", demo.api);
    assert!(demo.page.starts_with("http://localhost:"), "{}", demo.page);

    let chromium = Chromium::launch().unwrap_or_else(|e| panic!("{e}"));
    let page = chromium.new_page().expect("open a tab");
    // The screenshot's viewport from the start, so the layout is the final one.
    page.screenshot(1200, 900).expect("set the viewport");
    page.goto(&demo.page).expect("open the demo page");
    assert_eq!(
        page.eval("location.origin").expect("origin"),
        json!(demo.page),
        "the page is served on the origin the demo printed"
    );

    // A simple request: no preflight, allowed, X-Request-Id readable (the policy exposes it).
    let simple = run(&page, "#run-simple", "card-simple");
    assert_eq!(simple["browser"], "allowed", "{simple:#}");
    assert_eq!(simple["preflight"], "no", "{simple:#}");
    assert_eq!(simple["apiPreflight"], "no", "{simple:#}");
    // The three engines side by side, each checked by corsica as that engine.
    assert_eq!(
        simple["engines"],
        json!(["chromium allowed", "firefox allowed", "webkit allowed"]),
        "{simple:#}"
    );
    let shown = simple["browserText"].as_str().unwrap_or_default();
    assert!(shown.contains("200"), "{simple:#}");
    assert!(
        page.eval(
            "document.querySelector('#card-simple .kv').textContent.includes('x-request-id: demo-')"
        )
        .expect("read headers")
            == json!(true),
        "X-Request-Id is readable: {simple:#}"
    );

    // Credentials: allowed (the policy echoes the origin and allows credentials).
    let credentialed = run(&page, "#run-credentials", "card-credentials");
    assert_eq!(credentialed["browser"], "allowed", "{credentialed:#}");
    assert!(
        credentialed["trace"]
            .as_str()
            .unwrap_or_default()
            .contains("✓ Access-Control-Allow-Credentials is true"),
        "{credentialed:#}"
    );

    // The form: PATCH is not in the policy's methods, so the policy refuses the preflight: 403
    // with no CORS headers (the policy's `debug` is off), which is all the browser and corsica
    // see; the API's log says why.
    page.eval(
        "(() => { const set = (id, v) => document.getElementById(id).value = v; \
         set('f-method', 'PATCH'); set('f-path', '/api/items/1'); \
         set('f-headers', 'Content-Type: application/json'); set('f-body', '{\"done\": true}'); \
         set('f-credentials', 'same-origin'); return true; })()",
    )
    .expect("fill the form");
    let patch = run(&page, "#run-custom", "card-custom-1");
    assert_eq!(patch["browser"], "blocked", "{patch:#}");
    assert_eq!(patch["preflight"], "yes", "{patch:#}");
    assert_eq!(patch["apiPreflight"], "yes", "{patch:#}");
    assert_eq!(
        patch["kind"], "PreflightMissingAllowOriginHeader",
        "{patch:#}"
    );
    assert!(
        patch["trace"]
            .as_str()
            .unwrap_or_default()
            .contains("Access-Control-Request-Method: PATCH"),
        "{patch:#}"
    );
    let seen = patch["seen"].to_string();
    assert!(
        seen.contains("preflight-denied-after") && seen.contains("method PATCH is not allowed"),
        "the API's log says the method is not allowed: {patch:#}"
    );

    // A JSON PUT: a preflight, then the PUT; allowed.
    let put = run(&page, "#run-put", "card-put");
    assert_eq!(put["browser"], "allowed", "{put:#}");
    assert_eq!(put["preflight"], "yes", "{put:#}");
    assert_eq!(
        put["apiPreflight"], "yes",
        "the browser sent a preflight: {put:#}"
    );
    let put_seen = put["seen"].to_string();
    assert!(
        put_seen.contains("OPTIONS /api/items/2 → 204")
            && put_seen.contains("PUT /api/items/2 → 200"),
        "{put:#}"
    );
    assert_eq!(
        put["trace"].as_str().unwrap_or_default(),
        corsica_check(&[
            &format!("{}/api/items/2", demo.api),
            "--origin",
            &demo.page,
            "-X",
            "PUT",
            "-H",
            "Content-Type: application/json",
            "-d",
            r#"{"title": "Click every request on the demo page", "done": true}"#,
            "--diagnose",
        ]),
        "the card shows what `corsica check` prints"
    );

    // A header the policy does not allow: the preflight is refused (403, no CORS headers).
    // Last, so that it tops the screenshot.
    let refused = run(&page, "#run-disallowed", "card-disallowed");
    assert_eq!(refused["browser"], "blocked", "{refused:#}");
    assert_eq!(refused["apiPreflight"], "yes", "{refused:#}");
    let seen = refused["seen"].to_string();
    assert!(
        seen.contains("preflight-denied-after") && seen.contains("x-debug"),
        "the API's log names the refused header: {refused:#}"
    );
    assert_eq!(
        refused["trace"].as_str().unwrap_or_default(),
        corsica_check(&[
            &format!("{}/api/items", demo.api),
            "--origin",
            &demo.page,
            "-H",
            "X-Debug: 1",
            "--diagnose",
        ]),
        "the card shows what `corsica check --diagnose` prints"
    );
    assert!(
        refused["trace"]
            .as_str()
            .unwrap_or_default()
            .contains("the server refuses the header x-debug (--diagnose"),
        "the demo names the refused part: {refused:#}"
    );

    page.eval("window.scrollTo(0, 0)").expect("scroll");
    let png = page.screenshot(1200, 900).expect("screenshot");
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "a PNG");
    if std::env::var_os("CORSICA_UPDATE_SCREENSHOT").is_some_and(|v| v == "1") {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/demo.png");
        std::fs::create_dir_all(path.parent().expect("docs/")).expect("create docs/");
        std::fs::write(&path, &png).expect("write docs/demo.png");
        eprintln!("wrote {}", path.display());
    }

    drop(page);
    drop(chromium);
    assert_eq!(demo.stop(), Some(0), "SIGTERM stops the demo with status 0");
    eprintln!(
        "corsica demo in real Chromium: 5 cards in {:.1} s",
        started.elapsed().as_secs_f64()
    );
}
