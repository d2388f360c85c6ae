//! `cargo xtask tidy`: the workspace's own rules, checked from `cargo metadata` and the files themselves.
//!
//! Each rule returns problems as one line each (`crate: what is wrong`), so a failing run lists everything at once.
//! The same checks run as the test `tidy::tests::workspace_is_tidy`, so `cargo test --workspace` enforces them.

use std::fs;
use std::path::{Path, PathBuf};

use crate::flags::TASKS;
use crate::release::{find_key, is_dep_section};
use crate::workspace::{Package, Workspace};
use crate::{bail, Result};

pub(crate) fn run(root: &Path) -> Result<()> {
    let ws = Workspace::load(root)?;
    let problems = check(&ws);
    if problems.is_empty() {
        println!("tidy: ok ({} crates)", ws.packages.len());
        return Ok(());
    }
    for problem in &problems {
        eprintln!("tidy: {problem}");
    }
    bail!("tidy found {} problem(s), listed above", problems.len());
}

/// Every rule, on the whole workspace.
pub(crate) fn check(ws: &Workspace) -> Vec<String> {
    let mut problems = Vec::new();
    for p in ws.publishable() {
        problems.extend(package_metadata(p));
        problems.extend(no_print_in_library(p));
    }
    problems.extend(internal_deps_carry_versions(ws));
    for p in &ws.packages {
        problems.extend(crate_docs(p));
    }
    problems.extend(readme_commands(ws));
    problems
}

/// A publishable crate has what crates.io and docs.rs show: description, license, repository, readme,
/// keywords, categories and rust-version.
fn package_metadata(p: &Package) -> Vec<String> {
    let mut problems = Vec::new();
    let field = |key: &str| {
        p.metadata
            .get(key)
            .as_str()
            .map(str::trim)
            .filter(|s| !s.is_empty())
    };
    match field("description") {
        None => problems.push(format!("{}: no `description`", p.name)),
        Some(d) if d.eq_ignore_ascii_case("todo") || d.contains("TODO") => {
            problems.push(format!("{}: `description` is a placeholder: {d:?}", p.name));
        }
        Some(_) => {}
    }
    if field("license").is_none() && field("license_file").is_none() {
        problems.push(format!("{}: no `license`", p.name));
    }
    for key in ["repository", "rust_version"] {
        if field(key).is_none() {
            problems.push(format!("{}: no `{}`", p.name, key.replace('_', "-")));
        }
    }
    match field("readme") {
        None => problems.push(format!("{}: no `readme`", p.name)),
        Some(readme) if !p.dir().join(readme).is_file() => {
            problems.push(format!(
                "{}: `readme` names {readme}, which does not exist",
                p.name
            ));
        }
        Some(_) => {}
    }
    for key in ["keywords", "categories"] {
        if p.metadata.get(key).items().is_empty() {
            problems.push(format!("{}: no `{key}`", p.name));
        }
    }
    problems
}

/// Internal dependencies carry a version, so that `cargo publish` works; dev-dependencies may be path only,
/// so that a crate can test against one published after it.
///
/// Checked twice: on what cargo resolved, and on the manifests' shapes (members use `name.workspace = true`
/// or `path` + `version`; the root `[workspace.dependencies]` entries have both).
fn internal_deps_carry_versions(ws: &Workspace) -> Vec<String> {
    let mut problems = Vec::new();
    for p in &ws.packages {
        for d in p.internal_deps(ws).filter(|d| !d.dev && d.req == "*") {
            problems.push(format!(
                "{}: the dependency on {} has no version",
                p.name, d.name
            ));
        }
    }
    let internal: Vec<&str> = ws.packages.iter().map(|p| p.name.as_str()).collect();
    let root_manifest = ws.root.join("Cargo.toml");
    let mut manifests: Vec<PathBuf> = vec![root_manifest.clone()];
    manifests.extend(
        ws.packages
            .iter()
            .map(|p| p.manifest_path.clone())
            .filter(|m| *m != root_manifest),
    );
    for manifest in manifests {
        let Ok(text) = fs::read_to_string(&manifest) else {
            problems.push(format!("cannot read {}", manifest.display()));
            continue;
        };
        let shown = manifest
            .strip_prefix(&ws.root)
            .unwrap_or(&manifest)
            .display()
            .to_string();
        problems.extend(manifest_dep_shapes(&shown, &text, &internal));
    }
    problems
}

/// The line-level half of `internal_deps_carry_versions`, for one manifest.
fn manifest_dep_shapes(shown: &str, text: &str, internal: &[&str]) -> Vec<String> {
    let mut problems = Vec::new();
    let mut section = String::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.starts_with('[') {
            section = line.trim_matches(['[', ']']).replace([' ', '"'], "");
            continue;
        }
        if !is_dep_section(&section) || line.starts_with('#') {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let key = key.trim().trim_matches('"');
        let (name, inherited) = match key.split_once('.') {
            Some((name, "workspace")) => (name, value.trim() == "true"),
            Some(_) => continue,
            None => (key, false),
        };
        let value = value.trim();
        let name = crate::release::inline_string(value, "package").unwrap_or(name);
        if !internal.contains(&name) || inherited {
            continue;
        }
        let has = |k: &str| value.starts_with('{') && find_key(value, k).is_some();
        let inherits = has("workspace");
        let dev = section.ends_with("dev-dependencies");
        let ok = if section == "workspace.dependencies" {
            has("path") && has("version")
        } else {
            inherits || (has("path") && (has("version") || dev))
        };
        if !ok {
            problems.push(format!(
                "{shown}:{}: `{name}` in [{section}] needs {}",
                i + 1,
                if section == "workspace.dependencies" {
                    "both `path` and `version`"
                } else {
                    "`.workspace = true`, or `path` and `version`"
                }
            ));
        }
    }
    problems
}

/// Every library, binary and example starts with crate-level docs (`//!` or `#![doc = ..]`).
fn crate_docs(p: &Package) -> Vec<String> {
    let mut problems = Vec::new();
    for t in &p.targets {
        if !(t.is("lib") || t.is("bin") || t.is("example") || t.is("proc-macro")) {
            continue;
        }
        let Ok(text) = fs::read_to_string(&t.src_path) else {
            problems.push(format!("{}: cannot read {}", p.name, t.src_path.display()));
            continue;
        };
        let first = text
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .unwrap_or("");
        if !(first.starts_with("//!") || first.starts_with("#![doc")) {
            let file = t.src_path.strip_prefix(p.dir()).unwrap_or(&t.src_path);
            problems.push(format!(
                "{}: {} does not start with crate docs (`//!`)",
                p.name,
                file.display()
            ));
        }
    }
    problems
}

/// A library writes nothing to stdout or stderr: that is the application's call (use `tracing`).
///
/// Scans the library's directory, leaving out binary targets, comment lines and everything after
/// the first `#[cfg(test)]` of a file (test modules come last in this workspace).
fn no_print_in_library(p: &Package) -> Vec<String> {
    let mut problems = Vec::new();
    let bins: Vec<&Path> = p
        .targets
        .iter()
        .filter(|t| t.is("bin"))
        .map(|t| t.src_path.as_path())
        .collect();
    for lib in p.targets.iter().filter(|t| t.is("lib")) {
        let Some(dir) = lib.src_path.parent() else {
            continue;
        };
        let mut files = Vec::new();
        rust_files(dir, &mut files);
        for file in files {
            if bins.contains(&file.as_path())
                || bins
                    .iter()
                    .any(|b| b.parent().is_some_and(|d| d != dir && file.starts_with(d)))
            {
                continue;
            }
            let Ok(text) = fs::read_to_string(&file) else {
                continue;
            };
            let shown = file
                .strip_prefix(p.dir())
                .unwrap_or(&file)
                .display()
                .to_string();
            for (line, what) in print_calls(&text) {
                problems.push(format!(
                    "{}: {shown}:{line}: `{what}` in library code; use tracing",
                    p.name
                ));
            }
        }
    }
    problems
}

/// The `print!`-family calls of a file, as (line number, macro).
fn print_calls(text: &str) -> Vec<(usize, &'static str)> {
    let mut calls = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let code = line.trim_start();
        if code.starts_with("#[cfg(test)]") {
            break;
        }
        if code.starts_with("//") {
            continue;
        }
        for mac in ["eprintln!", "println!", "eprint!", "print!"] {
            let found = code.match_indices(mac).any(|(at, _)| {
                // `println!` inside `eprintln!` is the same call; `sprint!` is not ours.
                !code[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_')
            });
            if found {
                calls.push((i + 1, mac));
                break;
            }
        }
    }
    calls
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out.sort();
}

/// The `cargo ...` lines of README.md's shell blocks name things that exist,
/// and `.ci/run` runs the README's `cargo test` command.
fn readme_commands(ws: &Workspace) -> Vec<String> {
    let readme = ws.root.join("README.md");
    let Ok(text) = fs::read_to_string(&readme) else {
        return vec!["README.md: missing at the workspace root".to_owned()];
    };
    let mut problems = Vec::new();
    let commands = cargo_commands(&text);
    for (line, command) in &commands {
        if let Err(problem) = command_exists(ws, command) {
            problems.push(format!("README.md:{line}: `{command}`: {problem}"));
        }
    }
    let ci = fs::read_to_string(ws.root.join(".ci/run")).unwrap_or_default();
    let tests: Vec<&(usize, String)> = commands
        .iter()
        .filter(|(_, c)| c.starts_with("cargo test"))
        .collect();
    if tests.is_empty() {
        problems.push("README.md: shows no `cargo test` command".to_owned());
    }
    for (line, command) in tests {
        if !ci
            .lines()
            .any(|l| l.trim() == command || l.trim().starts_with(&format!("{command} ")))
        {
            problems.push(format!(
                "README.md:{line}: `{command}` is not a command of .ci/run"
            ));
        }
    }
    problems
}

/// The lines starting with `cargo ` in ```sh, ```bash, ```shell and ```console blocks, with their line numbers.
/// A leading `$ ` prompt is dropped.
fn cargo_commands(readme: &str) -> Vec<(usize, String)> {
    let mut commands = Vec::new();
    let mut in_shell = false;
    let mut in_other = false;
    for (i, line) in readme.lines().enumerate() {
        let trimmed = line.trim();
        if let Some(lang) = trimmed.strip_prefix("```") {
            if in_shell || in_other {
                in_shell = false;
                in_other = false;
            } else {
                let lang = lang.split([',', ' ']).next().unwrap_or("");
                in_shell = matches!(lang, "sh" | "bash" | "shell" | "console");
                in_other = !in_shell;
            }
            continue;
        }
        if in_shell {
            let command = trimmed.strip_prefix("$ ").unwrap_or(trimmed);
            // A shell comment (` # ...`) is not part of the command.
            let command = command.find(" #").map_or(command, |at| &command[..at]);
            if command.starts_with("cargo ") {
                commands.push((
                    i + 1,
                    command.split_whitespace().collect::<Vec<_>>().join(" "),
                ));
            }
        }
    }
    commands
}

/// Checks the packages, examples, binaries and xtask tasks that a `cargo` command names.
fn command_exists(ws: &Workspace, command: &str) -> Result<(), String> {
    let words: Vec<&str> = command
        .split_whitespace()
        .take_while(|w| *w != "--")
        .collect();
    if words.get(1) == Some(&"xtask") {
        return match words.get(2) {
            Some(task) if !TASKS.contains(task) => Err(format!("xtask has no task `{task}`")),
            _ => Ok(()),
        };
    }
    let value_of = |flag: &str, short: Option<&str>| -> Vec<String> {
        let mut values = Vec::new();
        for (i, w) in words.iter().enumerate() {
            if *w == flag || Some(*w) == short {
                if let Some(v) = words.get(i + 1) {
                    values.push((*v).to_owned());
                }
            } else if let Some(v) = w.strip_prefix(&format!("{flag}=")) {
                values.push(v.to_owned());
            }
        }
        values
    };
    let mut selected: Vec<&Package> = Vec::new();
    for name in value_of("--package", Some("-p")) {
        match ws.package(&name) {
            Some(p) => selected.push(p),
            None => return Err(format!("no package `{name}` in the workspace")),
        }
    }
    if selected.is_empty() {
        selected = if words.contains(&"--workspace") || ws.default_members.is_empty() {
            ws.packages.iter().collect()
        } else {
            ws.default_members
                .iter()
                .filter_map(|n| ws.package(n))
                .collect()
        };
    }
    for (flag, kind) in [("--example", "example"), ("--bin", "bin")] {
        for name in value_of(flag, None) {
            let exists = selected
                .iter()
                .any(|p| p.targets.iter().any(|t| t.name == name && t.is(kind)));
            if !exists {
                let among: Vec<&str> = selected.iter().map(|p| p.name.as_str()).collect();
                return Err(format!("no {kind} `{name}` in {}", among.join(", ")));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workspace::tests::metadata;

    /// The real workspace obeys every rule.
    #[test]
    fn workspace_is_tidy() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let ws = Workspace::load(root).unwrap();
        let problems = check(&ws);
        assert!(
            problems.is_empty(),
            "cargo xtask tidy found:\n{}",
            problems.join("\n")
        );
    }

    #[test]
    fn readme_commands_are_read_from_shell_blocks_only() {
        let readme = "# X\n\n```sh\n$ cargo run --example pay\ncargo test   --workspace   # all of them\necho hi\n```\n\n```rust\ncargo fake\n```\n\n```console\ncargo xtask tidy\n```\n";
        assert_eq!(
            cargo_commands(readme),
            [
                (4, "cargo run --example pay".to_owned()),
                (5, "cargo test --workspace".to_owned()),
                (14, "cargo xtask tidy".to_owned()),
            ]
        );
    }

    #[test]
    fn commands_must_name_existing_things() {
        let mut ws = Workspace::from_metadata(&metadata(&[
            ("qosic-core", true, &[]),
            ("qosic-examples", false, &[]),
        ]))
        .unwrap();
        ws.packages[1].targets.push(crate::workspace::Target {
            name: "pay".into(),
            kinds: vec!["example".into()],
            src_path: "/w/qosic-examples/pay.rs".into(),
        });
        let check = |c: &str| command_exists(&ws, c);
        assert!(check("cargo test --workspace").is_ok());
        assert!(check("cargo run -p qosic-examples --example pay").is_ok());
        assert!(check("cargo run --package=qosic-examples --example=pay").is_ok());
        assert!(check("cargo xtask release --dry-run").is_ok());
        assert!(check("cargo xtask mock -- --port 0").is_ok());
        // The default member is qosic-core, which has no example.
        assert_eq!(
            check("cargo run --example pay").unwrap_err(),
            "no example `pay` in qosic-core"
        );
        assert_eq!(
            check("cargo run -p nope").unwrap_err(),
            "no package `nope` in the workspace"
        );
        assert_eq!(
            check("cargo xtask deploy").unwrap_err(),
            "xtask has no task `deploy`"
        );
        assert!(check("cargo run -p qosic-examples --bin pay").is_err());
    }

    #[test]
    fn print_calls_skip_comments_and_tests() {
        let text = "//! Docs: `println!` is fine here.\nfn f() {\n    eprintln!(\"x\");\n    // println!(\"y\");\n    let s = format!(\"z\"); print!(\"{s}\");\n}\n#[cfg(test)]\nmod tests { fn t() { println!(\"ok\"); } }\n";
        assert_eq!(print_calls(text), [(3, "eprintln!"), (5, "print!")]);
    }

    #[test]
    fn dependency_shapes() {
        let internal = &["qosic-core", "qosic-mock"];
        let root = "[workspace.dependencies]\nqosic-core = { path = \"qosic-core\", version = \"0.1.0\" }\nqosic-mock = { path = \"qosic-mock\" }\nserde = \"1\"\n";
        assert_eq!(
            manifest_dep_shapes("Cargo.toml", root, internal),
            ["Cargo.toml:3: `qosic-mock` in [workspace.dependencies] needs both `path` and `version`"]
        );
        let member = "[dependencies]\nqosic-core.workspace = true\nqosic-mock = \"0.1.0\"\n\n[dev-dependencies]\nqosic-mock = { path = \"../qosic-mock\" }\n\n[build-dependencies]\nqosic-core = { workspace = true }\n";
        assert_eq!(
            manifest_dep_shapes("m/Cargo.toml", member, internal),
            ["m/Cargo.toml:3: `qosic-mock` in [dependencies] needs `.workspace = true`, or `path` and `version`"]
        );
    }
}
