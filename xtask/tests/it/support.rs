//! Helpers for the xtask tests: a small fixture workspace in a temporary directory (five tiny crates, a changelog
//! and a git repository), and running the xtask binary in it, with the real cargo or a fake one.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The real workspace, the one these tests belong to.
pub(crate) fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives inside the workspace")
        .to_path_buf()
}

/// The publishable crates of the fixture, in the order they must be published.
pub(crate) const ORDER: &[&str] = &["fx-core", "fx-carriers", "fx-http", "fx-mock"];

/// A workspace in the system temp directory, removed on drop.
///
/// Its crates have the shapes the release must handle: versions inherited from `[workspace.package]` or written
/// in `[package]`, internal dependencies inherited from `[workspace.dependencies]` (one with `=`), a
/// `[dependencies.name]` table, a path-only dev-dependency on a crate published later, features (a default one,
/// an internal `__` one), and a crate that is never published.
#[derive(Debug)]
pub(crate) struct Fixture {
    dir: tempfile::TempDir,
}

impl Fixture {
    /// The fixture at `version`, with `changelog` as CHANGELOG.md, committed in a new git repository.
    pub(crate) fn new(version: &str, changelog: &str) -> Fixture {
        let dir = tempfile::Builder::new()
            .prefix("xtask-test-")
            .tempdir()
            .expect("create a temporary directory");
        let fx = Fixture { dir };
        fx.write(
            "Cargo.toml",
            &format!(
                r#"[workspace]
resolver = "2"
members = ["core", "carriers", "http", "mock", "examples"]

[workspace.package]
version = "{version}"
edition = "2021"
license = "MIT OR Apache-2.0"
repository = "https://example.invalid/fixture"

[workspace.dependencies]
# Internal crates: path + version, so that they can be published.
fx-core = {{ path = "core", version = "{version}" }}
fx-carriers = {{ path = "carriers", version = "={version}" }}
fx-http = {{ version = "{version}", path = "http" }}
"#
            ),
        );
        let package = |name: &str, version: &str, rest: &str| {
            format!(
                "[package]\nname = \"{name}\"\ndescription = \"The fixture's {name}\"\n{version}\n\
                 edition.workspace = true\nlicense.workspace = true\nrepository.workspace = true\n\n{rest}"
            )
        };
        let inherited = "version.workspace = true";
        fx.write(
            "core/Cargo.toml",
            &package(
                "fx-core",
                inherited,
                "[features]\ndefault = [\"std\"]\nstd = []\nserde = []\n__internal = []\n",
            ),
        );
        fx.write(
            "carriers/Cargo.toml",
            &package(
                "fx-carriers",
                inherited,
                "[dependencies]\nfx-core.workspace = true\n",
            ),
        );
        fx.write(
            "http/Cargo.toml",
            &package(
                "fx-http",
                inherited,
                "[features]\nrustls = []\nnative-tls = []\n\n[dependencies]\nfx-core.workspace = true\n\n\
                 [dev-dependencies]\n# Path only: the mock is published after this crate.\nfx-mock = { path = \"../mock\" }\n",
            ),
        );
        fx.write(
            "mock/Cargo.toml",
            &package(
                "fx-mock",
                &format!("version = \"{version}\""),
                &format!(
                    "[dependencies]\nfx-core.workspace = true\n\n[dependencies.fx-carriers]\n\
                     path = \"../carriers\"\nversion = \"{version}\"\n"
                ),
            ),
        );
        fx.write(
            "examples/Cargo.toml",
            &package(
                "fx-examples",
                inherited,
                "publish = false\n\n[dependencies]\nfx-http.workspace = true\nfx-mock = { path = \"../mock\" }\n",
            ),
        );
        for (dir, body) in [
            (
                "core",
                "/// The answer.\npub fn answer() -> u32 {\n    42\n}\n",
            ),
            (
                "carriers",
                "/// The answer, from core.\npub fn carrier() -> u32 {\n    fx_core::answer()\n}\n",
            ),
            ("http", "/// A transport.\npub fn transport() {}\n"),
            ("mock", "/// A fake server.\npub fn mock() {}\n"),
            ("examples", "/// Examples.\npub fn example() {}\n"),
        ] {
            fx.write(
                &format!("{dir}/src/lib.rs"),
                &format!("//! {dir}.\n\n{body}"),
            );
        }
        fx.write("CHANGELOG.md", changelog);
        fx.write(".gitignore", "/target\n");
        fx.cargo(&["generate-lockfile", "--offline"]);
        fx.git(&["init", "-q", "-b", "main"]);
        // Local identity and no signing: CI machines have neither a global identity nor keys.
        fx.git(&["config", "user.name", "xtask tests"]);
        fx.git(&["config", "user.email", "xtask@example.invalid"]);
        fx.git(&["config", "commit.gpgsign", "false"]);
        fx.git(&["config", "tag.gpgsign", "false"]);
        fx.commit_all("Initial");
        fx
    }

    pub(crate) fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub(crate) fn read(&self, rel: &str) -> String {
        fs::read_to_string(self.path(rel)).unwrap_or_else(|e| panic!("read {rel}: {e}"))
    }

    pub(crate) fn write(&self, rel: &str, text: &str) {
        let path = self.path(rel);
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).unwrap_or_else(|e| panic!("create {}: {e}", dir.display()));
        }
        fs::write(&path, text).unwrap_or_else(|e| panic!("write {rel}: {e}"));
    }

    /// Runs the real cargo in the fixture; panics on failure.
    #[track_caller]
    pub(crate) fn cargo(&self, args: &[&str]) {
        let out = isolated(Command::new(cargo()))
            .args(args)
            .current_dir(self.path(""))
            .output()
            .expect("run cargo");
        assert!(
            out.status.success(),
            "cargo {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// `git add -A` and `git commit -m MESSAGE`.
    pub(crate) fn commit_all(&self, message: &str) {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "-m", message]);
    }

    /// Runs git in the fixture and returns its trimmed stdout; panics on failure.
    #[track_caller]
    pub(crate) fn git(&self, args: &[&str]) -> String {
        let out = isolated(Command::new("git"))
            .args(args)
            .current_dir(self.path(""))
            .output()
            .expect("run git");
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    /// Runs `cargo xtask ARGS` in the fixture, with the fixture's own target directory.
    pub(crate) fn xtask(&self, args: &[&str]) -> Run {
        run(self.command(args))
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = isolated(Command::new(env!("CARGO_BIN_EXE_xtask")));
        command
            .args(args)
            .current_dir(self.path(""))
            .env("CARGO_TARGET_DIR", self.path("target"));
        command
    }

    /// Like `xtask`, with `$CARGO` pointing at a fake cargo.
    ///
    /// The fake appends `WORKING_DIR | RUSTDOCFLAGS=.. | ARGS` to a log kept outside the fixture (so the tree stays
    /// clean), then runs `script` (shell code that sees the arguments as `$@`), then the real cargo.
    /// Returns the run and the log.
    pub(crate) fn xtask_with_fake_cargo(&self, args: &[&str], script: &str) -> (Run, String) {
        let fake_dir = tempfile::tempdir().expect("create the fake cargo's directory");
        let log = fake_dir.path().join("cargo.log");
        let fake = fake_dir.path().join("cargo");
        let body = format!(
            "#!/bin/sh\necho \"$PWD | RUSTDOCFLAGS=$RUSTDOCFLAGS | $*\" >> '{}'\n{script}\nexec '{}' \"$@\"\n",
            log.display(),
            cargo().display()
        );
        fs::write(&fake, body).expect("write the fake cargo");
        let mut perms = fs::metadata(&fake)
            .expect("stat the fake cargo")
            .permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
        fs::set_permissions(&fake, perms).expect("make the fake cargo executable");
        let mut command = self.command(args);
        command.env("CARGO", &fake);
        let run = run(command);
        (run, fs::read_to_string(&log).unwrap_or_default())
    }

    /// `version` under `[workspace.package]` of the root manifest.
    pub(crate) fn workspace_version(&self) -> String {
        let manifest: toml_edit::DocumentMut = self.read("Cargo.toml").parse().expect("valid TOML");
        manifest["workspace"]["package"]["version"]
            .as_str()
            .expect("a [workspace.package] version")
            .to_owned()
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

    /// Panics unless the run failed with exit status 1, its stderr ending with a line that starts with `error: `;
    /// returns that line.
    #[track_caller]
    pub(crate) fn failure(self) -> String {
        assert_eq!(
            self.code,
            Some(1),
            "expected a failure:\n{}\n{}",
            self.stdout,
            self.stderr
        );
        let last = self.stderr.lines().last().unwrap_or_default();
        assert!(last.starts_with("error: "), "{}", self.stderr);
        last.to_owned()
    }

    /// Like `failure`, and that line is all of stderr.
    #[track_caller]
    pub(crate) fn one_line_failure(self) -> String {
        let stderr = self.stderr.clone();
        let line = self.failure();
        assert_eq!(
            stderr.lines().count(),
            1,
            "expected one line on stderr, got:\n{stderr}"
        );
        line
    }
}

/// Runs the xtask binary that cargo built for these tests, in `dir`.
pub(crate) fn xtask_in(dir: &Path, args: &[&str]) -> Run {
    let mut command = isolated(Command::new(env!("CARGO_BIN_EXE_xtask")));
    command.args(args).current_dir(dir);
    run(command)
}

fn run(mut command: Command) -> Run {
    let out: Output = command.output().expect("run xtask");
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The cargo that runs these tests.
fn cargo() -> PathBuf {
    std::env::var_os("CARGO").map_or_else(|| PathBuf::from("cargo"), PathBuf::from)
}

/// Drops the variables that would point git at another repository than the fixture's,
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
