//! `corsica proxy`, the built binary: startup errors (exit 2, one line each, the policy's
//! mistakes as `policy lint` words them), requests through it to a loopback upstream, the access
//! log (text and JSON), reload on SIGHUP and on file change (a bad file refused, the old policy
//! kept), and SIGTERM draining a request under way (exit 0). The proxy's own behaviour in depth
//! is tested in crates/corsica-proxy.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use corsica_harness::{StubResponse, StubServer};

use crate::util::TestDir;

const GOOD_A: &str = "origins = [\"https://a.example\"]\n";
const GOOD_B: &str = "origins = [\"https://b.example\"]\n";
const BAD: &str = "origins = [\"https://a.example/\", \"*\"]\ncredentials = true\n";

fn upstream() -> StubServer {
    StubServer::start(|request| {
        if request.path() == "/slow" {
            thread::sleep(Duration::from_millis(700));
        }
        StubResponse::new(200)
            .header("Content-Type", "text/plain")
            .header("Access-Control-Allow-Origin", "*")
            .body("from upstream")
    })
    .expect("loopback upstream")
}

/// A running `corsica proxy`: its address, and its standard error as it comes.
struct Running {
    child: Child,
    addr: SocketAddr,
    stderr: Arc<Mutex<String>>,
}

impl Running {
    fn start(dir: &TestDir, args: &[&str]) -> Running {
        let mut child = Command::new(env!("CARGO_BIN_EXE_corsica"))
            .current_dir(dir.path())
            .arg("proxy")
            .args(args)
            .args(["--listen", "127.0.0.1:0"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start corsica proxy");
        let stderr = child.stderr.take().expect("piped stderr");
        let text = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = mpsc::channel();
        let collected = Arc::clone(&text);
        thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(rest) = line.strip_prefix("corsica proxy: listening on http://") {
                    let addr = rest.split(',').next().unwrap_or_default().to_owned();
                    let _ = tx.send(addr);
                }
                let mut all = collected.lock().unwrap();
                all.push_str(&line);
                all.push('\n');
            }
        });
        let addr = rx
            .recv_timeout(Duration::from_secs(20))
            .expect("corsica proxy printed no address in 20 s")
            .parse()
            .expect("an address");
        Running {
            child,
            addr,
            stderr: text,
        }
    }

    fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Waits until standard error contains `needle`.
    fn wait_for_log(&self, needle: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !self.stderr().contains(needle) {
            assert!(
                Instant::now() < deadline,
                "no {needle:?} in:\n{}",
                self.stderr()
            );
            thread::sleep(Duration::from_millis(20));
        }
    }

    fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .args([&format!("-{name}"), &self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -{name} failed");
    }

    /// The exit code once it has stopped (at most 10 s).
    fn wait(&mut self) -> Option<i32> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = self.child.try_wait().expect("wait for corsica proxy") {
                return status.code();
            }
            assert!(
                Instant::now() < deadline,
                "corsica proxy did not stop in 10 s"
            );
            thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// `GET path` with `Origin: origin` over a fresh connection: the status line and the headers.
fn get(addr: SocketAddr, path: &str, origin: &str) -> String {
    let mut stream = TcpStream::connect(addr).expect("connect to the proxy");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nOrigin: {origin}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("read the answer");
    answer.to_ascii_lowercase()
}

fn allowed(answer: &str, origin: &str) -> bool {
    answer.contains(&format!("access-control-allow-origin: {origin}\r\n"))
}

#[test]
fn startup_errors_exit_2_with_one_line_each() {
    let dir = TestDir::new();
    let bad = dir.write("bad.toml", BAD);
    let good = dir.write("cors.toml", GOOD_A);
    let lint = dir.corsica(["policy", "lint"]).arg(&bad).run().code(1);
    let out = dir
        .corsica(["proxy", "--policy"])
        .arg(&bad)
        .args(["--upstream", "http://127.0.0.1:9"])
        .run()
        .code(2);
    // Every mistake, worded as `policy lint` words it.
    let mistakes: Vec<&str> = lint
        .stdout
        .lines()
        .filter_map(|l| l.strip_prefix("error: "))
        .collect();
    assert_eq!(mistakes.len(), 2, "{}", lint.stdout);
    for mistake in mistakes {
        assert!(
            out.stderr.contains(&format!("  - {mistake}\n")),
            "{mistake}\n{}",
            out.stderr
        );
    }

    let out = dir
        .corsica(["proxy", "--policy"])
        .arg(&good)
        .args(["--upstream", "127.0.0.1:3000"])
        .run()
        .code(2);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("write it as http://127.0.0.1:3000"),
        "{}",
        out.stderr
    );

    let out = dir
        .corsica(["proxy", "--policy"])
        .arg(&good)
        .args([
            "--upstream",
            "http://127.0.0.1:9",
            "--tls-cert",
            "nope.pem",
            "--tls-key",
            "nope.pem",
        ])
        .run()
        .code(2);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(out.stderr.contains("--tls-cert nope.pem"), "{}", out.stderr);

    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let out = dir
        .corsica(["proxy", "--policy"])
        .arg(&good)
        .args([
            "--upstream",
            "http://127.0.0.1:9",
            "--listen",
            &format!("127.0.0.1:{port}"),
        ])
        .run()
        .code(2);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(out.stderr.contains("is taken"), "{}", out.stderr);
}

/// The sum of every sample of `family` (any labels) in Prometheus text.
fn metric_sum(text: &str, family: &str) -> f64 {
    text.lines()
        .filter(|l| l.starts_with(family) && l[family.len()..].starts_with(['{', ' ']))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

/// The address `--metrics 127.0.0.1:0` bound, from the proxy's log.
fn metrics_addr(log: &str) -> SocketAddr {
    log.lines()
        .find_map(|l| l.strip_prefix("corsica proxy: metrics on http://"))
        .and_then(|rest| rest.strip_suffix("/metrics"))
        .expect("the metrics address")
        .parse()
        .unwrap()
}

#[test]
fn the_proxy_enforces_reloads_and_drains() {
    let dir = TestDir::new();
    let file = dir.write("cors.toml", GOOD_A);
    let upstream = upstream();
    let mut proxy = Running::start(
        &dir,
        &[
            "--policy",
            file.to_str().unwrap(),
            "--upstream",
            &format!("http://{}", upstream.addr()),
            "--metrics",
            "127.0.0.1:0",
        ],
    );
    let answer = get(proxy.addr, "/items", "https://a.example");
    assert!(answer.starts_with("http/1.1 200"), "{answer}");
    assert!(allowed(&answer, "https://a.example"), "{answer}");
    assert!(answer.contains("from upstream"));
    // The upstream's own `*` is replaced by the policy's answer.
    let answer = get(proxy.addr, "/items", "https://b.example");
    assert!(!answer.contains("access-control-allow-origin"), "{answer}");
    proxy.wait_for_log("outcome=\"actual-denied\"");

    // SIGHUP: the file is read again.
    std::fs::write(&file, GOOD_B).unwrap();
    proxy.signal("HUP");
    proxy.wait_for_log("policy reloaded");
    assert!(allowed(
        &get(proxy.addr, "/", "https://b.example"),
        "https://b.example"
    ));

    // A bad file is refused, its mistakes logged as `policy lint` words them; B stays.
    std::fs::write(&file, BAD).unwrap();
    proxy.wait_for_log("the previous policy stays in force");
    proxy.wait_for_log("ends with a trailing slash");
    assert!(allowed(
        &get(proxy.addr, "/", "https://b.example"),
        "https://b.example"
    ));

    // A good file again, picked up on its own (no signal).
    std::fs::write(&file, GOOD_A).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !allowed(
        &get(proxy.addr, "/", "https://a.example"),
        "https://a.example",
    ) {
        assert!(
            Instant::now() < deadline,
            "the file change was not picked up:\n{}",
            proxy.stderr()
        );
        thread::sleep(Duration::from_millis(50));
    }

    // Two good reloads (SIGHUP, the file change) and at least one refused file, counted.
    let text = get(metrics_addr(&proxy.stderr()), "/metrics", "-");
    let ok = metric_sum(&text, "corsica_proxy_reloads_total{result=\"ok\"}");
    let failed = metric_sum(&text, "corsica_proxy_reloads_total{result=\"failed\"}");
    assert!(ok >= 2.0 && failed >= 1.0, "{text}");

    // SIGTERM with a request under way: it finishes, then the proxy exits 0.
    let addr = proxy.addr;
    let slow = thread::spawn(move || get(addr, "/slow", "https://a.example"));
    thread::sleep(Duration::from_millis(200));
    proxy.signal("TERM");
    let answer = slow.join().unwrap();
    assert!(answer.starts_with("http/1.1 200"), "{answer}");
    assert_eq!(proxy.wait(), Some(0), "{}", proxy.stderr());
    assert!(proxy.stderr().contains("corsica proxy: stopped"));
}

#[test]
fn the_access_log_can_be_json() {
    let dir = TestDir::new();
    let file = dir.write("cors.toml", GOOD_A);
    let upstream = upstream();
    let proxy = Running::start(
        &dir,
        &[
            "--policy",
            file.to_str().unwrap(),
            "--upstream",
            &format!("http://{}", upstream.addr()),
            "--log-format",
            "json",
            "--metrics",
            "127.0.0.1:0",
        ],
    );
    get(proxy.addr, "/items?x=1", "https://a.example");
    proxy.wait_for_log("\"path\"");
    let log = proxy.stderr();
    let line = log
        .lines()
        .find(|l| l.contains("\"path\""))
        .expect("an access log line");
    let event: serde_json::Value = serde_json::from_str(line).expect("one JSON object per line");
    assert_eq!(event["method"], "GET", "{event}");
    assert_eq!(event["path"], "/items", "{event}");
    assert_eq!(event["origin"], "https://a.example", "{event}");
    assert_eq!(event["outcome"], "actual-allowed", "{event}");
    assert_eq!(event["status"], 200, "{event}");
    assert_eq!(event["upstream_status"], 200, "{event}");
    assert!(
        event["reason"].as_str().is_some_and(|r| !r.is_empty()),
        "{event}"
    );
    assert!(event["duration_ms"].is_number(), "{event}");

    // Prometheus text: the request counted by outcome, the latency observed.
    let metrics = metrics_addr(&log);
    let text = get(metrics, "/metrics", "-");
    assert!(
        text.contains("corsica_proxy_requests_total{outcome=\"actual-allowed\"} 1"),
        "{text}"
    );
    assert!(
        text.contains("corsica_proxy_request_duration_seconds_count 1"),
        "{text}"
    );

    assert_eq!(
        metric_sum(&text, "corsica_proxy_upstream_errors_total"),
        0.0,
        "{text}"
    );

    // The upstream gone: a 502, counted as an upstream error.
    drop(upstream);
    let answer = get(proxy.addr, "/items", "https://a.example");
    assert!(answer.starts_with("http/1.1 502"), "{answer}");
    let text = get(metrics, "/metrics", "-");
    assert_eq!(
        metric_sum(&text, "corsica_proxy_upstream_errors_total"),
        1.0,
        "{text}"
    );
}
