//! Hot reload: where the policy comes from, and replacing it on SIGHUP or when its file changes.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use corsica::Policy;
use corsica_adapter::PolicyHandle;

/// Where the proxy's policy comes from: `corsica proxy` reads the policy file with the same
/// code as `policy lint`, so that a refused reload logs the messages `policy lint` prints.
pub trait PolicySource: Send + Sync + 'static {
    /// Reads and compiles the policy; on failure, every problem, one line each.
    ///
    /// # Errors
    ///
    /// Every problem found, as `policy lint` words it.
    fn load(&self) -> Result<Policy, Vec<String>>;

    /// The file to watch for changes, if any.
    fn path(&self) -> Option<&Path>;
}

/// Replaces a proxy's policy with a fresh [`PolicySource::load`], keeping the old one when the
/// new one is refused, and counts the reloads.
pub struct Reloader {
    source: Arc<dyn PolicySource>,
    handle: PolicyHandle,
    ok: AtomicU64,
    failed: AtomicU64,
    metrics: Option<Arc<crate::metrics::Metrics>>,
}

impl std::fmt::Debug for Reloader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reloader")
            .field("path", &self.source.path())
            .field("ok", &self.ok)
            .field("failed", &self.failed)
            .finish_non_exhaustive()
    }
}

impl Reloader {
    /// A reloader putting `source`'s policies in force through `handle`.
    pub fn new(source: Arc<dyn PolicySource>, handle: PolicyHandle) -> Self {
        Reloader {
            source,
            handle,
            ok: AtomicU64::new(0),
            failed: AtomicU64::new(0),
            metrics: None,
        }
    }

    pub(crate) fn with_metrics(mut self, metrics: Arc<crate::metrics::Metrics>) -> Self {
        self.metrics = Some(metrics);
        self
    }

    /// Loads the policy again: puts it in force and returns `true`, or logs every problem (at
    /// `ERROR`, target `corsica_proxy`), keeps the policy in force and returns `false`.
    pub fn reload(&self, why: &str) -> bool {
        match self.source.load() {
            Ok(policy) => {
                self.handle.set(policy);
                self.ok.fetch_add(1, Ordering::Relaxed);
                if let Some(m) = &self.metrics {
                    m.reload(true);
                }
                tracing::info!(target: "corsica_proxy", %why, "policy reloaded");
                true
            }
            Err(problems) => {
                self.failed.fetch_add(1, Ordering::Relaxed);
                if let Some(m) = &self.metrics {
                    m.reload(false);
                }
                tracing::error!(
                    target: "corsica_proxy",
                    %why,
                    problems = %problems.join("; "),
                    "the new policy is invalid and was not loaded; the previous policy stays in force"
                );
                for problem in &problems {
                    tracing::error!(target: "corsica_proxy", "  - {problem}");
                }
                false
            }
        }
    }

    /// Reloads that put a policy in force, and reloads refused.
    pub fn counts(&self) -> (u64, u64) {
        (
            self.ok.load(Ordering::Relaxed),
            self.failed.load(Ordering::Relaxed),
        )
    }
}

/// Reloads on SIGHUP and whenever the source's file changes (written in place, or replaced by a
/// rename as editors and `mv` do), for as long as the returned future runs. The SIGHUP handler
/// and the file watcher are in place when this returns (call it within a tokio runtime), so a
/// SIGHUP sent afterwards never ends the process. Changes that come in a burst are taken as one.
pub fn watch(reloader: Arc<Reloader>) -> impl std::future::Future<Output = ()> + Send {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<&'static str>();
    let watcher = reloader
        .source
        .path()
        .and_then(|path| watch_file(path, tx.clone()));
    #[cfg(unix)]
    let hangup = {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::hangup()) {
            Ok(hup) => Some(hup),
            Err(e) => {
                tracing::warn!(target: "corsica_proxy", error = %e, "cannot handle SIGHUP; the policy reloads on file changes only");
                None
            }
        }
    };
    async move {
        // Keeps the file watcher alive as long as this future.
        let _watcher = watcher;
        #[cfg(unix)]
        if let Some(mut hup) = hangup {
            let tx = tx.clone();
            tokio::spawn(async move {
                while hup.recv().await.is_some() {
                    if tx.send("SIGHUP").is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        while let Some(why) = rx.recv().await {
            // Let a burst of events (truncate, write, close) settle, then read once.
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            let mut why = why;
            while let Ok(more) = rx.try_recv() {
                if more == "SIGHUP" {
                    why = more;
                }
            }
            let reloader = Arc::clone(&reloader);
            let _ = tokio::task::spawn_blocking(move || reloader.reload(why)).await;
        }
    }
}

/// Watches the directory of `path` (a file replaced by a rename is a new file) and sends
/// `"file changed"` for every event about `path`.
fn watch_file(
    path: &Path,
    tx: tokio::sync::mpsc::UnboundedSender<&'static str>,
) -> Option<notify::RecommendedWatcher> {
    use notify::{EventKind, RecursiveMode, Watcher};
    let absolute = std::path::absolute(path).ok()?;
    let dir = absolute.parent()?.to_path_buf();
    let name = absolute.file_name()?.to_owned();
    let handler = move |event: notify::Result<notify::Event>| {
        if let Ok(event) = event {
            let ours = event
                .paths
                .iter()
                .any(|p| p.file_name() == Some(name.as_os_str()));
            if ours && !matches!(event.kind, EventKind::Access(_)) {
                let _ = tx.send("file changed");
            }
        }
    };
    let mut watcher = match notify::recommended_watcher(handler) {
        Ok(watcher) => watcher,
        Err(e) => {
            tracing::warn!(target: "corsica_proxy", error = %e, "cannot watch the policy file; reload with SIGHUP");
            return None;
        }
    };
    if let Err(e) = watcher.watch(&dir, RecursiveMode::NonRecursive) {
        tracing::warn!(target: "corsica_proxy", error = %e, dir = %dir.display(), "cannot watch the policy file's directory; reload with SIGHUP");
        return None;
    }
    Some(watcher)
}
