//! Hot reload under load: the policy file is rewritten every 100 ms, alternating good and bad
//! files, while requests keep coming: none fails, each answer matches one of the good policies,
//! and the bad files are refused.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use corsica::{Policy, PolicyConfig, PolicyFormat};
use corsica_loopback::trial;
use corsica_proxy::{PolicySource, Reloader};
use libtest_mimic::Trial;

use crate::support::{block_on, client, full, get, policy, proxy, quick_limits, send, upstream};

/// How many requests the reload test sends.
const REQUESTS: usize = 20_000;

const GOOD_A: &str = "origins = [\"https://a.example\"]\n";
const GOOD_B: &str = "origins = [\"https://b.example\"]\n";
const BAD: &str = "origins = [\"https://a.example/\", \"*\"]\ncredentials = true\n";

pub(crate) fn trials() -> Vec<Trial> {
    vec![trial!(reloads_under_load_lose_no_request)]
}

/// A TOML file, parsed and compiled by the engine.
pub(crate) struct File(pub(crate) PathBuf);

impl PolicySource for File {
    fn load(&self) -> Result<Policy, Vec<String>> {
        let bytes = std::fs::read(&self.0).map_err(|e| vec![e.to_string()])?;
        let config =
            PolicyConfig::parse(&bytes, PolicyFormat::Toml).map_err(|e| vec![e.to_string()])?;
        config
            .compile()
            .map_err(|errors| errors.iter().map(|e| e.message()).collect())
    }

    fn path(&self) -> Option<&Path> {
        Some(&self.0)
    }
}

fn reloads_under_load_lose_no_request() {
    block_on(async {
        let dir = std::env::temp_dir().join(format!("corsica-proxy-reload-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("cors.toml");
        std::fs::write(&path, GOOD_A).unwrap();
        let up = upstream(|_| async { http::Response::new(full("ok")) }).await;
        let proxy = proxy(up.addr, policy(GOOD_A), quick_limits()).await;
        let reloader = Arc::new(Reloader::new(
            Arc::new(File(path.clone())),
            proxy.handle.clone(),
        ));
        let watching = tokio::spawn(corsica_proxy::watch(Arc::clone(&reloader)));

        let done = Arc::new(AtomicBool::new(false));
        let writes = Arc::new(AtomicUsize::new(0));
        let writer = {
            let (done, writes, path) = (Arc::clone(&done), Arc::clone(&writes), path.clone());
            tokio::spawn(async move {
                let files = [BAD, GOOD_B, BAD, GOOD_A];
                let mut n = 0;
                while !done.load(Ordering::SeqCst) {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    let text = files[n % files.len()];
                    if n % 2 == 0 {
                        // In place: readers may see it truncated, which is refused like a bad file.
                        std::fs::write(&path, text).unwrap();
                    } else {
                        // Replaced by a rename, as editors and deploy tools do.
                        let tmp = path.with_extension("tmp");
                        std::fs::write(&tmp, text).unwrap();
                        std::fs::rename(&tmp, &path).unwrap();
                    }
                    n += 1;
                    writes.store(n, Ordering::SeqCst);
                }
            })
        };

        let started = Instant::now();
        let seen = [Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0))];
        let mut workers = Vec::new();
        let per_worker = REQUESTS / 8;
        for _ in 0..8 {
            let client = client();
            let addr = proxy.addr;
            let seen = seen.clone();
            workers.push(tokio::spawn(async move {
                for i in 0..per_worker {
                    let origin = if i % 2 == 0 {
                        "https://a.example"
                    } else {
                        "https://b.example"
                    };
                    let got = send(&client, get(addr, "/", origin))
                        .await
                        .unwrap_or_else(|e| panic!("request {i}: {e}"));
                    assert_eq!(got.status, 200, "request {i}: {got:?}");
                    assert_eq!(got.header("vary"), Some("origin"), "request {i}");
                    // The origin is allowed under one of the two good policies: either it is
                    // echoed, or nothing is (never a stale or mixed answer).
                    if let Some(allowed) = got.header("access-control-allow-origin") {
                        assert_eq!(allowed, origin, "request {i}");
                        seen[usize::from(origin == "https://b.example")]
                            .fetch_add(1, Ordering::Relaxed);
                    }
                }
            }));
        }
        for worker in workers {
            worker.await.unwrap();
        }
        let took = started.elapsed();
        done.store(true, Ordering::SeqCst);
        writer.await.unwrap();
        tokio::time::sleep(Duration::from_millis(200)).await;
        let (ok, failed) = reloader.counts();
        watching.abort();
        let _ = std::fs::remove_dir_all(&dir);
        eprintln!(
            "reload: {REQUESTS} requests in {took:?}, {} file writes, {ok} reloads, {failed} refused; allowed under A {}, under B {}",
            writes.load(Ordering::SeqCst),
            seen[0].load(Ordering::Relaxed),
            seen[1].load(Ordering::Relaxed)
        );
        assert!(
            ok >= 2 && failed >= 2,
            "reloads {ok}, refused {failed}: the file changes were not seen"
        );
        assert!(
            seen[0].load(Ordering::Relaxed) > 0 && seen[1].load(Ordering::Relaxed) > 0,
            "both policies served"
        );
    });
}
