//! Tests of the `cargo xtask` binary: the command line, and releases of a small fixture workspace
//! (`support::Fixture`: a few tiny crates and a git repository in a temporary directory).
//!
//! Most release tests pass `--skip-checks` (no fmt, clippy, test, doc or API check, and `cargo package --no-verify`)
//! and `--offline`: they exercise the release itself, bump, changelog, lockfile, packaging, commit and tag,
//! without building anything or touching the network. The others answer the checks with a fake cargo.
//! None passes `--publish` without `--dry-run`.

mod support;

use support::{today, workspace_root, xtask_in, Fixture, ORDER};

const CHANGELOG: &str = "\
# Changelog

All notable changes to this project are documented in this file.

## [Unreleased]

### Added

- Release tooling.
- A mock server.

## [0.0.1] - 2026-01-01

### Added

- Nothing much.

[Unreleased]: https://github.com/qosic-rs/qosic-rs/compare/v0.0.1...HEAD
[0.0.1]: https://github.com/qosic-rs/qosic-rs/releases/tag/v0.0.1
";

const VERSION: &str = "0.1.0";

fn fixture() -> Fixture {
    Fixture::new(VERSION, CHANGELOG)
}

#[test]
fn help_lists_every_task() {
    let root = workspace_root();
    for args in [&["help"][..], &["--help"], &[]] {
        let run = xtask_in(&root, args).success();
        for task in ["release", "ci", "tidy", "bench", "mock", "help"] {
            assert!(
                run.stdout.contains(&format!("\n  {task} ")),
                "{task} missing from {args:?}:\n{}",
                run.stdout
            );
        }
        assert!(run.stdout.contains("Usage: cargo xtask"), "{}", run.stdout);
    }
    for args in [&["release", "--help"][..], &["help", "release"]] {
        let run = xtask_in(&root, args).success();
        for text in [
            "--dry-run",
            "--publish",
            "--offline",
            "--skip-checks",
            "cargo semver-checks",
        ] {
            assert!(run.stdout.contains(text), "{text} missing:\n{}", run.stdout);
        }
    }
    let run = xtask_in(&root, &["--version"]).success();
    assert_eq!(run.stdout, format!("xtask {}\n", env!("CARGO_PKG_VERSION")));
}

#[test]
fn failures_exit_1_with_one_line() {
    let root = workspace_root();
    let line = xtask_in(&root, &["frobnicate"]).one_line_failure();
    assert_eq!(
        line,
        "error: unrecognized subcommand 'frobnicate'; see `cargo xtask help`"
    );
    let line = xtask_in(&root, &["release"]).one_line_failure();
    assert_eq!(
        line,
        "error: the following required arguments were not provided: <patch|minor|major|X.Y.Z>; see `cargo xtask help`"
    );
    let line = xtask_in(&root, &["release", "1.2"]).one_line_failure();
    assert!(
        line.contains("`1.2` is neither patch, minor, major nor a version"),
        "{line}"
    );
    let line =
        xtask_in(&root, &["release", "patch", "--publish", "--skip-checks"]).one_line_failure();
    assert_eq!(
        line,
        "error: --publish with --skip-checks is refused: a published crate cannot be taken back"
    );
    xtask_in(&root, &["tidy", "--frobnicate"]).one_line_failure();
}

/// The path of the scratch worktree, as the dry run reports it on stderr.
fn scratch_of(stderr: &str) -> std::path::PathBuf {
    stderr
        .lines()
        .find_map(|l| l.strip_prefix("dry run: working in the scratch worktree "))
        .unwrap_or_else(|| panic!("no scratch worktree in:\n{stderr}"))
        .into()
}

#[test]
fn release_dry_run_prints_the_plan_and_changes_nothing() {
    let fx = fixture();
    let old = fx.workspace_version();
    let new = "0.2.0";
    let manifest_before = fx.read("Cargo.toml");
    let lock_before = fx.read("Cargo.lock");
    let head_before = fx.git(&["rev-parse", "HEAD"]);

    let run = fx
        .xtask(&[
            "release",
            "minor",
            "--dry-run",
            "--skip-checks",
            "--offline",
        ])
        .success();
    let out = &run.stdout;

    // The plan: versions, changelog, order.
    assert!(
        out.starts_with(&format!("release {old} -> {new} (minor) [dry run]\n")),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            ": [workspace.package] version \"{old}\" -> \"{new}\"\n"
        )),
        "{out}"
    );
    for (name, req) in [("fx-core", ""), ("fx-carriers", "="), ("fx-http", "")] {
        assert!(
            out.contains(&format!(
                "  Cargo.toml:{}: [workspace.dependencies] {name} \"{req}{old}\" -> \"{req}{new}\"\n",
                match name { "fx-core" => 13, "fx-carriers" => 14, _ => 15 }
            )),
            "no bump of {name}:\n{out}"
        );
    }
    // A version of its own, and a `[dependencies.name]` table.
    assert!(
        out.contains(&format!(
            "  mock/Cargo.toml:4: [package] version \"{old}\" -> \"{new}\"\n"
        )),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "  mock/Cargo.toml:14: [dependencies] fx-carriers \"{old}\" -> \"{new}\"\n"
        )),
        "{out}"
    );
    assert!(
        out.contains("  Cargo.lock: cargo update --workspace\n"),
        "{out}"
    );
    let heading = format!("## [{new}] - {}", today());
    assert!(
        out.contains(&format!(
            "CHANGELOG.md:5: 2 entries of \"## [Unreleased]\" -> \"{heading}\"\n"
        )),
        "{out}"
    );
    assert!(out.contains(&format!("  | {heading}\n")), "{out}");
    assert!(out.contains("  | - Release tooling.\n"), "{out}");
    assert!(
        out.contains(&format!("the [Unreleased] link now compares from v{new}")),
        "{out}"
    );
    assert!(
        out.contains("checks:\n  skipped (--skip-checks); packaging with --no-verify\napi check:\n  skipped (--skip-checks)\n"),
        "{out}"
    );
    assert!(
        out.contains(&format!("package order: {}\n", ORDER.join(", "))),
        "{out}"
    );
    assert!(
        out.contains(&format!("commit \"Release v{new}\" and tag v{new}\n")),
        "{out}"
    );

    // It packaged the bumped crates, in the scratch copy.
    let packaged = out
        .lines()
        .find_map(|l| l.strip_prefix("dry run: packaged "))
        .unwrap_or_else(|| panic!("no packages:\n{out}"));
    let crates: Vec<&str> = packaged.split(", ").collect();
    assert_eq!(crates.len(), ORDER.len(), "{packaged}");
    for (file, name) in crates.iter().zip(ORDER) {
        assert!(
            file.ends_with(&format!("/package/{name}-{new}.crate")),
            "{file}"
        );
        assert!(std::path::Path::new(file).is_file(), "{file}");
    }
    assert!(
        out.ends_with("dry run done: the tree is unchanged, nothing was committed or tagged\n"),
        "{out}"
    );

    // And changed nothing.
    assert_eq!(fx.read("Cargo.toml"), manifest_before);
    assert_eq!(fx.read("Cargo.lock"), lock_before);
    assert_eq!(fx.read("CHANGELOG.md"), CHANGELOG);
    assert_eq!(fx.git(&["status", "--porcelain"]), "");
    assert_eq!(fx.git(&["rev-parse", "HEAD"]), head_before);
    assert_eq!(fx.git(&["tag", "--list"]), "");
    // The scratch worktree is gone, from the disk and from git's list.
    assert!(!scratch_of(&run.stderr).exists(), "{}", run.stderr);
    assert_eq!(fx.git(&["worktree", "list"]).lines().count(), 1);
}

#[test]
fn release_refuses_a_dirty_tree() {
    let fx = fixture();
    fx.write("notes.txt", "not committed\n");
    let line = fx
        .xtask(&[
            "release",
            "patch",
            "--dry-run",
            "--skip-checks",
            "--offline",
        ])
        .one_line_failure();
    assert!(
        line.starts_with(
            "error: the git tree is dirty (1 changed or untracked path(s), first `?? notes.txt`)"
        ),
        "{line}"
    );
}

#[test]
fn release_refuses_an_existing_tag_and_an_empty_changelog() {
    let fx = fixture();
    let new = "1.0.0";
    fx.git(&["tag", &format!("v{new}")]);
    let line = fx
        .xtask(&[
            "release",
            "major",
            "--dry-run",
            "--skip-checks",
            "--offline",
        ])
        .one_line_failure();
    assert_eq!(
        line,
        format!("error: tag v{new} already exists; pick another version")
    );

    let empty = CHANGELOG.replace("- Release tooling.\n- A mock server.\n", "");
    let fx = Fixture::new(VERSION, &empty);
    let line = fx
        .xtask(&[
            "release",
            "patch",
            "--dry-run",
            "--skip-checks",
            "--offline",
        ])
        .one_line_failure();
    assert_eq!(
        line,
        "error: CHANGELOG.md: the Unreleased section has no entries; nothing to release"
    );
}

#[test]
fn release_commits_and_tags() {
    let fx = fixture();
    let old = fx.workspace_version();
    let new = "0.1.1";
    let before: std::collections::HashMap<&str, String> = [
        "Cargo.toml",
        "core/Cargo.toml",
        "http/Cargo.toml",
        "mock/Cargo.toml",
        "examples/Cargo.toml",
    ]
    .into_iter()
    .map(|m| (m, fx.read(m)))
    .collect();
    let run = fx
        .xtask(&["release", "patch", "--skip-checks", "--offline"])
        .success();
    assert!(
        run.stdout
            .contains(&format!("released v{new}: committed and tagged\n")),
        "{}",
        run.stdout
    );
    for name in ORDER {
        assert!(
            run.stdout
                .contains(&format!("    cargo publish -p {name}\n")),
            "{}",
            run.stdout
        );
    }

    // One commit, tagged, and nothing left over.
    assert_eq!(
        fx.git(&["log", "-1", "--format=%s"]),
        format!("Release v{new}")
    );
    assert_eq!(fx.git(&["rev-list", "--count", "HEAD"]), "2");
    assert_eq!(
        fx.git(&["rev-parse", &format!("v{new}^{{commit}}")]),
        fx.git(&["rev-parse", "HEAD"])
    );
    assert_eq!(
        fx.git(&["cat-file", "-t", &format!("v{new}")]),
        "tag",
        "the tag is annotated"
    );
    let tag_message = fx.git(&["tag", "-l", "--format=%(contents)", &format!("v{new}")]);
    assert!(tag_message.contains("- Release tooling."), "{tag_message}");
    assert_eq!(fx.git(&["status", "--porcelain"]), "");
    let changed = fx.git(&["diff", "--name-only", "HEAD~1", "HEAD"]);
    for file in ["CHANGELOG.md", "Cargo.lock", "Cargo.toml"] {
        assert!(
            changed.lines().any(|l| l == file),
            "{file} not in the commit:\n{changed}"
        );
    }

    // The versions moved together, and nothing else moved: comments, spacing and order are as they were.
    assert_eq!(fx.workspace_version(), new);
    for manifest in ["Cargo.toml", "mock/Cargo.toml"] {
        assert_eq!(
            fx.read(manifest),
            before[manifest].replace(&old, new),
            "{manifest}"
        );
    }
    for manifest in ["core/Cargo.toml", "http/Cargo.toml", "examples/Cargo.toml"] {
        assert_eq!(fx.read(manifest), before[manifest], "{manifest}");
    }
    let lock = fx.read("Cargo.lock");
    for name in ORDER {
        assert!(
            lock.contains(&format!("name = \"{name}\"\nversion = \"{new}\"\n")),
            "Cargo.lock still has the old {name}"
        );
    }
    let changelog = fx.read("CHANGELOG.md");
    assert!(
        changelog.contains(&format!(
            "## [Unreleased]\n\n## [{new}] - {}\n\n### Added\n\n- Release tooling.\n",
            today()
        )),
        "{changelog}"
    );
    assert!(
        changelog.contains(&format!(
            "[Unreleased]: https://github.com/qosic-rs/qosic-rs/compare/v{new}...HEAD\n"
        )),
        "{changelog}"
    );

    // Releasing the same version again is refused.
    let line = fx
        .xtask(&["release", new, "--dry-run", "--skip-checks", "--offline"])
        .one_line_failure();
    assert_eq!(
        line,
        format!("error: {new} is already released (tag v{new}); pick patch, minor, major or a later version")
    );
    let line = fx
        .xtask(&["release", &old, "--dry-run", "--skip-checks", "--offline"])
        .one_line_failure();
    assert_eq!(
        line,
        format!("error: {old} does not come after the current version {new}")
    );
}

/// The log lines of the fake cargo for the checks and packaging, as (working directory, RUSTDOCFLAGS, arguments).
fn logged_steps(log: &str) -> Vec<(String, String, String)> {
    log.lines()
        .filter_map(|l| {
            let mut parts = l.splitn(3, " | ");
            let (dir, flags, args) = (parts.next()?, parts.next()?, parts.next()?);
            let step = [
                "fmt ",
                "clippy ",
                "test ",
                "doc ",
                "check ",
                "semver-checks ",
                "package ",
            ];
            step.iter().any(|s| args.starts_with(s)).then(|| {
                let flags = flags.trim_start_matches("RUSTDOCFLAGS=");
                (dir.to_owned(), flags.to_owned(), args.to_owned())
            })
        })
        .collect()
}

/// Without `--skip-checks`, the dry run runs every check, then a verifying `cargo package`, in its scratch copy.
/// A fake cargo answers the checks (running them would rebuild the whole workspace) and adds `--no-verify`.
#[test]
fn release_dry_run_runs_the_checks_in_a_scratch_copy() {
    let fx = fixture();
    let script = r#"case "$1" in fmt|clippy|test|doc|check) exit 0;; package) set -- "$@" --no-verify;; esac"#;
    let (run, log) =
        fx.xtask_with_fake_cargo(&["release", "patch", "--dry-run", "--offline"], script);
    let run = run.success();
    assert!(
        run.stdout
            .contains("checks:\n  cargo fmt --all -- --check\n"),
        "{}",
        run.stdout
    );

    let steps = logged_steps(&log);
    let args: Vec<&str> = steps.iter().map(|(_, _, a)| a.as_str()).collect();
    assert_eq!(
        args[..4],
        [
            "fmt --all -- --check",
            "clippy --workspace --all-targets --locked -- -D warnings",
            "test --workspace --locked",
            "doc --workspace --no-deps --locked",
        ],
        "{log}"
    );
    assert_eq!(
        steps[3].1, "-D warnings",
        "cargo doc runs with RUSTDOCFLAGS=-D warnings"
    );
    // The feature matrix, from cargo metadata: each publishable crate without default features, then with each
    // of its features alone (not `default`, not the internal `__internal`); never the unpublished fx-examples.
    let mut matrix: Vec<&str> = args
        .iter()
        .copied()
        .filter(|a| a.starts_with("check "))
        .collect();
    matrix.sort_unstable();
    let base = "--locked --no-default-features";
    assert_eq!(
        matrix,
        [
            format!("check -p fx-carriers {base}"),
            format!("check -p fx-core {base}"),
            format!("check -p fx-core {base} --features serde"),
            format!("check -p fx-core {base} --features std"),
            format!("check -p fx-http {base}"),
            format!("check -p fx-http {base} --features native-tls"),
            format!("check -p fx-http {base} --features rustls"),
            format!("check -p fx-mock {base}"),
        ],
        "{log}"
    );
    // No tag yet: no API check.
    assert!(
        run.stdout.contains(
            "api check:\n  none: no release tag before v0.1.1, so nothing to compare the API with\n"
        ),
        "{}",
        run.stdout
    );
    assert!(!log.contains("semver-checks"), "{log}");
    let package = format!("package --allow-dirty -p {} --offline", ORDER.join(" -p "));
    assert_eq!(
        args.last(),
        Some(&package.as_str()),
        "packaging is last and verifies:\n{log}"
    );

    // Everything ran in the scratch worktree, none of it in the tree, and the worktree is gone.
    let scratch = scratch_of(&run.stderr);
    assert!(
        scratch.starts_with(std::env::temp_dir()),
        "{}",
        scratch.display()
    );
    let prefix = scratch.parent().unwrap().file_name().unwrap();
    assert!(
        prefix.to_string_lossy().starts_with("xtask-release-"),
        "{}",
        scratch.display()
    );
    for (dir, _, args) in &steps {
        assert!(
            std::path::Path::new(dir).starts_with(&scratch),
            "`{args}` ran in {dir}"
        );
    }
    assert!(!scratch.exists());
    assert_eq!(fx.git(&["worktree", "list"]).lines().count(), 1);
    assert_eq!(fx.git(&["status", "--porcelain"]), "");
    assert_eq!(fx.git(&["tag", "--list"]), "");
}

/// A dry run that fails halfway removes its scratch worktree all the same.
#[test]
fn a_failed_dry_run_removes_its_worktree() {
    let fx = fixture();
    let script =
        r#"case "$1" in fmt) exit 0;; clippy) echo "error: 1 warning" >&2; exit 101;; esac"#;
    let (run, _) =
        fx.xtask_with_fake_cargo(&["release", "patch", "--dry-run", "--offline"], script);
    let stderr = run.stderr.clone();
    let line = run.failure();
    assert!(line.contains("clippy --workspace"), "{line}");
    let scratch = scratch_of(&stderr);
    assert!(!scratch.exists(), "{} is left", scratch.display());
    assert!(!scratch.parent().unwrap().exists());
    assert_eq!(fx.git(&["worktree", "list"]).lines().count(), 1);
    assert_eq!(fx.git(&["status", "--porcelain"]), "");
}

/// A check that fails stops the release before packaging, and the edited files are written back.
#[test]
fn a_failed_release_restores_the_tree() {
    let fx = fixture();
    let head = fx.git(&["rev-parse", "HEAD"]);
    let script = r#"case "$1" in fmt|clippy) exit 0;; test) echo "error: 1 test failed" >&2; exit 101;; esac"#;
    let (run, log) = fx.xtask_with_fake_cargo(&["release", "minor", "--offline"], script);
    assert_eq!(run.code, Some(1), "{}\n{}", run.stdout, run.stderr);
    assert_eq!(
        run.stderr.lines().last(),
        Some("error: command exited with non-zero code `cargo test --workspace --locked`: 101; the tree was restored, nothing was committed"),
        "{}",
        run.stderr
    );

    // A real run checks the tree itself, and stops at the first failure.
    let steps = logged_steps(&log);
    let args: Vec<&str> = steps.iter().map(|(_, _, a)| a.as_str()).collect();
    assert_eq!(args.len(), 3, "{log}");
    assert_eq!(args[2], "test --workspace --locked");
    assert!(
        steps[0]
            .0
            .ends_with(fx.path("").file_name().unwrap().to_str().unwrap()),
        "{log}"
    );

    assert_eq!(
        fx.git(&["status", "--porcelain"]),
        "",
        "the tree was not restored"
    );
    assert_eq!(fx.read("CHANGELOG.md"), CHANGELOG);
    assert_eq!(fx.git(&["rev-parse", "HEAD"]), head);
    assert_eq!(fx.git(&["tag", "--list"]), "");
}

/// A commit that git refuses (here, a pre-commit hook) undoes the release too: no commit, no tag, a clean tree.
#[test]
fn a_refused_commit_restores_the_tree() {
    let fx = fixture();
    let head = fx.git(&["rev-parse", "HEAD"]);
    let hook = fx.path(".git/hooks/pre-commit");
    std::fs::write(
        &hook,
        "#!/bin/sh\necho 'hook: no releases today' >&2\nexit 1\n",
    )
    .unwrap();
    let mut perms = std::fs::metadata(&hook).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
    std::fs::set_permissions(&hook, perms).unwrap();

    let run = fx.xtask(&["release", "patch", "--skip-checks", "--offline"]);
    assert_eq!(run.code, Some(1), "{}\n{}", run.stdout, run.stderr);
    let last = run.stderr.lines().last().unwrap_or_default();
    assert!(
        last.starts_with(
            "error: command exited with non-zero code `git commit -q -m \"Release v0.1.1\" -- Cargo.lock "
        ),
        "{last}"
    );
    assert!(
        last.ends_with(": 1; the tree was restored, nothing was committed"),
        "{last}"
    );
    assert_eq!(fx.git(&["status", "--porcelain"]), "");
    assert_eq!(fx.git(&["rev-parse", "HEAD"]), head);
    assert_eq!(fx.git(&["tag", "--list"]), "");
}

/// The first release may keep the current version, which has no tag yet: nothing to bump, the changelog dated,
/// a commit and a tag.
#[test]
fn first_release_of_the_current_version() {
    let first = CHANGELOG
        .replace("## [0.0.1] - 2026-01-01\n\n### Added\n\n- Nothing much.\n\n", "")
        .replace(
            "[Unreleased]: https://github.com/qosic-rs/qosic-rs/compare/v0.0.1...HEAD\n[0.0.1]: https://github.com/qosic-rs/qosic-rs/releases/tag/v0.0.1\n",
            "[Unreleased]: https://github.com/qosic-rs/qosic-rs/commits/main\n",
        );
    let fx = Fixture::new(VERSION, &first);
    let version = fx.workspace_version();
    let manifest = fx.read("Cargo.toml");
    let run = fx
        .xtask(&["release", &version, "--skip-checks", "--offline"])
        .success();
    assert!(
        run.stdout.contains(&format!(
            "  none: first release of {version}, which has no tag yet\n"
        )),
        "{}",
        run.stdout
    );
    assert_eq!(fx.read("Cargo.toml"), manifest);
    assert_eq!(
        fx.git(&["log", "-1", "--format=%s"]),
        format!("Release v{version}")
    );
    assert_eq!(fx.git(&["tag", "--list"]), format!("v{version}"));
    assert_eq!(fx.git(&["status", "--porcelain"]), "");
    let changelog = fx.read("CHANGELOG.md");
    assert!(
        changelog.contains(&format!(
            "## [Unreleased]\n\n## [{version}] - {}\n",
            today()
        )),
        "{changelog}"
    );
    assert!(
        changelog.ends_with(&format!(
            "[Unreleased]: https://github.com/qosic-rs/qosic-rs/compare/v{version}...HEAD\n[{version}]: https://github.com/qosic-rs/qosic-rs/releases/tag/v{version}\n"
        )),
        "{changelog}"
    );
}

/// Pre-releases compare by their parts, numbers as numbers: rc.10 comes after rc.9.
#[test]
fn release_candidate_10_comes_after_9() {
    let fx = Fixture::new("1.0.0-rc.9", CHANGELOG);
    fx.git(&["tag", "v1.0.0-rc.9"]);
    let run = fx
        .xtask(&[
            "release",
            "1.0.0-rc.10",
            "--dry-run",
            "--skip-checks",
            "--offline",
        ])
        .success();
    assert!(
        run.stdout
            .starts_with("release 1.0.0-rc.9 -> 1.0.0-rc.10 (1.0.0-rc.10) [dry run]\n"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(
            "  Cargo.toml:14: [workspace.dependencies] fx-carriers \"=1.0.0-rc.9\" -> \"=1.0.0-rc.10\"\n"
        ),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("/package/fx-mock-1.0.0-rc.10.crate"),
        "{}",
        run.stdout
    );
    let line = fx
        .xtask(&[
            "release",
            "1.0.0-rc.8",
            "--dry-run",
            "--skip-checks",
            "--offline",
        ])
        .one_line_failure();
    assert_eq!(
        line,
        "error: 1.0.0-rc.8 does not come after the current version 1.0.0-rc.9"
    );
}

/// The fixture released as v0.1.0, then a new publishable crate, `fx-new`, added and committed.
fn released_fixture_with_a_new_crate() -> Fixture {
    let fx = fixture();
    fx.git(&["tag", "-a", "v0.1.0", "-m", "Release v0.1.0"]);
    let root = fx
        .read("Cargo.toml")
        .replace("members = [\"core\",", "members = [\"new\", \"core\",");
    fx.write("Cargo.toml", &root);
    fx.write(
        "new/Cargo.toml",
        "[package]\nname = \"fx-new\"\nversion.workspace = true\nedition.workspace = true\nlicense.workspace = true\n",
    );
    fx.write("new/src/lib.rs", "//! New.\n");
    fx.cargo(&["update", "--workspace", "--offline"]);
    fx.commit_all("Add fx-new");
    fx
}

/// Answers the checks, and `cargo semver-checks` as `semver_checks` says (shell code run for that subcommand).
fn fake_checks(semver_checks: &str) -> String {
    format!(
        r#"case "$1" in fmt|clippy|test|doc|check) exit 0;; package) set -- "$@" --no-verify;; semver-checks) {semver_checks};; esac"#
    )
}

/// Without cargo-semver-checks, the release says how to install it and goes on.
#[test]
fn the_api_check_says_how_to_install_cargo_semver_checks() {
    let fx = released_fixture_with_a_new_crate();
    let not_installed = r#"echo "error: no such command: \`semver-checks\`" >&2; exit 101"#;
    let (run, log) = fx.xtask_with_fake_cargo(
        &["release", "patch", "--dry-run", "--offline"],
        &fake_checks(not_installed),
    );
    let run = run.success();
    // 0.1.0 -> 0.1.1 is a compatible (minor) release by Cargo's rules; fx-new has no baseline.
    let api = run
        .stdout
        .lines()
        .skip_while(|l| *l != "api check:")
        .nth(1)
        .unwrap_or_default();
    assert!(
        api.starts_with("  cargo semver-checks --baseline-rev v0.1.0 --release-type minor -p "),
        "{}",
        run.stdout
    );
    assert!(
        !api.contains("fx-new") && !api.contains("fx-examples"),
        "{api}"
    );
    for name in ORDER {
        assert!(api.contains(&format!(" -p {name}")), "{api}");
    }
    assert!(
        run.stdout
            .contains("  new since v0.1.0, not compared: fx-new\n"),
        "{}",
        run.stdout
    );
    assert!(
        run.stderr.contains(
            "warning: cargo-semver-checks is not installed, so the public API was not compared with v0.1.0; \
             install it with `cargo install cargo-semver-checks --locked`\n"
        ),
        "{}",
        run.stderr
    );
    assert!(log.contains("| semver-checks --version\n"), "{log}");
    assert!(run.stdout.contains("dry run: packaged "), "{}", run.stdout);
}

/// A release that cargo-semver-checks refuses (here, a patch that breaks the API) stops before packaging,
/// and a real run restores the tree.
#[test]
fn the_api_check_refuses_a_breaking_patch() {
    let fx = released_fixture_with_a_new_crate();
    let head = fx.git(&["rev-parse", "HEAD"]);
    let breaking = r#"if [ "$2" = --version ]; then echo "cargo-semver-checks 0.51.0"; exit 0; fi
        echo "--- failure function_missing: pub fn removed or renamed ---"; exit 1"#;
    let (run, log) =
        fx.xtask_with_fake_cargo(&["release", "patch", "--offline"], &fake_checks(breaking));
    let line = run.failure();
    assert!(
        line.starts_with(
            "error: command exited with non-zero code `cargo semver-checks --baseline-rev v0.1.0 --release-type minor -p "
        ),
        "{line}"
    );
    assert!(
        line.ends_with(
            ": 1: cargo-semver-checks does not accept v0.1.1 as a minor release after v0.1.0 (its report is above); \
             if it lists API changes, release with `cargo xtask release minor`, or restore the API; \
             the tree was restored, nothing was committed"
        ),
        "{line}"
    );
    let steps = logged_steps(&log);
    assert!(
        steps
            .last()
            .is_some_and(|(_, _, a)| a.starts_with("semver-checks --baseline-rev")),
        "nothing runs after the API check:\n{log}"
    );
    assert_eq!(fx.git(&["status", "--porcelain"]), "");
    assert_eq!(fx.git(&["rev-parse", "HEAD"]), head);
    assert_eq!(fx.git(&["tag", "--list"]), "v0.1.0");
}
