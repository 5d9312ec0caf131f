//! A real HAProxy (Debian's `haproxy` package) started on loopback with a configuration written
//! by the test, stopped when dropped.

use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::Error;

/// A running HAProxy (one process, in the foreground): its own directory for the configuration.
#[derive(Debug)]
pub struct Haproxy {
    child: Child,
    dir: PathBuf,
}

/// The HAProxy binary: `CORSICA_HAPROXY`, else `haproxy` on `PATH`, else `/usr/sbin/haproxy`.
///
/// # Errors
///
/// When none exists, with the command that installs it.
pub fn binary() -> Result<PathBuf, Error> {
    if let Some(path) = std::env::var_os("CORSICA_HAPROXY") {
        return Ok(PathBuf::from(path));
    }
    let on_path = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .map(|d| d.join("haproxy"))
        .chain([PathBuf::from("/usr/sbin/haproxy")])
        .find(|p| p.is_file());
    on_path.ok_or_else(|| {
        Error::Server(
            "HAProxy is not installed: run `sudo apt-get install -y haproxy` (Debian's HAProxy \
             2.6) or set CORSICA_HAPROXY to its path; scripts/test installs it"
                .to_owned(),
        )
    })
}

/// A fresh directory under the system's temporary directory.
fn fresh_dir() -> std::io::Result<PathBuf> {
    static COUNT: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "corsica-haproxy-{}-{}",
        std::process::id(),
        COUNT.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

impl Haproxy {
    /// Writes `include` (the exported file) to `DIR/cors.conf` and `conf(DIR/cors.conf, DIR)` (the
    /// `global` and `defaults` sections) to `DIR/haproxy.cfg`, starts HAProxy in the foreground on
    /// both and waits until every address in `listening` accepts connections.
    ///
    /// # Errors
    ///
    /// When HAProxy is missing, refuses the configuration, or does not listen within 10 seconds
    /// (with its error log).
    pub fn start(
        include: &str,
        conf: impl FnOnce(&str, &str) -> String,
        listening: &[SocketAddr],
    ) -> Result<Haproxy, Error> {
        let binary = binary()?;
        let dir = fresh_dir().map_err(Error::Io)?;
        let file = dir.join("cors.conf");
        std::fs::write(&file, include).map_err(Error::Io)?;
        let text = conf(&file.to_string_lossy(), &dir.to_string_lossy());
        let main = dir.join("haproxy.cfg");
        std::fs::write(&main, text).map_err(Error::Io)?;
        let child = Command::new(&binary)
            .arg("-db")
            .arg("-f")
            .arg(&main)
            .arg("-f")
            .arg(&file)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| Error::Server(format!("{}: {e}", binary.display())))?;
        let mut haproxy = Haproxy { child, dir };
        // In the foreground HAProxy writes no pid file: wait for its ports (the tests pick
        // them below the ephemeral range, so no client socket of ours can hold one).
        let deadline = Instant::now() + Duration::from_secs(10);
        for addr in listening {
            while TcpStream::connect_timeout(addr, Duration::from_millis(200)).is_err() {
                if let Ok(Some(status)) = haproxy.child.try_wait() {
                    return Err(Error::Server(format!(
                        "haproxy exited ({status}): {}",
                        haproxy.stderr_and_log()
                    )));
                }
                if Instant::now() > deadline {
                    return Err(Error::Server(format!(
                        "haproxy does not listen on {addr}: {}",
                        haproxy.stderr_and_log()
                    )));
                }
                std::thread::sleep(Duration::from_millis(10));
            }
        }
        Ok(haproxy)
    }

    /// The directory holding the configuration, logs and temporary files.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn stderr_and_log(&mut self) -> String {
        let mut text = String::new();
        if let Some(mut e) = self.child.stderr.take() {
            let _ = std::io::Read::read_to_string(&mut e, &mut text);
        }
        text + &std::fs::read_to_string(self.dir.join("error.log")).unwrap_or_default()
    }
}

impl Drop for Haproxy {
    fn drop(&mut self) {
        // One process in the foreground: nothing outlives it.
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
