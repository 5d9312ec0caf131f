//! A real Caddy (Debian's `caddy` package) started on loopback with a configuration written by
//! the test, stopped when dropped.

use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::Error;

/// A running Caddy (one process, in the foreground): its own directory for the configuration,
/// its state (`HOME`, `XDG_CONFIG_HOME`, `XDG_DATA_HOME`) and its log (`error.log`).
#[derive(Debug)]
pub struct Caddy {
    child: Child,
    dir: PathBuf,
}

/// The Caddy binary: `CORSICA_CADDY`, else `caddy` on `PATH`, else `/usr/sbin/caddy`.
///
/// # Errors
///
/// When none exists, with the command that installs it.
pub fn binary() -> Result<PathBuf, Error> {
    crate::edge::find_binary(
        "CORSICA_CADDY",
        "caddy",
        "Caddy is not installed: run `sudo apt-get install -y caddy` (Debian's Caddy 2.6) or \
             set CORSICA_CADDY to its path; scripts/test installs it",
    )
}

impl Caddy {
    /// Writes `include` (the exported site blocks) to `DIR/cors.caddy` and `conf(DIR/cors.caddy,
    /// DIR)` (the global options and the `import`) to `DIR/Caddyfile`, starts Caddy in the
    /// foreground on it and waits until every address in `listening` accepts connections.
    ///
    /// # Errors
    ///
    /// When Caddy is missing, refuses the configuration, or does not listen within 10 seconds
    /// (with its log).
    pub fn start(
        include: &str,
        conf: impl FnOnce(&str, &str) -> String,
        listening: &[SocketAddr],
    ) -> Result<Caddy, Error> {
        let binary = binary()?;
        let dir = crate::edge::fresh_dir("caddy").map_err(Error::Io)?;
        let file = dir.join("cors.caddy");
        std::fs::write(&file, include).map_err(Error::Io)?;
        let main = dir.join("Caddyfile");
        std::fs::write(&main, conf(&file.to_string_lossy(), &dir.to_string_lossy()))
            .map_err(Error::Io)?;
        // Caddy logs every server it starts: to a file, so that no pipe fills up.
        let log = std::fs::File::create(dir.join("error.log")).map_err(Error::Io)?;
        let child = Command::new(&binary)
            .args(["run", "--adapter", "caddyfile", "--config"])
            .arg(&main)
            .env("HOME", &dir)
            .env("XDG_CONFIG_HOME", dir.join("config"))
            .env("XDG_DATA_HOME", dir.join("data"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .map_err(|e| Error::Server(format!("{}: {e}", binary.display())))?;
        let mut caddy = Caddy { child, dir };
        let deadline = Instant::now() + Duration::from_secs(10);
        for addr in listening {
            crate::edge::wait_until(
                &mut caddy.child,
                &caddy.dir,
                "caddy",
                deadline.saturating_duration_since(Instant::now()),
                &format!("does not listen on {addr}"),
                || TcpStream::connect_timeout(addr, Duration::from_millis(200)).is_ok(),
            )?;
        }
        Ok(caddy)
    }

    /// The directory holding the configuration, state and log.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

impl Drop for Caddy {
    fn drop(&mut self) {
        // One process in the foreground: nothing outlives it.
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
