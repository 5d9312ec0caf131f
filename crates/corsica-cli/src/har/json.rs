//! `corsica har --json`: `{"entries": [...], "summary": {...}}`, described in `docs/cli.md`.
//!
//! Each entry carries the keys of `corsica check --json` for its replay (`allowed`,
//! `preflight`, `response`, `exposed`, `error`, `fix`, …) plus what the recording adds: its
//! index, the entries used, where the page's origin came from, the credentials mode and how it
//! was known, `verdict`, `missing` and `check_command`.

use serde::Serialize;
use serde_json::{Map, Value, json};

use super::command::check_command;
use super::file::HarError;
use super::render::missing_text;
use super::replay::{Missing, Outcome, Replay, Replayed};
use super::summary::Summary;
use crate::check::json as check_json;

/// The document.
#[derive(Debug, Serialize)]
pub(crate) struct Document<'a> {
    entries: Vec<Value>,
    summary: &'a Summary,
}

fn entry(replayed: &Replayed) -> Value {
    let mut doc = match &replayed.outcome {
        Outcome::Decided(report) => match serde_json::to_value(check_json::document(report)) {
            Ok(Value::Object(map)) => map,
            _ => Map::new(),
        },
        Outcome::Incomplete { preflight, .. } => {
            let mut map = Map::new();
            map.insert("allowed".into(), Value::Null);
            map.insert(
                "preflight".into(),
                preflight.as_ref().map_or(Value::Null, |p| {
                    json!({
                        "sent": null,
                        "status": null,
                        "headers": [],
                        "cache_seconds": null,
                        "request_headers": p.headers.iter()
                            .map(|(n, v)| (n.clone(), check_json::isomorphic(v)))
                            .collect::<Vec<_>>(),
                    })
                }),
            );
            map.insert("response".into(), Value::Null);
            map.insert("exposed".into(), json!([]));
            map.insert("error".into(), Value::Null);
            map.insert("fix".into(), Value::Null);
            map
        }
    };
    let r = &replayed.request;
    let verdict = match replayed.allowed() {
        Some(true) => "allowed",
        Some(false) => "blocked",
        None => "incomplete",
    };
    let preflight_recorded = match &replayed.outcome {
        _ if replayed.preflight_assumed => json!(false),
        Outcome::Decided(report) if report.preflight_needed() => {
            json!(report.steps.iter().any(|s| s.preflight) || report.verdict.preflights == 0)
        }
        Outcome::Decided(_) => Value::Null,
        Outcome::Incomplete { missing, .. } => match missing {
            Missing::Preflight => json!(false),
            Missing::PreflightResponse => json!(true),
            Missing::Response | Missing::Redirect(_) => Value::Null,
        },
    };
    let extra = json!({
        "index": replayed.index,
        "entries": replayed.entries,
        "started": replayed.started,
        "request": {
            "url": r.initial_url().as_str(),
            "origin": r.origin().as_str(),
            "method": r.method(),
        },
        "page_origin": {"origin": r.origin().as_str(), "from": replayed.origin_source.as_str()},
        "credentials": {
            "mode": r.credentials().as_str(),
            "from": if replayed.cookies { "cookies" } else { "assumed" },
        },
        "verdict": verdict,
        "preflight_recorded": preflight_recorded,
        "missing": match &replayed.outcome {
            Outcome::Incomplete { missing, .. } => json!({
                "what": missing.as_str(),
                "message": missing_text(replayed),
            }),
            Outcome::Decided(_) => Value::Null,
        },
        "check_command": check_command(r, replayed.body.as_ref()),
    });
    if let Value::Object(extra) = extra {
        for (k, v) in extra {
            // The check document's own `request`, if it has one, says the same.
            doc.insert(k, v);
        }
    }
    Value::Object(doc)
}

/// Builds the document.
pub(crate) fn document<'a>(replay: &Replay, summary: &'a Summary) -> Document<'a> {
    Document {
        entries: replay.replayed.iter().map(entry).collect(),
        summary,
    }
}

/// The document printed when the command exits 2: `{"error": {"message", "entry", "field"}}`.
pub(crate) fn error_document(message: &str, har: Option<&HarError>) -> Value {
    json!({
        "error": {
            "message": message,
            "entry": har.and_then(HarError::entry),
            "field": har.and_then(HarError::field),
        }
    })
}
