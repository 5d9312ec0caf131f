//! What the edge-server harnesses ([`nginx`](crate::nginx), [`apache`](crate::apache),
//! [`haproxy`](crate::haproxy), [`caddy`](crate::caddy)) share: finding the binary, a fresh directory, and waiting for the
//! server to be ready while watching for it to exit.

use std::path::{Path, PathBuf};
use std::process::Child;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::Error;

/// `$env` if set, else `name` on `PATH`, else `/usr/sbin/name`; `missing` (which says how to
/// install it) when none exists.
pub(crate) fn find_binary(env: &str, name: &str, missing: &str) -> Result<PathBuf, Error> {
    if let Some(path) = std::env::var_os(env) {
        return Ok(PathBuf::from(path));
    }
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .map(|d| d.join(name))
        .chain([PathBuf::from("/usr/sbin").join(name)])
        .find(|p| p.is_file())
        .ok_or_else(|| Error::Server(missing.to_owned()))
}

/// A fresh directory `corsica-NAME-PID-N` under the system's temporary directory.
pub(crate) fn fresh_dir(name: &str) -> std::io::Result<PathBuf> {
    static COUNT: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "corsica-{name}-{}-{}",
        std::process::id(),
        COUNT.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// What the server said: its standard error and `DIR/error.log`.
pub(crate) fn stderr_and_log(child: &mut Child, dir: &Path) -> String {
    let mut text = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = std::io::Read::read_to_string(&mut e, &mut text);
    }
    text + &std::fs::read_to_string(dir.join("error.log")).unwrap_or_default()
}

/// Polls `ready` until it holds, for at most `within`. Fails with the server's output when it
/// exits first (`NAME exited (STATUS): …`) or when time runs out (`NAME LATE: …`).
pub(crate) fn wait_until(
    child: &mut Child,
    dir: &Path,
    name: &str,
    within: Duration,
    late: &str,
    mut ready: impl FnMut() -> bool,
) -> Result<(), Error> {
    let deadline = Instant::now() + within;
    while !ready() {
        if let Ok(Some(status)) = child.try_wait() {
            return Err(Error::Server(format!(
                "{name} exited ({status}): {}",
                stderr_and_log(child, dir)
            )));
        }
        if Instant::now() > deadline {
            return Err(Error::Server(format!(
                "{name} {late}: {}",
                stderr_and_log(child, dir)
            )));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    Ok(())
}
