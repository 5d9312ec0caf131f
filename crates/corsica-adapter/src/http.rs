//! [`http_headers!`](crate::http_headers): [`Headers`](crate::Headers) for header maps with the
//! `http` crate's API.

/// Implements [`Headers`](crate::Headers) for a header map with the `http` crate's API (`http`
/// 1.x, and actix-web's map over `http` 0.2 names and values), given the path of the crate root
/// that has `header::{HeaderMap, HeaderName, HeaderValue}` and `StatusCode`.
///
/// Declares `pub(crate) enum $marker {}` implementing the trait, with
/// `$marker::status_code(corsica::Status)` giving the framework's status code, and a test that
/// its header names are the engine's.
///
/// ```text
/// corsica_adapter::http_headers!(Http1, http);
/// corsica_adapter::http_headers!(Actix, actix_web::http);
/// ```
#[macro_export]
macro_rules! http_headers {
    ($marker:ident, $($root:ident)::+) => {
        /// [`Headers`](corsica_adapter::Headers) for this framework.
        pub(crate) enum $marker {}

        const _: () = {
            use $($root)::+::header::{self, HeaderMap, HeaderName, HeaderValue};
            use $crate::__private::{RequestHeader, ResponseHeader};

            /// By [`RequestHeader::index`].
            static REQUEST_NAMES: [HeaderName; RequestHeader::ALL.len()] = [
                header::ORIGIN,
                header::ACCESS_CONTROL_REQUEST_METHOD,
                header::ACCESS_CONTROL_REQUEST_HEADERS,
                HeaderName::from_static("access-control-request-private-network"),
                header::HOST,
            ];

            /// By [`ResponseHeader::index`].
            static RESPONSE_NAMES: [HeaderName; ResponseHeader::ALL.len()] = [
                header::ACCESS_CONTROL_ALLOW_ORIGIN,
                header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
                header::ACCESS_CONTROL_ALLOW_METHODS,
                header::ACCESS_CONTROL_ALLOW_HEADERS,
                header::ACCESS_CONTROL_MAX_AGE,
                header::ACCESS_CONTROL_EXPOSE_HEADERS,
                HeaderName::from_static("access-control-allow-private-network"),
            ];

            impl $crate::Headers for $marker {
                type Map = HeaderMap;
                type Name = HeaderName;
                type Value = HeaderValue;

                fn request_name(h: RequestHeader) -> &'static HeaderName {
                    &REQUEST_NAMES[h.index()]
                }

                fn response_name(h: ResponseHeader) -> &'static HeaderName {
                    &RESPONSE_NAMES[h.index()]
                }

                fn vary_name() -> &'static HeaderName {
                    &header::VARY
                }

                fn value(text: &str) -> Option<HeaderValue> {
                    HeaderValue::from_str(text).ok()
                }

                fn static_value(text: &'static str) -> HeaderValue {
                    HeaderValue::from_static(text)
                }

                fn value_bytes(value: &HeaderValue) -> &[u8] {
                    value.as_bytes()
                }

                fn get_all<'m>(
                    map: &'m HeaderMap,
                    name: &HeaderName,
                ) -> impl Iterator<Item = &'m HeaderValue> {
                    map.get_all(name).into_iter()
                }

                fn names(map: &HeaderMap) -> impl Iterator<Item = &HeaderName> {
                    map.keys()
                }

                fn remove(map: &mut HeaderMap, name: &'static HeaderName) {
                    map.remove(name);
                }

                fn insert(map: &mut HeaderMap, name: &'static HeaderName, value: HeaderValue) {
                    map.insert(name.clone(), value);
                }

                fn append(map: &mut HeaderMap, name: &'static HeaderName, value: HeaderValue) {
                    map.append(name.clone(), value);
                }
            }
        };

        impl $marker {
            /// `status` as the framework's status code.
            pub(crate) fn status_code(status: $crate::__private::Status) -> $($root)::+::StatusCode {
                $($root)::+::StatusCode::from_u16(status.as_u16())
                    .expect("a Status is 100..=599, within StatusCode's range")
            }
        }

        #[cfg(test)]
        mod corsica_adapter_http_headers {
            use $crate::Headers;
            use $crate::__private::{RequestHeader, ResponseHeader, Status};

            #[test]
            fn names_are_the_engines() {
                for h in RequestHeader::ALL {
                    assert_eq!(super::$marker::request_name(h).as_str(), h.as_str());
                }
                for h in ResponseHeader::ALL {
                    assert_eq!(super::$marker::response_name(h).as_str(), h.as_str());
                }
                assert_eq!(super::$marker::status_code(Status::FORBIDDEN).as_u16(), 403);
            }
        }
    };
}
