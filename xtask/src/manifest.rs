//! Cargo manifests, read and edited with toml_edit: comments, order, spacing and quoting stay as they are,
//! and every shape TOML allows is understood (inline tables, `[dependencies.name]` tables, dotted keys,
//! `[target.'cfg(..)'.dependencies]`).
//!
//! A manifest is parsed once with spans, for the line numbers of the release plan and the tidy report,
//! and edited as a `DocumentMut`.

use std::ops::Range;

use toml_edit::{Document, DocumentMut, Item, TableLike};

/// A parsed manifest, with its text for line numbers.
#[derive(Debug)]
pub(crate) struct Manifest {
    doc: Document<String>,
}

/// Which dependency table an entry is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DepKind {
    /// `[workspace.dependencies]`: what members inherit with `name.workspace = true`.
    Workspace,
    Normal,
    Dev,
    Build,
}

/// One entry of a dependency table.
#[derive(Debug, Clone)]
pub(crate) struct DepEntry {
    /// The table, as a header would name it: `workspace.dependencies`, `dev-dependencies`,
    /// `target.cfg(unix).dependencies`.
    pub(crate) section: String,
    pub(crate) kind: DepKind,
    /// The key; the package it names is `name`.
    pub(crate) key: String,
    /// `package = ".."` for a renamed dependency, else the key.
    pub(crate) name: String,
    /// 1-based line of the key.
    pub(crate) line: usize,
    /// `version = ".."` (or the bare string of `name = ".."`), with its line.
    pub(crate) version: Option<(String, usize)>,
    pub(crate) has_path: bool,
    /// `workspace = true`.
    pub(crate) inherited: bool,
    /// The keys from the document root to the entry.
    path: Vec<String>,
}

/// A string value to replace, found by `Manifest::version_sites`.
#[derive(Debug, Clone)]
pub(crate) struct Site {
    /// For the plan: `[workspace.package] version` or `[dependencies] qosic-core`.
    pub(crate) what: String,
    pub(crate) line: usize,
    pub(crate) old: String,
    path: Vec<String>,
}

const DEP_TABLES: [(&str, DepKind); 3] = [
    ("dependencies", DepKind::Normal),
    ("dev-dependencies", DepKind::Dev),
    ("build-dependencies", DepKind::Build),
];

impl Manifest {
    pub(crate) fn parse(text: &str) -> Result<Manifest, String> {
        let doc = Document::parse(text.to_owned()).map_err(|e| {
            let e = e.to_string();
            e.lines().next().unwrap_or("invalid TOML").to_owned()
        })?;
        Ok(Manifest { doc })
    }

    fn line(&self, span: Option<Range<usize>>) -> usize {
        let at = span.map_or(0, |s| s.start);
        let raw = self.doc.raw();
        raw[..at.min(raw.len())].matches('\n').count() + 1
    }

    /// Every entry of every dependency table, in document order.
    pub(crate) fn dependencies(&self) -> Vec<DepEntry> {
        let root = self.doc.as_table();
        let mut tables: Vec<(String, DepKind, Vec<String>, &dyn TableLike)> = Vec::new();
        if let Some(deps) = item_table(root.get("workspace"), "dependencies") {
            let path = vec!["workspace".to_owned(), "dependencies".to_owned()];
            tables.push((
                "workspace.dependencies".to_owned(),
                DepKind::Workspace,
                path,
                deps,
            ));
        }
        for (name, kind) in DEP_TABLES {
            if let Some(deps) = root.get(name).and_then(Item::as_table_like) {
                tables.push((name.to_owned(), kind, vec![name.to_owned()], deps));
            }
        }
        if let Some(targets) = root.get("target").and_then(Item::as_table_like) {
            for (cfg, target) in targets.iter() {
                for (name, kind) in DEP_TABLES {
                    if let Some(deps) = item_table(Some(target), name) {
                        let path = vec!["target".to_owned(), cfg.to_owned(), name.to_owned()];
                        tables.push((format!("target.{cfg}.{name}"), kind, path, deps));
                    }
                }
            }
        }

        let mut entries = Vec::new();
        for (section, kind, path, table) in tables {
            for (key, item) in table.iter() {
                let key_span = table.get_key_value(key).and_then(|(k, _)| k.span());
                let line = self.line(key_span.or_else(|| item.span()));
                let mut entry = DepEntry {
                    section: section.clone(),
                    kind,
                    key: key.to_owned(),
                    name: key.to_owned(),
                    line,
                    version: None,
                    has_path: false,
                    inherited: false,
                    path: [path.clone(), vec![key.to_owned()]].concat(),
                };
                if let Some(req) = item.as_str() {
                    entry.version = Some((req.to_owned(), line));
                } else if let Some(t) = item.as_table_like() {
                    if let Some(package) = t.get("package").and_then(Item::as_str) {
                        entry.name = package.to_owned();
                    }
                    entry.version = t
                        .get("version")
                        .and_then(|v| Some((v.as_str()?.to_owned(), self.line(v.span()))));
                    entry.has_path = t.contains_key("path");
                    entry.inherited = t.get("workspace").and_then(Item::as_bool) == Some(true);
                }
                entries.push(entry);
            }
        }
        entries
    }

    /// The version strings a release from `old` bumps: `[workspace.package] version` and `[package] version`
    /// when they are `old`, and the `version` of every dependency on one of the `internal` crates.
    pub(crate) fn version_sites(&self, internal: &[&str], old: &str) -> Vec<Site> {
        let mut sites = Vec::new();
        let root = self.doc.as_table();
        for (table, path) in [
            (
                item_table(root.get("workspace"), "package"),
                ["workspace", "package"].as_slice(),
            ),
            (
                root.get("package").and_then(Item::as_table_like),
                &["package"],
            ),
        ] {
            let Some(version) = table.and_then(|t| t.get("version")) else {
                continue;
            };
            if version.as_str() == Some(old) {
                sites.push(Site {
                    what: format!("[{}] version", path.join(".")),
                    line: self.line(version.span()),
                    old: old.to_owned(),
                    path: [path, &["version"]]
                        .concat()
                        .into_iter()
                        .map(String::from)
                        .collect(),
                });
            }
        }
        for dep in self.dependencies() {
            let Some((req, line)) = dep
                .version
                .filter(|_| internal.contains(&dep.name.as_str()))
            else {
                continue;
            };
            let mut path = dep.path;
            // `name = "0.1.0"` is the version itself; otherwise the table's `version` key.
            if !self.is_string(&path) {
                path.push("version".to_owned());
            }
            sites.push(Site {
                what: format!("[{}] {}", dep.section, dep.key),
                line,
                old: req,
                path,
            });
        }
        sites.sort_by_key(|s| s.line);
        sites
    }

    fn is_string(&self, path: &[String]) -> bool {
        let mut item = self.doc.as_item();
        for key in path {
            match item.get(key.as_str()) {
                Some(next) => item = next,
                None => return false,
            }
        }
        item.is_str()
    }

    /// The manifest's text with each site's string replaced by `new(old)`; quotes and spacing are kept.
    pub(crate) fn replace(&self, sites: &[Site], new: impl Fn(&str) -> String) -> String {
        let mut doc: DocumentMut = self.doc.clone().into_mut();
        for site in sites {
            let item = site
                .path
                .iter()
                .try_fold(doc.as_item_mut(), |item, key| item.get_mut(key.as_str()));
            if let Some(value) = item.and_then(Item::as_value_mut).filter(|v| v.is_str()) {
                let decor = value.decor().clone();
                *value = new(&site.old).into();
                *value.decor_mut() = decor;
            }
        }
        doc.to_string()
    }
}

/// `item.key` as a table of either form (`[a.b]` or `a = { b = .. }`).
fn item_table<'a>(item: Option<&'a Item>, key: &str) -> Option<&'a dyn TableLike> {
    item?.as_table_like()?.get(key)?.as_table_like()
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
renamed = { package = "qosic-mock", path = "qosic-mock", version   =   "^0.1.0" }
serde = { version = "0.1.0", features = ["derive"] }
other-version = { path = "x", version = "0.1.0", xversion = "1" }

[dependencies.qosic-carriers-bj]
path = "qosic-carriers-bj"
version = '0.1.0' # literal string

[target.'cfg(unix)'.dev-dependencies]
qosic-core = "0.1.0"
"#;

    const INTERNAL: &[&str] = &[
        "qosic-core",
        "qosic-http",
        "qosic-mock",
        "qosic-carriers-bj",
    ];

    fn bump(text: &str) -> (String, Vec<String>) {
        let manifest = Manifest::parse(text).unwrap();
        let sites = manifest.version_sites(INTERNAL, "0.1.0");
        let after = manifest.replace(&sites, |old| old.replace("0.1.0", "0.2.0"));
        let notes = sites
            .iter()
            .map(|s| format!("{}: {} {:?}", s.line, s.what, s.old))
            .collect();
        (after, notes)
    }

    #[test]
    fn bumps_the_workspace_version_and_internal_dependencies_only() {
        let (after, notes) = bump(ROOT);
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
            .replace("'0.1.0' #", "\"0.2.0\" #")
            .replace("qosic-core = \"0.1.0\"", "qosic-core = \"0.2.0\"");
        assert_eq!(after, expect);
        assert_eq!(
            notes,
            [
                "5: [workspace.package] version \"0.1.0\"",
                "10: [workspace.dependencies] qosic-core \"0.1.0\"",
                "11: [workspace.dependencies] qosic-http \"=0.1.0\"",
                "12: [workspace.dependencies] renamed \"^0.1.0\"",
                "18: [dependencies] qosic-carriers-bj \"0.1.0\"",
                "21: [target.cfg(unix).dev-dependencies] qosic-core \"0.1.0\"",
            ]
        );
    }

    #[test]
    fn bumps_a_member_package_version_only_when_it_is_the_old_one() {
        let member = "[package]\nname = \"a\"\nversion = \"0.1.0\"\n\n[dependencies]\nqosic-core.workspace = true\n";
        let (bumped, notes) = bump(member);
        assert_eq!(bumped, member.replace("0.1.0", "0.2.0"));
        assert_eq!(notes, ["3: [package] version \"0.1.0\""]);
        let other = member.replace("0.1.0", "0.0.0");
        assert_eq!(bump(&other), (other, vec![]));
        let inherited = "[package]\nname = \"a\"\nversion.workspace = true\n";
        assert_eq!(bump(inherited).1.len(), 0);
    }

    #[test]
    fn dependency_entries_know_their_shape() {
        let member = "[dependencies]\nqosic-core.workspace = true\nqosic-mock = \"0.1.0\"\n\n[dev-dependencies]\nqosic-mock = { path = \"../qosic-mock\" }\n";
        let entries = Manifest::parse(member).unwrap().dependencies();
        let shapes: Vec<_> = entries
            .iter()
            .map(|e| {
                (
                    e.line,
                    e.section.as_str(),
                    e.name.as_str(),
                    e.inherited,
                    e.has_path,
                    e.version.as_ref().map(|(v, _)| v.as_str()),
                )
            })
            .collect();
        assert_eq!(
            shapes,
            [
                (2, "dependencies", "qosic-core", true, false, None),
                (3, "dependencies", "qosic-mock", false, false, Some("0.1.0")),
                (6, "dev-dependencies", "qosic-mock", false, true, None),
            ]
        );
        assert!(Manifest::parse("[package\n").is_err());
    }
}
