//! The workspace as `cargo metadata --no-deps` describes it (read by cargo_metadata): members, targets,
//! features and internal dependencies.
//!
//! Nothing here is hard-coded about our crates: the release's feature matrix and publish order and the tidy rules
//! are computed from this model, so a new member is picked up as soon as it is in the workspace.

use std::collections::BTreeSet;
use std::path::Path;

use cargo_metadata::{
    Dependency, DependencyKind, Metadata, MetadataCommand, Package, Target, TargetKind,
};

use crate::{bail, Error, Result};

/// A workspace and its members.
#[derive(Debug, Clone)]
pub(crate) struct Workspace {
    meta: Metadata,
}

impl Workspace {
    /// Runs `cargo metadata --no-deps` (through `$CARGO`) in `dir`.
    ///
    /// `--no-deps` needs neither the network nor a lockfile resolution.
    pub(crate) fn load(dir: &Path) -> Result<Workspace> {
        let meta = MetadataCommand::new()
            .current_dir(dir)
            .no_deps()
            .exec()
            .map_err(|e| {
                Error::new(format!(
                    "cannot read the workspace in {}: {e}",
                    dir.display()
                ))
            })?;
        Ok(Workspace { meta })
    }

    /// Reads the JSON that `cargo metadata --format-version 1` prints.
    #[cfg(test)]
    pub(crate) fn from_json(json: &str) -> Workspace {
        let meta = MetadataCommand::parse(json).expect("valid cargo metadata");
        Workspace { meta }
    }

    pub(crate) fn root(&self) -> &Path {
        self.meta.workspace_root.as_std_path()
    }

    pub(crate) fn target_dir(&self) -> &Path {
        self.meta.target_directory.as_std_path()
    }

    /// The members (with `--no-deps`, the packages are the members).
    pub(crate) fn packages(&self) -> &[Package] {
        &self.meta.packages
    }

    #[cfg(test)]
    pub(crate) fn packages_mut(&mut self) -> &mut [Package] {
        &mut self.meta.packages
    }

    pub(crate) fn package(&self, name: &str) -> Option<&Package> {
        self.packages().iter().find(|p| p.name == name)
    }

    pub(crate) fn publishable(&self) -> impl Iterator<Item = &Package> {
        self.packages().iter().filter(|p| is_publishable(p))
    }

    /// The packages that a bare `cargo run` or `cargo test` acts on.
    pub(crate) fn default_members(&self) -> Vec<&Package> {
        let ids = &self.meta.workspace_default_members;
        if !ids.is_available() || ids.is_empty() {
            return self.packages().iter().collect();
        }
        self.packages()
            .iter()
            .filter(|p| ids.contains(&p.id))
            .collect()
    }

    /// Dependencies of `p` on other members of the workspace.
    pub(crate) fn internal_deps<'a>(
        &'a self,
        p: &'a Package,
    ) -> impl Iterator<Item = &'a Dependency> + 'a {
        p.dependencies
            .iter()
            .filter(move |d| d.path.is_some() && self.package(&d.name).is_some())
    }

    /// The publishable crates, each after the crates it depends on; ties in alphabetical order.
    ///
    /// Dev-dependencies do not count: cargo strips path-only dev-dependencies when it packages a crate,
    /// so `qosic-http` may test against `qosic-mock` while `qosic-mock` is published after it.
    pub(crate) fn publish_order(&self) -> Result<Vec<String>> {
        let publishable: BTreeSet<&str> = self.publishable().map(|p| p.name.as_str()).collect();
        let needs = |p: &'_ Package| -> Vec<String> {
            self.internal_deps(p)
                .filter(|d| d.kind != DependencyKind::Development && d.name != p.name)
                .map(|d| d.name.clone())
                .collect()
        };
        for p in self.publishable() {
            for dep in needs(p) {
                if !publishable.contains(dep.as_str()) {
                    bail!("{} depends on {dep}, which is not publishable", p.name);
                }
            }
        }
        let mut order: Vec<String> = Vec::new();
        let mut left = publishable;
        while !left.is_empty() {
            // BTreeSet iterates in name order, which breaks ties deterministically.
            let ready = left.iter().copied().find(|name| {
                self.package(name)
                    .is_some_and(|p| needs(p).iter().all(|d| order.contains(d)))
            });
            match ready {
                Some(name) => {
                    order.push(name.to_owned());
                    left.remove(name);
                }
                None => bail!(
                    "dependency cycle among {}",
                    left.iter().copied().collect::<Vec<_>>().join(", ")
                ),
            }
        }
        Ok(order)
    }
}

/// `publish` is not `false` (nor an empty list of registries).
pub(crate) fn is_publishable(p: &Package) -> bool {
    p.publish
        .as_ref()
        .is_none_or(|registries| !registries.is_empty())
}

/// The features a user may turn on: `default` and internal `__` ones left out.
pub(crate) fn features(p: &Package) -> Vec<&str> {
    p.features
        .keys()
        .map(String::as_str)
        .filter(|f| *f != "default" && !f.starts_with("__"))
        .collect()
}

/// The directory that holds `Cargo.toml`.
pub(crate) fn dir(p: &Package) -> &Path {
    p.manifest_path
        .parent()
        .map_or(Path::new("."), |d| d.as_std_path())
}

/// The library target of `p`, if it has one.
pub(crate) fn library(p: &Package) -> Option<&Target> {
    p.targets.iter().find(|t| is_library(t))
}

/// Whether `t` is a library of any crate type (`lib`, `rlib`, `cdylib`, `proc-macro`...).
pub(crate) fn is_library(t: &Target) -> bool {
    t.kind.iter().any(|k| {
        matches!(
            k,
            TargetKind::Lib
                | TargetKind::RLib
                | TargetKind::DyLib
                | TargetKind::CDyLib
                | TargetKind::StaticLib
                | TargetKind::ProcMacro
        )
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A member for `metadata`: name, publishable, and dependencies as (name, is a dev-dependency).
    pub(crate) type Member<'a> = (&'a str, bool, &'a [(&'a str, bool)]);

    /// A `cargo metadata` document for `members`, all at 0.1.0 under `/w`; the first is the only default member.
    pub(crate) fn metadata(members: &[Member<'_>]) -> Workspace {
        let packages: Vec<String> = members
            .iter()
            .map(|(name, publishable, deps)| {
                let deps: Vec<String> = deps
                    .iter()
                    .map(|(dep, dev)| {
                        format!(
                            r#"{{"name":"{dep}","source":null,"req":"^0.1.0","kind":{},"optional":false,
                            "uses_default_features":true,"features":[],"target":null,"path":"/w/{dep}"}}"#,
                            if *dev { "\"dev\"" } else { "null" }
                        )
                    })
                    .collect();
                format!(
                    r#"{{"name":"{name}","version":"0.1.0","id":"path+file:///w/{name}#0.1.0","source":null,
                    "manifest_path":"/w/{name}/Cargo.toml","publish":{},"authors":[],
                    "features":{{"default":["rustls"],"rustls":[],"__x":[]}},
                    "dependencies":[{}],
                    "targets":[{{"name":"{name}","kind":["lib"],"crate_types":["lib"],"src_path":"/w/{name}/src/lib.rs",
                    "edition":"2021","doctest":true,"test":true,"doc":true}}]}}"#,
                    if *publishable { "null" } else { "[]" },
                    deps.join(",")
                )
            })
            .collect();
        Workspace::from_json(&format!(
            r#"{{"packages":[{}],"workspace_members":[],"workspace_default_members":["path+file:///w/{}#0.1.0"],
            "resolve":null,"workspace_root":"/w","target_directory":"/w/target","version":1}}"#,
            packages.join(","),
            members[0].0
        ))
    }

    #[test]
    fn publish_order_follows_dependencies_and_ignores_dev_deps() {
        let ws = metadata(&[
            (
                "qosic-mock",
                true,
                &[("qosic-core", false), ("qosic-carriers-bj", false)],
            ),
            (
                "qosic-http",
                true,
                &[("qosic-core", false), ("qosic-mock", true)],
            ),
            ("qosic-carriers-bj", true, &[("qosic-core", false)]),
            ("qosic-core", true, &[("qosic-mock", true)]),
            ("qosic-examples", false, &[("qosic-http", false)]),
            ("xtask", false, &[]),
        ]);
        assert_eq!(
            ws.publish_order().unwrap(),
            [
                "qosic-core",
                "qosic-carriers-bj",
                "qosic-http",
                "qosic-mock"
            ]
        );
        let defaults: Vec<&str> = ws
            .default_members()
            .iter()
            .map(|p| p.name.as_str())
            .collect();
        assert_eq!(defaults, ["qosic-mock"]);
        assert_eq!(features(ws.package("qosic-core").unwrap()), ["rustls"]);
    }

    #[test]
    fn publish_order_refuses_cycles_and_unpublishable_deps() {
        let cycle = metadata(&[("a", true, &[("b", false)]), ("b", true, &[("a", false)])]);
        assert_eq!(
            cycle.publish_order().unwrap_err().to_string(),
            "dependency cycle among a, b"
        );
        let private = metadata(&[("a", true, &[("b", false)]), ("b", false, &[])]);
        assert_eq!(
            private.publish_order().unwrap_err().to_string(),
            "a depends on b, which is not publishable"
        );
    }
}
