//! The recording at a glance: counts, and the failures grouped by cause (the error kind, the
//! server that caused it and the fix it needs, or what the recording lacks), each cause with its
//! fix once.

use corsica::Origin;
use serde::Serialize;

use super::file::Har;
use super::replay::{Outcome, Replay, Replayed};
use crate::check::fix;

/// The `summary` object.
#[derive(Debug, Serialize)]
pub(crate) struct Summary {
    /// `log.creator`, as recorded.
    pub(crate) creator: CreatorDoc,
    /// The browser model the verdicts are from.
    pub(crate) browser: &'static str,
    /// Entries in the file.
    pub(crate) entries: usize,
    /// Cross-origin requests replayed.
    pub(crate) cross_origin: usize,
    pub(crate) allowed: usize,
    pub(crate) blocked: usize,
    /// Requests the recording cannot decide (see each entry's `missing`).
    pub(crate) incomplete: usize,
    pub(crate) same_origin: usize,
    pub(crate) not_cors: usize,
    /// CORS-mode requests whose page origin the recording does not tell.
    pub(crate) unknown_origin: Vec<usize>,
    /// Requests `fetch()` would refuse to make.
    pub(crate) refused: Vec<RefusedDoc>,
    /// Recorded preflights no replayed request used.
    pub(crate) unused_preflights: Vec<usize>,
    /// Failures grouped by cause, most frequent first.
    pub(crate) causes: Vec<Cause>,
}

#[derive(Debug, Serialize)]
pub(crate) struct CreatorDoc {
    pub(crate) name: String,
    pub(crate) version: String,
}

#[derive(Debug, Serialize)]
pub(crate) struct RefusedDoc {
    pub(crate) index: usize,
    pub(crate) message: String,
}

/// One cause of failure.
#[derive(Debug, Serialize)]
pub(crate) struct Cause {
    /// The error kind (`MissingAllowOriginHeader`), or `incomplete: <what is missing>`.
    pub(crate) kind: String,
    /// The origin of the server whose answer failed (for an incomplete one, the request's).
    pub(crate) server: String,
    pub(crate) count: usize,
    /// The entries' indexes.
    pub(crate) entries: Vec<usize>,
    /// The fix they all need (`null` for incomplete ones: replay them live).
    pub(crate) fix: Option<String>,
}

/// The cause of a failed or incomplete replay; `None` when allowed.
fn cause_of(replayed: &Replayed) -> Option<(String, String, Option<String>)> {
    match &replayed.outcome {
        Outcome::Decided(report) => {
            let error = report.verdict.result.as_ref().err()?;
            let server = Origin::from_url(&report.verdict.url).to_string();
            Some((
                error.kind_str().to_string(),
                server,
                Some(fix::for_report(report)),
            ))
        }
        Outcome::Incomplete { missing, .. } => {
            let url = match missing {
                super::replay::Missing::Redirect(url) => url,
                _ => replayed.request.url(),
            };
            Some((
                format!("incomplete: {}", missing.as_str()),
                Origin::from_url(url).to_string(),
                None,
            ))
        }
    }
}

/// Sums up `replay` of `har`.
pub(crate) fn summary(har: &Har, replay: &Replay) -> Summary {
    let mut causes: Vec<Cause> = Vec::new();
    for replayed in &replay.replayed {
        let Some((kind, server, fix)) = cause_of(replayed) else {
            continue;
        };
        match causes
            .iter_mut()
            .find(|c| c.kind == kind && c.server == server && c.fix == fix)
        {
            Some(cause) => {
                cause.count += 1;
                cause.entries.push(replayed.index);
            }
            None => causes.push(Cause {
                kind,
                server,
                count: 1,
                entries: vec![replayed.index],
                fix,
            }),
        }
    }
    // Stable: equal counts keep the recording's order.
    causes.sort_by_key(|c| std::cmp::Reverse(c.count));
    let count = |want: Option<bool>| {
        replay
            .replayed
            .iter()
            .filter(|r| r.allowed() == want)
            .count()
    };
    Summary {
        creator: CreatorDoc {
            name: har.creator.name.clone(),
            version: har.creator.version.clone(),
        },
        browser: replay.engine.as_str(),
        entries: har.entries.len(),
        cross_origin: replay.replayed.len(),
        allowed: count(Some(true)),
        blocked: count(Some(false)),
        incomplete: count(None),
        same_origin: replay.same_origin,
        not_cors: replay.not_cors,
        unknown_origin: replay.unknown_origin.clone(),
        refused: replay
            .refused
            .iter()
            .map(|(index, message)| RefusedDoc {
                index: *index,
                message: message.clone(),
            })
            .collect(),
        unused_preflights: replay.unused_preflights.clone(),
        causes,
    }
}
