//! `cargo xtask bench build-cost`: the build cost of the SDK as its users feel it.
//!
//! Two fresh downstream crates in a scratch directory, each a binary that uses its one
//! dependency:
//! - `with-qosic`: `qosic` with its default features, by path to this workspace;
//! - `with-reqwest`: reqwest alone, without its default features, with the TLS that
//!   `qosic-http` builds (`rustls-no-provider` and rustls with ring, at the versions of this
//!   workspace's `[workspace.dependencies]`).
//!
//! Both start from this workspace's `Cargo.lock` (cargo keeps the versions it uses and drops
//! the rest), then each round builds both cold (`cargo build --offline`, a fresh
//! `CARGO_TARGET_DIR` each time, deleted after), the order turned every round. Reported: wall
//! and CPU time (user + system of cargo and every compiler it ran) of each build, medians and
//! the ratio round by round, and the package count of each (`Compiling` lines). The goal,
//! `qosic` at most 1.3x reqwest's wall time, is judged on the median of the rounds' ratios.
//!
//! The registry must already hold the packages (a `cargo fetch` of this workspace does it).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use clap::Parser;

use crate::{bail, Error, Result};

/// The goal: qosic's cold build at most this many times reqwest's.
const GOAL: f64 = 1.3;

/// `cargo xtask bench build-cost [--rounds N] [--release] [--keep DIR]`.
#[derive(Debug, PartialEq, Eq, Parser)]
#[command(
    name = "build-cost",
    bin_name = "cargo xtask bench build-cost",
    about = "Cold builds of a crate depending on qosic against one depending on reqwest alone, interleaved"
)]
pub(crate) struct BuildCostFlags {
    /// Rounds; each builds both crates cold, the order turned every round
    #[arg(long, default_value = "3", value_parser = clap::value_parser!(u32).range(1..=10))]
    pub(crate) rounds: u32,
    /// Build in release mode (default: the dev profile, a user's first `cargo build`)
    #[arg(long)]
    pub(crate) release: bool,
}

/// Parses the arguments after `build-cost`; `--help` prints the help and returns `None`.
pub(crate) fn parse(args: &[String]) -> Result<Option<BuildCostFlags>> {
    let argv = std::iter::once("build-cost").chain(args.iter().map(String::as_str));
    match BuildCostFlags::try_parse_from(argv) {
        Ok(flags) => Ok(Some(flags)),
        Err(err) if !err.use_stderr() => {
            err.print()
                .map_err(|e| Error::new(format!("cannot print the help: {e}")))?;
            Ok(None)
        }
        Err(err) => Err(crate::flags::usage_error(&err)),
    }
}

/// One of the two downstream crates.
struct Subject {
    name: &'static str,
    dir: PathBuf,
    wall: Vec<f64>,
    cpu: Vec<f64>,
    compiled: Vec<usize>,
    /// The packages of the first build, as `NAME vVERSION` from its `Compiling` lines.
    packages: Vec<String>,
}

/// The `NAME vVERSION` of every `Compiling` line of a build's log.
fn compiled(log: &str) -> Vec<String> {
    let mut names: Vec<String> = log
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("Compiling "))
        .map(|rest| {
            // `serde v1.0.200` or `qosic v0.1.0 (/path)`: the name and version only.
            rest.split_whitespace()
                .take(2)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    names.sort();
    names
}

/// The manifests and `main.rs` of the two crates.
fn manifests(root: &Path) -> Result<[(&'static str, String, &'static str); 2]> {
    let text = std::fs::read_to_string(root.join("Cargo.toml"))
        .map_err(|e| Error::new(format!("cannot read the workspace's Cargo.toml: {e}")))?;
    let doc: toml_edit::DocumentMut = text
        .parse()
        .map_err(|e| Error::new(format!("the workspace's Cargo.toml does not parse: {e}")))?;
    let version = |name: &str| -> Result<String> {
        let item = &doc["workspace"]["dependencies"][name];
        match item
            .get("version")
            .and_then(|v| v.as_str())
            .or_else(|| item.as_str())
        {
            Some(v) => Ok(v.to_owned()),
            None => bail!("[workspace.dependencies] of Cargo.toml has no version for `{name}`"),
        }
    };
    let qosic = root.join("qosic");
    let qosic_path = qosic.to_str().ok_or_else(|| {
        Error::new(format!(
            "the path {} is not UTF-8; move the workspace",
            qosic.display()
        ))
    })?;
    let package = |name: &str| {
        format!(
            "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n\
             # Not part of any workspace above it.\n[workspace]\n\n[dependencies]\n"
        )
    };
    Ok([
        (
            "with-qosic",
            format!(
                "{}qosic = {{ path = {qosic_path:?} }}\n",
                package("with-qosic")
            ),
            "fn main() {\n    let _ = qosic::from_env();\n}\n",
        ),
        (
            "with-reqwest",
            format!(
                "{}reqwest = {{ version = {:?}, default-features = false, features = [\"rustls-no-provider\"] }}\n\
                 rustls = {{ version = {:?}, default-features = false, features = [\"ring\", \"std\", \"tls12\"] }}\n",
                package("with-reqwest"),
                version("reqwest")?,
                version("rustls")?,
            ),
            "fn main() {\n    let _ = rustls::crypto::ring::default_provider().install_default();\n    let _ = reqwest::Client::builder().build();\n}\n",
        ),
    ])
}

/// User + system time of this process's reaped children, in seconds (Linux; 0 elsewhere).
fn children_cpu() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // Fields after the command name (which may hold spaces): cutime and cstime are the
    // 16th and 17th fields of the line, the 14th and 15th after the `)`.
    let Some((_, rest)) = stat.rsplit_once(')') else {
        return 0.0;
    };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok());
    match (ticks(13), ticks(14)) {
        // USER_HZ is 100 on Linux.
        (Some(user), Some(system)) => (user + system) / 100.0,
        _ => 0.0,
    }
}

fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

/// Runs `cargo ARGS` in `dir`; returns its stderr, or an error with its last lines.
fn cargo_in(dir: &Path, args: &[&str], target: &Path) -> Result<String> {
    let output = cargo()
        .args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target)
        // A user's build compiles `qosic` from the registry, never incrementally; by path, cargo
        // would build its crates incrementally (about 1.6 s more CPU): build both as users do.
        .env("CARGO_INCREMENTAL", "0")
        .output()
        .map_err(|e| Error::new(format!("cannot run cargo: {e}")))?;
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    if !output.status.success() {
        let tail: Vec<&str> = stderr.lines().rev().take(5).collect();
        bail!(
            "`cargo {}` in {} failed ({}): {}",
            args.join(" "),
            dir.display(),
            output.status,
            tail.into_iter().rev().collect::<Vec<_>>().join(" / ")
        );
    }
    Ok(stderr)
}

fn median(xs: &[f64]) -> f64 {
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

fn list(xs: &[f64], digits: usize) -> String {
    xs.iter()
        .map(|x| format!("{x:.digits$}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Runs the comparison from `root`, the workspace, and prints the figures.
pub(crate) fn run(root: &Path, flags: &BuildCostFlags) -> Result<()> {
    let scratch = tempfile::Builder::new()
        .prefix("qosic-build-cost-")
        .tempdir()
        .map_err(|e| Error::new(format!("cannot make a scratch directory: {e}")))?;
    let lock = std::fs::read(root.join("Cargo.lock")).map_err(|e| {
        Error::new(format!(
            "cannot read Cargo.lock (run `cargo generate-lockfile`): {e}"
        ))
    })?;
    let mut subjects = Vec::new();
    for (name, manifest, main) in manifests(root)? {
        let dir = scratch.path().join(name);
        let write = |path: PathBuf, bytes: &[u8]| {
            std::fs::write(&path, bytes)
                .map_err(|e| Error::new(format!("cannot write {}: {e}", path.display())))
        };
        std::fs::create_dir_all(dir.join("src"))
            .map_err(|e| Error::new(format!("cannot make {}: {e}", dir.display())))?;
        write(dir.join("Cargo.toml"), manifest.as_bytes())?;
        write(dir.join("src/main.rs"), main.as_bytes())?;
        // The workspace's versions: cargo keeps those it uses.
        write(dir.join("Cargo.lock"), &lock)?;
        // Resolve once, untimed, and fail early when the registry lacks a package.
        cargo_in(
            &dir,
            &["fetch", "--offline"],
            &scratch.path().join("unused"),
        )?;
        subjects.push(Subject {
            name,
            dir,
            wall: Vec::new(),
            cpu: Vec::new(),
            compiled: Vec::new(),
            packages: Vec::new(),
        });
    }
    let profile: &[&str] = if flags.release {
        &["build", "--offline", "--locked", "--release"]
    } else {
        &["build", "--offline", "--locked"]
    };
    let rounds = flags.rounds as usize;
    for round in 0..rounds {
        for turn in 0..subjects.len() {
            let s = &mut subjects[(round + turn) % 2];
            let target = scratch.path().join(format!("target-{}-{round}", s.name));
            eprintln!(
                "build-cost: round {}/{rounds}, {} (cold, fresh target dir)…",
                round + 1,
                s.name
            );
            let (cpu, started) = (children_cpu(), Instant::now());
            let log = cargo_in(&s.dir, profile, &target)?;
            s.wall.push(started.elapsed().as_secs_f64());
            s.cpu.push(children_cpu() - cpu);
            let packages = compiled(&log);
            s.compiled.push(packages.len());
            if s.packages.is_empty() {
                s.packages = packages;
            }
            // A cold build is hundreds of MiB: keep the disk as it was.
            std::fs::remove_dir_all(&target)
                .map_err(|e| Error::new(format!("cannot delete {}: {e}", target.display())))?;
        }
    }
    report(&subjects, flags, rounds);
    Ok(())
}

fn report(subjects: &[Subject], flags: &BuildCostFlags, rounds: usize) {
    let (qosic, reqwest) = (&subjects[0], &subjects[1]);
    let ratio = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(a, b)| a / b).collect::<Vec<_>>();
    let wall = ratio(&qosic.wall, &reqwest.wall);
    let cpu = ratio(&qosic.cpu, &reqwest.cpu);
    let profile = if flags.release { "release" } else { "dev" };
    println!(
        "\nCold `cargo build --offline` ({profile} profile) of a fresh binary crate, {rounds} interleaved rounds, a fresh target dir each; medians, ratio with qosic first:\n"
    );
    println!("| crate | packages compiled | wall s (rounds) | CPU s (rounds) |");
    println!("|---|---|---|---|");
    for s in subjects {
        println!(
            "| {} | {} | {:.1} ({}) | {:.1} ({}) |",
            s.name,
            s.compiled.first().copied().unwrap_or(0),
            median(&s.wall),
            list(&s.wall, 1),
            median(&s.cpu),
            list(&s.cpu, 1),
        );
    }
    let (w, c) = (median(&wall), median(&cpu));
    println!(
        "| qosic / reqwest | {} more | {w:.2}x ({}) | {c:.2}x ({}) |",
        qosic
            .compiled
            .first()
            .copied()
            .unwrap_or(0)
            .saturating_sub(reqwest.compiled.first().copied().unwrap_or(0)),
        list(&wall, 2),
        list(&cpu, 2),
    );
    let only: Vec<&str> = qosic
        .packages
        .iter()
        .filter(|p| !reqwest.packages.contains(p))
        .map(String::as_str)
        .collect();
    println!(
        "\nCompiled for with-qosic only ({}): {}",
        only.len(),
        only.join(", ")
    );
    println!(
        "\ngoal: wall time <= {GOAL}x: {}",
        if w <= GOAL {
            format!("met ({w:.2}x)")
        } else {
            format!("MISSED ({w:.2}x)")
        }
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compiling_lines_name_the_packages() {
        let log = "   Compiling serde v1.0.200\n   Compiling qosic v0.1.0 (/w/qosic)\n    Finished `dev` profile\nwarning: x\n";
        assert_eq!(compiled(log), ["qosic v0.1.0", "serde v1.0.200"]);
    }

    #[test]
    fn flags_default_and_bounds() {
        let parse = |line: &str| {
            BuildCostFlags::try_parse_from(
                std::iter::once("build-cost").chain(line.split_whitespace()),
            )
        };
        assert_eq!(
            parse("").unwrap(),
            BuildCostFlags {
                rounds: 3,
                release: false
            }
        );
        assert_eq!(parse("--rounds 5 --release").unwrap().rounds, 5);
        for bad in ["--rounds 0", "--rounds 11", "--rounds x", "extra"] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_downstream_crates_use_the_workspace_versions() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let [(q, qosic, _), (r, reqwest, _)] = manifests(root).unwrap();
        assert_eq!((q, r), ("with-qosic", "with-reqwest"));
        assert!(qosic.contains("qosic = { path = "), "{qosic}");
        assert!(!qosic.contains("reqwest"), "{qosic}");
        let doc: toml_edit::DocumentMut = reqwest.parse().unwrap();
        let dep = &doc["dependencies"]["reqwest"];
        assert_eq!(dep["default-features"].as_bool(), Some(false));
        let root_doc: toml_edit::DocumentMut = std::fs::read_to_string(root.join("Cargo.toml"))
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(
            dep["version"].as_str(),
            root_doc["workspace"]["dependencies"]["reqwest"]["version"].as_str()
        );
    }
}
