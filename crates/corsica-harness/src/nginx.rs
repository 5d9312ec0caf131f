//! A real nginx (Debian's `nginx` package) started on loopback with a configuration written by
//! the test, stopped when dropped.

use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::Error;

/// A running nginx: its own directory for the configuration, pid, logs and temporary files.
#[derive(Debug)]
pub struct Nginx {
    child: Child,
    dir: PathBuf,
    binary: PathBuf,
}

/// The nginx binary: `CORSICA_NGINX`, else `nginx` on `PATH`, else `/usr/sbin/nginx`.
///
/// # Errors
///
/// When none exists, with the command that installs it.
pub fn binary() -> Result<PathBuf, Error> {
    crate::edge::find_binary(
        "CORSICA_NGINX",
        "nginx",
        "nginx is not installed: run `sudo apt-get install -y nginx` (Debian's nginx 1.22) \
             or set CORSICA_NGINX to its path; scripts/test installs it",
    )
}

/// `n` free loopback addresses for nginx to listen on, below Linux's ephemeral range (32768 and
/// up), so that no client socket of the tests takes one of them before nginx binds it. Each is
/// checked by binding it; the listeners are returned too, to be dropped just before nginx
/// starts.
///
/// # Errors
///
/// When fewer than `n` ports in 20000-32767 can be bound.
pub fn free_ports(n: usize) -> Result<Vec<(SocketAddr, std::net::TcpListener)>, Error> {
    const LOW: u16 = 20_000;
    const SPAN: u16 = 12_768;
    let start = (std::process::id() % u32::from(SPAN)) as u16;
    let mut out = Vec::with_capacity(n);
    for i in 0..SPAN {
        if out.len() == n {
            break;
        }
        let port = LOW + (start + i) % SPAN;
        if let Ok(listener) = std::net::TcpListener::bind(("127.0.0.1", port)) {
            out.push((SocketAddr::from(([127, 0, 0, 1], port)), listener));
        }
    }
    if out.len() < n {
        return Err(Error::Server(format!(
            "only {} free loopback ports in 20000-32767, {n} needed",
            out.len()
        )));
    }
    Ok(out)
}

impl Nginx {
    /// Writes `include` (the text to include inside `http {}`) to `DIR/cors.conf` and
    /// `conf(DIR/cors.conf, DIR)` to `DIR/nginx.conf`, starts nginx in the foreground on it and
    /// waits until every address in `listening` accepts connections.
    ///
    /// # Errors
    ///
    /// When nginx is missing, refuses the configuration, or does not listen within 10 seconds
    /// (with its error log).
    pub fn start(
        include: &str,
        conf: impl FnOnce(&str, &str) -> String,
        listening: &[SocketAddr],
    ) -> Result<Nginx, Error> {
        let binary = binary()?;
        let dir = crate::edge::fresh_dir("nginx").map_err(Error::Io)?;
        let file = dir.join("cors.conf");
        std::fs::write(&file, include).map_err(Error::Io)?;
        let text = conf(&file.to_string_lossy(), &dir.to_string_lossy());
        let main = dir.join("nginx.conf");
        std::fs::write(&main, text).map_err(Error::Io)?;
        let child = Command::new(&binary)
            .arg("-p")
            .arg(&dir)
            .arg("-c")
            .arg(&main)
            .arg("-e")
            .arg(dir.join("error.log"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| Error::Server(format!("{}: {e}", binary.display())))?;
        let mut nginx = Nginx { child, dir, binary };
        // nginx writes its pid file once every listening socket is bound (probing the ports
        // with connect() could meet a client socket of our own on the same port).
        let pid_file = nginx.dir.join("nginx.pid");
        crate::edge::wait_until(
            &mut nginx.child,
            &nginx.dir,
            "nginx",
            Duration::from_secs(10),
            "did not start within 10 seconds",
            || std::fs::read_to_string(&pid_file).is_ok_and(|p| !p.trim().is_empty()),
        )?;
        for addr in listening {
            if TcpStream::connect_timeout(addr, Duration::from_secs(2)).is_err() {
                return Err(Error::Server(format!(
                    "nginx does not listen on {addr}: {}",
                    nginx.stderr_and_log()
                )));
            }
        }
        Ok(nginx)
    }

    /// The directory holding the configuration, logs and temporary files.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn stderr_and_log(&mut self) -> String {
        crate::edge::stderr_and_log(&mut self.child, &self.dir)
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        // `nginx -s stop` signals the master by its pid file, and the master stops its workers
        // (killing the master alone would leave them running).
        let main = self.dir.join("nginx.conf");
        let _ = Command::new(&self.binary)
            .arg("-p")
            .arg(&self.dir)
            .arg("-c")
            .arg(&main)
            .arg("-e")
            .arg(self.dir.join("error.log"))
            .args(["-s", "stop"])
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
