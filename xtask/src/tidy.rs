//! `cargo xtask tidy`: the workspace's own rules, checked from `cargo metadata` and the files themselves.
//!
//! Each rule returns problems as one line each (`crate: what is wrong`), so a failing run lists everything at once.
//! The same checks run as the test `tidy::tests::workspace_is_tidy`, so `cargo test --workspace` enforces them.
//!
//! What the compiler can check exactly, it does: libraries declare `missing_docs` (crate and item docs) and
//! `clippy::print_stdout`/`clippy::print_stderr` (no printing outside tests), and tidy only checks that the
//! declarations are there.

use std::fs;
use std::path::{Path, PathBuf};

use cargo_metadata::Package;

use crate::flags::task_names;
use crate::manifest::{DepKind, Manifest};
use crate::workspace::{self, Workspace};
use crate::{bail, Result};

pub(crate) fn run(root: &Path) -> Result<()> {
    let ws = Workspace::load(root)?;
    let problems = check(&ws);
    if problems.is_empty() {
        println!("tidy: ok ({} crates)", ws.packages().len());
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
        problems.extend(docs_rs_metadata(p));
        problems.extend(library_lints(p));
    }
    problems.extend(internal_deps_carry_versions(ws));
    for p in ws.packages() {
        problems.extend(crate_docs(p));
    }
    problems.extend(readme_commands(ws));
    problems.extend(countries_meet_in_one_place(ws));
    problems
}

/// The aggregating crate: the only one that depends on a country crate (`qosic-carriers-*`).
const CARRIERS: &str = "qosic-carriers";
/// The facade, which offers each country as a feature.
const FACADE: &str = "qosic";

/// A country (`qosic-carriers-<cc>`) is wired in one place, so that adding one touches its crate,
/// `qosic-carriers` (`Cargo.toml` and `src/lib.rs`) and the facade's `Cargo.toml` only
/// (ARCHITECTURE.md, "Adding a carrier or a country"):
/// - no crate but `qosic-carriers` depends on a country crate (the fake server and the facade go
///   through it);
/// - in `qosic-carriers`, each country is an optional dependency enabled by a feature of its own,
///   which `default` enables (the fake server serves every default country) and whose `SPECS`
///   `src/lib.rs` lists (`specs()` follows them);
/// - the facade has the same feature, forwarded to `qosic-carriers`.
fn countries_meet_in_one_place(ws: &Workspace) -> Vec<String> {
    let prefix = format!("{CARRIERS}-");
    let is_country = |name: &str| name.starts_with(&prefix);
    let mut problems = Vec::new();
    for p in ws.packages() {
        if p.name.as_str() == CARRIERS || is_country(&p.name) {
            continue;
        }
        for d in ws.internal_deps(p).filter(|d| is_country(&d.name)) {
            problems.push(format!(
                "{}: depends on the country crate {} directly; go through {CARRIERS} (or the {FACADE} facade), \
                 so that a new country touches no other crate",
                p.name, d.name
            ));
        }
    }
    let Some(carriers) = ws.package(CARRIERS) else {
        return problems;
    };
    let lib = fs::read_to_string(workspace::dir(carriers).join("src/lib.rs")).unwrap_or_default();
    let facade = ws.package(FACADE);
    let defaults = carriers
        .features
        .get("default")
        .cloned()
        .unwrap_or_default();
    for country in ws.packages().iter().filter(|p| is_country(&p.name)) {
        let name = country.name.as_str();
        let enabling = carriers
            .features
            .iter()
            .find(|(_, enables)| enables.iter().any(|e| *e == format!("dep:{name}")))
            .map(|(feature, _)| feature.as_str());
        let Some(feature) = enabling else {
            problems.push(format!(
                "{CARRIERS}: no feature enables the country crate {name} (`feature = [\"dep:{name}\"]`)"
            ));
            continue;
        };
        if !defaults.iter().any(|f| f == feature) {
            problems.push(format!(
                "{CARRIERS}: the default feature leaves out `{feature}`; the fake server serves the default countries"
            ));
        }
        let specs = format!("{}::SPECS", name.replace('-', "_"));
        if !lib.contains(&specs) {
            problems.push(format!(
                "{CARRIERS}/src/lib.rs: `{specs}` is not listed, so `specs()` leaves {name} out"
            ));
        }
        let forwarded = facade
            .and_then(|f| f.features.get(feature))
            .is_some_and(|enables| {
                enables
                    .iter()
                    .any(|e| *e == format!("{CARRIERS}/{feature}"))
            });
        if facade.is_some() && !forwarded {
            problems.push(format!(
                "{FACADE}: no feature `{feature} = [\"{CARRIERS}/{feature}\"]` offers the country {name}"
            ));
        }
    }
    problems
}

/// A publishable crate has what crates.io and docs.rs show: description, license, repository, readme,
/// keywords, categories and rust-version.
fn package_metadata(p: &Package) -> Vec<String> {
    let mut problems = Vec::new();
    let filled = |field: &Option<String>| field.as_deref().is_some_and(|s| !s.trim().is_empty());
    match p.description.as_deref().map(str::trim) {
        None | Some("") => problems.push(format!("{}: no `description`", p.name)),
        Some(d) if d.eq_ignore_ascii_case("todo") || d.contains("TODO") => {
            problems.push(format!("{}: `description` is a placeholder: {d:?}", p.name));
        }
        Some(_) => {}
    }
    if !filled(&p.license) && p.license_file.is_none() {
        problems.push(format!("{}: no `license`", p.name));
    }
    if !filled(&p.repository) {
        problems.push(format!("{}: no `repository`", p.name));
    }
    if p.rust_version.is_none() {
        problems.push(format!("{}: no `rust-version`", p.name));
    }
    match &p.readme {
        None => problems.push(format!("{}: no `readme`", p.name)),
        Some(readme) if !workspace::dir(p).join(readme).is_file() => {
            problems.push(format!(
                "{}: `readme` names {readme}, which does not exist",
                p.name
            ));
        }
        Some(_) => {}
    }
    if p.keywords.is_empty() {
        problems.push(format!("{}: no `keywords`", p.name));
    }
    if p.categories.is_empty() {
        problems.push(format!("{}: no `categories`", p.name));
    }
    problems
}

/// docs.rs builds a publishable crate with every feature and `--cfg docsrs`, so that feature-gated items
/// carry their "Available on crate feature ..." label.
fn docs_rs_metadata(p: &Package) -> Vec<String> {
    let docs_rs = &p.metadata["docs"]["rs"];
    let args: Vec<&str> = docs_rs["rustdoc-args"]
        .as_array()
        .map(|a| a.iter().filter_map(|v| v.as_str()).collect())
        .unwrap_or_default();
    let cfg_docsrs = args.windows(2).any(|w| w == ["--cfg", "docsrs"]);
    if docs_rs["all-features"] == true && cfg_docsrs {
        return Vec::new();
    }
    vec![format!(
        "{}: needs `[package.metadata.docs.rs]` with `all-features = true` and `rustdoc-args = [\"--cfg\", \"docsrs\"]`",
        p.name
    )]
}

/// The inner attributes (`#![...]`) at the top of a crate root, whitespace removed.
fn inner_attributes(text: &str) -> Vec<String> {
    let mut attrs = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("#![") {
        // Only at the start of a line: not in a doc comment or a string.
        let line_start = rest[..at].rfind('\n').map_or(0, |i| i + 1);
        let start_of_line = rest[line_start..at].trim().is_empty();
        let mut depth = 0;
        let mut end = rest.len();
        for (i, c) in rest[at + 2..].char_indices() {
            match c {
                '[' => depth += 1,
                ']' => depth -= 1,
                _ => {}
            }
            if depth == 0 {
                end = at + 2 + i + 1;
                break;
            }
        }
        if start_of_line {
            attrs.push(rest[at..end].split_whitespace().collect());
        }
        rest = &rest[end..];
    }
    attrs
}

/// What a library root must declare (whitespace removed), and the attribute that declares it.
const LIBRARY_LINTS: [(&[&str], &str); 3] = [
    (&["missing_docs"], "#![warn(missing_docs)]"),
    (
        &["clippy::print_stdout", "clippy::print_stderr"],
        "#![warn(clippy::print_stdout, clippy::print_stderr)]",
    ),
    (
        &["cfg_attr(docsrs,feature(doc_cfg))"],
        "#![cfg_attr(docsrs, feature(doc_cfg))]",
    ),
];

/// The library of a publishable crate declares the lints that check its docs and forbid printing
/// (an application's call: libraries use tracing), and labels feature-gated items on docs.rs.
fn library_lints(p: &Package) -> Vec<String> {
    let Some(lib) = workspace::library(p) else {
        return Vec::new();
    };
    let Ok(text) = fs::read_to_string(&lib.src_path) else {
        return vec![format!("{}: cannot read {}", p.name, lib.src_path)];
    };
    let attrs = inner_attributes(&text).concat();
    let file = lib
        .src_path
        .strip_prefix(workspace::dir(p))
        .unwrap_or(&lib.src_path);
    let mut problems = Vec::new();
    for (needles, attr) in LIBRARY_LINTS {
        let missing: Vec<&str> = needles
            .iter()
            .copied()
            .filter(|n| !attrs.contains(n))
            .collect();
        if !missing.is_empty() {
            problems.push(format!(
                "{}: {file} does not declare `{}`; add `{attr}` at its top",
                p.name,
                missing
                    .iter()
                    .map(|n| n.replace(',', ", "))
                    .collect::<Vec<_>>()
                    .join("`, `")
            ));
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
    for p in ws.packages() {
        let unversioned = ws.internal_deps(p).filter(|d| {
            d.kind != cargo_metadata::DependencyKind::Development && d.req.comparators.is_empty()
        });
        for d in unversioned {
            problems.push(format!(
                "{}: the dependency on {} has no version",
                p.name, d.name
            ));
        }
    }
    let internal: Vec<&str> = ws.packages().iter().map(|p| p.name.as_str()).collect();
    let root_manifest = ws.root().join("Cargo.toml");
    let mut manifests: Vec<PathBuf> = vec![root_manifest.clone()];
    manifests.extend(
        ws.packages()
            .iter()
            .map(|p| p.manifest_path.clone().into_std_path_buf())
            .filter(|m| *m != root_manifest),
    );
    for manifest in manifests {
        let shown = manifest
            .strip_prefix(ws.root())
            .unwrap_or(&manifest)
            .display()
            .to_string();
        let parsed = fs::read_to_string(&manifest)
            .map_err(|e| e.to_string())
            .and_then(|text| Manifest::parse(&text));
        match parsed {
            Ok(m) => problems.extend(manifest_dep_shapes(&shown, &m, &internal)),
            Err(e) => problems.push(format!("{shown}: {e}")),
        }
    }
    problems
}

/// The manifest half of `internal_deps_carry_versions`, for one manifest.
fn manifest_dep_shapes(shown: &str, manifest: &Manifest, internal: &[&str]) -> Vec<String> {
    let mut problems = Vec::new();
    for dep in manifest.dependencies() {
        if !internal.contains(&dep.name.as_str()) {
            continue;
        }
        let ok = match dep.kind {
            DepKind::Workspace => dep.has_path && dep.version.is_some(),
            _ if dep.inherited => true,
            DepKind::Dev => dep.has_path,
            DepKind::Normal | DepKind::Build => dep.has_path && dep.version.is_some(),
        };
        if !ok {
            problems.push(format!(
                "{shown}:{}: `{}` in [{}] needs {}",
                dep.line,
                dep.name,
                dep.section,
                match dep.kind {
                    DepKind::Workspace => "both `path` and `version`",
                    DepKind::Dev => "`.workspace = true`, or `path`",
                    _ => "`.workspace = true`, or `path` and `version`",
                }
            ));
        }
    }
    problems
}

/// Every binary and example, and every library that does not declare `missing_docs` (which checks it exactly),
/// starts with crate-level docs (`//!` or `#![doc = ..]`).
fn crate_docs(p: &Package) -> Vec<String> {
    let mut problems = Vec::new();
    for t in &p.targets {
        if !(workspace::is_library(t) || t.is_bin() || t.is_example()) {
            continue;
        }
        let Ok(text) = fs::read_to_string(&t.src_path) else {
            problems.push(format!("{}: cannot read {}", p.name, t.src_path));
            continue;
        };
        if workspace::is_library(t)
            && inner_attributes(&text)
                .iter()
                .any(|a| a.contains("missing_docs") && !a.contains("allow("))
        {
            continue;
        }
        let first = text
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .unwrap_or("");
        if !(first.starts_with("//!") || first.starts_with("#![doc")) {
            let file = t
                .src_path
                .strip_prefix(workspace::dir(p))
                .unwrap_or(&t.src_path);
            problems.push(format!(
                "{}: {file} does not start with crate docs (`//!`)",
                p.name
            ));
        }
    }
    problems
}

/// The `cargo ...` lines of README.md's shell blocks name things that exist,
/// and `.ci/run` runs the README's `cargo test` command.
fn readme_commands(ws: &Workspace) -> Vec<String> {
    let readme = ws.root().join("README.md");
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
    let ci = fs::read_to_string(ws.root().join(".ci/run")).unwrap_or_default();
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
            Some(task) if !task_names().iter().any(|t| t == task) => {
                Err(format!("xtask has no task `{task}`"))
            }
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
        selected = if words.contains(&"--workspace") {
            ws.packages().iter().collect()
        } else {
            ws.default_members()
        };
    }
    for (flag, kind) in [("--example", "example"), ("--bin", "bin")] {
        for name in value_of(flag, None) {
            let exists = selected.iter().any(|p| {
                p.targets
                    .iter()
                    .any(|t| t.name == name && t.is_kind(kind.into()))
            });
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
        let mut ws = metadata(&[("qosic-core", true, &[]), ("qosic-examples", false, &[])]);
        let examples = &mut ws.packages_mut()[1];
        let mut pay = examples.targets[0].clone();
        pay.name = "pay".into();
        pay.kind = vec![cargo_metadata::TargetKind::Example];
        examples.targets.push(pay);
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
    fn inner_attributes_span_lines_and_skip_docs() {
        let text = "//! Docs: `#![warn(missing_docs)]` is not an attribute here.\n#![forbid(unsafe_code)]\n#![warn(\n    missing_docs,\n    clippy::print_stdout,\n)]\n#![cfg_attr(docsrs, feature(doc_cfg))]\n\npub fn f() {}\n";
        assert_eq!(
            inner_attributes(text),
            [
                "#![forbid(unsafe_code)]",
                "#![warn(missing_docs,clippy::print_stdout,)]",
                "#![cfg_attr(docsrs,feature(doc_cfg))]",
            ]
        );
    }

    #[test]
    fn dependency_shapes() {
        let internal = &["qosic-core", "qosic-mock"];
        let check = |text: &str| {
            manifest_dep_shapes("m/Cargo.toml", &Manifest::parse(text).unwrap(), internal)
        };
        let root = "[workspace.dependencies]\nqosic-core = { path = \"qosic-core\", version = \"0.1.0\" }\nqosic-mock = { path = \"qosic-mock\" }\nserde = \"1\"\n";
        assert_eq!(
            check(root),
            ["m/Cargo.toml:3: `qosic-mock` in [workspace.dependencies] needs both `path` and `version`"]
        );
        let member = "[dependencies]\nqosic-core.workspace = true\nqosic-mock = \"0.1.0\"\n\n[dev-dependencies]\nqosic-mock = { path = \"../qosic-mock\" }\n\n[build-dependencies]\nqosic-core = { workspace = true }\n\n[target.'cfg(unix)'.dependencies]\nqosic-mock = { path = \"../qosic-mock\" }\n";
        assert_eq!(
            check(member),
            [
                "m/Cargo.toml:3: `qosic-mock` in [dependencies] needs `.workspace = true`, or `path` and `version`",
                "m/Cargo.toml:12: `qosic-mock` in [target.cfg(unix).dependencies] needs `.workspace = true`, or `path` and `version`",
            ]
        );
    }

    #[test]
    fn countries_are_wired_through_qosic_carriers_only() {
        let mut ws = metadata(&[
            (
                "qosic-carriers",
                true,
                &[("qosic-carriers-bj", false), ("qosic-carriers-tg", false)],
            ),
            ("qosic-carriers-bj", true, &[]),
            ("qosic-carriers-tg", true, &[]),
            ("qosic-mock", true, &[("qosic-carriers-tg", false)]),
            ("qosic", true, &[("qosic-carriers", false)]),
        ]);
        let features = |pairs: &[(&str, &[&str])]| {
            pairs
                .iter()
                .map(|(f, on)| (f.to_string(), on.iter().map(|s| s.to_string()).collect()))
                .collect()
        };
        for p in ws.packages_mut() {
            match p.name.as_str() {
                "qosic-carriers" => {
                    p.features = features(&[
                        ("default", &["benin"]),
                        ("benin", &["dep:qosic-carriers-bj"]),
                        ("togo", &["dep:qosic-carriers-tg"]),
                    ])
                }
                "qosic" => p.features = features(&[("benin", &["qosic-carriers/benin"])]),
                _ => {}
            }
        }
        // The fixture's `src/lib.rs` does not exist, so no `SPECS` is listed.
        assert_eq!(
            countries_meet_in_one_place(&ws),
            [
                "qosic-mock: depends on the country crate qosic-carriers-tg directly; go through qosic-carriers \
                 (or the qosic facade), so that a new country touches no other crate",
                "qosic-carriers/src/lib.rs: `qosic_carriers_bj::SPECS` is not listed, so `specs()` leaves qosic-carriers-bj out",
                "qosic-carriers: the default feature leaves out `togo`; the fake server serves the default countries",
                "qosic-carriers/src/lib.rs: `qosic_carriers_tg::SPECS` is not listed, so `specs()` leaves qosic-carriers-tg out",
                "qosic: no feature `togo = [\"qosic-carriers/togo\"]` offers the country qosic-carriers-tg",
            ]
        );
    }
}
