//! `cargo xtask`: release, CI, tidy, benchmark, mock-server and fault-soak tasks for the qosic-rs workspace.
//!
//! Run `cargo xtask help` for the list of tasks.
//! The alias lives in `.cargo/config.toml` (`xtask = "run --quiet --package xtask --"`).
//!
//! It leans on the crates the ecosystem already trusts for each job, as `docs/style.md` ("Crates we reach for") says:
//! clap for the command line, cargo_metadata for the workspace, semver for versions, toml_edit for manifests
//! (format-preserving), xshell for running programs and tempfile for the dry run's scratch worktree.
//! They cost about 20 s on the first, cold build of xtask (measured in `docs/style.md`), and nothing after.
//! Cargo is always invoked through `$CARGO`, like cargo-xtask recommends.
//!
//! Every failure ends the process with exit status 1 and one line on stderr that starts with `error: `.

mod api;
mod buildcost;
mod cmd;
mod flags;
mod manifest;
mod release;
mod soak;
mod tidy;
mod version;
mod workspace;

use std::fmt;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser as _;

use crate::flags::{Cli, Task};

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

/// A program that failed to start or exited non-zero; `$CARGO`'s full path reads as `cargo`.
impl From<xshell::Error> for Error {
    fn from(err: xshell::Error) -> Error {
        Error(cmd::shorten(&err.to_string()))
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
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) if !err.use_stderr() => {
            // --help and --version: printed on stdout, exit 0.
            return err
                .print()
                .map_err(|e| Error::new(format!("cannot print the help: {e}")));
        }
        Err(err) => return Err(flags::usage_error(&err)),
    };
    let Some(task) = cli.task else {
        return flags::print_help();
    };
    match task {
        Task::Release(flags) => release::run(&workspace_root()?, &flags),
        Task::Ci => {
            let sh = cmd::shell(&workspace_root()?)?;
            cmd::run(sh.cmd("bash").arg(".ci/run"))
        }
        Task::Tidy => tidy::run(&workspace_root()?),
        Task::Bench(pass) if pass.args.first().is_some_and(|a| a == "build-cost") => {
            match buildcost::parse(&pass.args[1..])? {
                Some(flags) => buildcost::run(&workspace_root()?, &flags),
                None => Ok(()),
            }
        }
        Task::Bench(pass) => {
            let sh = cmd::shell(&workspace_root()?)?;
            let bench = ["run", "--release", "-p", "qosic-bench", "--bin", "bench"];
            cmd::run(cmd::cargo(&sh).args(bench).arg("--").args(pass.args))
        }
        Task::Soak(flags) => soak::run(&workspace_root()?, &flags),
        Task::Mock(pass) => {
            let sh = cmd::shell(&workspace_root()?)?;
            cmd::run(
                cmd::cargo(&sh)
                    // The binary needs the crate's `cli` feature (its argument parser).
                    .args(["run", "-p", "qosic-mock", "--features", "cli", "--"])
                    .args(pass.args),
            )
        }
    }
}

/// The workspace the tasks act on: the one that contains the current directory.
///
/// Not `CARGO_MANIFEST_DIR`: the release tests run this binary on fixture workspaces.
fn workspace_root() -> Result<PathBuf> {
    let here = std::env::current_dir()
        .map_err(|e| Error::new(format!("cannot read the current directory: {e}")))?;
    Ok(workspace::Workspace::load(&here)?.root().to_path_buf())
}
