//! The one command harness of the CLI's tests: a temporary directory per test and the built
//! `corsica` binary run inside it, with the environment's colour settings removed; its exit
//! code, stdout and stderr captured (a panic fails the test), and stdout parsed as JSON.

use std::ffi::OsStr;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::Value;

/// A fresh directory under the system's temporary directory, removed when dropped.
pub(crate) struct TestDir {
    path: PathBuf,
}

impl TestDir {
    /// Creates an empty directory for one test.
    pub(crate) fn new() -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path =
            std::env::temp_dir().join(format!("corsica-cli-test-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("create the test directory");
        TestDir { path }
    }

    /// The directory.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Writes `contents` to `name` inside the directory and returns its path.
    pub(crate) fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path.join(name);
        std::fs::write(&path, contents).expect("write a test file");
        path
    }

    /// `corsica ARGS…`, run in this directory.
    pub(crate) fn corsica<I, S>(&self, args: I) -> TestCommand
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_corsica"));
        cmd.current_dir(&self.path).args(args);
        // Tests see plain output unless they ask for colour.
        for var in ["NO_COLOR", "CLICOLOR", "CLICOLOR_FORCE", "CI"] {
            cmd.env_remove(var);
        }
        TestCommand {
            cmd,
            stdin: Vec::new(),
        }
    }
}

impl Drop for TestDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// A prepared run of the binary.
pub(crate) struct TestCommand {
    cmd: Command,
    stdin: Vec<u8>,
}

impl TestCommand {
    /// Adds an argument.
    pub(crate) fn arg(mut self, arg: impl AsRef<OsStr>) -> Self {
        self.cmd.arg(arg);
        self
    }

    /// Adds arguments.
    pub(crate) fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.cmd.args(args);
        self
    }

    /// Sets an environment variable.
    pub(crate) fn env(mut self, name: &str, value: &str) -> Self {
        self.cmd.env(name, value);
        self
    }

    /// Feeds `bytes` to standard input.
    pub(crate) fn stdin(mut self, bytes: impl Into<Vec<u8>>) -> Self {
        self.stdin = bytes.into();
        self
    }

    /// Runs to completion.
    pub(crate) fn run(mut self) -> Output {
        let mut child = self
            .cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start corsica");
        let mut stdin = child.stdin.take().expect("stdin is piped");
        let input = std::mem::take(&mut self.stdin);
        let writer = std::thread::spawn(move || {
            // The command may exit without reading it all.
            let _ = stdin.write_all(&input);
        });
        let out = child.wait_with_output().expect("wait for corsica");
        writer.join().expect("stdin writer");
        let output = Output {
            code: out.status.code().expect("corsica was killed by a signal"),
            stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
            stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
        };
        assert!(
            !output.stderr.contains("panicked") && !output.stderr.contains("RUST_BACKTRACE"),
            "corsica panicked:\n{}",
            output.stderr
        );
        output
    }

    /// Starts a command that keeps running (`corsica demo`): no stdin, stdout piped for the
    /// test to read, stderr shown with the test's output.
    pub(crate) fn spawn(mut self) -> Child {
        self.cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start corsica")
    }

    /// Runs with standard output closed by the reader before anything is read, as in
    /// `corsica … | head -0`, and returns the exit code and stderr.
    pub(crate) fn run_with_closed_stdout(mut self) -> (i32, String) {
        let mut child = self
            .cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start corsica");
        drop(child.stdout.take());
        let out = child.wait_with_output().expect("wait for corsica");
        let code = out.status.code().expect("corsica was killed by a signal");
        (code, String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

/// What a run printed, and how it ended.
#[derive(Debug)]
pub(crate) struct Output {
    pub(crate) code: i32,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

impl Output {
    /// Asserts the exit code, showing the output when it differs.
    #[track_caller]
    pub(crate) fn code(self, expected: i32) -> Self {
        assert_eq!(
            self.code, expected,
            "exit code\n--- stdout\n{}--- stderr\n{}",
            self.stdout, self.stderr
        );
        self
    }

    /// Standard output parsed as one JSON document.
    #[track_caller]
    pub(crate) fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not one JSON document ({e}): exit {}\n--- stdout\n{}--- stderr\n{}",
                self.code, self.stdout, self.stderr
            )
        })
    }

    /// Asserts that this was a usage or I/O error: exit 2, nothing on stdout, one
    /// `corsica: error: ` message on stderr containing `needle`.
    #[track_caller]
    pub(crate) fn usage_error(self, needle: &str) -> Self {
        let out = self.code(2);
        assert_eq!(out.stdout, "", "nothing on stdout for an error");
        assert!(
            out.stderr.starts_with("corsica: error: "),
            "stderr:\n{}",
            out.stderr
        );
        assert!(
            out.stderr.contains(needle),
            "stderr should contain {needle:?}:\n{}",
            out.stderr
        );
        out
    }
}

/// The path of `examples/policies/{name}` in the repository.
pub(crate) fn example_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/policies")
        .join(name)
}

/// The text of `examples/policies/{name}`.
pub(crate) fn example(name: &str) -> String {
    std::fs::read_to_string(example_path(name)).expect("read an example policy")
}

/// Asserts two strings are equal, printing both in full when they are not.
#[track_caller]
pub(crate) fn eq_text(expected: &str, got: &str) {
    if expected != got {
        panic!("\n--- expected\n{expected}\n--- got\n{got}\n---");
    }
}
