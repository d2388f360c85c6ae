//! `cargo xtask`: release, CI, tidy, benchmark and mock-server tasks for the qosic-rs workspace.
//!
//! Run `cargo xtask help` for the list of tasks.
//! The alias lives in `.cargo/config.toml` (`xtask = "run --quiet --package xtask --"`).
//!
//! This crate uses std only, so that `cargo xtask` builds in seconds on a cold cache:
//! flags are parsed by hand in `flags.rs`, `cargo metadata` is read by the small JSON reader in `json.rs`,
//! and manifests are edited line by line in `release.rs`, for the shapes this workspace uses.
//! Cargo is always invoked through `$CARGO`, like cargo-xtask recommends.
//!
//! Every failure ends the process with exit status 1 and one line on stderr that starts with `error: `.

mod cmd;
mod flags;
mod json;
mod release;
mod tidy;
mod version;
mod workspace;

use std::fmt;
use std::path::PathBuf;
use std::process::ExitCode;

use crate::cmd::Cmd;
use crate::flags::Task;

/// The error every task returns: one sentence that says what went wrong.
#[derive(Debug)]
pub(crate) struct Error(String);

impl Error {
    pub(crate) fn new(msg: impl Into<String>) -> Error {
        Error(msg.into())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Result of a task.
pub(crate) type Result<T, E = Error> = std::result::Result<T, E>;

/// Shorthand for `Err(Error::new(format!(..)))`.
macro_rules! bail {
    ($($arg:tt)*) => {
        return Err($crate::Error::new(format!($($arg)*)))
    };
}
pub(crate) use bail;

fn main() -> ExitCode {
    match try_main() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // One line, whatever the message: CI logs and humans both read the last line.
            let line = err.0.lines().map(str::trim).collect::<Vec<_>>().join("; ");
            eprintln!("error: {line}");
            ExitCode::FAILURE
        }
    }
}

fn try_main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match flags::parse(&args)? {
        Task::Help(topic) => {
            print!("{}", flags::help(topic.as_deref())?);
            Ok(())
        }
        Task::Release(flags) => release::run(&workspace_root()?, &flags),
        Task::Ci => Cmd::new("bash").arg(".ci/run").dir(workspace_root()?).run(),
        Task::Tidy => tidy::run(&workspace_root()?),
        Task::Bench(rest) => Cmd::cargo()
            .args([
                "run",
                "--release",
                "-p",
                "qosic-examples",
                "--example",
                "bench",
                "--",
            ])
            .args(rest)
            .dir(workspace_root()?)
            .run(),
        Task::Mock(rest) => Cmd::cargo()
            .args(["run", "-p", "qosic-mock", "--"])
            .args(rest)
            .dir(workspace_root()?)
            .run(),
    }
}

/// The workspace the tasks act on: the one that contains the current directory.
///
/// Not `CARGO_MANIFEST_DIR`: the release tests run this binary on a temporary copy of the workspace.
fn workspace_root() -> Result<PathBuf> {
    let out = Cmd::cargo()
        .args(["locate-project", "--workspace", "--message-format", "plain"])
        .read()?;
    let manifest = PathBuf::from(out.trim());
    match manifest.parent() {
        Some(dir) => Ok(dir.to_path_buf()),
        None => bail!(
            "cargo locate-project returned `{}`, which has no parent",
            out.trim()
        ),
    }
}
