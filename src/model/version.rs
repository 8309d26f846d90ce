//! Engine API versions (`1.41`): parsing, ordering, inclusive ranges, and the version of a request path (a
//! version, or unversioned).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An Engine API version such as `1.41`, ordered numerically per component (`1.9 < 1.24`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ApiVersion {
    /// The major component (1 for every Engine API so far).
    pub major: u16,
    /// The minor component.
    pub minor: u16,
}

/// Why a string is not an API version.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{input}` is not an API version: write it as MAJOR.MINOR, for example 1.41")]
pub struct ParseApiVersionError {
    /// The text that failed to parse.
    pub input: String,
}

impl ApiVersion {
    /// Makes a version from its two components.
    pub const fn new(major: u16, minor: u16) -> Self {
        Self { major, minor }
    }

    /// The next minor version (`1.41` → `1.42`).
    pub fn next(self) -> Self {
        Self::new(self.major, self.minor.saturating_add(1))
    }

    /// The previous minor version (`1.41` → `1.40`), or `None` below `x.0`.
    pub fn prev(self) -> Option<Self> {
        self.minor.checked_sub(1).map(|m| Self::new(self.major, m))
    }

    /// Every version from `first` to `last` inclusive, minor by minor (one major only).
    pub fn range_inclusive(first: Self, last: Self) -> impl Iterator<Item = Self> {
        let major = first.major;
        let end = if last.major == major { last.minor } else { 0 };
        (first.minor..=end).map(move |m| Self::new(major, m)).filter(move |v| *v >= first && *v <= last)
    }

    /// Parses what daemons send, which may carry a patch part (`1.41.0`, `1.22.0`): the patch is dropped.
    pub fn parse_lenient(s: &str) -> Result<Self, ParseApiVersionError> {
        let t = s.trim().trim_start_matches('v');
        let mut parts = t.split('.');
        let (Some(a), Some(b)) = (parts.next(), parts.next()) else {
            return Err(ParseApiVersionError { input: s.to_string() });
        };
        let rest_ok = parts.all(|p| !p.is_empty() && p.bytes().all(|c| c.is_ascii_digit()));
        if !rest_ok {
            return Err(ParseApiVersionError { input: s.to_string() });
        }
        format!("{a}.{b}").parse()
    }
}

impl fmt::Display for ApiVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

impl FromStr for ApiVersion {
    type Err = ParseApiVersionError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || ParseApiVersionError { input: s.to_string() };
        let (a, b) = s.split_once('.').ok_or_else(err)?;
        let digits = |p: &str| !p.is_empty() && p.len() <= 4 && p.bytes().all(|c| c.is_ascii_digit());
        if !digits(a) || !digits(b) {
            return Err(err());
        }
        Ok(Self::new(a.parse().map_err(|_| err())?, b.parse().map_err(|_| err())?))
    }
}

impl Serialize for ApiVersion {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ApiVersion {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = ApiVersion;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an API version as a quoted string, for example \"1.41\"")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<ApiVersion, E> {
                v.parse().map_err(E::custom)
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<ApiVersion, E> {
                Err(E::custom(format!(
                    "API version {v} is a number, and YAML reads 1.40 as 1.4: quote it, for example \"1.40\""
                )))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<ApiVersion, E> {
                self.visit_f64(v as f64)
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<ApiVersion, E> {
                self.visit_f64(v as f64)
            }
        }
        d.deserialize_any(Visitor)
    }
}

/// An inclusive range of API versions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiRange {
    /// The oldest version.
    pub first: ApiVersion,
    /// The newest version.
    pub last: ApiVersion,
}

impl ApiRange {
    /// Every version of the range, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = ApiVersion> {
        ApiVersion::range_inclusive(self.first, self.last)
    }

    /// Whether `v` lies inside the range.
    pub fn contains(&self, v: ApiVersion) -> bool {
        self.first <= v && v <= self.last
    }
}

/// The API version of a request path: `/v1.41/...`, or none (an unversioned path, which the daemon answers at its
/// own default). Written `1.41` or `unversioned`; `{:#}` writes `v1.41`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RequestVersion(pub Option<ApiVersion>);

impl RequestVersion {
    /// How an unversioned request is written in reports and logs.
    pub const UNVERSIONED: &'static str = "unversioned";

    /// The run of versions from `first` to `last` as reports write it: `1.12–1.41`, `1.25` when both are one, or
    /// `unversioned` when the run is the unversioned request.
    pub fn span(first: Option<ApiVersion>, last: Option<ApiVersion>) -> String {
        match (first, last) {
            (Some(a), Some(b)) if a != b => format!("{a}–{b}"),
            (Some(a), _) => a.to_string(),
            (None, _) => Self::UNVERSIONED.to_string(),
        }
    }
}

impl From<Option<ApiVersion>> for RequestVersion {
    fn from(v: Option<ApiVersion>) -> Self {
        Self(v)
    }
}

impl fmt::Display for RequestVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            None => f.write_str(Self::UNVERSIONED),
            Some(v) if f.alternate() => write!(f, "v{v}"),
            Some(v) => write!(f, "{v}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_numerically_per_component() {
        let v = |s: &str| s.parse::<ApiVersion>().expect("valid");
        assert!(v("1.9") < v("1.24"));
        assert!(v("1.41") < v("1.42"));
        assert_eq!(v("1.41").to_string(), "1.41");
        assert_eq!(v("1.041"), v("1.41"));
    }

    #[test]
    fn rejects_malformed_versions() {
        for bad in ["", "1", "1.", ".1", "1.x", "v1.41", "1.41.0", "1,41", "12345.1"] {
            assert!(bad.parse::<ApiVersion>().is_err(), "{bad} parsed");
        }
    }

    #[test]
    fn lenient_parse_drops_the_patch() {
        assert_eq!(ApiVersion::parse_lenient("1.22.0"), Ok(ApiVersion::new(1, 22)));
        assert_eq!(ApiVersion::parse_lenient("1.41"), Ok(ApiVersion::new(1, 41)));
        assert!(ApiVersion::parse_lenient("1.41a").is_err());
    }

    #[test]
    fn a_request_version_writes_unversioned_for_none() {
        let v = RequestVersion(Some(ApiVersion::new(1, 41)));
        assert_eq!((v.to_string(), format!("{v:#}")), ("1.41".to_string(), "v1.41".to_string()));
        let none = RequestVersion(None);
        assert_eq!((none.to_string(), format!("{none:#}")), ("unversioned".to_string(), "unversioned".to_string()));
        assert!(none < v, "unversioned sorts first");
        let (a, b) = (Some(ApiVersion::new(1, 12)), Some(ApiVersion::new(1, 41)));
        assert_eq!(RequestVersion::span(a, b), "1.12–1.41");
        assert_eq!(RequestVersion::span(b, b), "1.41");
        assert_eq!(RequestVersion::span(None, None), "unversioned");
    }

    #[test]
    fn range_is_inclusive_and_steps_by_minor() {
        let r: Vec<String> = ApiVersion::range_inclusive(ApiVersion::new(1, 39), ApiVersion::new(1, 41))
            .map(|v| v.to_string())
            .collect();
        assert_eq!(r, ["1.39", "1.40", "1.41"]);
        assert_eq!(ApiVersion::new(1, 0).prev(), None);
    }
}
