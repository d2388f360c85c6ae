//! The command line, declared with clap's derive: the tasks, their flags and their help.
//!
//! `cargo xtask --help`, `cargo xtask help TASK`, `cargo xtask TASK --help` and `--version` are clap's.
//! Usage errors are turned into this crate's one-line `error: ...` with exit status 1.

use clap::{Args, CommandFactory as _, Parser, Subcommand};

use crate::version::Bump;
use crate::{bail, Error, Result};

/// Maintenance tasks for the qosic-rs workspace.
#[derive(Debug, Parser)]
#[command(name = "xtask", bin_name = "cargo xtask", version)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) task: Option<Task>,
}

/// What the command line asks for.
#[derive(Debug, PartialEq, Eq, Subcommand)]
pub(crate) enum Task {
    /// Bump every crate, date the changelog, run the checks, package, commit and tag vX.Y.Z
    #[command(long_about = RELEASE_ABOUT)]
    Release(ReleaseFlags),
    /// Run .ci/run, exactly what CI runs
    #[command(long_about = CI_ABOUT)]
    Ci,
    /// Check the workspace's own rules (manifests, docs, README commands)
    #[command(long_about = TIDY_ABOUT)]
    Tidy,
    /// Run the benchmark program in release mode, passing ARGS through (or `build-cost`)
    #[command(long_about = BENCH_ABOUT, disable_help_flag = true)]
    Bench(PassThrough),
    /// Run the qosic-mock server, passing ARGS through
    #[command(long_about = MOCK_ABOUT, disable_help_flag = true)]
    Mock(PassThrough),
    /// Run the SDK's fault soak in release mode and print its figures
    #[command(long_about = SOAK_ABOUT)]
    Soak(SoakFlags),
}

/// `cargo xtask soak [--seed N] [--payments N] [--concurrency N]`.
#[derive(Debug, PartialEq, Eq, Args)]
pub(crate) struct SoakFlags {
    /// The seed of the plan (jobs and faults); a random one, printed, when not given
    #[arg(long)]
    pub(crate) seed: Option<u64>,
    /// How many jobs (pay, pay then refund, deposit) to run (default 20000)
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
    pub(crate) payments: Option<u64>,
    /// How many jobs run at once (default 64, at most 256)
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=256))]
    pub(crate) concurrency: Option<u64>,
}

/// `cargo xtask release <patch|minor|major|X.Y.Z> [flags]`.
#[derive(Debug, PartialEq, Eq, Args)]
pub(crate) struct ReleaseFlags {
    /// patch, minor, major, or an exact version such as 1.0.0-rc.1
    #[arg(value_name = "patch|minor|major|X.Y.Z", value_parser = parse_bump)]
    pub(crate) bump: Bump,
    /// Do steps 1-6 in a scratch git worktree of HEAD and print the plan; the tree is not changed and nothing is tagged
    #[arg(long)]
    pub(crate) dry_run: bool,
    /// After tagging, publish to crates.io (with --dry-run: print the publish commands)
    #[arg(long)]
    pub(crate) publish: bool,
    /// Pass --offline to cargo update and cargo package
    #[arg(long)]
    pub(crate) offline: bool,
    /// Skip steps 4 and 5 and package with --no-verify; for xtask's own tests, never for a real release
    #[arg(long)]
    pub(crate) skip_checks: bool,
}

impl ReleaseFlags {
    /// The combinations clap cannot express.
    pub(crate) fn validate(&self) -> Result<()> {
        if self.publish && self.skip_checks && !self.dry_run {
            bail!(
                "--publish with --skip-checks is refused: a published crate cannot be taken back"
            );
        }
        Ok(())
    }
}

/// The arguments of `bench` and `mock`, `--help` included, for the program they run.
///
/// A leading `--` is optional: `cargo xtask mock -- --port 0` and `cargo xtask mock --port 0` are the same.
#[derive(Debug, PartialEq, Eq, Args)]
pub(crate) struct PassThrough {
    /// Arguments for the program
    #[arg(
        value_name = "ARGS",
        trailing_var_arg = true,
        allow_hyphen_values = true
    )]
    pub(crate) args: Vec<String>,
}

fn parse_bump(level: &str) -> Result<Bump, String> {
    level
        .parse()
        .map_err(|e| format!("`{level}` is neither patch, minor, major nor a version: {e}"))
}

const RELEASE_ABOUT: &str = "\
Cut a release of every publishable crate.

Steps, in order; a failure up to the commit stops the release and restores the tree:
  1. refuse a dirty git tree, or a tag vX.Y.Z that already exists; the version must come
     after the current one, or be the current one if it was never tagged (a first release)
  2. bump [workspace.package] version and the version of every internal dependency in
     every manifest, then `cargo update --workspace`
  3. move the `## [Unreleased]` entries of CHANGELOG.md under `## [X.Y.Z] - <today>`
     (and update the [Unreleased] link, if any)
  4. checks: cargo fmt --check; clippy -D warnings; test; doc with RUSTDOCFLAGS=-D warnings;
     each publishable crate checked with --no-default-features, and with each feature alone
  5. API compatibility: cargo semver-checks against the last release tag, with the release
     type that Cargo's rules give the version change (for 0.y.z, a change of y is major and
     a change of z is minor); a patch release that breaks the public API is refused.
     Skipped, with a note, when there is no earlier tag or cargo-semver-checks is not
     installed (cargo install cargo-semver-checks --locked)
  6. cargo package of every publishable crate (unpublished internal dependencies resolve
     locally); they publish in dependency order
  7. commit `Release vX.Y.Z` and tag vX.Y.Z (annotated)
  8. only with --publish: cargo publish of each crate, in dependency order";

const CI_ABOUT: &str = "\
Run .ci/run, exactly what CI runs.

.ci/run prints the toolchain, then runs cargo fmt --check, clippy with -D warnings, doc with
RUSTDOCFLAGS=-D warnings, the pay example, .ci/python.sh (the fake server's Python package,
tested with the published Python SDK), and last cargo test --workspace.";

const TIDY_ABOUT: &str = "\
Check the workspace's own rules.

Rules:
  - every publishable crate has description, license, repository, readme (an existing file),
    keywords, categories, rust-version, and docs.rs metadata (all-features, --cfg docsrs)
  - the library of every publishable crate declares missing_docs, clippy::print_stdout and
    clippy::print_stderr, and cfg_attr(docsrs, feature(doc_cfg)); the compiler and clippy then
    check its docs and that it prints nothing
  - every internal dependency carries a version (dev-dependencies may be path only), also in
    the root [workspace.dependencies]
  - every binary and example, and every library without missing_docs, starts with crate-level
    docs (//!)
  - every `cargo ...` line of README.md's shell blocks names an existing example, package or
    xtask task, and .ci/run runs the README's `cargo test` command

tidy also runs as a test of the xtask crate, so `cargo test --workspace` enforces it.";

const BENCH_ABOUT: &str = "\
Run the benchmark program: `cargo run --release -p qosic-bench --bin bench -- ARGS`.

Every argument goes to the benchmark, --help included; a leading `--` is dropped.

`cargo xtask bench build-cost [--rounds N] [--release]` instead times cold builds of a fresh
crate depending on qosic against one depending on reqwest alone, interleaved (goal: at most
1.3x); `cargo xtask bench build-cost --help` lists its flags.";

const MOCK_ABOUT: &str = "\
Run the qosic-mock server: `cargo run -p qosic-mock --features cli -- ARGS`.

Every argument goes to the server, --help included: `cargo xtask mock --help` prints the
server's own flags. A leading `--` is dropped.";

const SOAK_ABOUT: &str = "\
Run the SDK's fault soak: `cargo run --release -p qosic-bench --bin soak -- FLAGS`.

Payments, refunds and deposits (MTN, MOOV, Celtiis) go through the SDK and its HTTP transport
to the fake QosIc server on loopback, with faults of every kind on a fifth of the requests,
chosen by a seeded plan; then the SDK's promises are checked against the server's books (no
reference initiated twice, the SDK's confirmed payments equal the ledger's, references carried,
no panic, no call past its window plus WINDOW_GRACE). The seed is printed first; the same seed
and number of payments replay the same faults. Exits 1 when a promise broke.
docs/RELIABILITY.md has the figures. The soak program's --help lists its other settings.";

/// The names of the tasks, in the order the help lists them, `help` last.
///
/// `tidy` reads this list to check that the README only names tasks that exist.
pub(crate) fn task_names() -> Vec<String> {
    let mut names: Vec<String> = Cli::command()
        .get_subcommands()
        .map(|c| c.get_name().to_owned())
        .collect();
    names.push("help".to_owned());
    names
}

/// `cargo xtask` alone: the general help, on stdout.
pub(crate) fn print_help() -> Result<()> {
    Cli::command()
        .print_help()
        .map_err(|e| Error::new(format!("cannot print the help: {e}")))
}

/// A usage error as one line: clap's first paragraph (its `error: ` left out) and where to find help.
pub(crate) fn usage_error(err: &clap::Error) -> Error {
    let text = err.render().to_string();
    let first: Vec<&str> = text
        .lines()
        .map(str::trim)
        .take_while(|l| !l.is_empty())
        .collect();
    let message = first.join(" ");
    let message = message.strip_prefix("error: ").unwrap_or(&message);
    Error::new(format!("{message}; see `cargo xtask help`"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::version::parse;

    fn parse_str(line: &str) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("xtask").chain(line.split_whitespace()))
    }

    fn task(line: &str) -> Task {
        match parse_str(line) {
            Ok(Cli { task: Some(task) }) => task,
            other => panic!("{line}: {other:?}"),
        }
    }

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn release_levels_and_flags() {
        let Task::Release(flags) = task("release minor --dry-run --offline") else {
            panic!("not a release");
        };
        assert_eq!(flags.bump, Bump::Minor);
        assert!(flags.dry_run && flags.offline && !flags.publish && !flags.skip_checks);

        let Task::Release(flags) = task("release 1.0.0-rc.10") else {
            panic!("not a release");
        };
        assert_eq!(flags.bump, Bump::Exact(parse("1.0.0-rc.10").unwrap()));
    }

    #[test]
    fn release_errors_are_one_line() {
        for line in [
            "release",
            "release 1.2",
            "release minor major",
            "release minor --frobnicate",
            "frobnicate",
            "tidy extra",
        ] {
            let err = usage_error(&parse_str(line).expect_err(line)).to_string();
            assert!(!err.contains('\n'), "{line}: {err}");
            assert!(err.ends_with("; see `cargo xtask help`"), "{line}: {err}");
        }
        let Task::Release(flags) = task("release minor --publish --skip-checks") else {
            panic!("not a release");
        };
        assert!(flags.validate().is_err());
    }

    #[test]
    fn every_task_is_listed() {
        assert_eq!(
            task_names(),
            ["release", "ci", "tidy", "bench", "mock", "soak", "help"]
        );
        assert_eq!(parse_str("").unwrap().task, None);
    }

    #[test]
    fn soak_takes_a_seed_a_size_and_a_concurrency() {
        let Task::Soak(flags) = task("soak --seed 7 --payments 5000 --concurrency 16") else {
            panic!("not a soak");
        };
        assert_eq!(
            flags,
            SoakFlags {
                seed: Some(7),
                payments: Some(5000),
                concurrency: Some(16)
            }
        );
        let Task::Soak(flags) = task("soak") else {
            panic!("not a soak");
        };
        assert_eq!(flags.seed, None);
        for bad in [
            "soak --payments 0",
            "soak --concurrency 1000",
            "soak --seed x",
            "soak extra",
        ] {
            assert!(parse_str(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn pass_through_tasks_keep_every_argument() {
        let args = |line: &str| match task(line) {
            Task::Mock(p) | Task::Bench(p) => p.args,
            other => panic!("{other:?}"),
        };
        assert_eq!(args("mock --port 0 --help"), ["--port", "0", "--help"]);
        assert_eq!(args("mock -- --port 0"), ["--port", "0"]);
        assert!(args("bench").is_empty());
        assert_eq!(args("bench -- -- --n 3"), ["--", "--n", "3"]);
        assert_eq!(args("bench --help"), ["--help"]);
        assert_eq!(
            args("bench build-cost --rounds 2"),
            ["build-cost", "--rounds", "2"]
        );
    }
}
