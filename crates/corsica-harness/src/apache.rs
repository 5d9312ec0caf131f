//! A real Apache httpd (Debian's `apache2` package) started on loopback with a configuration
//! written by the test, stopped when dropped.

use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::Error;

/// A running httpd: its own directory for the configuration, pid and logs.
#[derive(Debug)]
pub struct Apache {
    child: Child,
    dir: PathBuf,
    binary: PathBuf,
}

/// The httpd binary: `CORSICA_APACHE`, else `apache2` on `PATH`, else `/usr/sbin/apache2`.
///
/// # Errors
///
/// When none exists, with the command that installs it.
pub fn binary() -> Result<PathBuf, Error> {
    crate::edge::find_binary(
        "CORSICA_APACHE",
        "apache2",
        "Apache httpd is not installed: run `sudo apt-get install -y apache2` (Debian's \
             httpd 2.4) or set CORSICA_APACHE to its path; scripts/test installs it",
    )
}

impl Apache {
    /// Writes `include` (the exported file) to `DIR/cors.conf` and `conf(DIR/cors.conf, DIR)` to
    /// `DIR/httpd.conf`, starts httpd in the foreground on it and waits until every address in
    /// `listening` accepts connections.
    ///
    /// # Errors
    ///
    /// When httpd is missing, refuses the configuration, or does not listen within 10 seconds
    /// (with its error log).
    pub fn start(
        include: &str,
        conf: impl FnOnce(&str, &str) -> String,
        listening: &[SocketAddr],
    ) -> Result<Apache, Error> {
        let binary = binary()?;
        let dir = crate::edge::fresh_dir("apache").map_err(Error::Io)?;
        let file = dir.join("cors.conf");
        std::fs::write(&file, include).map_err(Error::Io)?;
        let text = conf(&file.to_string_lossy(), &dir.to_string_lossy());
        let main = dir.join("httpd.conf");
        std::fs::write(&main, text).map_err(Error::Io)?;
        let child = Command::new(&binary)
            .arg("-d")
            .arg(&dir)
            .arg("-f")
            .arg(&main)
            .arg("-DFOREGROUND")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| Error::Server(format!("{}: {e}", binary.display())))?;
        let mut httpd = Apache { child, dir, binary };
        // httpd writes its pid file once its listening sockets are bound.
        let pid_file = httpd.dir.join("httpd.pid");
        crate::edge::wait_until(
            &mut httpd.child,
            &httpd.dir,
            "httpd",
            Duration::from_secs(10),
            "did not start within 10 seconds",
            || std::fs::read_to_string(&pid_file).is_ok_and(|p| !p.trim().is_empty()),
        )?;
        for addr in listening {
            if TcpStream::connect_timeout(addr, Duration::from_secs(2)).is_err() {
                return Err(Error::Server(format!(
                    "httpd does not listen on {addr}: {}",
                    httpd.stderr_and_log()
                )));
            }
        }
        Ok(httpd)
    }

    /// The directory holding the configuration, logs and temporary files.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn stderr_and_log(&mut self) -> String {
        crate::edge::stderr_and_log(&mut self.child, &self.dir)
    }
}

impl Drop for Apache {
    fn drop(&mut self) {
        // `-k stop` signals the parent by its pid file, and it stops its children.
        let main = self.dir.join("httpd.conf");
        let _ = Command::new(&self.binary)
            .arg("-d")
            .arg(&self.dir)
            .arg("-f")
            .arg(&main)
            .args(["-k", "stop"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
