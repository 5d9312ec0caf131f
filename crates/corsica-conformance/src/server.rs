//! Server vectors (`vectors/server/*.json`): a policy, a request as the server receives it, and
//! what the engine (and every adapter built on it) must answer.

use corsica::{Outcome, PolicyConfig};
use serde::{Deserialize, Deserializer, de::Error as _};

use crate::Vector;
use crate::de::required;

/// One server case.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    /// Lower-case kebab-case, unique in its file.
    pub name: String,
    /// Where the expected behaviour comes from.
    pub source: String,
    /// The policy, as a policy file's keys.
    pub policy: PolicyConfig,
    /// The request as the server receives it.
    pub request: Request,
    /// What the engine answers.
    pub expect: Expect,
    /// The engine is believed wrong on this case; the text says how (see [`crate::verdict`]).
    #[serde(default)]
    pub engine_bug: Option<String>,
    /// Enforcement points that cannot pass this case, each with the reason: `{"nginx": "why"}`
    /// (see `vectors/README.md`). Such a point reports the case as ignored with the reason, and
    /// fails it once it passes, so that the entry gets removed.
    #[serde(default)]
    pub exceptions: std::collections::BTreeMap<String, String>,
}

/// The request as the server receives it.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// Sent as is (case matters).
    pub method: String,
    /// `[name, value]` lines in order; a name may repeat.
    pub headers: Vec<(String, String)>,
    /// The scheme the request arrived over, when the server knows it (`http` or `https`).
    #[serde(default)]
    pub scheme: Option<String>,
}

/// What the engine answers.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// The decision's outcome.
    #[serde(deserialize_with = "outcome")]
    pub outcome: Outcome,
    /// The status the engine answers with itself; `None` when the inner service handles it.
    #[serde(deserialize_with = "required")]
    pub status: Option<u16>,
    /// The exact multiset of response headers the engine contributes (names lower-case), with
    /// `vary` for the value it appends to `Vary`.
    pub headers: Vec<(String, String)>,
    /// Names that must not be on the response.
    pub absent: Vec<String>,
    /// Whether the inner service is called: exactly when `status` is `None`.
    pub inner_called: bool,
}

/// Whether [`Expect::headers`] and [`Expect::absent`] may name `name`: a CORS response header
/// the engine writes, or `vary`, lower-case.
pub fn is_response_name(name: &str) -> bool {
    name == corsica::header::VARY
        || corsica::header::ResponseHeader::ALL
            .iter()
            .any(|h| h.as_str() == name)
}

fn outcome<'de, D: Deserializer<'de>>(d: D) -> Result<Outcome, D::Error> {
    let word = String::deserialize(d)?;
    word.parse()
        .map_err(|_| D::Error::custom(format!("unknown outcome {word:?}")))
}

impl Vector for Case {
    const DIR: &'static str = "server";

    fn name(&self) -> &str {
        &self.name
    }

    fn check(&self) -> Result<(), String> {
        crate::kebab_name_and_source(&self.name, &self.source)?;
        crate::known_exceptions(&self.exceptions)?;
        let e = &self.expect;
        if e.status.is_some() == e.inner_called {
            return Err("`status` must be null exactly when `inner_called` is true".into());
        }
        for (n, _) in &e.headers {
            if !is_response_name(n) {
                return Err(format!(
                    "expected header {n:?} is not a lower-case CORS response header name or vary"
                ));
            }
        }
        for n in &e.absent {
            if !is_response_name(n) {
                return Err(format!(
                    "absent header {n:?} is not a lower-case CORS response header name or vary"
                ));
            }
            if e.headers.iter().any(|(h, _)| h == n) {
                return Err(format!("{n:?} is both expected and absent"));
            }
        }
        Ok(())
    }
}
