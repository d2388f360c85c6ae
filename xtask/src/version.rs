//! Release levels and version changes, on top of the `semver` crate (parsing and precedence are its own).
//!
//! Build metadata (`+...`) is refused: crates.io ignores it for ordering, so it could only confuse.

use std::fmt;
use std::str::FromStr;

pub(crate) use semver::Version;

/// What `cargo xtask release` is asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Bump {
    Patch,
    Minor,
    Major,
    Exact(Version),
}

/// How big a version change is for its users, as Cargo counts it (and cargo-semver-checks' `--release-type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ReleaseType {
    /// Anything may break.
    Major,
    /// Additions only.
    Minor,
    /// Neither breaks nor adds to the public API.
    Patch,
}

/// A release version: SemVer, without build metadata.
pub(crate) fn parse(text: &str) -> Result<Version, String> {
    let version = Version::parse(text).map_err(|e| e.to_string())?;
    if !version.build.is_empty() {
        return Err("build metadata (`+...`) is not supported".into());
    }
    Ok(version)
}

impl FromStr for Bump {
    type Err = String;

    fn from_str(level: &str) -> Result<Bump, String> {
        Ok(match level {
            "patch" => Bump::Patch,
            "minor" => Bump::Minor,
            "major" => Bump::Major,
            exact => Bump::Exact(parse(exact)?),
        })
    }
}

/// The version after `bump`.
///
/// Bumping a pre-release drops the pre-release part: `patch` of `1.0.0-rc.1` is `1.0.0`.
pub(crate) fn bump(from: &Version, bump: &Bump) -> Version {
    let pre = !from.pre.is_empty();
    let (ma, mi, pa) = (from.major, from.minor, from.patch);
    match bump {
        Bump::Exact(v) => v.clone(),
        Bump::Patch if pre => Version::new(ma, mi, pa),
        Bump::Patch => Version::new(ma, mi, pa + 1),
        Bump::Minor if pre && pa == 0 => Version::new(ma, mi, 0),
        Bump::Minor => Version::new(ma, mi + 1, 0),
        Bump::Major if pre && pa == 0 && mi == 0 => Version::new(ma, 0, 0),
        Bump::Major => Version::new(ma + 1, 0, 0),
    }
}

/// The kind of release that going from `from` to `to` is, by Cargo's rules: only a change of the left-most
/// non-zero number breaks (`0.1.2` to `0.2.0` is major, `0.1.2` to `0.1.3` is minor, `0.0.1` to `0.0.2` is major),
/// and a pre-release promises nothing.
pub(crate) fn release_type(from: &Version, to: &Version) -> ReleaseType {
    if from.major != to.major
        || (to.major == 0 && from.minor != to.minor)
        || (to.major == 0 && to.minor == 0 && from.patch != to.patch)
        || !to.pre.is_empty()
        || !from.pre.is_empty()
    {
        ReleaseType::Major
    } else if from.minor != to.minor || (to.major == 0 && from.patch != to.patch) {
        ReleaseType::Minor
    } else {
        ReleaseType::Patch
    }
}

impl fmt::Display for Bump {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Bump::Patch => f.write_str("patch"),
            Bump::Minor => f.write_str("minor"),
            Bump::Major => f.write_str("major"),
            Bump::Exact(v) => write!(f, "{v}"),
        }
    }
}

impl fmt::Display for ReleaseType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ReleaseType::Major => "major",
            ReleaseType::Minor => "minor",
            ReleaseType::Patch => "patch",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> Version {
        parse(text).unwrap()
    }

    #[track_caller]
    fn check(from: &str, level: &str, expect: &str) {
        let level: Bump = level.parse().unwrap();
        assert_eq!(bump(&v(from), &level).to_string(), expect, "{from} {level}");
    }

    #[test]
    fn bumps() {
        check("0.1.0", "patch", "0.1.1");
        check("0.1.3", "minor", "0.2.0");
        check("0.9.3", "major", "1.0.0");
        check("1.2.3", "major", "2.0.0");
        check("1.0.0-rc.1", "patch", "1.0.0");
        check("1.0.0-rc.1", "minor", "1.0.0");
        check("1.0.0-rc.1", "major", "1.0.0");
        check("1.1.0-rc.1", "major", "2.0.0");
        check("0.1.0", "0.3.0-alpha.1", "0.3.0-alpha.1");
    }

    #[test]
    fn parse_refuses_what_cargo_would_refuse_or_misread() {
        for bad in [
            "1.2",
            "1.2.3.4",
            "01.2.3",
            "1.x.3",
            "1.2.3+build",
            "1.2.3-",
            "",
            "v1.2.3",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    /// Pre-releases compare by their dot-separated parts, numbers as numbers: rc.10 comes after rc.9.
    #[test]
    fn precedence() {
        assert!(v("0.2.0") > v("0.1.9"));
        assert!(v("1.0.0-rc.1") < v("1.0.0"));
        assert!(v("1.0.0-rc.10") > v("1.0.0-rc.9"));
        assert!(v("1.0.0-rc.9") > v("1.0.0-beta.11"));
        assert_eq!(v("1.0.0"), v("1.0.0"));
    }

    #[test]
    fn release_types_follow_cargo_rules() {
        let kind = |from: &str, to: &str| release_type(&v(from), &v(to)).to_string();
        assert_eq!(kind("0.1.0", "0.1.1"), "minor");
        assert_eq!(kind("0.1.3", "0.2.0"), "major");
        assert_eq!(kind("0.0.1", "0.0.2"), "major");
        assert_eq!(kind("0.9.0", "1.0.0"), "major");
        assert_eq!(kind("1.2.3", "1.2.4"), "patch");
        assert_eq!(kind("1.2.3", "1.3.0"), "minor");
        assert_eq!(kind("1.2.3", "2.0.0"), "major");
        assert_eq!(kind("1.0.0-rc.9", "1.0.0-rc.10"), "major");
        assert_eq!(kind("1.0.0-rc.9", "1.0.0"), "major");
    }
}
