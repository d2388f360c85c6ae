//! Tests of the `cargo xtask` binary: the command line, and releases on temporary copies of this workspace.
//!
//! The release tests pass `--skip-checks` (no fmt, clippy, test or doc run, and `cargo package --no-verify`)
//! and `--offline`: they exercise the release itself, bump, changelog, lockfile, packaging, commit and tag,
//! without rebuilding the workspace or touching the network. None passes `--publish`.

mod support;

use support::{today, workspace_root, xtask_in, TempWorkspace};

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

/// The publishable crates, in the order they must be published.
const ORDER: &[&str] = &[
    "qosic-core",
    "qosic-carriers-bj",
    "qosic-http",
    "qosic-mock",
];
const INTERNAL: &[&str] = ORDER;

fn bump(version: &str, level: &str) -> String {
    let n: Vec<u64> = version
        .split('.')
        .map(|p| p.parse().expect("X.Y.Z"))
        .collect();
    match level {
        "patch" => format!("{}.{}.{}", n[0], n[1], n[2] + 1),
        "minor" => format!("{}.{}.0", n[0], n[1] + 1),
        _ => format!("{}.0.0", n[0] + 1),
    }
}

#[test]
fn help_lists_every_task() {
    let root = workspace_root();
    let target = root.join("target");
    let run = xtask_in(&root, &["help"], &target).success();
    for task in ["release", "ci", "tidy", "bench", "mock"] {
        assert!(
            run.stdout.contains(&format!("\n    {task}")),
            "{task} missing:\n{}",
            run.stdout
        );
    }
    let run = xtask_in(&root, &["release", "--help"], &target).success();
    assert!(
        run.stdout.contains("--dry-run") && run.stdout.contains("--publish"),
        "{}",
        run.stdout
    );
}

#[test]
fn failures_exit_1_with_one_line() {
    let root = workspace_root();
    let target = root.join("target");
    let line = xtask_in(&root, &["frobnicate"], &target).one_line_failure();
    assert_eq!(
        line,
        "error: unknown task `frobnicate`; run `cargo xtask help` for the list"
    );
    let line = xtask_in(&root, &["release"], &target).one_line_failure();
    assert_eq!(
        line,
        "error: `release` needs a level: patch, minor, major or X.Y.Z"
    );
    let line = xtask_in(&root, &["release", "1.2"], &target).one_line_failure();
    assert!(line.contains("`1.2` is neither"), "{line}");
    xtask_in(&root, &["tidy", "--frobnicate"], &target).one_line_failure();
}

#[test]
fn release_dry_run_prints_the_plan_and_changes_nothing() {
    let ws = TempWorkspace::with_git(CHANGELOG);
    let old = ws.workspace_version();
    let new = bump(&old, "minor");
    let manifest_before = ws.read("Cargo.toml");
    let lock_before = ws.read("Cargo.lock");
    let head_before = ws.git(&["rev-parse", "HEAD"]);

    let run = ws
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
    for name in INTERNAL {
        assert!(
            out.contains(&format!(
                ": [workspace.dependencies] {name} \"{old}\" -> \"{new}\"\n"
            )),
            "no bump of {name}:\n{out}"
        );
    }
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
    assert!(out.contains("  skipped (--skip-checks)"), "{out}");
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
    assert_eq!(ws.read("Cargo.toml"), manifest_before);
    assert_eq!(ws.read("Cargo.lock"), lock_before);
    assert_eq!(ws.read("CHANGELOG.md"), CHANGELOG);
    assert_eq!(ws.git(&["status", "--porcelain"]), "");
    assert_eq!(ws.git(&["rev-parse", "HEAD"]), head_before);
    assert_eq!(ws.git(&["tag", "--list"]), "");
}

#[test]
fn release_refuses_a_dirty_tree() {
    let ws = TempWorkspace::with_git(CHANGELOG);
    ws.write("notes.txt", "not committed\n");
    let line = ws
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
    let ws = TempWorkspace::with_git(CHANGELOG);
    let new = bump(&ws.workspace_version(), "major");
    ws.git(&["tag", &format!("v{new}")]);
    let line = ws
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
    let ws = TempWorkspace::with_git(&empty);
    let line = ws
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
    let ws = TempWorkspace::with_git(CHANGELOG);
    let old = ws.workspace_version();
    let new = bump(&old, "patch");
    let run = ws
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
        ws.git(&["log", "-1", "--format=%s"]),
        format!("Release v{new}")
    );
    assert_eq!(ws.git(&["rev-list", "--count", "HEAD"]), "2");
    assert_eq!(
        ws.git(&["rev-parse", &format!("v{new}^{{commit}}")]),
        ws.git(&["rev-parse", "HEAD"])
    );
    assert_eq!(
        ws.git(&["cat-file", "-t", &format!("v{new}")]),
        "tag",
        "the tag is annotated"
    );
    let tag_message = ws.git(&["tag", "-l", "--format=%(contents)", &format!("v{new}")]);
    assert!(tag_message.contains("- Release tooling."), "{tag_message}");
    assert_eq!(ws.git(&["status", "--porcelain"]), "");
    let changed = ws.git(&["diff", "--name-only", "HEAD~1", "HEAD"]);
    for file in ["CHANGELOG.md", "Cargo.lock", "Cargo.toml"] {
        assert!(
            changed.lines().any(|l| l == file),
            "{file} not in the commit:\n{changed}"
        );
    }

    // The versions moved together.
    assert_eq!(ws.workspace_version(), new);
    let manifest = ws.read("Cargo.toml");
    for name in INTERNAL {
        let line = manifest
            .lines()
            .find(|l| l.starts_with(&format!("{name} = {{")))
            .unwrap_or_else(|| panic!("no [workspace.dependencies] entry for {name}"));
        assert!(line.contains(&format!("version = \"{new}\"")), "{line}");
    }
    let lock = ws.read("Cargo.lock");
    for name in INTERNAL {
        assert!(
            lock.contains(&format!("name = \"{name}\"\nversion = \"{new}\"\n")),
            "Cargo.lock still has the old {name}"
        );
    }
    let changelog = ws.read("CHANGELOG.md");
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
    let line = ws
        .xtask(&["release", &new, "--dry-run", "--skip-checks", "--offline"])
        .one_line_failure();
    assert_eq!(
        line,
        format!("error: {new} is already released (tag v{new}); pick patch, minor, major or a later version")
    );
    let line = ws
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
            let step = ["fmt ", "clippy ", "test ", "doc ", "check ", "package "];
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
    let ws = TempWorkspace::with_git(CHANGELOG);
    let script = r#"case "$1" in fmt|clippy|test|doc|check) exit 0;; package) set -- "$@" --no-verify;; esac"#;
    let (run, log) =
        ws.xtask_with_fake_cargo(&["release", "patch", "--dry-run", "--offline"], script);
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
    for name in ORDER {
        let check = format!("check -p {name} --locked --no-default-features");
        assert!(args.contains(&check.as_str()), "no `{check}` in:\n{log}");
    }
    let package = format!("package -p {} --offline", ORDER.join(" -p "));
    assert_eq!(
        args.last(),
        Some(&package.as_str()),
        "packaging is last and verifies:\n{log}"
    );

    // Everything ran in the scratch copy, none of it in the tree.
    let scratch = std::env::temp_dir().join("xtask-release-");
    for (dir, _, args) in &steps {
        assert!(
            dir.starts_with(&*scratch.to_string_lossy()),
            "`{args}` ran in {dir}"
        );
    }
    assert_eq!(ws.git(&["status", "--porcelain"]), "");
    assert_eq!(ws.git(&["tag", "--list"]), "");
}

/// A check that fails stops the release before packaging, and the edited files are written back.
#[test]
fn a_failed_release_restores_the_tree() {
    let ws = TempWorkspace::with_git(CHANGELOG);
    let head = ws.git(&["rev-parse", "HEAD"]);
    let script = r#"case "$1" in fmt|clippy) exit 0;; test) echo "error: 1 test failed" >&2; exit 101;; esac"#;
    let (run, log) = ws.xtask_with_fake_cargo(&["release", "minor", "--offline"], script);
    assert_eq!(run.code, Some(1), "{}\n{}", run.stdout, run.stderr);
    assert_eq!(
        run.stderr.lines().last(),
        Some("error: `cargo test --workspace --locked` failed (exit status: 101); the tree was restored, nothing was committed"),
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
            .ends_with(ws.path("").file_name().unwrap().to_str().unwrap()),
        "{log}"
    );

    assert_eq!(
        ws.git(&["status", "--porcelain"]),
        "",
        "the tree was not restored"
    );
    assert_eq!(ws.read("CHANGELOG.md"), CHANGELOG);
    assert_eq!(ws.git(&["rev-parse", "HEAD"]), head);
    assert_eq!(ws.git(&["tag", "--list"]), "");
}

/// A commit that git refuses (here, a pre-commit hook) undoes the release too: no commit, no tag, a clean tree.
#[test]
fn a_refused_commit_restores_the_tree() {
    let ws = TempWorkspace::with_git(CHANGELOG);
    let head = ws.git(&["rev-parse", "HEAD"]);
    let hook = ws.path(".git/hooks/pre-commit");
    std::fs::write(
        &hook,
        "#!/bin/sh\necho 'hook: no releases today' >&2\nexit 1\n",
    )
    .unwrap();
    let mut perms = std::fs::metadata(&hook).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
    std::fs::set_permissions(&hook, perms).unwrap();

    let run = ws.xtask(&["release", "patch", "--skip-checks", "--offline"]);
    assert_eq!(run.code, Some(1), "{}\n{}", run.stdout, run.stderr);
    let last = run.stderr.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("error: `git commit -q -m 'Release v"),
        "{last}"
    );
    assert!(
        last.ends_with("failed (exit status: 1); the tree was restored, nothing was committed"),
        "{last}"
    );
    assert_eq!(ws.git(&["status", "--porcelain"]), "");
    assert_eq!(ws.git(&["rev-parse", "HEAD"]), head);
    assert_eq!(ws.git(&["tag", "--list"]), "");
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
    let ws = TempWorkspace::with_git(&first);
    let version = ws.workspace_version();
    let manifest = ws.read("Cargo.toml");
    let run = ws
        .xtask(&["release", &version, "--skip-checks", "--offline"])
        .success();
    assert!(
        run.stdout.contains(&format!(
            "  none: first release of {version}, which has no tag yet\n"
        )),
        "{}",
        run.stdout
    );
    assert_eq!(ws.read("Cargo.toml"), manifest);
    assert_eq!(
        ws.git(&["log", "-1", "--format=%s"]),
        format!("Release v{version}")
    );
    assert_eq!(ws.git(&["tag", "--list"]), format!("v{version}"));
    assert_eq!(ws.git(&["status", "--porcelain"]), "");
    let changelog = ws.read("CHANGELOG.md");
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
