//! Helpers for the xtask tests: temporary copies of the workspace, git, and running the xtask binary.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The real workspace, the one these tests belong to.
pub(crate) fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives inside the workspace")
        .to_path_buf()
}

/// A copy of the workspace in the system temp directory, without `target/` and `.git`; removed on drop.
#[derive(Debug)]
pub(crate) struct TempWorkspace {
    dir: PathBuf,
}

impl TempWorkspace {
    /// Copies the real workspace.
    pub(crate) fn copy() -> TempWorkspace {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "xtask-test-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = fs::remove_dir_all(&dir);
        copy_tree(&workspace_root(), &dir).expect("copy the workspace");
        TempWorkspace { dir }
    }

    /// Copies the workspace, writes `CHANGELOG.md`, and commits everything in a new git repository.
    pub(crate) fn with_git(changelog: &str) -> TempWorkspace {
        let ws = TempWorkspace::copy();
        ws.write("CHANGELOG.md", changelog);
        ws.git(&["init", "-q", "-b", "main"]);
        // Local identity and no signing: CI machines have neither a global identity nor keys.
        ws.git(&["config", "user.name", "xtask tests"]);
        ws.git(&["config", "user.email", "xtask@example.invalid"]);
        ws.git(&["config", "commit.gpgsign", "false"]);
        ws.git(&["config", "tag.gpgsign", "false"]);
        ws.git(&["add", "-A"]);
        ws.git(&["commit", "-q", "-m", "Initial"]);
        ws
    }

    pub(crate) fn path(&self, rel: &str) -> PathBuf {
        self.dir.join(rel)
    }

    pub(crate) fn read(&self, rel: &str) -> String {
        fs::read_to_string(self.path(rel)).unwrap_or_else(|e| panic!("read {rel}: {e}"))
    }

    pub(crate) fn write(&self, rel: &str, text: &str) {
        fs::write(self.path(rel), text).unwrap_or_else(|e| panic!("write {rel}: {e}"));
    }

    /// Runs git in the copy and returns its trimmed stdout; panics on failure.
    #[track_caller]
    pub(crate) fn git(&self, args: &[&str]) -> String {
        let out = isolated(Command::new("git"))
            .args(args)
            .current_dir(&self.dir)
            .output()
            .expect("run git");
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    /// Runs `cargo xtask ARGS` in the copy, with the copy's own target directory.
    pub(crate) fn xtask(&self, args: &[&str]) -> Run {
        xtask_in(&self.dir, args, &self.dir.join("target"))
    }

    /// Like `xtask`, with `$CARGO` pointing at a fake cargo.
    ///
    /// The fake appends `WORKING_DIR | RUSTDOCFLAGS=.. | ARGS` to a log kept outside the copy (so the tree stays clean),
    /// then runs `script` (shell code that sees the arguments as `$@`), then the real cargo.
    /// Returns the run and the log.
    pub(crate) fn xtask_with_fake_cargo(&self, args: &[&str], script: &str) -> (Run, String) {
        let fake_dir = self.dir.with_extension("fake-cargo");
        fs::create_dir_all(&fake_dir).expect("create the fake cargo's directory");
        let log = fake_dir.join("cargo.log");
        let fake = fake_dir.join("cargo");
        let real = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
        let body = format!(
            "#!/bin/sh\necho \"$PWD | RUSTDOCFLAGS=$RUSTDOCFLAGS | $*\" >> '{}'\n{script}\nexec '{real}' \"$@\"\n",
            log.display()
        );
        fs::write(&fake, body).expect("write the fake cargo");
        let mut perms = fs::metadata(&fake)
            .expect("stat the fake cargo")
            .permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
        fs::set_permissions(&fake, perms).expect("make the fake cargo executable");
        let out = isolated(Command::new(env!("CARGO_BIN_EXE_xtask")))
            .args(args)
            .current_dir(&self.dir)
            .env("CARGO_TARGET_DIR", self.dir.join("target"))
            .env("CARGO", &fake)
            .output()
            .expect("run xtask");
        let run = Run {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        };
        let log = fs::read_to_string(&log).unwrap_or_default();
        let _ = fs::remove_dir_all(&fake_dir);
        (run, log)
    }

    /// `version = ".."` under `[workspace.package]` of the root manifest.
    pub(crate) fn workspace_version(&self) -> String {
        let manifest = self.read("Cargo.toml");
        let mut in_package = false;
        for line in manifest.lines() {
            if line.starts_with('[') {
                in_package = line.trim() == "[workspace.package]";
            } else if let Some(v) = line.strip_prefix("version = \"").filter(|_| in_package) {
                return v.trim_end_matches('"').to_owned();
            }
        }
        panic!("no [workspace.package] version in Cargo.toml");
    }
}

impl Drop for TempWorkspace {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.dir);
    }
}

/// The output of one xtask run.
#[derive(Debug)]
pub(crate) struct Run {
    pub(crate) code: Option<i32>,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

impl Run {
    /// Panics with the whole output unless the run succeeded.
    #[track_caller]
    pub(crate) fn success(self) -> Run {
        assert_eq!(
            self.code,
            Some(0),
            "xtask failed:\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout,
            self.stderr
        );
        self
    }

    /// Panics unless the run failed with exit status 1 and exactly one line on stderr, which it returns.
    #[track_caller]
    pub(crate) fn one_line_failure(self) -> String {
        assert_eq!(
            self.code,
            Some(1),
            "expected a failure:\n{}\n{}",
            self.stdout,
            self.stderr
        );
        let lines: Vec<&str> = self.stderr.lines().collect();
        assert_eq!(
            lines.len(),
            1,
            "expected one line on stderr, got:\n{}",
            self.stderr
        );
        assert!(lines[0].starts_with("error: "), "{}", lines[0]);
        lines[0].to_owned()
    }
}

/// Runs the xtask binary that cargo built for these tests.
pub(crate) fn xtask_in(dir: &Path, args: &[&str], target_dir: &Path) -> Run {
    let out: Output = isolated(Command::new(env!("CARGO_BIN_EXE_xtask")))
        .args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target_dir)
        .output()
        .expect("run xtask");
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Drops the variables that would point git at another repository than the copy's,
/// as they are set when the tests run from a git hook.
fn isolated(mut command: Command) -> Command {
    for var in [
        "GIT_DIR",
        "GIT_WORK_TREE",
        "GIT_INDEX_FILE",
        "GIT_OBJECT_DIRECTORY",
        "GIT_CEILING_DIRECTORIES",
    ] {
        command.env_remove(var);
    }
    command
}

/// Today in UTC, as the release dates the changelog.
pub(crate) fn today() -> String {
    let out = Command::new("date")
        .args(["-u", "+%F"])
        .output()
        .expect("run date");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    fs::create_dir_all(to)?;
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let name = entry.file_name();
        if name == ".git" || name == "target" {
            continue;
        }
        if entry.file_type()?.is_dir() {
            copy_tree(&entry.path(), &to.join(&name))?;
        } else {
            fs::copy(entry.path(), to.join(&name))?;
        }
    }
    Ok(())
}
