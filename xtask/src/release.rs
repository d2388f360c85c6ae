//! `cargo xtask release`: bump, date the changelog, check, compare the API, package, commit, tag and (on request) publish.
//!
//! The release is planned first, as pure edits of file texts (`plan`), printed, and only then carried out.
//! A real run edits the tree and, if any later step fails, writes the original files back,
//! so a failed release leaves the tree as it found it.
//! A dry run carries out the same steps in a scratch `git worktree` of HEAD in a temporary directory
//! (sharing the real target directory, so that builds are reused), removed when the run ends, failed or not:
//! its checks and packages see the bumped versions while the tree stays untouched.
//!
//! Manifests are edited with toml_edit (`manifest.rs`), which keeps their formatting.
//! After the edit, `cargo metadata` must report the new version everywhere, so a shape the edit misses
//! stops the release instead of shipping mismatched versions.

use std::fmt::{self, Write as _};
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use xshell::{cmd, Shell};

use crate::api::ApiCheck;
use crate::cmd::{cargo, run as run_cmd, shell};
use crate::flags::ReleaseFlags;
use crate::manifest::Manifest;
use crate::version::{self, Version};
use crate::workspace::{self, Workspace};
use crate::{api, bail, Error, Result};

/// One file's planned change.
#[derive(Debug, Clone)]
struct FileEdit {
    /// Relative to the workspace root.
    path: PathBuf,
    before: String,
    after: String,
    /// One line per change, for the printed plan.
    notes: Vec<String>,
}

/// A cargo command of the checks, as data: printed in the plan, then run.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Check {
    env: Option<(&'static str, &'static str)>,
    args: Vec<String>,
}

impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some((key, value)) = self.env {
            write!(f, "{key}='{value}' ")?;
        }
        write!(f, "cargo {}", self.args.join(" "))
    }
}

/// Everything a release will do, computed before anything is done.
#[derive(Debug)]
struct Plan {
    old: Version,
    new: Version,
    manifests: Vec<FileEdit>,
    changelog: FileEdit,
    /// The new changelog section, heading included.
    section: String,
    order: Vec<String>,
    checks: Vec<Check>,
    api: ApiCheck,
}

pub(crate) fn run(root: &Path, flags: &ReleaseFlags) -> Result<()> {
    flags.validate()?;
    let ws = Workspace::load(root)?;
    let root = ws.root().to_path_buf();
    let sh = shell(&root)?;
    ensure_clean(&sh)?;
    let tags = cmd!(sh, "git tag --list").read()?;
    let tags: Vec<&str> = tags.lines().map(str::trim).collect();
    let plan = plan(&ws, flags, &today(), &tags, |tag, manifest| {
        // `TAG:./PATH` is PATH relative to the workspace root, where the shell runs.
        let object = format!("{tag}:./{}", manifest.display());
        cmd!(sh, "git cat-file -e {object}")
            .quiet()
            .ignore_stderr()
            .run()
            .is_ok()
    })?;
    let tag = format!("v{}", plan.new);
    print!("{}", plan.describe(flags));

    if flags.dry_run {
        let scratch = Scratch::of_head(&root)?;
        eprintln!(
            "dry run: working in the scratch worktree {}",
            scratch.root.display()
        );
        let sh = shell(&scratch.root)?;
        // Shares the real target directory, so the checks reuse what is already built.
        sh.set_var("CARGO_TARGET_DIR", ws.target_dir());
        prepare(&sh, &plan, flags)?;
        let packaged = package(&sh, &plan, flags, ws.target_dir())?;
        println!("dry run: packaged {}", packaged.join(", "));
        if flags.publish {
            for name in &plan.order {
                println!("dry run: would run `cargo publish -p {name}`");
            }
        }
        println!("dry run done: the tree is unchanged, nothing was committed or tagged");
        return Ok(());
    }

    let lock = root.join("Cargo.lock");
    let lock_before = fs::read_to_string(&lock).ok();
    let steps = prepare(&sh, &plan, flags)
        .and_then(|()| package(&sh, &plan, flags, ws.target_dir()))
        .and_then(|_| commit(&sh, &plan, &tag));
    if let Err(err) = steps {
        restore(&root, &plan, lock_before.as_deref())?;
        bail!("{err}; the tree was restored, nothing was committed");
    }
    if let Err(err) = create_tag(&sh, &plan, &tag) {
        bail!("{err}; the release commit is in place but untagged: tag it with `git tag -a {tag}`");
    }
    println!("released {tag}: committed and tagged");
    if flags.publish {
        for (i, name) in plan.order.iter().enumerate() {
            if let Err(err) = run_cmd(cargo(&sh).args(["publish", "-p", name])) {
                let rest = plan.order[i..].join(", ");
                bail!("{err}; {tag} is tagged; still to publish, in order: {rest}");
            }
        }
        println!("published {}", plan.order.join(", "));
        println!("next: git push origin HEAD {tag}");
    } else {
        println!("next: git push origin HEAD {tag}, then publish in this order:");
        for name in &plan.order {
            println!("    cargo publish -p {name}");
        }
    }
    Ok(())
}

impl Plan {
    fn describe(&self, flags: &ReleaseFlags) -> String {
        let mut out = String::new();
        let mode = if flags.dry_run { " [dry run]" } else { "" };
        let _ = writeln!(
            out,
            "release {} -> {} ({}){mode}",
            self.old, self.new, flags.bump
        );
        let _ = writeln!(out, "version bumps:");
        if self.old == self.new {
            let _ = writeln!(
                out,
                "  none: first release of {}, which has no tag yet",
                self.new
            );
        }
        for edit in &self.manifests {
            for note in &edit.notes {
                let _ = writeln!(out, "  {}:{note}", edit.path.display());
            }
        }
        let _ = writeln!(out, "  Cargo.lock: cargo update --workspace");
        let _ = writeln!(out, "changelog:");
        for note in &self.changelog.notes {
            let _ = writeln!(out, "  {}:{note}", self.changelog.path.display());
        }
        for line in self.section.lines() {
            let _ = writeln!(out, "  | {line}");
        }
        let _ = writeln!(out, "checks:");
        if flags.skip_checks {
            let _ = writeln!(out, "  skipped (--skip-checks); packaging with --no-verify");
        } else {
            for check in &self.checks {
                let _ = writeln!(out, "  {check}");
            }
        }
        let _ = writeln!(out, "api check:");
        if flags.skip_checks {
            let _ = writeln!(out, "  skipped (--skip-checks)");
        } else {
            for line in self.api.describe(&self.new).lines() {
                let _ = writeln!(out, "  {line}");
            }
        }
        let _ = writeln!(out, "package order: {}", self.order.join(", "));
        let _ = writeln!(
            out,
            "commit \"Release v{}\" and tag v{}",
            self.new, self.new
        );
        if flags.publish {
            let _ = writeln!(out, "publish: cargo publish, in package order");
        } else {
            let _ = writeln!(out, "publish: no (pass --publish to publish after tagging)");
        }
        out
    }
}

/// Computes every edit of the release without touching the disk (beyond reading).
///
/// The new version comes after the current one, except for a first release: the current version itself
/// may be released as long as it has no tag (`cargo xtask release 0.1.0` in a workspace at 0.1.0).
/// `existed(tag, manifest)` says whether a manifest (relative to the root) existed at a tag, for the API check.
fn plan(
    ws: &Workspace,
    flags: &ReleaseFlags,
    date: &str,
    tags: &[&str],
    existed: impl Fn(&str, &Path) -> bool,
) -> Result<Plan> {
    let old = current_version(ws)?;
    let new = version::bump(&old, &flags.bump);
    if new < old {
        bail!("{new} does not come after the current version {old}");
    }
    if new == old && tags.contains(&format!("v{old}").as_str()) {
        bail!(
            "{old} is already released (tag v{old}); pick patch, minor, major or a later version"
        );
    }
    if tags.contains(&format!("v{new}").as_str()) {
        bail!("tag v{new} already exists; pick another version");
    }
    let internal: Vec<&str> = ws.packages().iter().map(|p| p.name.as_str()).collect();
    let (old_s, new_s) = (old.to_string(), new.to_string());

    // The root manifest first, then each member's, each file once.
    let mut files: Vec<PathBuf> = vec![ws.root().join("Cargo.toml")];
    for p in ws.packages() {
        let file = p.manifest_path.as_std_path().to_path_buf();
        if !files.contains(&file) {
            files.push(file);
        }
    }
    let mut manifests = Vec::new();
    for file in files.iter().filter(|_| old != new) {
        let path = relative(ws.root(), file);
        let before = read(file)?;
        let manifest =
            Manifest::parse(&before).map_err(|e| Error::new(format!("{}: {e}", path.display())))?;
        let sites = manifest.version_sites(&internal, &old_s);
        if sites.is_empty() {
            continue;
        }
        let notes = sites
            .iter()
            .map(|s| {
                let to = with_operator(&s.old, &new_s);
                format!("{}: {} \"{}\" -> \"{to}\"", s.line, s.what, s.old)
            })
            .collect();
        let after = manifest.replace(&sites, |req| with_operator(req, &new_s));
        manifests.push(FileEdit {
            path,
            before,
            after,
            notes,
        });
    }
    if manifests.is_empty() && old != new {
        bail!("found no `version = \"{old}\"` to bump in the manifests");
    }

    let changelog_path = ws.root().join("CHANGELOG.md");
    let before = read(&changelog_path)?;
    let (after, section, notes) = release_changelog(&before, &old_s, &new_s, date)
        .map_err(|e| Error::new(format!("CHANGELOG.md: {e}")))?;
    let libraries: Vec<(&str, PathBuf)> = ws
        .publishable()
        .filter(|p| workspace::library(p).is_some())
        .map(|p| {
            let manifest = p.manifest_path.as_std_path();
            (p.name.as_str(), relative(ws.root(), manifest))
        })
        .collect();
    let api = api::decide(&new, tags, &libraries, |tag, m: &PathBuf| existed(tag, m));
    Ok(Plan {
        old,
        new,
        manifests,
        changelog: FileEdit {
            path: PathBuf::from("CHANGELOG.md"),
            before,
            after,
            notes,
        },
        section,
        order: ws.publish_order()?,
        checks: checks(ws),
        api,
    })
}

/// The version every publishable crate shares.
fn current_version(ws: &Workspace) -> Result<Version> {
    let mut versions = ws.publishable().map(|p| (p.name.as_str(), &p.version));
    let Some((first, version)) = versions.next() else {
        bail!("the workspace has no publishable crate");
    };
    if let Some((other, v)) = versions.find(|(_, v)| v != &version) {
        bail!("crates disagree on the version: {first} is {version}, {other} is {v}");
    }
    if !version.build.is_empty() {
        bail!("{first}'s version `{version}` has build metadata, which releases do not use");
    }
    Ok(version.clone())
}

/// The new requirement for an old one: same operator (`=`, `^`, `~` or none), new version.
fn with_operator(old_req: &str, new: &str) -> String {
    let op_len = old_req.len() - old_req.trim_start_matches(['=', '^', '~']).len();
    format!("{}{new}", &old_req[..op_len])
}

/// The release checks, in the order they run (cheapest first).
///
/// The feature matrix comes from `cargo metadata`: each publishable crate with `--no-default-features`,
/// then with each of its features alone, so a new crate or feature is checked without editing this list.
fn checks(ws: &Workspace) -> Vec<Check> {
    let cargo = |args: &[&str]| Check {
        env: None,
        args: args.iter().map(|a| (*a).to_owned()).collect(),
    };
    let mut checks = vec![
        cargo(&["fmt", "--all", "--", "--check"]),
        cargo(&[
            "clippy",
            "--workspace",
            "--all-targets",
            "--locked",
            "--",
            "-D",
            "warnings",
        ]),
        cargo(&["test", "--workspace", "--locked"]),
        Check {
            env: Some(("RUSTDOCFLAGS", "-D warnings")),
            ..cargo(&["doc", "--workspace", "--no-deps", "--locked"])
        },
    ];
    for p in ws.publishable() {
        let base = [
            "check",
            "-p",
            p.name.as_str(),
            "--locked",
            "--no-default-features",
        ];
        checks.push(cargo(&base));
        for feature in workspace::features(p) {
            checks.push(cargo(&[&base[..], &["--features", feature]].concat()));
        }
    }
    checks
}

/// Writes the bumped manifests and changelog into the shell's directory, updates the lockfile, checks the result,
/// then runs the checks and the API check.
fn prepare(sh: &Shell, plan: &Plan, flags: &ReleaseFlags) -> Result<()> {
    let dir = sh.current_dir();
    for edit in plan.manifests.iter().chain([&plan.changelog]) {
        write(&dir.join(&edit.path), &edit.after)?;
    }
    let offline = flags.offline.then_some("--offline");
    run_cmd(cargo(sh).args(["update", "--workspace"]).args(offline))?;
    verify_bump(&dir, plan)?;
    if !flags.skip_checks {
        for check in &plan.checks {
            run_cmd(cargo(sh).args(&check.args).envs(check.env))?;
        }
        api::run(sh, &plan.api, &plan.new)?;
    }
    Ok(())
}

/// Reads the edited workspace back through cargo: every crate that was at the old version is at the new one,
/// and every internal dependency asks for the new one.
fn verify_bump(dir: &Path, plan: &Plan) -> Result<()> {
    if plan.old == plan.new {
        return Ok(());
    }
    let ws = Workspace::load(dir)?;
    let new = &plan.new;
    for p in ws.packages() {
        if p.version == plan.old {
            bail!(
                "{} is still at {} after the bump; its manifest has a shape xtask cannot edit",
                p.name,
                plan.old
            );
        }
        for d in ws.internal_deps(p) {
            let names_new = d.req.comparators.iter().any(|c| {
                (c.major, c.minor, c.patch, &c.pre)
                    == (new.major, Some(new.minor), Some(new.patch), &new.pre)
            });
            if !d.req.comparators.is_empty() && !names_new {
                bail!(
                    "{}'s dependency on {} still requires `{}` after the bump; its manifest has a shape xtask cannot edit",
                    p.name,
                    d.name,
                    d.req
                );
            }
        }
    }
    Ok(())
}

/// `cargo package` of every publishable crate, in the shell's directory; returns the paths of the `.crate` files.
///
/// Packaging several crates of one workspace in one command lets cargo resolve the unpublished
/// internal dependencies against the crates it just packaged.
/// `--allow-dirty`: the bump is not committed yet (the commit comes only once everything passed).
fn package(sh: &Shell, plan: &Plan, flags: &ReleaseFlags, target: &Path) -> Result<Vec<String>> {
    let mut args = vec!["package", "--allow-dirty"];
    for name in &plan.order {
        args.extend(["-p", name]);
    }
    if flags.skip_checks {
        args.push("--no-verify");
    }
    if flags.offline {
        args.push("--offline");
    }
    run_cmd(cargo(sh).args(args))?;
    let mut crates = Vec::new();
    for name in &plan.order {
        let file = target
            .join("package")
            .join(format!("{name}-{}.crate", plan.new));
        if !file.is_file() {
            bail!("cargo package did not produce {}", file.display());
        }
        crates.push(file.display().to_string());
    }
    Ok(crates)
}

/// Commits exactly the release's files, whatever else the index holds; `git commit -- PATHS` leaves
/// the index untouched when it fails, so restoring the files is enough to undo the release.
fn commit(sh: &Shell, plan: &Plan, tag: &str) -> Result<()> {
    let message = format!("Release {tag}");
    let files = plan
        .manifests
        .iter()
        .chain([&plan.changelog])
        .map(|e| &e.path);
    run_cmd(cmd!(
        sh,
        "git commit -q -m {message} -- Cargo.lock {files...}"
    ))
}

/// An annotated tag whose message is the changelog section.
fn create_tag(sh: &Shell, plan: &Plan, tag: &str) -> Result<()> {
    let message = format!("Release {tag}\n\n{}", plan.section.trim_end());
    run_cmd(cmd!(sh, "git tag -a {tag} -m {message}"))
}

fn restore(root: &Path, plan: &Plan, lock: Option<&str>) -> Result<()> {
    for edit in plan.manifests.iter().chain([&plan.changelog]) {
        write(&root.join(&edit.path), &edit.before)?;
    }
    if let Some(lock) = lock {
        write(&root.join("Cargo.lock"), lock)?;
    }
    Ok(())
}

/// Refuses uncommitted changes and untracked files: a release is made of committed work only.
fn ensure_clean(sh: &Shell) -> Result<()> {
    let status = cmd!(sh, "git status --porcelain --untracked-files=normal").read()?;
    if let Some(first) = status.lines().next() {
        let count = status.lines().count();
        bail!(
            "the git tree is dirty ({count} changed or untracked path(s), first `{}`); commit or remove them first",
            first.trim()
        );
    }
    Ok(())
}

/// The dry run's scratch copy: a `git worktree` of HEAD in a temporary directory.
///
/// Dropping it runs `git worktree remove --force`, so a dry run that fails halfway leaves no worktree behind;
/// the temporary directory itself goes with the `TempDir`.
#[derive(Debug)]
struct Scratch {
    /// The repository's top level, where git is asked to remove the worktree.
    repo: PathBuf,
    worktree: PathBuf,
    /// The workspace root inside the worktree (the worktree itself, unless the workspace is in a subdirectory).
    root: PathBuf,
    _dir: tempfile::TempDir,
}

impl Scratch {
    fn of_head(root: &Path) -> Result<Scratch> {
        let sh = shell(root)?;
        let repo = PathBuf::from(cmd!(sh, "git rev-parse --show-toplevel").read()?);
        let dir = tempfile::Builder::new()
            .prefix("xtask-release-")
            .tempdir()
            .map_err(|e| Error::new(format!("cannot create a temporary directory: {e}")))?;
        let worktree = dir.path().join("worktree");
        run_cmd(cmd!(
            sh,
            "git worktree add --quiet --detach {worktree} HEAD"
        ))?;
        let canonical = |p: &Path| fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
        let inside = canonical(root)
            .strip_prefix(canonical(&repo))
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let root = if inside.as_os_str().is_empty() {
            worktree.clone()
        } else {
            worktree.join(inside)
        };
        Ok(Scratch {
            root,
            repo,
            worktree,
            _dir: dir,
        })
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let Ok(sh) = shell(&self.repo) else {
            return;
        };
        let worktree = &self.worktree;
        let removed = cmd!(sh, "git worktree remove --force {worktree}")
            .quiet()
            .run();
        if removed.is_err() {
            // Whatever is left of the directory goes, then git forgets the worktree.
            let _ = fs::remove_dir_all(worktree);
            let _ = cmd!(sh, "git worktree prune").quiet().run();
        }
    }
}

/// Moves the `Unreleased` entries of a Keep-a-Changelog file under `## [new] - date`.
///
/// Returns the new text, the new section and notes for the plan.
/// Refuses a file without an `Unreleased` heading or one with no entries: there would be nothing to release.
/// Compare links at the bottom (`[Unreleased]: <repo>/compare/vOLD...HEAD`) move on to the new tag.
fn release_changelog(
    text: &str,
    old: &str,
    new: &str,
    date: &str,
) -> Result<(String, String, Vec<String>), String> {
    let lines: Vec<&str> = text.lines().collect();
    let is_link = |l: &str| l.starts_with('[') && l.contains("]: ");
    let Some(start) = lines.iter().position(|l| {
        let l = l.trim().to_ascii_lowercase();
        l == "## [unreleased]" || l == "## unreleased"
    }) else {
        return Err("no `## [Unreleased]` heading".into());
    };
    let end = lines[start + 1..]
        .iter()
        .position(|l| l.starts_with("## ") || is_link(l))
        .map_or(lines.len(), |p| start + 1 + p);
    let body = &lines[start + 1..end];
    let entries = body
        .iter()
        .filter(|l| {
            let l = l.trim_start();
            l.starts_with("- ") || l.starts_with("* ")
        })
        .count();
    if entries == 0 {
        return Err("the Unreleased section has no entries; nothing to release".into());
    }
    let heading = format!("## [{new}] - {date}");
    let first = body.iter().position(|l| !l.trim().is_empty()).unwrap_or(0);
    let last = body.iter().rposition(|l| !l.trim().is_empty()).unwrap_or(0);
    let mut section = format!("{heading}\n\n");
    for l in &body[first..=last] {
        section.push_str(l);
        section.push('\n');
    }

    let mut notes = vec![format!(
        "{}: {} {} of \"{}\" -> \"{heading}\"",
        start + 1,
        entries,
        if entries == 1 { "entry" } else { "entries" },
        lines[start].trim()
    )];
    let mut out = String::new();
    for l in &lines[..=start] {
        out.push_str(l);
        out.push('\n');
    }
    out.push('\n');
    out.push_str(&section);
    if end < lines.len() {
        out.push('\n');
    }
    for (i, l) in lines.iter().enumerate().skip(end) {
        let url = l
            .split_once("]: ")
            .filter(|(label, _)| label.eq_ignore_ascii_case("[unreleased"))
            .map(|(_, url)| url.trim());
        // `<repo>/compare/vOLD...HEAD` after earlier releases; `<repo>/commits/<branch>` (or `/tree/`) before the first.
        let compare = url
            .and_then(|u| u.split_once("/compare/"))
            .filter(|(_, range)| range.ends_with("...HEAD"))
            .map(|(base, _)| (base, format!("{base}/compare/v{old}...v{new}")));
        let first = url
            .and_then(|u| u.split_once("/commits/").or_else(|| u.split_once("/tree/")))
            .map(|(base, _)| (base, format!("{base}/releases/tag/v{new}")));
        match compare.or(first) {
            Some((base, release_link)) => {
                out.push_str(&format!("[Unreleased]: {base}/compare/v{new}...HEAD\n"));
                out.push_str(&format!("[{new}]: {release_link}\n"));
                notes.push(format!(
                    "{}: the [Unreleased] link now compares from v{new}; added [{new}]",
                    i + 1
                ));
            }
            None => {
                out.push_str(l);
                out.push('\n');
            }
        }
    }
    if !text.ends_with('\n') {
        out.pop();
    }
    Ok((out, section, notes))
}

/// Today's date in UTC, `YYYY-MM-DD`.
pub(crate) fn today() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    civil_date(secs / 86_400)
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (Howard Hinnant's `civil_from_days`).
fn civil_date(days: u64) -> String {
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

fn read(path: &Path) -> Result<String> {
    fs::read_to_string(path).map_err(|e| Error::new(format!("cannot read {}: {e}", path.display())))
}

fn write(path: &Path, text: &str) -> Result<()> {
    fs::write(path, text).map_err(|e| Error::new(format!("cannot write {}: {e}", path.display())))
}

fn relative(root: &Path, path: &Path) -> PathBuf {
    path.strip_prefix(root).unwrap_or(path).to_path_buf()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workspace::tests::metadata;

    const CHANGELOG: &str = "# Changelog\n\nAll notable changes.\n\n## [Unreleased]\n\n### Added\n\n- `Client::builder()`.\n- MTN and Moov.\n\n## [0.1.0] - 2026-10-01\n\n### Added\n\n- First.\n\n[Unreleased]: https://github.com/o/r/compare/v0.1.0...HEAD\n[0.1.0]: https://github.com/o/r/releases/tag/v0.1.0\n";

    #[test]
    fn changelog_moves_unreleased_under_the_new_version() {
        let (after, section, notes) =
            release_changelog(CHANGELOG, "0.1.0", "0.2.0", "2026-11-28").unwrap();
        assert_eq!(
            after,
            "# Changelog\n\nAll notable changes.\n\n## [Unreleased]\n\n## [0.2.0] - 2026-11-28\n\n### Added\n\n- `Client::builder()`.\n- MTN and Moov.\n\n## [0.1.0] - 2026-10-01\n\n### Added\n\n- First.\n\n[Unreleased]: https://github.com/o/r/compare/v0.2.0...HEAD\n[0.2.0]: https://github.com/o/r/compare/v0.1.0...v0.2.0\n[0.1.0]: https://github.com/o/r/releases/tag/v0.1.0\n"
        );
        assert_eq!(
            section,
            "## [0.2.0] - 2026-11-28\n\n### Added\n\n- `Client::builder()`.\n- MTN and Moov.\n"
        );
        assert_eq!(notes.len(), 2);
        assert!(
            notes[0].starts_with("5: 2 entries of \"## [Unreleased]\""),
            "{}",
            notes[0]
        );
    }

    #[test]
    fn changelog_first_release_without_links() {
        let text = "# Changelog\n\n## [Unreleased]\n### Added\n- One.\n";
        let (after, _, notes) = release_changelog(text, "0.1.0", "0.1.1", "2026-11-28").unwrap();
        assert_eq!(
            after,
            "# Changelog\n\n## [Unreleased]\n\n## [0.1.1] - 2026-11-28\n\n### Added\n- One.\n"
        );
        assert_eq!(notes.len(), 1);
    }

    #[test]
    fn changelog_first_release_links_to_the_tag() {
        let text =
            "## [Unreleased]\n\n- One.\n\n[Unreleased]: https://github.com/o/r/commits/main\n";
        let (after, _, notes) = release_changelog(text, "0.1.0", "0.1.0", "2026-11-28").unwrap();
        assert_eq!(
            after,
            "## [Unreleased]\n\n## [0.1.0] - 2026-11-28\n\n- One.\n\n[Unreleased]: https://github.com/o/r/compare/v0.1.0...HEAD\n[0.1.0]: https://github.com/o/r/releases/tag/v0.1.0\n"
        );
        assert_eq!(notes.len(), 2);
    }

    #[test]
    fn changelog_refuses_nothing_to_release() {
        let empty =
            "# Changelog\n\n## [Unreleased]\n\n### Added\n\n## [0.1.0] - 2026-10-01\n- First.\n";
        assert!(release_changelog(empty, "0.1.0", "0.2.0", "d")
            .unwrap_err()
            .contains("no entries"));
        assert!(release_changelog("# Changelog\n", "0.1.0", "0.2.0", "d")
            .unwrap_err()
            .contains("Unreleased"));
    }

    #[test]
    fn checks_cover_the_workspace_and_each_feature_alone() {
        let ws = metadata(&[("qosic-core", true, &[]), ("qosic-examples", false, &[])]);
        let checks: Vec<String> = checks(&ws).iter().map(ToString::to_string).collect();
        assert_eq!(
            checks,
            [
                "cargo fmt --all -- --check",
                "cargo clippy --workspace --all-targets --locked -- -D warnings",
                "cargo test --workspace --locked",
                "RUSTDOCFLAGS='-D warnings' cargo doc --workspace --no-deps --locked",
                "cargo check -p qosic-core --locked --no-default-features",
                "cargo check -p qosic-core --locked --no-default-features --features rustls",
            ]
        );
    }

    #[test]
    fn requirements_keep_their_operator() {
        assert_eq!(with_operator("0.1.0", "0.2.0"), "0.2.0");
        assert_eq!(with_operator("=0.1.0", "0.2.0"), "=0.2.0");
        assert_eq!(with_operator("^0.1.0", "1.0.0-rc.10"), "^1.0.0-rc.10");
        assert_eq!(with_operator("~0.1", "0.2.0"), "~0.2.0");
    }

    #[test]
    fn civil_dates() {
        assert_eq!(civil_date(0), "1970-01-01");
        assert_eq!(civil_date(11_016), "2000-02-29");
        assert_eq!(civil_date(20_785), "2026-11-28");
        assert_eq!(today().len(), 10);
    }
}
