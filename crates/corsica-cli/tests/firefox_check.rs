//! `corsica check --browser firefox` against real Firefox (Debian's `firefox-esr`), scenario by
//! scenario: the same generated scenarios as `chromium_check.rs`, with the same seed.
//!
//! A page on one loopback origin calls `fetch()` in Firefox (driven over WebDriver BiDi) against
//! stub servers answering canned headers per scenario; the same scenario is then checked by
//! `corsica check`'s own code as Firefox (`live::check` with `Engine::Firefox`) against the same
//! servers. For every scenario these must agree, or the trial fails and prints the scenario:
//! - the verdict (`fetch()` resolved ⇔ allowed);
//! - every CORS error line Firefox's console service holds, in order, text for text (the URLs
//!   are the same on both sides: nothing to normalize), and the first line's category, which is
//!   Firefox's reason code (`CORSMissingAllowOrigin2`);
//! - Firefox's CORS warnings (`Authorization` let through by `Access-Control-Allow-Headers: *`);
//! - the headers the script can read, when allowed;
//! - the requests the servers saw: method, path, `Origin`, `Access-Control-Request-Method`,
//!   `Access-Control-Request-Headers`, in order.
//!
//! Every disagreement is a corsica bug unless listed in [`DEVIATIONS`] with its reason.
//! Firefox must be installed: without it the run fails with the command that installs it.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use corsica::Origin;
use corsica::browser::{CredentialsMode, Engine, recognize};
use corsica_cli::check::live;
use corsica_harness::{Firefox, FirefoxFetch, StubServer};
use libtest_mimic::{Arguments, Failed, Trial};

mod support;
use support::scenarios::{Log, Scenario, Srv, Urls, init, respond, take_log};

/// The generator's seed: the Chromium suite's, so both engines see the same scenarios.
const SEED: u64 = 0xC025_1CA0_2026_0003;
/// How many generated scenarios.
const GENERATED: usize = 540;

/// A documented difference between Firefox and corsica: a disagreement passes only when one
/// of these recognizes it exactly.
struct Deviation {
    name: &'static str,
    matches: fn(&Scenario, &Outcome, &Outcome) -> bool,
}

/// The documented differences; every other disagreement found was a corsica bug, and fixed.
///
/// 1. `header-name-space` — **HTTP parsing, not CORS.** A response header written with a space
///    before its colon (`Access-Control-Allow-Origin : …`): Chromium's HTTP/1 parser drops the
///    space, Firefox's keeps it, so the name is not `Access-Control-Allow-Origin` and the fetch is
///    blocked. `corsica check` has one HTTP/1 reader for every engine, Chromium's. Recognized only
///    when a response of the scenario has such a name, Firefox blocks for a missing
///    `Access-Control-Allow-Origin` and corsica allows.
const DEVIATIONS: &[Deviation] = &[Deviation {
    name: "header-name-space (HTTP/1 parsing: Firefox keeps a space before the colon)",
    matches: header_name_space,
}];

fn header_name_space(s: &Scenario, theirs: &Outcome, ours: &Outcome) -> bool {
    let spaced = s.stops.iter().any(|stop| {
        stop.actual
            .headers
            .iter()
            .chain(&stop.preflight.headers)
            .any(|(n, _)| n.ends_with(' '))
    });
    spaced
        && !theirs.allowed
        && ours.allowed
        && theirs.code.as_deref() == Some("CORSMissingAllowOrigin2")
}

/// What one side concluded.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Outcome {
    allowed: bool,
    /// The reason code (the first error line's category).
    code: Option<String>,
    /// The CORS error lines, in order.
    errors: Vec<String>,
    /// The CORS warnings, in order.
    warnings: Vec<String>,
    exposed: Vec<String>,
}

fn firefox_outcome(r: &FirefoxFetch) -> Outcome {
    let cors = |warning: bool| {
        r.console
            .iter()
            .filter(move |m| m.category.starts_with("CORS") && m.warning == warning)
    };
    let mut exposed: Vec<String> = r.headers.iter().map(|(n, _)| n.clone()).collect();
    exposed.sort();
    exposed.dedup();
    Outcome {
        allowed: r.ok,
        code: cors(false).next().map(|m| m.category.clone()),
        errors: cors(false).map(|m| m.text.clone()).collect(),
        warnings: cors(true).map(|m| m.text.clone()).collect(),
        exposed: if r.ok { exposed } else { Vec::new() },
    }
}

fn corsica_outcome(report: &live::Report) -> Outcome {
    let v = &report.verdict;
    Outcome {
        allowed: v.is_allowed(),
        code: v.reason_code().map(str::to_string),
        errors: v.console_lines(),
        warnings: v.console_warnings(),
        exposed: v
            .result
            .as_ref()
            .map(|e| e.headers.clone())
            .unwrap_or_default(),
    }
}

fn config(s: &Scenario, urls: &Urls) -> live::Config {
    live::Config {
        url: urls
            .url(s.stops[0].server, &s.path(0))
            .parse()
            .expect("scenario URL"),
        origin: Origin::parse(&urls.page).expect("page origin"),
        method: Some(s.method.clone()),
        headers: s
            .headers
            .iter()
            .map(|(n, v)| (n.clone(), v.as_bytes().to_vec()))
            .collect(),
        credentials: match s.credentials {
            Some("omit") => CredentialsMode::Omit,
            Some("include") => CredentialsMode::Include,
            _ => CredentialsMode::SameOrigin,
        },
        body: s.body.as_ref().map(|b| b.as_bytes().to_vec()),
        private_network: false,
        timeout: Duration::from_secs(10),
        insecure: false,
        ca_certificates: Vec::new(),
        cookie: None,
        user_agent: None,
        diagnose: false,
        engine: Engine::Firefox,
    }
}

struct Ctx {
    firefox: Firefox,
    urls: Urls,
    log: Log,
    _servers: Vec<StubServer>,
    stats: Mutex<Stats>,
}

#[derive(Default)]
struct Stats {
    firefox: Duration,
    corsica: Duration,
    allowed: usize,
    codes: BTreeMap<String, usize>,
    deviations: BTreeMap<&'static str, usize>,
}

fn run_scenario(ctx: &Ctx, s: &Scenario) -> Result<(), Failed> {
    let prefix = format!("/s/{}/", s.id);
    take_log(&ctx.log, "");
    let url = ctx.urls.url(s.stops[0].server, &s.path(0));
    let t = Instant::now();
    let firefox = ctx
        .firefox
        .fetch(&url, &init(s))
        .map_err(|e| format!("firefox: {e}"))?;
    let firefox_time = t.elapsed();
    let firefox_seen = take_log(&ctx.log, &prefix);
    let t = Instant::now();
    let report = live::check(&config(s, &ctx.urls));
    let corsica_time = t.elapsed();
    let corsica_seen = take_log(&ctx.log, &prefix);
    let report =
        report.map_err(|e| format!("{}\n\ncorsica check failed: {e}", s.describe(&ctx.urls)))?;
    let theirs = firefox_outcome(&firefox);
    let ours = corsica_outcome(&report);
    {
        let mut stats = ctx.stats.lock().expect("stats lock");
        stats.firefox += firefox_time;
        stats.corsica += corsica_time;
        if theirs.allowed {
            stats.allowed += 1;
        }
        if let Some(c) = &theirs.code {
            *stats.codes.entry(c.clone()).or_default() += 1;
        }
    }
    let mut problems = Vec::new();
    if theirs.allowed != ours.allowed {
        problems.push(format!(
            "verdict: firefox {}, corsica {}",
            if theirs.allowed { "allowed" } else { "blocked" },
            if ours.allowed { "allowed" } else { "blocked" },
        ));
    }
    if !theirs.allowed && firefox.error.as_deref() != report.verdict.script_error() {
        problems.push(format!(
            "what the script sees: firefox {:?}, corsica {:?}",
            firefox.error,
            report.verdict.script_error()
        ));
    }
    if theirs.code != ours.code {
        problems.push(format!(
            "reason code: firefox {:?}, corsica {:?}",
            theirs.code, ours.code
        ));
    }
    if theirs.errors != ours.errors {
        problems.push(format!(
            "console errors:\n    firefox {:#?}\n    corsica {:#?}",
            theirs.errors, ours.errors
        ));
    }
    if theirs.warnings != ours.warnings {
        problems.push(format!(
            "console warnings:\n    firefox {:?}\n    corsica {:?}",
            theirs.warnings, ours.warnings
        ));
    }
    if theirs.allowed && ours.allowed && theirs.exposed != ours.exposed {
        problems.push(format!(
            "readable headers: firefox {:?}, corsica {:?}",
            theirs.exposed, ours.exposed
        ));
    }
    if firefox_seen != corsica_seen {
        problems.push(format!(
            "requests seen by the servers:\n    firefox {firefox_seen:?}\n    corsica {corsica_seen:?}"
        ));
    }
    // `corsica explain` reads every line the real browser printed back as this engine's.
    for line in theirs.errors.iter().chain(&theirs.warnings) {
        match recognize(line) {
            Some(read) if read.engine == Engine::Firefox => {}
            other => problems.push(format!("corsica explain reads {line:?} as {other:?}")),
        }
    }
    if !problems.is_empty() {
        if let Some(d) = DEVIATIONS.iter().find(|d| (d.matches)(s, &theirs, &ours)) {
            *ctx.stats
                .lock()
                .expect("stats lock")
                .deviations
                .entry(d.name)
                .or_default() += 1;
            return Ok(());
        }
        return Err(format!(
            "{}\n\nDISAGREEMENT:\n  {}\n  firefox console: {:#?}\n  script: {:?}",
            s.describe(&ctx.urls),
            problems.join("\n  "),
            firefox.console,
            firefox.error
        )
        .into());
    }
    Ok(())
}

fn main() {
    let mut args = Arguments::from_args();
    args.test_threads = Some(1);
    let seed = std::env::var("CORSICA_CHECK_SEED")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .unwrap_or(SEED);
    let scenarios: Arc<OnceLock<Vec<Scenario>>> = Arc::new(OnceLock::new());
    let log: Log = Arc::new(Mutex::new(Vec::new()));
    let server = || {
        let (scenarios, log) = (Arc::clone(&scenarios), Arc::clone(&log));
        StubServer::start(move |req| respond(&scenarios, &log, req)).expect("start a stub server")
    };
    let (page_server, api, third) = (server(), server(), server());
    let urls = Urls {
        page: page_server.origin(),
        api: api.origin(),
        third: format!("http://localhost:{}", third.addr().port()),
    };
    let all = support::every_scenario(seed, GENERATED, &urls);
    let _ = scenarios.set(all.clone());

    let trials_of = |ctx: Option<Arc<Ctx>>| -> Vec<Trial> {
        all.iter()
            .map(|s| {
                let (ctx, s) = (ctx.clone(), s.clone());
                let name = format!("s{:04} {}", s.id, s.title);
                Trial::test(name, move || match &ctx {
                    Some(ctx) => run_scenario(ctx, &s),
                    None => Ok(()),
                })
            })
            .collect()
    };
    if args.list {
        libtest_mimic::run(&args, trials_of(None)).exit();
    }
    let started = Instant::now();
    let firefox = Firefox::launch().unwrap_or_else(|e| {
        panic!(
            "{e}\nThis suite needs Firefox: apt-get install -y firefox-esr (scripts/test installs it)"
        )
    });
    let version = firefox.version().to_string();
    firefox
        .goto(&urls.url(Srv::Page, "/"))
        .expect("load the page");
    let launch = started.elapsed();
    println!(
        "corsica check --browser firefox vs {version}: {} scenarios ({GENERATED} generated with seed {seed:#x}, {} explicit: redirects, refused-header order, wire bytes, where engines differ); page {}, api {}; launched in {:.1} s",
        all.len(),
        all.len() - GENERATED,
        urls.page,
        urls.api,
        launch.as_secs_f64()
    );
    let ctx = Arc::new(Ctx {
        firefox,
        urls,
        log,
        _servers: vec![page_server, api, third],
        stats: Mutex::new(Stats::default()),
    });
    let conclusion = libtest_mimic::run(&args, trials_of(Some(Arc::clone(&ctx))));
    {
        let stats = ctx.stats.lock().expect("stats lock");
        let ran = conclusion.num_passed + conclusion.num_failed;
        println!(
            "{ran} scenarios in {:.1} s (Firefox fetch {:.1} s, corsica in-process {:.1} s); Firefox allowed {}, blocked {}",
            started.elapsed().as_secs_f64(),
            stats.firefox.as_secs_f64(),
            stats.corsica.as_secs_f64(),
            stats.allowed,
            ran as usize - stats.allowed
        );
        for (name, n) in &stats.deviations {
            println!("documented deviation {name}: {n} scenario(s)");
        }
        println!(
            "{} distinct reason codes seen from Firefox:",
            stats.codes.len()
        );
        for (code, n) in &stats.codes {
            println!("  {n:4}  {code}");
        }
    }
    drop(ctx);
    conclusion.exit();
}
