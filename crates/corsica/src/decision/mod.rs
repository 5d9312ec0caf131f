//! The server's answer to a request: a [`Decision`], made by [`Policy::decide`].

mod decide;
mod outcome;

pub use outcome::{Outcome, Reason, UnknownOutcome};

#[cfg(doc)]
use crate::Policy;
use crate::header::{RequestHeader, ResponseHeader};
use crate::request::RequestKind;
use crate::status::Status;

/// Where the value of a response header comes from, so that an adapter can reuse a value it
/// already holds instead of copying text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueSource<'a> {
    /// A value rendered when the policy was compiled: `value` is
    /// [`Policy::rendered_values`]`()[index]` (of the policy given to the adapter, or of any of
    /// its routes: they share one list).
    Rendered {
        /// The position in [`Policy::rendered_values`].
        index: usize,
        /// The text.
        value: &'a str,
    },
    /// The request's own `Origin` header, byte for byte.
    Origin(&'a str),
    /// The request's own (single) header line `from`, byte for byte.
    Echo {
        /// The request header echoed.
        from: RequestHeader,
        /// The text.
        value: &'a str,
    },
    /// Text the engine built for this request: several `Access-Control-Request-Headers` lines
    /// joined, or the list of requested headers that passed (debug).
    Built(&'a str),
}

impl<'a> ValueSource<'a> {
    /// The value as text.
    pub fn as_str(self) -> &'a str {
        match self {
            ValueSource::Rendered { value, .. }
            | ValueSource::Origin(value)
            | ValueSource::Echo { value, .. }
            | ValueSource::Built(value) => value,
        }
    }
}

/// One header of a decision: its text (but for [`Source::Built`]) and where it comes from.
/// Small and without drop glue: deciding moves decisions around.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Entry<'a> {
    text: &'a str,
    source: Source,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Source {
    Rendered(u16),
    Origin,
    Echo(RequestHeader),
    /// The text is [`CorsHeaders::built`].
    Built,
}

impl<'a> Entry<'a> {
    pub(crate) fn rendered(index: u16, text: &'a str) -> Self {
        Entry {
            text,
            source: Source::Rendered(index),
        }
    }

    pub(crate) fn origin(text: &'a str) -> Self {
        Entry {
            text,
            source: Source::Origin,
        }
    }

    pub(crate) fn echo(from: RequestHeader, text: &'a str) -> Self {
        Entry {
            text,
            source: Source::Echo(from),
        }
    }
}

/// The CORS response headers of a decision: at most one of each [`ResponseHeader`], borrowed
/// from the policy (all rendered in advance) or from the request, so deciding allocates nothing
/// in the common case.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CorsHeaders<'a> {
    /// Indexed by [`ResponseHeader::index`].
    entries: [Option<Entry<'a>>; ResponseHeader::ALL.len()],
    /// The text of the one header the engine may build per request.
    built: String,
    len: u8,
}

impl<'a> CorsHeaders<'a> {
    fn set(&mut self, name: ResponseHeader, entry: Entry<'a>) {
        let slot = &mut self.entries[name.index()];
        debug_assert!(slot.is_none(), "{name} set twice");
        *slot = Some(entry);
        self.len += 1;
    }

    fn set_built(&mut self, name: ResponseHeader, text: String) {
        self.built = text;
        self.set(
            name,
            Entry {
                text: "",
                source: Source::Built,
            },
        );
    }

    fn source_of(&self, entry: Entry<'a>) -> ValueSource<'_> {
        match entry.source {
            Source::Rendered(index) => ValueSource::Rendered {
                index: index.into(),
                value: entry.text,
            },
            Source::Origin => ValueSource::Origin(entry.text),
            Source::Echo(from) => ValueSource::Echo {
                from,
                value: entry.text,
            },
            Source::Built => ValueSource::Built(&self.built),
        }
    }

    /// The headers as (name, value text) pairs, in the order of [`ResponseHeader::ALL`].
    ///
    /// ```
    /// # use corsica::{Policy, RawRequest};
    /// let policy = Policy::builder().origins(["https://a.example"]).build().unwrap();
    /// let request = RawRequest::new("GET").header("Origin", "https://a.example");
    /// for (name, value) in policy.decide(&request).headers().iter() {
    ///     println!("{name}: {value}");
    /// }
    /// ```
    pub fn iter(&self) -> impl Iterator<Item = (ResponseHeader, &str)> {
        self.sources().map(|(name, v)| (name, v.as_str()))
    }

    /// The headers as (name, where the value comes from) pairs, in the order of
    /// [`ResponseHeader::ALL`].
    pub fn sources(&self) -> impl Iterator<Item = (ResponseHeader, ValueSource<'_>)> {
        ResponseHeader::ALL
            .into_iter()
            .zip(&self.entries)
            .filter_map(|(name, e)| Some((name, self.source_of((*e)?))))
    }

    /// The value of `name`, if set.
    ///
    /// ```
    /// use corsica::header::ResponseHeader;
    /// # use corsica::{Policy, RawRequest};
    /// let policy = Policy::builder().origins(["https://a.example"]).build().unwrap();
    /// let request = RawRequest::new("GET").header("Origin", "https://a.example");
    /// let decision = policy.decide(&request);
    /// assert_eq!(decision.headers().get(ResponseHeader::AccessControlAllowOrigin), Some("https://a.example"));
    /// ```
    pub fn get(&self, name: ResponseHeader) -> Option<&str> {
        self.source(name).map(ValueSource::as_str)
    }

    /// Where the value of `name` comes from, if set.
    pub fn source(&self, name: ResponseHeader) -> Option<ValueSource<'_>> {
        Some(self.source_of(self.entries[name.index()]?))
    }

    /// How many headers there are.
    pub fn len(&self) -> usize {
        self.len.into()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// The engine's decision for one request.
///
/// An adapter applies it like this:
/// 1. If [`Decision::respond_status`] is `Some(status)`, answer with that status and an empty
///    body without calling the inner service.
/// 2. Otherwise call the inner service, remove any of the [`ResponseHeader`]s it set, and add
///    [`Decision::headers`].
/// 3. In both cases append [`Decision::vary`] to `Vary` (never overwrite it).
///
/// Preflight responses carry no `Vary`: responses to `OPTIONS` are not cacheable (RFC 9110
/// §9.3.7), and browsers never store preflights in the HTTP cache.
///
/// ```
/// use corsica::header::ResponseHeader;
/// use corsica::{Outcome, Policy, RawRequest, Status};
///
/// let policy = Policy::builder().origins(["https://app.example.com"]).methods(["PUT"]).build().unwrap();
/// let preflight = RawRequest::new("OPTIONS")
///     .header("Origin", "https://app.example.com")
///     .header("Access-Control-Request-Method", "PUT");
/// let d = policy.decide(&preflight);
/// assert_eq!(d.outcome(), Outcome::PreflightOk);
/// assert_eq!(d.respond_status(), Some(Status::NO_CONTENT));
/// assert_eq!(d.headers().get(ResponseHeader::AccessControlAllowOrigin), Some("https://app.example.com"));
/// assert_eq!(d.headers().get(ResponseHeader::AccessControlAllowMethods), Some("PUT"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision<'a> {
    kind: RequestKind,
    outcome: Outcome,
    respond_status: Option<Status>,
    headers: CorsHeaders<'a>,
    vary: Option<RequestHeader>,
    reason: Reason<'a>,
}

impl<'a> Decision<'a> {
    /// How the request was classified.
    pub fn kind(&self) -> RequestKind {
        self.kind
    }

    /// What happened.
    pub fn outcome(&self) -> Outcome {
        self.outcome
    }

    /// `Some(status)` when the engine answers the request itself and the inner service must not
    /// be called (a preflight, or a refused request with `reject_disallowed`).
    pub fn respond_status(&self) -> Option<Status> {
        self.respond_status
    }

    /// Whether the inner service handles the request.
    pub fn calls_inner(&self) -> bool {
        self.respond_status.is_none()
    }

    /// The CORS headers to set on the response, replacing any of the same name.
    pub fn headers(&self) -> &CorsHeaders<'a> {
        &self.headers
    }

    /// The request header the response depends on, to append to the response's `Vary` header
    /// (by its lower-case name), if any: `Origin`.
    pub fn vary(&self) -> Option<RequestHeader> {
        self.vary
    }

    /// Why.
    pub fn reason(&self) -> &Reason<'a> {
        &self.reason
    }
}
