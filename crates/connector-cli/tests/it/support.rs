//! How the CLI's end-to-end tests run the `connector` binary: one builder that starts it with
//! nothing from the test's environment that would change what it does, feeds its stdin and
//! collects what it prints. Each test module keeps its own short helpers on top of it.

use std::ffi::OsStr;
use std::io::Write;
use std::process::{Command, Output, Stdio};

/// The binary about to run: arguments, environment and stdin are added, then [`Cli::output`]
/// runs it to the end (or [`Cli::command`] hands the command over for a test that drives it).
pub struct Cli {
    command: Command,
    stdin: Vec<u8>,
}

/// The `connector` binary without the settings a developer's shell may hold: no `CONNECTOR_*`
/// setting, no `*_API_KEY` credential, no `SSL_CERT_FILE`, no `RUST_LOG`.
pub fn connector() -> Cli {
    let mut command = Command::new(env!("CARGO_BIN_EXE_connector"));
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        if name.starts_with("CONNECTOR_") || name.ends_with("_API_KEY") {
            command.env_remove(name.as_ref());
        }
    }
    command
        .env_remove("SSL_CERT_FILE")
        .env_remove("RUST_LOG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    Cli {
        command,
        stdin: Vec::new(),
    }
}

/// As [`connector`], started by `sh` with at most `limit` open files (soft and hard), as on a
/// machine that allows few.
pub fn connector_with_open_files(limit: u32) -> Cli {
    let mut cli = connector();
    let mut command = Command::new("sh");
    command
        .args(["-c", &format!("ulimit -n {limit} && exec \"$0\" \"$@\"")])
        .arg(env!("CARGO_BIN_EXE_connector"));
    for (name, value) in cli.command.get_envs() {
        match value {
            Some(value) => command.env(name, value),
            None => command.env_remove(name),
        };
    }
    command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cli.command = command;
    cli
}

impl Cli {
    pub fn args<S: AsRef<OsStr>>(mut self, args: impl IntoIterator<Item = S>) -> Self {
        self.command.args(args);
        self
    }

    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Self {
        self.command.arg(arg);
        self
    }

    pub fn env(mut self, name: &str, value: impl AsRef<OsStr>) -> Self {
        self.command.env(name, value);
        self
    }

    /// Every log line on stderr, so a test sees what tracing would write too.
    pub fn trace(self) -> Self {
        self.env("RUST_LOG", "trace")
    }

    pub fn stdin(mut self, input: impl AsRef<[u8]>) -> Self {
        self.stdin = input.as_ref().to_vec();
        self
    }

    /// The command as built, stdin, stdout and stderr piped; what [`Cli::stdin`] set is not
    /// written.
    pub fn command(self) -> Command {
        self.command
    }

    /// Runs the binary to its end. Stdin is written from a thread, so a binary that answers while
    /// it reads never stalls on a full pipe; a run that ends before reading all of it (a usage
    /// error) closes the pipe, which is no failure.
    pub fn output(mut self) -> Output {
        let mut child = self.command.spawn().expect("the connector binary runs");
        let mut pipe = child.stdin.take().expect("stdin is piped");
        let input = std::mem::take(&mut self.stdin);
        let writer = std::thread::spawn(move || pipe.write_all(&input));
        let out = child.wait_with_output().expect("the binary finishes");
        if let Err(e) = writer.join().expect("the stdin writer ends") {
            assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "stdin: {e}");
        }
        out
    }
}

/// stdout and stderr together, for searching; a line between them, so no run of text spans
/// the two.
pub fn everything(out: &Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}
