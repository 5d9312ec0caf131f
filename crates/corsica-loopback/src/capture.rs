//! Captures the adapters' `corsica` log events, per test case.
//!
//! The test server enters a span `case` with a numeric field `case` around its call to the CORS
//! middleware; the middleware logs its decision synchronously in that call, so each event can
//! be filed under its case even when cases run in parallel.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Mutex, OnceLock};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

/// One `corsica` event.
#[derive(Clone, Debug, Default)]
pub struct Logged {
    /// `TRACE`, `DEBUG`, …
    pub level: String,
    /// The event's message.
    pub message: String,
    /// Its `outcome` field (`preflight-ok`, …).
    pub outcome: String,
    /// Its `reason` field.
    pub reason: String,
    /// Its `origin` field, when it has one.
    pub origin: Option<String>,
}

static EVENTS: OnceLock<Mutex<HashMap<u64, Vec<Logged>>>> = OnceLock::new();

fn events() -> &'static Mutex<HashMap<u64, Vec<Logged>>> {
    EVENTS.get_or_init(Default::default)
}

/// Installs the capturing subscriber as the global default (once per test binary).
pub fn install() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        let subscriber = tracing_subscriber::registry().with(CaptureLayer);
        tracing::subscriber::set_global_default(subscriber).expect("no other global subscriber");
    });
}

/// The events logged for `case` so far, removed.
pub fn take(case: u64) -> Vec<Logged> {
    events().lock().unwrap().remove(&case).unwrap_or_default()
}

/// Runs `f` inside the span that files events under `case`.
pub fn in_case<T>(case: u64, f: impl FnOnce() -> T) -> T {
    let span = tracing::info_span!("case", case);
    let _entered = span.enter();
    f()
}

struct CaseId(u64);

struct CaptureLayer;

impl<S> Layer<S> for CaptureLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        struct V(Option<u64>);
        impl Visit for V {
            fn record_u64(&mut self, field: &Field, value: u64) {
                if field.name() == "case" {
                    self.0 = Some(value);
                }
            }
            fn record_i64(&mut self, field: &Field, value: i64) {
                if field.name() == "case" {
                    self.0 = u64::try_from(value).ok();
                }
            }
            fn record_debug(&mut self, _: &Field, _: &dyn fmt::Debug) {}
        }
        let mut v = V(None);
        attrs.record(&mut v);
        if let (Some(case), Some(span)) = (v.0, ctx.span(id)) {
            span.extensions_mut().insert(CaseId(case));
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        if event.metadata().target() != "corsica" {
            return;
        }
        let Some(case) = ctx.event_scope(event).and_then(|scope| {
            scope
                .into_iter()
                .find_map(|span| span.extensions().get::<CaseId>().map(|c| c.0))
        }) else {
            return;
        };
        struct V(Logged);
        impl Visit for V {
            fn record_str(&mut self, field: &Field, value: &str) {
                self.record_debug(field, &format_args!("{value}"));
            }
            fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
                let text = format!("{value:?}");
                match field.name() {
                    "message" => self.0.message = text,
                    "outcome" => self.0.outcome = text,
                    "reason" => self.0.reason = text,
                    "origin" => self.0.origin = Some(text),
                    _ => {}
                }
            }
        }
        let mut v = V(Logged {
            level: level_name(*event.metadata().level()),
            ..Logged::default()
        });
        event.record(&mut v);
        events().lock().unwrap().entry(case).or_default().push(v.0);
    }
}

fn level_name(level: Level) -> String {
    level.as_str().to_owned()
}
