//! `cargo xtask release`: bump, date the changelog, check, package, commit, tag and (on request) publish.
//!
//! The release is planned first, as pure edits of file texts (`plan`), printed, and only then carried out.
//! A real run edits the tree and, if any later step fails, writes the original files back,
//! so a failed release leaves the tree as it found it.
//! A dry run carries out the same steps in a scratch copy of the workspace (in the system temp directory,
//! sharing the real target directory so that builds are reused), so its checks and packages
//! see the bumped versions while the tree stays untouched.
//!
//! Manifests are edited line by line, for the shapes this workspace uses:
//! `version = ".."` under `[workspace.package]` or `[package]`, and inline tables such as
//! `qosic-core = { path = "qosic-core", version = "0.1.0" }` (or `[dependencies.qosic-core]` tables)
//! in any dependency section.
//! After the edit, `cargo metadata` must report the new version everywhere, so a shape this code misses
//! stops the release instead of shipping mismatched versions.

use std::cmp::Ordering;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::cmd::Cmd;
use crate::flags::ReleaseFlags;
use crate::version::Version;
use crate::workspace::Workspace;
use crate::{bail, Error, Result};

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
    checks: Vec<Cmd>,
}

pub(crate) fn run(root: &Path, flags: &ReleaseFlags) -> Result<()> {
    let ws = Workspace::load(root)?;
    let root = ws.root.clone();
    ensure_clean(&root)?;
    let tags = Cmd::git().args(["tag", "--list"]).dir(&root).read()?;
    let tags: Vec<&str> = tags.lines().map(str::trim).collect();
    let plan = plan(&ws, flags, &today(), &tags)?;
    let tag = format!("v{}", plan.new);
    print!("{}", plan.describe(flags));

    if flags.dry_run {
        let scratch = Scratch::copy_of(&ws)?;
        eprintln!(
            "dry run: working in the scratch copy {}",
            scratch.dir.display()
        );
        // Shares the real target directory, so the checks reuse what is already built.
        let target = ws.target_dir.clone();
        prepare(&scratch.dir, &plan, flags, Some(&target))?;
        let packaged = package(&scratch.dir, &plan, flags, Some(&target), false)?;
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
    let steps = prepare(&root, &plan, flags, None)
        .and_then(|()| package(&root, &plan, flags, None, true))
        .and_then(|_| commit(&root, &plan, &tag));
    if let Err(err) = steps {
        restore(&root, &plan, lock_before.as_deref())?;
        bail!("{err}; the tree was restored, nothing was committed");
    }
    if let Err(err) = create_tag(&root, &plan, &tag) {
        bail!("{err}; the release commit is in place but untagged: tag it with `git tag -a {tag}`");
    }
    println!("released {tag}: committed and tagged");
    if flags.publish {
        for (i, name) in plan.order.iter().enumerate() {
            if let Err(err) = Cmd::cargo().args(["publish", "-p", name]).dir(&root).run() {
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
fn plan(ws: &Workspace, flags: &ReleaseFlags, date: &str, tags: &[&str]) -> Result<Plan> {
    let old = current_version(ws)?;
    let new = old.bump(&flags.bump);
    match new.precedence(&old) {
        Ordering::Less => bail!("{new} does not come after the current version {old}"),
        Ordering::Equal if tags.contains(&format!("v{old}").as_str()) => {
            bail!("{old} is already released (tag v{old}); pick patch, minor, major or a later version")
        }
        Ordering::Equal | Ordering::Greater => {}
    }
    if tags.contains(&format!("v{new}").as_str()) {
        bail!("tag v{new} already exists; pick another version");
    }
    let internal: Vec<&str> = ws.packages.iter().map(|p| p.name.as_str()).collect();
    let (old_s, new_s) = (old.to_string(), new.to_string());

    // The root manifest first, then each member's, each file once.
    let mut files: Vec<(PathBuf, bool)> = vec![(ws.root.join("Cargo.toml"), false)];
    for p in &ws.packages {
        let bumped = p.version == old_s;
        match files.iter_mut().find(|(f, _)| *f == p.manifest_path) {
            Some(entry) => entry.1 |= bumped,
            None => files.push((p.manifest_path.clone(), bumped)),
        }
    }
    let mut manifests = Vec::new();
    for (file, package_version) in files {
        let before = read(&file)?;
        let (after, notes) = bump_manifest(&before, &internal, &old_s, &new_s, package_version);
        if !notes.is_empty() {
            manifests.push(FileEdit {
                path: relative(&ws.root, &file),
                before,
                after,
                notes,
            });
        }
    }
    if manifests.is_empty() && old != new {
        bail!("found no `version = \"{old}\"` to bump in the manifests");
    }

    let changelog_path = ws.root.join("CHANGELOG.md");
    let before = read(&changelog_path)?;
    let (after, section, notes) = release_changelog(&before, &old_s, &new_s, date)
        .map_err(|e| Error::new(format!("CHANGELOG.md: {e}")))?;
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
    })
}

/// The version every publishable crate shares.
fn current_version(ws: &Workspace) -> Result<Version> {
    let mut versions = ws
        .publishable()
        .map(|p| (p.name.as_str(), p.version.as_str()));
    let Some((first, version)) = versions.next() else {
        bail!("the workspace has no publishable crate");
    };
    if let Some((other, v)) = versions.find(|(_, v)| v != &version) {
        bail!("crates disagree on the version: {first} is {version}, {other} is {v}");
    }
    Version::parse(version).map_err(|e| Error::new(format!("{first}'s version `{version}`: {e}")))
}

/// The release checks, in the order they run (cheapest first).
fn checks(ws: &Workspace) -> Vec<Cmd> {
    let cargo = |args: &[&str]| Cmd::cargo().args(args);
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
        cargo(&["doc", "--workspace", "--no-deps", "--locked"]).env("RUSTDOCFLAGS", "-D warnings"),
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
        for feature in &p.features {
            checks.push(cargo(&base).args(["--features", feature.as_str()]));
        }
    }
    checks
}

/// Writes the bumped manifests and changelog into `dir`, updates the lockfile, checks the result and runs the checks.
fn prepare(dir: &Path, plan: &Plan, flags: &ReleaseFlags, target: Option<&Path>) -> Result<()> {
    for edit in plan.manifests.iter().chain([&plan.changelog]) {
        write(&dir.join(&edit.path), &edit.after)?;
    }
    let with_env = |cmd: Cmd| match target {
        Some(t) => cmd.env("CARGO_TARGET_DIR", t),
        None => cmd,
    };
    let mut update = Cmd::cargo().args(["update", "--workspace"]).dir(dir);
    if flags.offline {
        update = update.arg("--offline");
    }
    with_env(update).run()?;
    verify_bump(dir, plan)?;
    if !flags.skip_checks {
        for check in &plan.checks {
            with_env(check.clone().dir(dir)).run()?;
        }
    }
    Ok(())
}

/// Reads the edited workspace back through cargo: every crate that was at the old version is at the new one,
/// and every internal dependency asks for the new one.
fn verify_bump(dir: &Path, plan: &Plan) -> Result<()> {
    let ws = Workspace::load(dir)?;
    let (old, new) = (plan.old.to_string(), plan.new.to_string());
    for p in &ws.packages {
        if p.version == old && old != new {
            bail!(
                "{} is still at {old} after the bump; its manifest has a shape xtask cannot edit",
                p.name
            );
        }
        for d in p.internal_deps(&ws) {
            let req = d.req.trim_start_matches(['=', '^', '~']);
            if d.req != "*" && req != new {
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

/// `cargo package` for every publishable crate; returns the paths of the `.crate` files.
///
/// Packaging several crates of one workspace in one command lets cargo resolve the unpublished
/// internal dependencies against the crates it just packaged.
fn package(
    dir: &Path,
    plan: &Plan,
    flags: &ReleaseFlags,
    target: Option<&Path>,
    dirty: bool,
) -> Result<Vec<String>> {
    let mut cmd = Cmd::cargo().arg("package").dir(dir);
    for name in &plan.order {
        cmd = cmd.args(["-p", name]);
    }
    if flags.skip_checks {
        cmd = cmd.arg("--no-verify");
    }
    if flags.offline {
        cmd = cmd.arg("--offline");
    }
    if dirty {
        // The bump is not committed yet: the commit comes only once everything passed.
        cmd = cmd.arg("--allow-dirty");
    }
    if let Some(t) = target {
        cmd = cmd.env("CARGO_TARGET_DIR", t);
    }
    cmd.run()?;
    let target_dir = match target {
        Some(t) => t.to_path_buf(),
        None => Workspace::load(dir)?.target_dir,
    };
    let mut crates = Vec::new();
    for name in &plan.order {
        let file = target_dir
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
fn commit(root: &Path, plan: &Plan, tag: &str) -> Result<()> {
    let mut commit = Cmd::git()
        .args([
            "commit",
            "-q",
            "-m",
            &format!("Release {tag}"),
            "--",
            "Cargo.lock",
        ])
        .dir(root);
    for edit in plan.manifests.iter().chain([&plan.changelog]) {
        commit = commit.arg(&edit.path);
    }
    commit.run()
}

/// An annotated tag whose message is the changelog section.
fn create_tag(root: &Path, plan: &Plan, tag: &str) -> Result<()> {
    let message = format!("Release {tag}\n\n{}", plan.section.trim_end());
    Cmd::git()
        .args(["tag", "-a", tag, "-m", &message])
        .dir(root)
        .run()
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
fn ensure_clean(root: &Path) -> Result<()> {
    let status = Cmd::git()
        .args(["status", "--porcelain", "--untracked-files=normal"])
        .dir(root)
        .read()?;
    if let Some(first) = status.lines().next() {
        let count = status.lines().count();
        bail!(
            "the git tree is dirty ({count} changed or untracked path(s), first `{}`); commit or remove them first",
            first.trim()
        );
    }
    Ok(())
}

/// Bumps the versions in one manifest; returns the new text and one note per edited line.
///
/// `package_version` also bumps `version = "old"` under `[package]`.
fn bump_manifest(
    text: &str,
    internal: &[&str],
    old: &str,
    new: &str,
    package_version: bool,
) -> (String, Vec<String>) {
    let mut out = String::with_capacity(text.len());
    let mut notes = Vec::new();
    let mut section = String::new();
    for (i, line) in text.split_inclusive('\n').enumerate() {
        let trimmed = line.trim_start();
        if trimmed.starts_with('[') {
            section = trimmed
                .trim_end()
                .trim_start_matches('[')
                .split(']')
                .next()
                .unwrap_or("")
                .replace([' ', '"'], "");
            out.push_str(line);
            continue;
        }
        let Some((key, value)) = trimmed
            .split_once('=')
            .filter(|_| !trimmed.starts_with('#'))
        else {
            out.push_str(line);
            continue;
        };
        let key = key.trim().trim_matches('"');
        let value_at = line.len() - value.len();
        let edit = if key == "version"
            && (section == "workspace.package" || (section == "package" && package_version))
        {
            replace_string(line, value_at, new, Some(old))
                .map(|(l, o)| (l, format!("[{section}] version"), o))
        } else if let Some((deps, name)) =
            section.rsplit_once('.').filter(|(d, _)| is_dep_section(d))
        {
            // `[dependencies.qosic-core]` tables.
            (key == "version" && internal.contains(&name))
                .then(|| replace_string(line, value_at, new, None))
                .flatten()
                .map(|(l, o)| (l, format!("[{deps}.{name}] version"), o))
        } else if is_dep_section(&section)
            && value.trim_start().starts_with('{')
            && !key.contains('.')
        {
            let name = inline_string(value, "package").unwrap_or(key);
            let at = internal
                .contains(&name)
                .then(|| find_key(value, "version"))
                .flatten();
            at.and_then(|at| replace_string(line, value_at + at, new, None))
                .map(|(l, o)| (l, format!("[{section}] {key}"), o))
        } else {
            None
        };
        match edit {
            Some((new_line, what, old_value)) => {
                notes.push(format!(
                    "{}: {what} \"{old_value}\" -> \"{}\"",
                    i + 1,
                    new_line_value(&old_value, new)
                ));
                out.push_str(&new_line);
            }
            None => out.push_str(line),
        }
    }
    (out, notes)
}

/// The new requirement for an old one: same operator, new version.
fn new_line_value(old_req: &str, new: &str) -> String {
    let op_len = old_req.len() - old_req.trim_start_matches(['=', '^', '~']).len();
    format!("{}{new}", &old_req[..op_len])
}

pub(crate) fn is_dep_section(section: &str) -> bool {
    let last = section.rsplit('.').next().unwrap_or("");
    section == "workspace.dependencies"
        || matches!(
            last,
            "dependencies" | "dev-dependencies" | "build-dependencies"
        )
}

/// The byte offset, in `table`, of the value of `key` (right after its `=`).
pub(crate) fn find_key(table: &str, key: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(pos) = table[from..].find(key).map(|p| p + from) {
        let before_ok = table[..pos].trim_end().ends_with(['{', ','])
            && !table[..pos].ends_with(|c: char| c.is_alphanumeric() || c == '-' || c == '_');
        let after = &table[pos + key.len()..];
        if before_ok && after.trim_start().starts_with('=') {
            let eq = pos + key.len() + (after.len() - after.trim_start().len());
            return Some(eq + 1);
        }
        from = pos + key.len();
    }
    None
}

/// The string value of `key` in an inline table.
pub(crate) fn inline_string<'a>(table: &'a str, key: &str) -> Option<&'a str> {
    let at = find_key(table, key)?;
    let rest = table[at..].trim_start().strip_prefix('"')?;
    rest.split('"').next()
}

/// Replaces the string that follows `at` in `line` with `new` (keeping a leading `=`, `^` or `~`).
///
/// With `only_if`, replaces only a string equal to it. Returns the new line and the old string.
fn replace_string(
    line: &str,
    at: usize,
    new: &str,
    only_if: Option<&str>,
) -> Option<(String, String)> {
    let open = at + line[at..].find('"')?;
    // Nothing but spaces between the `=` and the opening quote.
    if !line[at..open].trim().is_empty() {
        return None;
    }
    let close = open + 1 + line[open + 1..].find('"')?;
    let old = &line[open + 1..close];
    if only_if.is_some_and(|want| want != old) {
        return None;
    }
    let replaced = format!(
        "{}{}{}",
        &line[..open + 1],
        new_line_value(old, new),
        &line[close..]
    );
    Some((replaced, old.to_owned()))
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

/// A copy of the workspace in the system temp directory, without `.git` and the target directory;
/// removed on drop.
#[derive(Debug)]
struct Scratch {
    dir: PathBuf,
}

impl Scratch {
    fn copy_of(ws: &Workspace) -> Result<Scratch> {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let dir =
            std::env::temp_dir().join(format!("xtask-release-{}-{nanos}", std::process::id()));
        let scratch = Scratch { dir };
        copy_tree(
            &ws.root,
            &scratch.dir,
            &[ws.root.join("target"), ws.target_dir.clone()],
        )
        .map_err(|e| {
            Error::new(format!(
                "cannot copy the workspace to {}: {e}",
                scratch.dir.display()
            ))
        })?;
        Ok(scratch)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.dir);
    }
}

/// Copies `from` into `to`, leaving out `.git` directories and the `skip` paths.
pub(crate) fn copy_tree(from: &Path, to: &Path, skip: &[PathBuf]) -> std::io::Result<()> {
    fs::create_dir_all(to)?;
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let path = entry.path();
        if entry.file_name() == ".git" || skip.contains(&path) {
            continue;
        }
        let dest = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_tree(&path, &dest, skip)?;
        } else {
            fs::copy(&path, &dest)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROOT: &str = r#"[workspace]
members = ["qosic-core", "qosic-http"]

[workspace.package]
version = "0.1.0"
edition = "2021"

[workspace.dependencies]
# Internal crates: qosic-core = { version = "0.1.0" } and so on.
qosic-core = { path = "qosic-core", version = "0.1.0" }
"qosic-http" = { version = "=0.1.0", path = "qosic-http", default-features = false }
renamed = { package = "qosic-mock", path = "qosic-mock", version = "^0.1.0" }
serde = { version = "0.1.0", features = ["derive"] }
other-version = { path = "x", version = "0.1.0", xversion = "1" }

[dependencies.qosic-carriers-bj]
path = "qosic-carriers-bj"
version = "0.1.0"
"#;

    const INTERNAL: &[&str] = &[
        "qosic-core",
        "qosic-http",
        "qosic-mock",
        "qosic-carriers-bj",
    ];

    #[test]
    fn bumps_the_workspace_version_and_internal_dependencies_only() {
        let (after, notes) = bump_manifest(ROOT, INTERNAL, "0.1.0", "0.2.0", false);
        let expect = ROOT
            .replace(
                "version = \"0.1.0\"\nedition",
                "version = \"0.2.0\"\nedition",
            )
            .replace(
                "qosic-core\", version = \"0.1.0\"",
                "qosic-core\", version = \"0.2.0\"",
            )
            .replace("\"=0.1.0\"", "\"=0.2.0\"")
            .replace("\"^0.1.0\"", "\"^0.2.0\"")
            .replace(
                "qosic-carriers-bj\"\nversion = \"0.1.0\"",
                "qosic-carriers-bj\"\nversion = \"0.2.0\"",
            );
        assert_eq!(after, expect);
        assert_eq!(
            notes,
            [
                "5: [workspace.package] version \"0.1.0\" -> \"0.2.0\"",
                "10: [workspace.dependencies] qosic-core \"0.1.0\" -> \"0.2.0\"",
                "11: [workspace.dependencies] qosic-http \"=0.1.0\" -> \"=0.2.0\"",
                "12: [workspace.dependencies] renamed \"^0.1.0\" -> \"^0.2.0\"",
                "18: [dependencies.qosic-carriers-bj] version \"0.1.0\" -> \"0.2.0\"",
            ]
        );
    }

    #[test]
    fn bumps_a_member_package_version_only_when_asked() {
        let member = "[package]\nname = \"a\"\nversion = \"0.1.0\"\n\n[dependencies]\nqosic-core.workspace = true\n";
        let (same, notes) = bump_manifest(member, INTERNAL, "0.1.0", "0.2.0", false);
        assert_eq!((same.as_str(), notes.len()), (member, 0));
        let (bumped, notes) = bump_manifest(member, INTERNAL, "0.1.0", "0.2.0", true);
        assert_eq!(bumped, member.replace("0.1.0", "0.2.0"));
        assert_eq!(notes, ["3: [package] version \"0.1.0\" -> \"0.2.0\""]);
        let other = member.replace("0.1.0", "0.0.0");
        assert_eq!(
            bump_manifest(&other, INTERNAL, "0.1.0", "0.2.0", true).0,
            other
        );
    }

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
        let ws = Workspace::from_metadata(&crate::workspace::tests::metadata(&[
            ("qosic-core", true, &[]),
            ("qosic-examples", false, &[]),
        ]))
        .unwrap();
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
    fn civil_dates() {
        assert_eq!(civil_date(0), "1970-01-01");
        assert_eq!(civil_date(11_016), "2000-02-29");
        assert_eq!(civil_date(20_785), "2026-11-28");
        assert_eq!(today().len(), 10);
    }
}
