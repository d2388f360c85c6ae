//! The release's API-compatibility check: `cargo semver-checks` against the last release tag.
//!
//! What to compare is decided when the release is planned (`decide`, pure): the baseline is the greatest
//! `vX.Y.Z` tag below the new version, the release type is what Cargo's rules make of the change from that
//! version to the new one (`version::release_type`, passed as `--release-type`, so that a `0.1.0` to `0.1.1`
//! release is checked as the compatible release Cargo takes it for), and the crates are the publishable
//! libraries that existed at the tag.
//! cargo-semver-checks is optional: without it the release says how to install it and goes on.

use xshell::Shell;

use crate::cmd::{cargo, run as run_cmd};
use crate::version::{self, ReleaseType, Version};
use crate::{Error, Result};

/// How to install the checker.
pub(crate) const INSTALL: &str = "cargo install cargo-semver-checks --locked";

/// What the release does about API compatibility.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ApiCheck {
    /// No `vX.Y.Z` tag below the new version: nothing to compare with.
    NoBaseline,
    /// Compare `packages` with their state at `tag`, as a `release_type` release.
    Compare {
        tag: String,
        release_type: ReleaseType,
        packages: Vec<String>,
        /// Publishable libraries that did not exist at `tag`: nothing to compare them with.
        new_packages: Vec<String>,
    },
}

/// The last release before `new`: the greatest `vX.Y.Z` tag below it, with its version.
pub(crate) fn last_release<'a>(tags: &[&'a str], new: &Version) -> Option<(&'a str, Version)> {
    tags.iter()
        .filter_map(|tag| Some((*tag, version::parse(tag.strip_prefix('v')?).ok()?)))
        .filter(|(_, v)| v < new)
        .max_by(|a, b| a.1.cmp(&b.1))
}

/// Decides the check for a release of `new`, given the repository's tags and the publishable libraries
/// (name, manifest path); `existed(tag, manifest)` says whether a manifest existed at a tag.
pub(crate) fn decide<P>(
    new: &Version,
    tags: &[&str],
    libraries: &[(&str, P)],
    existed: impl Fn(&str, &P) -> bool,
) -> ApiCheck {
    let Some((tag, baseline)) = last_release(tags, new) else {
        return ApiCheck::NoBaseline;
    };
    let (old, fresh): (Vec<_>, Vec<_>) = libraries.iter().partition(|(_, m)| existed(tag, m));
    ApiCheck::Compare {
        tag: tag.to_owned(),
        release_type: version::release_type(&baseline, new),
        packages: old.iter().map(|(n, _)| (*n).to_owned()).collect(),
        new_packages: fresh.iter().map(|(n, _)| (*n).to_owned()).collect(),
    }
}

impl ApiCheck {
    /// The cargo arguments, `None` when there is nothing to run.
    pub(crate) fn args(&self) -> Option<Vec<String>> {
        let ApiCheck::Compare {
            tag,
            release_type,
            packages,
            ..
        } = self
        else {
            return None;
        };
        if packages.is_empty() {
            return None;
        }
        let mut args = vec![
            "semver-checks".to_owned(),
            "--baseline-rev".to_owned(),
            tag.clone(),
            "--release-type".to_owned(),
            release_type.to_string(),
        ];
        for p in packages {
            args.extend(["-p".to_owned(), p.clone()]);
        }
        Some(args)
    }

    /// For the printed plan, one line or more.
    pub(crate) fn describe(&self, new: &Version) -> String {
        match self {
            ApiCheck::NoBaseline => {
                format!("none: no release tag before v{new}, so nothing to compare the API with")
            }
            ApiCheck::Compare {
                tag,
                release_type,
                new_packages,
                ..
            } => {
                let mut out = match self.args() {
                    Some(args) => format!(
                        "cargo {} ({tag} -> v{new} is a {release_type} release by Cargo's rules; needs cargo-semver-checks)",
                        args.join(" ")
                    ),
                    None => format!("none: no publishable library existed at {tag}"),
                };
                if !new_packages.is_empty() {
                    out.push_str(&format!(
                        "\nnew since {tag}, not compared: {}",
                        new_packages.join(", ")
                    ));
                }
                out
            }
        }
    }
}

/// Runs the check in the shell's directory.
///
/// Without a baseline, or without cargo-semver-checks, it says so on stderr and succeeds.
/// A failed check stops the release with a message that says what to do.
pub(crate) fn run(sh: &Shell, check: &ApiCheck, new: &Version) -> Result<()> {
    let (
        Some(args),
        ApiCheck::Compare {
            tag, release_type, ..
        },
    ) = (check.args(), check)
    else {
        eprintln!("api check: {}", check.describe(new));
        return Ok(());
    };
    if !installed(sh) {
        eprintln!("{}", not_installed(tag));
        return Ok(());
    }
    run_cmd(cargo(sh).args(args)).map_err(|e| refusal(&e, tag, *release_type, new))
}

/// Whether `cargo semver-checks` runs at all.
fn installed(sh: &Shell) -> bool {
    cargo(sh)
        .args(["semver-checks", "--version"])
        .quiet()
        .ignore_stdout()
        .ignore_stderr()
        .run()
        .is_ok()
}

fn not_installed(tag: &str) -> String {
    format!(
        "warning: cargo-semver-checks is not installed, so the public API was not compared with {tag}; \
         install it with `{INSTALL}`"
    )
}

/// The error of a failed check: what failed, and which release would be allowed.
fn refusal(err: &Error, tag: &str, release_type: ReleaseType, new: &Version) -> Error {
    let bigger = match release_type {
        ReleaseType::Patch => "minor` (additions) or `cargo xtask release major",
        ReleaseType::Minor if new.major == 0 => "minor",
        ReleaseType::Minor | ReleaseType::Major => "major",
    };
    Error::new(format!(
        "{err}: cargo-semver-checks does not accept v{new} as a {release_type} release after {tag} \
         (its report is above); if it lists API changes, release with `cargo xtask release {bigger}`, \
         or restore the API"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> Version {
        version::parse(text).unwrap()
    }

    const LIBS: &[(&str, &str)] = &[("core", "core/Cargo.toml"), ("qosic", "qosic/Cargo.toml")];

    /// `qosic` is new: it did not exist at any tag.
    fn existed(_tag: &str, manifest: &&str) -> bool {
        !manifest.starts_with("qosic/")
    }

    #[test]
    fn the_baseline_is_the_last_release_below_the_new_version() {
        let tags = [
            "v0.1.0",
            "v0.2.0",
            "v0.10.0",
            "v1.0.0-rc.9",
            "nightly",
            "v0.3",
        ];
        let last = |new: &str| last_release(&tags, &v(new)).map(|(t, _)| t);
        assert_eq!(last("0.2.1"), Some("v0.2.0"));
        assert_eq!(last("0.11.0"), Some("v0.10.0"));
        assert_eq!(last("1.0.0-rc.10"), Some("v1.0.0-rc.9"));
        assert_eq!(last("0.1.0"), None);
        assert_eq!(
            decide(&v("0.1.0"), &tags, LIBS, existed),
            ApiCheck::NoBaseline
        );
    }

    #[test]
    fn a_patch_of_0_x_is_checked_as_minor_and_new_crates_are_left_out() {
        let check = decide(&v("0.1.1"), &["v0.1.0"], LIBS, existed);
        assert_eq!(
            check.args().unwrap().join(" "),
            "semver-checks --baseline-rev v0.1.0 --release-type minor -p core"
        );
        assert_eq!(
            check.describe(&v("0.1.1")),
            "cargo semver-checks --baseline-rev v0.1.0 --release-type minor -p core \
             (v0.1.0 -> v0.1.1 is a minor release by Cargo's rules; needs cargo-semver-checks)\n\
             new since v0.1.0, not compared: qosic"
        );
        let patch = decide(&v("1.2.4"), &["v1.2.3"], LIBS, existed);
        assert!(patch
            .args()
            .unwrap()
            .join(" ")
            .contains("--release-type patch"));
        let none_old = decide(&v("0.1.1"), &["v0.1.0"], LIBS, |_, _| false);
        assert_eq!(none_old.args(), None);
    }

    #[test]
    fn messages_say_what_to_do() {
        assert!(not_installed("v0.1.0")
            .ends_with("install it with `cargo install cargo-semver-checks --locked`"));
        let err = Error::new("command exited with non-zero code `cargo semver-checks`: 1");
        let refused = refusal(&err, "v0.1.0", ReleaseType::Minor, &v("0.1.1")).to_string();
        assert!(
            refused.contains("does not accept v0.1.1 as a minor release after v0.1.0"),
            "{refused}"
        );
        assert!(refused.contains("`cargo xtask release minor`"), "{refused}");
        let refused = refusal(&err, "v1.2.3", ReleaseType::Patch, &v("1.2.4")).to_string();
        assert!(
            refused
                .contains("`cargo xtask release minor` (additions) or `cargo xtask release major`"),
            "{refused}"
        );
    }
}
