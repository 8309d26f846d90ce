//! What the spec of an API version says of one answer: the findings of its body and status, each at a JSON pointer.

use serde::{Deserialize, Serialize};

use super::ApiVersion;

/// An answer checked against the spec of one API version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conformance {
    /// The spec version the answer was checked against.
    pub spec: ApiVersion,
    /// Whether that is not the version asked at: below 1.25 (no spec: v1.25's), above the newest spec, or an
    /// unversioned request checked against the daemon's own version.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub approximate: bool,
    /// What disagrees with the spec, at most [`MAX_FINDINGS`], one per kind and place (array items fold into one).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<Finding>,
    /// Findings left out beyond [`MAX_FINDINGS`].
    #[serde(default, skip_serializing_if = "is_zero")]
    pub more: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// At most this many findings are kept per answer. Each kind and place is one finding (the items of an array fold
/// into one), so every place keeps its finding: the bound is for a daemon gone wrong (thousands of undocumented
/// keys), which no answer of the daemons here comes near (container inspect has about 40).
pub const MAX_FINDINGS: usize = 1000;

impl Conformance {
    /// The findings that would trip a typed client ([`FindingKind::breaks_clients`]) and are no known mistake of
    /// the spec.
    pub fn client_breaking(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.kind.breaks_clients() && f.erratum.is_none())
    }

    /// Whether any finding would trip a typed client (see [`Conformance::client_breaking`]).
    pub fn breaks_clients(&self) -> bool {
        self.client_breaking().next().is_some()
    }
}

/// One disagreement between an answer and the spec.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// What kind.
    pub kind: FindingKind,
    /// Where, as a JSON pointer into the body (`/0/VirtualSize`; empty for the whole body or the status).
    #[serde(default)]
    pub pointer: String,
    /// What was found, in a few words (`integer, the spec says string`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub detail: String,
    /// The known mistake of the spec this finding agrees with (an id of `matrices/spec-errata.yaml`): the daemons
    /// are right and the spec is wrong, so it never makes an answer `nonconforming`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub erratum: Option<String>,
}

/// The kinds of disagreement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FindingKind {
    /// A field the spec marks required is not there.
    MissingRequired,
    /// A value of another JSON type than the spec says.
    WrongType,
    /// `null` where the spec does not mark the field nullable (Go writes nil slices and maps as null; every Go
    /// client reads it, a strictly typed one may not).
    Null,
    /// A field the spec of that version does not list.
    Undocumented,
    /// A body that is not JSON where the spec documents JSON.
    NotJson,
    /// A status the spec does not list for the operation.
    UndocumentedStatus,
    /// A content type the spec does not give the answer: a success in a media type the operation does not
    /// produce, or with none, and an error that is not the JSON the spec documents for it.
    ContentType,
}

impl FindingKind {
    /// Every kind, in report order.
    pub const ALL: [FindingKind; 7] = [
        FindingKind::MissingRequired,
        FindingKind::WrongType,
        FindingKind::Null,
        FindingKind::Undocumented,
        FindingKind::NotJson,
        FindingKind::UndocumentedStatus,
        FindingKind::ContentType,
    ];

    /// The kebab-case name used in run.json.
    pub fn as_str(self) -> &'static str {
        match self {
            FindingKind::MissingRequired => "missing-required",
            FindingKind::WrongType => "wrong-type",
            FindingKind::Null => "null",
            FindingKind::Undocumented => "undocumented",
            FindingKind::NotJson => "not-json",
            FindingKind::UndocumentedStatus => "undocumented-status",
            FindingKind::ContentType => "content-type",
        }
    }

    /// Whether a typed client would trip on it (missing-required, wrong-type, not-json): such an answer gets the
    /// `nonconforming` verdict. The others are reported only.
    pub fn breaks_clients(self) -> bool {
        matches!(self, FindingKind::MissingRequired | FindingKind::WrongType | FindingKind::NotJson)
    }
}

/// A JSON pointer with its array indices folded into `*` (`/0/VirtualSize` → `/*/VirtualSize`).
pub fn fold_pointer(pointer: &str) -> String {
    let seg =
        |s: &str| if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) { "*".to_string() } else { s.to_string() };
    pointer.split('/').map(seg).collect::<Vec<_>>().join("/")
}

impl std::fmt::Display for FindingKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let at = if self.pointer.is_empty() { "the body" } else { &self.pointer };
        match self.detail.as_str() {
            d if self.kind == FindingKind::ContentType => write!(f, "{}: {d}", self.kind)?,
            "" => write!(f, "{} at {at}", self.kind)?,
            d => write!(f, "{} at {at}: {d}", self.kind)?,
        }
        match &self.erratum {
            Some(e) => write!(f, " (spec erratum {e})"),
            None => Ok(()),
        }
    }
}
