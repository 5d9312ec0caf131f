//! [`Headers`]: a framework's header map, as the adapter core uses it.

use corsica::header::{RequestHeader, ResponseHeader};

/// A framework's header types, as the adapter core needs them: names for the headers the engine
/// reads and writes, values, and five operations on a header map.
///
/// Implemented by a type of the adapter's own (usually an empty enum), since neither the
/// trait nor the framework's types belong to the adapter. See [`Lines`](crate::Lines) for a
/// whole implementation.
pub trait Headers: 'static {
    /// The header map of requests and responses (`http::HeaderMap`).
    type Map;
    /// A header name.
    type Name: ?Sized + PartialEq + 'static;
    /// A header value. Cloning one should be cheap (a reference count): the values rendered when
    /// a policy is installed are cloned for every response.
    type Value: Clone + Send + Sync + 'static;

    /// The name of a request header the engine reads.
    fn request_name(header: RequestHeader) -> &'static Self::Name;

    /// The name of a response header the engine writes.
    fn response_name(header: ResponseHeader) -> &'static Self::Name;

    /// `Vary`.
    fn vary_name() -> &'static Self::Name;

    /// `text` as a value, `None` when it is not a valid field value. Called when a policy is
    /// installed and, rarely, for text the engine builds per request.
    fn value(text: &str) -> Option<Self::Value>;

    /// `text`, a constant the engine always sends as is (`true`, `*`, a header name), as a
    /// value that needs no allocation or reference count where the framework allows it.
    fn static_value(text: &'static str) -> Self::Value {
        Self::value(text).expect("the engine's constants are valid field values")
    }

    /// The bytes of a value.
    fn value_bytes(value: &Self::Value) -> &[u8];

    /// Every line of header `name`, in order.
    fn get_all<'m>(map: &'m Self::Map, name: &Self::Name) -> impl Iterator<Item = &'m Self::Value>;

    /// Whether two names are the same header. Names compare as they are by default; override
    /// when a map may hold them in any case.
    fn same_name(a: &Self::Name, b: &Self::Name) -> bool {
        a == b
    }

    /// The name of every line (a name may repeat).
    fn names(map: &Self::Map) -> impl Iterator<Item = &Self::Name>;

    /// Removes every line of `name`.
    fn remove(map: &mut Self::Map, name: &'static Self::Name);

    /// Sets `name` to `value`, replacing every line of `name`.
    fn insert(map: &mut Self::Map, name: &'static Self::Name, value: Self::Value);

    /// Adds a line `name: value`, keeping the others.
    fn append(map: &mut Self::Map, name: &'static Self::Name, value: Self::Value);
}
