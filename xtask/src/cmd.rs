//! A small process builder: echo the command, run it, turn a failure into a one-line `Error`.
//!
//! Cargo is found through `$CARGO` (set by cargo for the processes it runs), falling back to `cargo`.

use std::ffi::{OsStr, OsString};
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::{bail, Error, Result};

/// A command line to run, with its working directory and extra environment.
#[derive(Debug, Clone)]
pub(crate) struct Cmd {
    program: OsString,
    args: Vec<OsString>,
    dir: Option<PathBuf>,
    envs: Vec<(OsString, OsString)>,
}

impl Cmd {
    pub(crate) fn new(program: impl AsRef<OsStr>) -> Cmd {
        Cmd {
            program: program.as_ref().to_owned(),
            args: Vec::new(),
            dir: None,
            envs: Vec::new(),
        }
    }

    /// `$CARGO`, or `cargo` from `PATH`.
    pub(crate) fn cargo() -> Cmd {
        Cmd::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
    }

    pub(crate) fn git() -> Cmd {
        Cmd::new("git")
    }

    pub(crate) fn arg(mut self, arg: impl AsRef<OsStr>) -> Cmd {
        self.args.push(arg.as_ref().to_owned());
        self
    }

    pub(crate) fn args<I>(mut self, args: I) -> Cmd
    where
        I: IntoIterator,
        I::Item: AsRef<OsStr>,
    {
        self.args
            .extend(args.into_iter().map(|a| a.as_ref().to_owned()));
        self
    }

    pub(crate) fn dir(mut self, dir: impl AsRef<Path>) -> Cmd {
        self.dir = Some(dir.as_ref().to_owned());
        self
    }

    pub(crate) fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Cmd {
        self.envs
            .push((key.as_ref().to_owned(), value.as_ref().to_owned()));
        self
    }

    fn command(&self) -> Command {
        let mut command = Command::new(&self.program);
        command.args(&self.args);
        if let Some(dir) = &self.dir {
            command.current_dir(dir);
        }
        for (k, v) in &self.envs {
            command.env(k, v);
        }
        command
    }

    /// Runs the command with inherited stdio, after echoing it to stderr.
    pub(crate) fn run(&self) -> Result<()> {
        eprintln!("$ {self}");
        let status = self
            .command()
            .status()
            .map_err(|e| Error::new(format!("cannot run `{self}`: {e}")))?;
        if !status.success() {
            bail!("`{self}` failed ({status})");
        }
        Ok(())
    }

    /// Runs the command quietly and returns its stdout.
    ///
    /// On failure the error carries the last line of stderr, which is where cargo and git put the reason.
    pub(crate) fn read(&self) -> Result<String> {
        let out = self
            .command()
            .stdin(Stdio::null())
            .output()
            .map_err(|e| Error::new(format!("cannot run `{self}`: {e}")))?;
        if !out.status.success() {
            let stderr = String::from_utf8_lossy(&out.stderr);
            let reason = stderr
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .find(|l| l.starts_with("error") || l.starts_with("fatal"))
                .or_else(|| stderr.lines().map(str::trim).rfind(|l| !l.is_empty()))
                .unwrap_or("no output");
            bail!("`{self}` failed ({}): {reason}", out.status);
        }
        String::from_utf8(out.stdout).map_err(|_| Error::new(format!("`{self}` printed non-UTF-8")))
    }
}

impl fmt::Display for Cmd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (k, v) in &self.envs {
            write!(f, "{}='{}' ", k.to_string_lossy(), v.to_string_lossy())?;
        }
        let program = Path::new(&self.program);
        // `$CARGO` is an absolute path into the toolchain; `cargo` reads better in logs.
        let name = program
            .file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default();
        f.write_str(&name)?;
        for arg in &self.args {
            let arg = arg.to_string_lossy();
            // Quoted when needed, so that the echoed line can be pasted into a shell.
            if arg.is_empty()
                || arg.contains(|c: char| c.is_whitespace() || "'\"$`\\*?;&|<>()".contains(c))
            {
                write!(f, " '{}'", arg.replace('\'', "'\\''"))?;
            } else {
                write!(f, " {arg}")?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_can_be_pasted_into_a_shell() {
        let cmd = Cmd::new("/toolchain/bin/cargo")
            .args(["doc", "--no-deps"])
            .env("RUSTDOCFLAGS", "-D warnings");
        assert_eq!(
            cmd.to_string(),
            "RUSTDOCFLAGS='-D warnings' cargo doc --no-deps"
        );
        let cmd = Cmd::git().args(["commit", "-m", "Release v1.0.0", "it's"]);
        assert_eq!(
            cmd.to_string(),
            r#"git commit -m 'Release v1.0.0' 'it'\''s'"#
        );
    }

    #[test]
    fn read_reports_the_reason_on_one_line() {
        let err = Cmd::git()
            .args(["rev-parse", "--verify", "refs/heads/no-such-branch-here"])
            .dir(std::env::temp_dir())
            .read()
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("`git rev-parse --verify refs/heads/no-such-branch-here` failed"),
            "{err}"
        );
        assert!(!err.contains('\n'), "{err}");
    }
}
