//! Command-line parsing and help text, by hand: xtask stays std-only so that it builds in seconds.

use crate::version::{Bump, Version};
use crate::{bail, Result};

/// The names of the tasks, in the order the help lists them.
///
/// `tidy` reads this list to check that the README only names tasks that exist.
pub(crate) const TASKS: &[&str] = &["release", "ci", "tidy", "bench", "mock", "help"];

/// What the command line asks for.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Task {
    /// Print the general help, or the help of one task.
    Help(Option<String>),
    Release(ReleaseFlags),
    Ci,
    Tidy,
    /// Arguments for the benchmark program.
    Bench(Vec<String>),
    /// Arguments for the mock server.
    Mock(Vec<String>),
}

/// `cargo xtask release <patch|minor|major|X.Y.Z> [flags]`.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct ReleaseFlags {
    pub(crate) bump: Bump,
    pub(crate) dry_run: bool,
    pub(crate) publish: bool,
    /// Skips fmt, clippy, test, doc and the feature matrix, and packages with `--no-verify`.
    /// For xtask's own tests, which must not rebuild the workspace.
    pub(crate) skip_checks: bool,
    /// Passes `--offline` to the cargo commands that may touch the registry.
    pub(crate) offline: bool,
}

const HELP: &str = "\
cargo xtask: maintenance tasks for the qosic-rs workspace

USAGE:
    cargo xtask <TASK> [ARGS]

TASKS:
    release <patch|minor|major|X.Y.Z> [--dry-run] [--publish]
                 bump every crate, date the changelog, run the checks, package,
                 commit and tag vX.Y.Z
    ci           run .ci/run, exactly what CI runs
    tidy         check the workspace's own rules (manifests, docs, README commands)
    bench [..]   run the benchmark example in release mode, passing ARGS through
    mock [..]    run the qosic-mock server, passing ARGS through
    help [TASK]  print this help, or the help of TASK

Run `cargo xtask help <TASK>` or `cargo xtask <TASK> --help` for details.
";

const RELEASE_HELP: &str = "\
cargo xtask release: cut a release of every publishable crate

USAGE:
    cargo xtask release <patch|minor|major|X.Y.Z> [--dry-run] [--publish]

Steps, in order; a failure up to the commit stops the release and restores
the tree:
    1. refuse a dirty git tree, or a tag vX.Y.Z that already exists; the
       version must come after the current one, or be the current one if
       it was never tagged (a first release)
    2. bump [workspace.package] version and the version of every internal
       dependency in every manifest, then `cargo update --workspace`
    3. move the `## [Unreleased]` entries of CHANGELOG.md under
       `## [X.Y.Z] - <today>` (and update the [Unreleased] link, if any)
    4. checks: cargo fmt --check; clippy -D warnings; test; doc with
       RUSTDOCFLAGS=-D warnings; each publishable crate checked with
       --no-default-features, and with each feature alone
    5. cargo package of every publishable crate (unpublished internal
       dependencies resolve locally); they publish in dependency order
    6. commit `Release vX.Y.Z` and tag vX.Y.Z (annotated)
    7. only with --publish: cargo publish of each crate, in dependency order

FLAGS:
    --dry-run       do steps 1-5 in a scratch copy of the workspace and print
                    the plan; the tree is not changed and nothing is tagged
    --publish       after tagging, publish to crates.io (with --dry-run: print
                    the publish commands)
    --offline       pass --offline to cargo update and cargo package
    --skip-checks   skip step 4 and package with --no-verify; for xtask's own
                    tests, never for a real release
    -h, --help      print this help
";

const CI_HELP: &str = "\
cargo xtask ci: run .ci/run, exactly what CI runs

USAGE:
    cargo xtask ci

.ci/run prints the toolchain, then runs cargo fmt --check, clippy with
-D warnings, doc with RUSTDOCFLAGS=-D warnings, and cargo test --workspace,
all with --locked.
";

const TIDY_HELP: &str = "\
cargo xtask tidy: check the workspace's own rules

USAGE:
    cargo xtask tidy

Rules:
    - every publishable crate has description, license, repository, readme
      (an existing file), keywords, categories and rust-version
    - every internal dependency carries a version (dev-dependencies may be
      path only), also in the root [workspace.dependencies]
    - every library, binary and example starts with crate-level docs (//!)
    - no print!/println!/eprint!/eprintln! in the libraries of publishable
      crates (outside comments and #[cfg(test)] code)
    - every `cargo ...` line of README.md's shell blocks names an existing
      example, package or xtask task, and .ci/run runs the README's
      `cargo test` command

tidy also runs as a test of the xtask crate, so `cargo test --workspace`
enforces it.
";

const BENCH_HELP: &str = "\
cargo xtask bench: run the benchmark program

USAGE:
    cargo xtask bench [--] [ARGS]...

Runs `cargo run --release -p qosic-examples --example bench -- ARGS`.
Every argument goes to the benchmark, --help included; a leading `--` is
dropped.
";

const MOCK_HELP: &str = "\
cargo xtask mock: run the qosic-mock server

USAGE:
    cargo xtask mock [--] [ARGS]...

Runs `cargo run -p qosic-mock -- ARGS`.
Every argument goes to the server, --help included: `cargo xtask mock --help`
prints the server's own flags. A leading `--` is dropped.
";

/// The help text for `topic`, or the general help.
pub(crate) fn help(topic: Option<&str>) -> Result<&'static str> {
    Ok(match topic {
        None | Some("help") => HELP,
        Some("release") => RELEASE_HELP,
        Some("ci") => CI_HELP,
        Some("tidy") => TIDY_HELP,
        Some("bench") => BENCH_HELP,
        Some("mock") => MOCK_HELP,
        Some(other) => bail!("unknown task `{other}`; tasks are: {}", TASKS.join(", ")),
    })
}

fn is_help(arg: &str) -> bool {
    arg == "-h" || arg == "--help"
}

/// Parses the arguments that follow `cargo xtask`.
pub(crate) fn parse(args: &[String]) -> Result<Task> {
    let Some((task, rest)) = args.split_first() else {
        return Ok(Task::Help(None));
    };
    let task = task.as_str();
    // Pass-through tasks give every argument, `--help` included, to the program they run.
    // A leading `--` is optional: `cargo xtask mock -- --port 0` and `cargo xtask mock --port 0` are the same.
    let passed = || match rest {
        [first, others @ ..] if first == "--" => others.to_vec(),
        _ => rest.to_vec(),
    };
    match task {
        "bench" => return Ok(Task::Bench(passed())),
        "mock" => return Ok(Task::Mock(passed())),
        _ => {}
    }
    if rest.iter().any(|a| is_help(a)) {
        help(Some(task))?;
        return Ok(Task::Help(Some(task.to_owned())));
    }
    match task {
        "help" | "-h" | "--help" => match rest {
            [] => Ok(Task::Help(None)),
            [topic] => {
                help(Some(topic))?;
                Ok(Task::Help(Some(topic.clone())))
            }
            _ => bail!("`help` takes at most one task name"),
        },
        "release" => parse_release(rest).map(Task::Release),
        "ci" => no_args(task, rest).map(|()| Task::Ci),
        "tidy" => no_args(task, rest).map(|()| Task::Tidy),
        other => bail!("unknown task `{other}`; run `cargo xtask help` for the list"),
    }
}

fn no_args(task: &str, rest: &[String]) -> Result<()> {
    match rest.first() {
        None => Ok(()),
        Some(arg) => bail!("`{task}` takes no arguments, got `{arg}`"),
    }
}

fn parse_release(args: &[String]) -> Result<ReleaseFlags> {
    let mut bump = None;
    let mut flags = ReleaseFlags {
        bump: Bump::Patch,
        dry_run: false,
        publish: false,
        skip_checks: false,
        offline: false,
    };
    for arg in args {
        match arg.as_str() {
            "--dry-run" => flags.dry_run = true,
            "--publish" => flags.publish = true,
            "--skip-checks" => flags.skip_checks = true,
            "--offline" => flags.offline = true,
            flag if flag.starts_with('-') => {
                bail!("unknown flag `{flag}` for `release`; see `cargo xtask release --help`")
            }
            level => {
                if bump.is_some() {
                    bail!("`release` takes one level, got a second one: `{level}`");
                }
                bump = Some(match level {
                    "patch" => Bump::Patch,
                    "minor" => Bump::Minor,
                    "major" => Bump::Major,
                    exact => match Version::parse(exact) {
                        Ok(v) => Bump::Exact(v),
                        Err(e) => {
                            bail!("`{exact}` is neither patch, minor, major nor a version: {e}")
                        }
                    },
                });
            }
        }
    }
    match bump {
        Some(bump) => flags.bump = bump,
        None => bail!("`release` needs a level: patch, minor, major or X.Y.Z"),
    }
    if flags.publish && flags.skip_checks && !flags.dry_run {
        bail!("--publish with --skip-checks is refused: a published crate cannot be taken back");
    }
    Ok(flags)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(line: &str) -> Result<Task> {
        let args: Vec<String> = line.split_whitespace().map(String::from).collect();
        parse(&args)
    }

    #[test]
    fn release_levels_and_flags() {
        let Ok(Task::Release(flags)) = parse_str("release minor --dry-run --offline") else {
            panic!("release minor did not parse");
        };
        assert_eq!(flags.bump, Bump::Minor);
        assert!(flags.dry_run && flags.offline && !flags.publish && !flags.skip_checks);

        let Ok(Task::Release(flags)) = parse_str("release 1.2.3") else {
            panic!("release 1.2.3 did not parse");
        };
        assert_eq!(flags.bump, Bump::Exact(Version::parse("1.2.3").unwrap()));
    }

    #[test]
    fn release_errors_are_one_line() {
        for line in [
            "release",
            "release 1.2",
            "release minor major",
            "release minor --frobnicate",
            "release minor --publish --skip-checks",
        ] {
            let err = parse_str(line).expect_err(line).to_string();
            assert!(!err.contains('\n'), "{line}: {err}");
        }
    }

    #[test]
    fn help_for_every_task() {
        assert_eq!(parse_str("").unwrap(), Task::Help(None));
        assert_eq!(parse_str("--help").unwrap(), Task::Help(None));
        for task in TASKS {
            assert!(help(Some(task)).is_ok(), "{task}");
            assert!(HELP.contains(task), "{task} missing from the help");
        }
        assert_eq!(
            parse_str("release --help").unwrap(),
            Task::Help(Some("release".into()))
        );
        assert_eq!(
            parse_str("help tidy").unwrap(),
            Task::Help(Some("tidy".into()))
        );
        assert!(parse_str("help frobnicate").is_err());
        assert!(parse_str("frobnicate").is_err());
    }

    #[test]
    fn pass_through_tasks_keep_every_argument() {
        assert_eq!(
            parse_str("mock --port 0 --help").unwrap(),
            Task::Mock(vec!["--port".into(), "0".into(), "--help".into()])
        );
        assert_eq!(parse_str("bench").unwrap(), Task::Bench(vec![]));
        assert_eq!(
            parse_str("bench -- -- --n 3").unwrap(),
            Task::Bench(vec!["--".into(), "--n".into(), "3".into()])
        );
        assert!(parse_str("tidy extra").is_err());
    }
}
