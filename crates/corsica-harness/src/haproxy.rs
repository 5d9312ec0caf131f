//! A real HAProxy (Debian's `haproxy` package) started on loopback with a configuration written
//! by the test, stopped when dropped.

use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
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
    crate::edge::find_binary(
        "CORSICA_HAPROXY",
        "haproxy",
        "HAProxy is not installed: run `sudo apt-get install -y haproxy` (Debian's HAProxy \
             2.6) or set CORSICA_HAPROXY to its path; scripts/test installs it",
    )
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
        let dir = crate::edge::fresh_dir("haproxy").map_err(Error::Io)?;
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
            crate::edge::wait_until(
                &mut haproxy.child,
                &haproxy.dir,
                "haproxy",
                deadline.saturating_duration_since(Instant::now()),
                &format!("does not listen on {addr}"),
                || TcpStream::connect_timeout(addr, Duration::from_millis(200)).is_ok(),
            )?;
        }
        Ok(haproxy)
    }

    /// The directory holding the configuration, logs and temporary files.
    pub fn dir(&self) -> &Path {
        &self.dir
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
