//! The workspace as `cargo metadata --no-deps` describes it: members, targets, features and internal dependencies.
//!
//! Nothing here is hard-coded about our crates: the release order and the tidy rules are computed from this model.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::cmd::Cmd;
use crate::json::Json;
use crate::{bail, Error, Result};

/// A workspace and its members.
#[derive(Debug, Clone)]
pub(crate) struct Workspace {
    pub(crate) root: PathBuf,
    pub(crate) target_dir: PathBuf,
    pub(crate) packages: Vec<Package>,
    /// Names of the packages that a bare `cargo run` or `cargo test` acts on.
    pub(crate) default_members: Vec<String>,
}

/// One member of the workspace.
#[derive(Debug, Clone)]
pub(crate) struct Package {
    pub(crate) name: String,
    pub(crate) version: String,
    pub(crate) manifest_path: PathBuf,
    /// `publish` is not `false` (nor an empty list of registries).
    pub(crate) publishable: bool,
    /// Feature names, `default` and `__internal` ones left out.
    pub(crate) features: Vec<String>,
    pub(crate) dependencies: Vec<Dependency>,
    pub(crate) targets: Vec<Target>,
    pub(crate) metadata: Json,
}

/// A dependency of a member.
#[derive(Debug, Clone)]
pub(crate) struct Dependency {
    pub(crate) name: String,
    pub(crate) dev: bool,
    /// The version requirement, `*` when the manifest gives none.
    pub(crate) req: String,
    /// Set for path dependencies.
    pub(crate) path: Option<PathBuf>,
}

/// A build target of a member: a library, binary, example, test...
#[derive(Debug, Clone)]
pub(crate) struct Target {
    pub(crate) name: String,
    pub(crate) kinds: Vec<String>,
    pub(crate) src_path: PathBuf,
}

impl Target {
    pub(crate) fn is(&self, kind: &str) -> bool {
        self.kinds
            .iter()
            .any(|k| k == kind || (kind == "lib" && k.ends_with("lib")))
    }
}

impl Package {
    /// The directory that holds `Cargo.toml`.
    pub(crate) fn dir(&self) -> &Path {
        self.manifest_path.parent().unwrap_or(Path::new("."))
    }

    /// Dependencies on other members of the workspace.
    pub(crate) fn internal_deps<'a>(
        &'a self,
        ws: &'a Workspace,
    ) -> impl Iterator<Item = &'a Dependency> + 'a {
        self.dependencies
            .iter()
            .filter(move |d| d.path.is_some() && ws.package(&d.name).is_some())
    }
}

impl Workspace {
    /// Runs `cargo metadata --no-deps` in `root` and reads it.
    ///
    /// `--no-deps` needs neither the network nor a lockfile resolution.
    pub(crate) fn load(root: &Path) -> Result<Workspace> {
        let out = Cmd::cargo()
            .args(["metadata", "--format-version", "1", "--no-deps"])
            .dir(root)
            .read()?;
        Workspace::from_metadata(&out)
    }

    pub(crate) fn from_metadata(text: &str) -> Result<Workspace> {
        let json = Json::parse(text).map_err(|e| Error::new(format!("cargo metadata: {e}")))?;
        let str_of = |v: &Json, what: &str| -> Result<String> {
            match v.as_str() {
                Some(s) => Ok(s.to_owned()),
                None => bail!("cargo metadata: missing `{what}`"),
            }
        };
        let mut packages = Vec::new();
        for p in json.get("packages").items() {
            let name = str_of(p.get("name"), "name")?;
            let publishable = match p.get("publish") {
                Json::Null => true,
                Json::Array(registries) => !registries.is_empty(),
                _ => false,
            };
            let features = p
                .get("features")
                .members()
                .iter()
                .map(|(k, _)| k.clone())
                .filter(|k| k != "default" && !k.starts_with("__"))
                .collect();
            let dependencies = p
                .get("dependencies")
                .items()
                .iter()
                .map(|d| {
                    Ok(Dependency {
                        name: str_of(d.get("name"), "dependencies.name")?,
                        dev: d.get("kind").as_str() == Some("dev"),
                        req: d.get("req").as_str().unwrap_or("*").to_owned(),
                        path: d.get("path").as_str().map(PathBuf::from),
                    })
                })
                .collect::<Result<_>>()?;
            let targets = p
                .get("targets")
                .items()
                .iter()
                .map(|t| {
                    Ok(Target {
                        name: str_of(t.get("name"), "targets.name")?,
                        kinds: t
                            .get("kind")
                            .items()
                            .iter()
                            .filter_map(|k| k.as_str().map(String::from))
                            .collect(),
                        src_path: PathBuf::from(str_of(t.get("src_path"), "targets.src_path")?),
                    })
                })
                .collect::<Result<_>>()?;
            packages.push(Package {
                name,
                version: str_of(p.get("version"), "version")?,
                manifest_path: PathBuf::from(str_of(p.get("manifest_path"), "manifest_path")?),
                publishable,
                features,
                dependencies,
                targets,
                metadata: p.clone(),
            });
        }
        // Package ids look like `path+file:///w/qosic-core#0.1.0`: map them back to names.
        let name_of_id = |id: &Json| -> Option<String> {
            let id = id.as_str()?;
            json.get("packages")
                .items()
                .iter()
                .find(|p| p.get("id").as_str() == Some(id))
                .and_then(|p| p.get("name").as_str().map(String::from))
        };
        let default_members = json
            .get("workspace_default_members")
            .items()
            .iter()
            .filter_map(name_of_id)
            .collect();
        Ok(Workspace {
            root: PathBuf::from(str_of(json.get("workspace_root"), "workspace_root")?),
            target_dir: PathBuf::from(str_of(json.get("target_directory"), "target_directory")?),
            packages,
            default_members,
        })
    }

    pub(crate) fn package(&self, name: &str) -> Option<&Package> {
        self.packages.iter().find(|p| p.name == name)
    }

    pub(crate) fn publishable(&self) -> impl Iterator<Item = &Package> {
        self.packages.iter().filter(|p| p.publishable)
    }

    /// The publishable crates, each after the crates it depends on; ties in alphabetical order.
    ///
    /// Dev-dependencies do not count: cargo strips path-only dev-dependencies when it packages a crate,
    /// so `qosic-http` may test against `qosic-mock` while `qosic-mock` is published after it.
    pub(crate) fn publish_order(&self) -> Result<Vec<String>> {
        let publishable: BTreeSet<&str> = self.publishable().map(|p| p.name.as_str()).collect();
        for p in self.publishable() {
            for d in p.internal_deps(self).filter(|d| !d.dev) {
                if !publishable.contains(d.name.as_str()) {
                    bail!("{} depends on {}, which is not publishable", p.name, d.name);
                }
            }
        }
        let mut order: Vec<String> = Vec::new();
        let mut left = publishable.clone();
        while !left.is_empty() {
            // BTreeSet iterates in name order, which breaks ties deterministically.
            let ready = left.iter().copied().find(|name| {
                self.package(name)
                    .into_iter()
                    .flat_map(|p| p.internal_deps(self))
                    .filter(|d| !d.dev && d.name != *name)
                    .all(|d| order.contains(&d.name))
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

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A member for `metadata`: name, publishable, and dependencies as (name, is a dev-dependency).
    pub(crate) type Member<'a> = (&'a str, bool, &'a [(&'a str, bool)]);

    /// A `cargo metadata` document for `members`; the first is the only default member.
    pub(crate) fn metadata(members: &[Member<'_>]) -> String {
        let packages: Vec<String> = members
            .iter()
            .map(|(name, publishable, deps)| {
                let deps: Vec<String> = deps
                    .iter()
                    .map(|(dep, dev)| {
                        format!(
                            r#"{{"name":"{dep}","req":"^0.1.0","kind":{},"path":"/w/{dep}"}}"#,
                            if *dev { "\"dev\"" } else { "null" }
                        )
                    })
                    .collect();
                format!(
                    r#"{{"name":"{name}","version":"0.1.0","id":"path+file:///w/{name}#0.1.0",
                    "manifest_path":"/w/{name}/Cargo.toml","publish":{},"features":{{"default":[],"rustls":[],"__x":[]}},
                    "dependencies":[{}],
                    "targets":[{{"name":"{name}","kind":["lib"],"src_path":"/w/{name}/src/lib.rs"}}]}}"#,
                    if *publishable { "null" } else { "[]" },
                    deps.join(",")
                )
            })
            .collect();
        format!(
            r#"{{"packages":[{}],"workspace_default_members":["path+file:///w/{}#0.1.0"],
            "workspace_root":"/w","target_directory":"/w/target"}}"#,
            packages.join(","),
            members[0].0
        )
    }

    #[test]
    fn publish_order_follows_dependencies_and_ignores_dev_deps() {
        let ws = Workspace::from_metadata(&metadata(&[
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
        ]))
        .unwrap();
        assert_eq!(
            ws.publish_order().unwrap(),
            [
                "qosic-core",
                "qosic-carriers-bj",
                "qosic-http",
                "qosic-mock"
            ]
        );
        assert_eq!(ws.default_members, ["qosic-mock"]);
        assert_eq!(ws.package("qosic-core").unwrap().features, ["rustls"]);
    }

    #[test]
    fn publish_order_refuses_cycles_and_unpublishable_deps() {
        let cycle = Workspace::from_metadata(&metadata(&[
            ("a", true, &[("b", false)]),
            ("b", true, &[("a", false)]),
        ]))
        .unwrap();
        assert_eq!(
            cycle.publish_order().unwrap_err().to_string(),
            "dependency cycle among a, b"
        );

        let private = Workspace::from_metadata(&metadata(&[
            ("a", true, &[("b", false)]),
            ("b", false, &[]),
        ]))
        .unwrap();
        assert!(private.publish_order().is_err());
    }
}
