//! Running programs, with xshell: a `Shell` carries the working directory and environment of a task,
//! every command is echoed (`$ cargo ...`) before it runs, and a failure becomes an `Error` that names it.
//!
//! Cargo is `$CARGO` (set by cargo for the processes it runs), falling back to `cargo`, like cargo-xtask recommends;
//! echoes and errors show it as `cargo`.

use std::ffi::OsString;
use std::path::Path;

use xshell::{Cmd, Shell};

use crate::Result;

/// `$CARGO`, or `cargo` from `PATH`.
fn cargo_program() -> OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}

/// A shell whose commands run in `dir`.
pub(crate) fn shell(dir: &Path) -> Result<Shell> {
    let sh = Shell::new()?;
    sh.change_dir(dir);
    Ok(sh)
}

/// `cargo`, as `$CARGO`.
pub(crate) fn cargo(sh: &Shell) -> Cmd<'_> {
    sh.cmd(cargo_program())
}

/// Runs `cmd` with inherited stdio, after echoing it to stderr.
pub(crate) fn run(cmd: Cmd<'_>) -> Result<()> {
    eprintln!("$ {}", shorten(&cmd.to_string()));
    Ok(cmd.quiet().run()?)
}

/// `text` with the full path of `$CARGO` written `cargo`.
pub(crate) fn shorten(text: &str) -> String {
    let program = cargo_program();
    match program.to_str() {
        Some(path) if path != "cargo" && !path.is_empty() => text.replace(path, "cargo"),
        _ => text.to_owned(),
    }
}
