//! Semantic versions and bumps, just enough for our releases.
//!
//! A version is `MAJOR.MINOR.PATCH` with an optional pre-release (`1.0.0-rc.1`).
//! Build metadata (`+...`) is refused: crates.io ignores it, so it could only confuse.

use std::cmp::Ordering;
use std::fmt;

/// `MAJOR.MINOR.PATCH[-PRE]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Version {
    major: u64,
    minor: u64,
    patch: u64,
    pre: Option<String>,
}

/// What `cargo xtask release` is asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Bump {
    Patch,
    Minor,
    Major,
    Exact(Version),
}

impl Version {
    pub(crate) fn parse(text: &str) -> Result<Version, String> {
        if text.contains('+') {
            return Err("build metadata (`+...`) is not supported".into());
        }
        let (core, pre) = match text.split_once('-') {
            Some((core, pre)) if !pre.is_empty() => (core, Some(pre.to_owned())),
            Some(_) => return Err("empty pre-release".into()),
            None => (text, None),
        };
        let parts: Vec<&str> = core.split('.').collect();
        let [major, minor, patch] = parts[..] else {
            return Err("expected MAJOR.MINOR.PATCH".into());
        };
        let num = |s: &str| -> Result<u64, String> {
            if s.is_empty()
                || !s.bytes().all(|b| b.is_ascii_digit())
                || (s.len() > 1 && s.starts_with('0'))
            {
                return Err(format!("`{s}` is not a version number"));
            }
            s.parse().map_err(|_| format!("`{s}` is too large"))
        };
        Ok(Version {
            major: num(major)?,
            minor: num(minor)?,
            patch: num(patch)?,
            pre,
        })
    }

    /// The version after `bump`.
    ///
    /// Bumping a pre-release drops the pre-release part: `patch` of `1.0.0-rc.1` is `1.0.0`.
    pub(crate) fn bump(&self, bump: &Bump) -> Version {
        let release = |major, minor, patch| Version {
            major,
            minor,
            patch,
            pre: None,
        };
        let (ma, mi, pa) = (self.major, self.minor, self.patch);
        match bump {
            Bump::Exact(v) => v.clone(),
            Bump::Patch if self.pre.is_some() => release(ma, mi, pa),
            Bump::Patch => release(ma, mi, pa + 1),
            Bump::Minor if self.pre.is_some() && pa == 0 => release(ma, mi, 0),
            Bump::Minor => release(ma, mi + 1, 0),
            Bump::Major if self.pre.is_some() && pa == 0 && mi == 0 => release(ma, 0, 0),
            Bump::Major => release(ma + 1, 0, 0),
        }
    }

    /// Compares by precedence: numbers first, then a pre-release sorts before its release.
    ///
    /// Pre-releases of the same numbers compare as strings, which is enough to refuse going backwards.
    pub(crate) fn precedence(&self, other: &Version) -> Ordering {
        (self.major, self.minor, self.patch)
            .cmp(&(other.major, other.minor, other.patch))
            .then_with(|| match (&self.pre, &other.pre) {
                (None, None) => Ordering::Equal,
                (None, Some(_)) => Ordering::Greater,
                (Some(_), None) => Ordering::Less,
                (Some(a), Some(b)) => a.cmp(b),
            })
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)?;
        if let Some(pre) = &self.pre {
            write!(f, "-{pre}")?;
        }
        Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;

    fn check(from: &str, bump: Bump, expect: &str) {
        let from = Version::parse(from).unwrap();
        assert_eq!(from.bump(&bump).to_string(), expect, "{from} {bump}");
    }

    #[test]
    fn bumps() {
        check("0.1.0", Bump::Patch, "0.1.1");
        check("0.1.3", Bump::Minor, "0.2.0");
        check("0.9.3", Bump::Major, "1.0.0");
        check("1.2.3", Bump::Major, "2.0.0");
        check("1.0.0-rc.1", Bump::Patch, "1.0.0");
        check("1.0.0-rc.1", Bump::Minor, "1.0.0");
        check("1.0.0-rc.1", Bump::Major, "1.0.0");
        check("1.1.0-rc.1", Bump::Major, "2.0.0");
        check(
            "0.1.0",
            Bump::Exact(Version::parse("0.3.0-alpha.1").unwrap()),
            "0.3.0-alpha.1",
        );
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
            assert!(Version::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn precedence() {
        let v = |s| Version::parse(s).unwrap();
        assert_eq!(v("0.2.0").precedence(&v("0.1.9")), Ordering::Greater);
        assert_eq!(v("1.0.0-rc.1").precedence(&v("1.0.0")), Ordering::Less);
        assert_eq!(v("1.0.0").precedence(&v("1.0.0")), Ordering::Equal);
    }
}
