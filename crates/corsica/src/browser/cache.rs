//! The CORS-preflight cache (Fetch "CORS-preflight cache"), organised as Chromium's
//! `PreflightCache`. No clock: every method takes `now`, the time since an epoch the caller
//! chooses.

use std::collections::HashMap;
use std::time::Duration;

use super::preflight::{CHROMIUM_MAX_AGE_CAP, PreflightResult};
use super::profile::BrowserProfile;
use super::request::BrowserRequest;

/// Most entries the cache holds (Chromium `kMaxCacheEntries`).
pub(crate) const MAX_CACHE_ENTRIES: usize = 1024;

/// URLs this long or longer are never cached (Chromium `kMaxKeyLength`).
pub(crate) const MAX_CACHED_URL_LEN: usize = 1024;

/// How many entries make room when the cache is full (Chromium `kPurgeUnit`).
const PURGE_UNIT: usize = 10;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Key {
    partition: String,
    origin: String,
    url: String,
}

impl Key {
    fn of(request: &BrowserRequest) -> Self {
        Key {
            partition: request.partition_key().to_string(),
            origin: request.serialized_origin().to_string(),
            url: request.url().as_str().to_string(),
        }
    }
}

#[derive(Clone, Debug)]
struct Entry {
    result: PreflightResult,
    expires_at: Duration,
    inserted: u64,
}

/// Successful preflight results, so that repeating a request does not repeat its preflight.
///
/// Entries are keyed as in Chromium: the network partition key, the request's serialized origin
/// (`null` when tainted) and the URL. Each successful preflight replaces the whole result for its
/// key (Chromium), rather than merging per method and header name (the spec); the result lets a
/// request skip its preflight when [`PreflightResult::allows`] it, which means:
///
/// - a result made with credentials serves requests with and without them, one made without
///   serves only requests without (Fetch "cache entry match");
/// - a cached `*` is a wildcard only in a result made without credentials (Chromium; the spec's
///   text would let a credentialed `*` act as a wildcard later);
/// - `Authorization` is never covered by `*`.
///
/// A result expires `max-age` seconds after it was stored, capped at
/// [`max_age_cap`](Self::max_age_cap) (Chromium: 7200). A max-age of 0 (or negative) stores
/// nothing, and drops the key's previous result, as Chromium's already-expired entry would. At most
/// 1024 entries are kept (Chromium `kMaxCacheEntries`); URLs of 1024 bytes or more are not cached.
///
/// ```
/// use std::time::Duration;
/// use corsica::Origin;
/// use corsica::browser::{BrowserRequest, PreflightCache, ResponseHead, preflight_check};
///
/// let request = BrowserRequest::builder(
///     Origin::parse("https://app.example").unwrap(),
///     "https://api.example/items".parse().unwrap(),
/// )
/// .method("DELETE")
/// .build()
/// .unwrap();
/// let response = ResponseHead::new(204)
///     .header("Access-Control-Allow-Origin", "*")
///     .header("Access-Control-Allow-Methods", "DELETE")
///     .header("Access-Control-Max-Age", "60");
///
/// let mut cache = PreflightCache::new();
/// let t0 = Duration::from_secs(1_000);
/// assert!(!cache.can_skip_preflight(&request, t0));
/// let result = preflight_check(&request, &response).unwrap();
/// cache.insert(&request, &result, t0);
/// assert!(cache.can_skip_preflight(&request, t0 + Duration::from_secs(59)));
/// assert!(!cache.can_skip_preflight(&request, t0 + Duration::from_secs(60)));
/// ```
#[derive(Clone, Debug)]
pub struct PreflightCache {
    entries: HashMap<Key, Entry>,
    max_age_cap: u64,
    insertions: u64,
}

impl Default for PreflightCache {
    fn default() -> Self {
        Self::new()
    }
}

impl PreflightCache {
    /// An empty cache with Chromium's cap of [`CHROMIUM_MAX_AGE_CAP`] seconds.
    pub fn new() -> Self {
        Self::with_max_age_cap(CHROMIUM_MAX_AGE_CAP)
    }

    /// An empty cache that keeps results at most `cap` seconds (Firefox: 86400, WebKit: 600).
    pub fn with_max_age_cap(cap: u64) -> Self {
        PreflightCache {
            entries: HashMap::new(),
            max_age_cap: cap,
            insertions: 0,
        }
    }

    /// An empty cache with the cap of `profile`'s engine (Chromium 7200 s, Firefox 86400 s,
    /// WebKit 600 s).
    ///
    /// ```
    /// use corsica::browser::{BrowserProfile, PreflightCache};
    /// assert_eq!(PreflightCache::for_profile(&BrowserProfile::webkit()).max_age_cap(), 600);
    /// ```
    pub fn for_profile(profile: &BrowserProfile) -> Self {
        Self::with_max_age_cap(profile.max_age_cap())
    }

    /// The longest, in seconds, a result is kept.
    pub fn max_age_cap(&self) -> u64 {
        self.max_age_cap
    }

    /// How long `result` would be kept, in seconds: its max-age under the cap.
    pub fn lifetime(&self, result: &PreflightResult) -> u64 {
        result.cache_seconds(self.max_age_cap)
    }

    /// Whether a fresh cached result lets `request` go without a preflight (Chromium
    /// `CheckIfRequestCanSkipPreflight`). As in Chromium, a result for the request's key that has
    /// expired, or does not allow this request, is removed.
    pub fn can_skip_preflight(&mut self, request: &BrowserRequest, now: Duration) -> bool {
        let key = Key::of(request);
        let Some(entry) = self.entries.get(&key) else {
            return false;
        };
        if entry.expires_at > now && entry.result.allows(request) {
            return true;
        }
        self.entries.remove(&key);
        false
    }

    /// Stores `result`, the outcome of `request`'s successful preflight at `now`, replacing the
    /// key's previous result. Returns how long it will be kept, or `None` when it is not stored
    /// (a lifetime of 0, or a URL too long to cache).
    pub fn insert(
        &mut self,
        request: &BrowserRequest,
        result: &PreflightResult,
        now: Duration,
    ) -> Option<Duration> {
        let key = Key::of(request);
        if key.url.len() >= MAX_CACHED_URL_LEN {
            return None;
        }
        let lifetime = self.lifetime(result);
        if lifetime == 0 {
            self.entries.remove(&key);
            return None;
        }
        if !self.entries.contains_key(&key) && self.entries.len() >= MAX_CACHE_ENTRIES {
            self.make_room(now);
        }
        let lifetime = Duration::from_secs(lifetime);
        self.insertions += 1;
        self.entries.insert(
            key,
            Entry {
                result: result.clone(),
                expires_at: now.saturating_add(lifetime),
                inserted: self.insertions,
            },
        );
        Some(lifetime)
    }

    /// Removes the cached result for `request`'s key (Fetch "clear cache entries", run when a
    /// preflighted fetch ends in a network error).
    pub fn clear_entries(&mut self, request: &BrowserRequest) {
        self.entries.remove(&Key::of(request));
    }

    /// Removes every entry ("Clear browsing data").
    pub fn clear(&mut self) {
        self.entries.clear();
    }

    /// Removes the entries that have expired at `now`.
    pub fn purge_expired(&mut self, now: Duration) {
        self.entries.retain(|_, e| e.expires_at > now);
    }

    /// How many entries are stored, expired ones included until they are looked up or purged.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no entry is stored.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Frees room for one entry: expired entries first, then the oldest ones, [`PURGE_UNIT`] at a
    /// time. (Chromium drops 10 entries at random; this is the same amount, deterministically.)
    fn make_room(&mut self, now: Duration) {
        self.purge_expired(now);
        if self.entries.len() < MAX_CACHE_ENTRIES {
            return;
        }
        let mut ages: Vec<u64> = self.entries.values().map(|e| e.inserted).collect();
        ages.sort_unstable();
        let cutoff = ages[PURGE_UNIT.min(ages.len()) - 1];
        self.entries.retain(|_, e| e.inserted > cutoff);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Origin;
    use crate::browser::{CredentialsMode, ResponseHead, preflight_check};

    fn request(
        url: &str,
        method: &str,
        headers: &[(&str, &str)],
        credentials: CredentialsMode,
    ) -> BrowserRequest {
        let mut b = BrowserRequest::builder(
            Origin::parse("https://app.example").unwrap(),
            url.parse().unwrap(),
        )
        .method(method)
        .credentials(credentials);
        for (n, v) in headers {
            b = b.header(*n, v);
        }
        b.build().unwrap()
    }

    fn result(
        credentials: CredentialsMode,
        methods: &str,
        headers: &str,
        max_age: &str,
    ) -> PreflightResult {
        let r = ResponseHead::new(200)
            .header("access-control-allow-origin", "https://app.example")
            .header("access-control-allow-credentials", "true")
            .header("access-control-allow-methods", methods)
            .header("access-control-allow-headers", headers)
            .header("access-control-max-age", max_age);
        let req = request("https://api.example/", "GET", &[], credentials);
        PreflightResult::parse(&r, req.credentials()).unwrap()
    }

    const T: Duration = Duration::from_secs(100);

    #[test]
    fn credentials_compatibility() {
        let mut cache = PreflightCache::new();
        let with = request("https://api.example/", "PUT", &[], CredentialsMode::Include);
        let without = request("https://api.example/", "PUT", &[], CredentialsMode::Omit);
        cache.insert(&with, &result(CredentialsMode::Include, "PUT", "", "60"), T);
        assert!(cache.can_skip_preflight(&without, T));
        assert!(cache.can_skip_preflight(&with, T));
        cache.insert(&without, &result(CredentialsMode::Omit, "PUT", "", "60"), T);
        assert!(!cache.can_skip_preflight(&with, T));
        // The insufficient entry was dropped.
        assert!(cache.is_empty());
    }

    #[test]
    fn credentialed_star_is_literal() {
        let mut cache = PreflightCache::new();
        let put = request(
            "https://api.example/",
            "PUT",
            &[("x-a", "1")],
            CredentialsMode::Include,
        );
        cache.insert(&put, &result(CredentialsMode::Include, "*", "*", "60"), T);
        assert!(!cache.can_skip_preflight(&put, T));
        let anon = request(
            "https://api.example/",
            "PUT",
            &[("x-a", "1")],
            CredentialsMode::Omit,
        );
        cache.insert(&anon, &result(CredentialsMode::Omit, "*", "*", "60"), T);
        assert!(cache.can_skip_preflight(&anon, T));
        let auth = request(
            "https://api.example/",
            "PUT",
            &[("Authorization", "x")],
            CredentialsMode::Omit,
        );
        assert!(!cache.can_skip_preflight(&auth, T));
    }

    #[test]
    fn keys_and_lifetimes() {
        let mut cache = PreflightCache::with_max_age_cap(600);
        let a = request("https://api.example/a", "PUT", &[], CredentialsMode::Omit);
        let b = request("https://api.example/b", "PUT", &[], CredentialsMode::Omit);
        assert_eq!(
            cache.insert(&a, &result(CredentialsMode::Omit, "PUT", "", "100000"), T),
            Some(Duration::from_secs(600))
        );
        assert!(!cache.can_skip_preflight(&b, T));
        assert!(cache.can_skip_preflight(&a, T + Duration::from_secs(599)));
        assert!(!cache.can_skip_preflight(&a, T + Duration::from_secs(600)));
        // Max-age 0 stores nothing and drops what was there.
        cache.insert(&a, &result(CredentialsMode::Omit, "PUT", "", "60"), T);
        assert_eq!(
            cache.insert(&a, &result(CredentialsMode::Omit, "PUT", "", "0"), T),
            None
        );
        assert!(!cache.can_skip_preflight(&a, T));
        // Long URLs are not cached.
        let long = request(
            &format!("https://api.example/{}", "x".repeat(1010)),
            "PUT",
            &[],
            CredentialsMode::Omit,
        );
        assert_eq!(
            cache.insert(&long, &result(CredentialsMode::Omit, "PUT", "", "60"), T),
            None
        );
        // Clearing.
        cache.insert(&a, &result(CredentialsMode::Omit, "PUT", "", "60"), T);
        cache.clear_entries(&b);
        assert_eq!(cache.len(), 1);
        cache.clear_entries(&a);
        assert!(cache.is_empty());
    }

    #[test]
    fn bounded_size() {
        let mut cache = PreflightCache::new();
        let r = result(CredentialsMode::Omit, "PUT", "", "60");
        for i in 0..1100 {
            let req = request(
                &format!("https://api.example/{i}"),
                "PUT",
                &[],
                CredentialsMode::Omit,
            );
            cache.insert(&req, &r, T);
            assert!(cache.len() <= MAX_CACHE_ENTRIES);
        }
        let newest = request(
            "https://api.example/1099",
            "PUT",
            &[],
            CredentialsMode::Omit,
        );
        assert!(cache.can_skip_preflight(&newest, T));
        let oldest = request("https://api.example/0", "PUT", &[], CredentialsMode::Omit);
        assert!(!cache.can_skip_preflight(&oldest, T));
    }

    #[test]
    fn real_preflight_results() {
        let req = request(
            "https://api.example/",
            "PUT",
            &[("X-Foo", "1")],
            CredentialsMode::Omit,
        );
        let resp = ResponseHead::new(204)
            .header("access-control-allow-origin", "*")
            .header("access-control-allow-methods", "PUT")
            .header("access-control-allow-headers", "x-foo");
        let result = preflight_check(&req, &resp).unwrap();
        let mut cache = PreflightCache::new();
        assert_eq!(cache.insert(&req, &result, T), Some(Duration::from_secs(5)));
        assert!(cache.can_skip_preflight(&req, T + Duration::from_secs(4)));
        let more = request(
            "https://api.example/",
            "PUT",
            &[("X-Foo", "1"), ("X-Bar", "1")],
            CredentialsMode::Omit,
        );
        assert!(!cache.can_skip_preflight(&more, T));
    }
}
