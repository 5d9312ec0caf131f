//! The kinds of finding `corsica scan` reports: a stable `id`, a title and the fix, each named
//! by the server-side flaw (not by a peer tool's alias).

use serde::Serialize;

/// How bad a finding is: what the attacker gets, as the browser decides it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Severity {
    /// Worth knowing; nothing for an attacker.
    Info,
    /// Breaks legitimate use, or gives an attacker very little.
    Low,
    /// An attacker needs a foothold (a subdomain, the network) or gets public data only.
    Medium,
    /// An attacker page gets much, under a condition (some browsers, a network position).
    High,
    /// Any page on the web reads your users' responses with their cookies.
    Critical,
}

impl Severity {
    /// Every severity, most severe first.
    pub(crate) const ALL: [Severity; 5] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ];

    /// `critical`, `high`, … as in the JSON.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
            Severity::Info => "info",
        }
    }
}

/// Who can be the origin a probe stands for: what an attacker needs to send it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Reach {
    /// Any site: a domain anyone can register, a shared host, a sandboxed iframe.
    Anyone,
    /// Only some browsers accept that host (special characters).
    SomeBrowsers,
    /// A network attacker (plain `http://` origins).
    Network,
    /// Whoever controls a page on one of your subdomains (XSS, takeover).
    Subdomain,
}

impl Reach {
    /// Severity when the attacker reads a credentialed response, and when it reads one without
    /// credentials only.
    pub(crate) fn severities(self) -> (Severity, Severity) {
        match self {
            Reach::Anyone => (Severity::Critical, Severity::Low),
            Reach::SomeBrowsers => (Severity::High, Severity::Low),
            Reach::Network => (Severity::High, Severity::Low),
            Reach::Subdomain => (Severity::Medium, Severity::Info),
        }
    }
}

macro_rules! classes {
    ($( $(#[$doc:meta])* $name:ident = $id:literal, $title:literal, $fix:literal; )*) => {
        /// A kind of finding.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub(crate) enum Class { $( $(#[$doc])* $name, )* }

        impl Class {
            /// Every class, in report order.
            pub(crate) const ALL: &'static [Class] = &[ $( Class::$name, )* ];

            /// The stable id (`origin-reflected`).
            pub(crate) fn id(self) -> &'static str {
                match self { $( Class::$name => $id, )* }
            }

            /// One line saying what is wrong.
            pub(crate) fn title(self) -> &'static str {
                match self { $( Class::$name => $title, )* }
            }

            /// What to change.
            pub(crate) fn fix(self) -> &'static str {
                match self { $( Class::$name => $fix, )* }
            }
        }
    };
}

classes! {
    /// Any origin is echoed in `Access-Control-Allow-Origin`.
    OriginReflected = "origin-reflected",
        "the server trusts any origin (it echoes the Origin header)",
        "Compare the Origin header with an exact allow-list of origins; echo it only when it is listed, and add `Vary: Origin`.";
    /// `null` is trusted.
    NullTrusted = "null-trusted",
        "the server trusts the `null` origin, which any page gets in a sandboxed iframe",
        "Remove `null` from the allowed origins; sandboxed iframes, `data:` and `file:` documents on any site send it.";
    /// `https://target.com.evil.example`.
    PrefixMatch = "prefix-match",
        "the server trusts origins that merely start with its own host (`startsWith` or an unanchored regex)",
        "Match the whole origin (scheme, host and port) exactly, or anchor the pattern at both ends (`^https://app\\.example\\.com$`).";
    /// `https://eviltarget.com`.
    SuffixMatch = "suffix-match",
        "the server trusts origins that merely end with its domain, without a dot boundary (`endsWith`)",
        "Compare hosts label by label: allow `example.com` or `*.example.com` (a `.` before the domain), never any host ending in `example.com`.";
    /// `contains("target.com")`.
    SubstringMatch = "substring-match",
        "the server trusts origins that merely contain its domain (`contains`, an unanchored regex)",
        "Parse the Origin and compare it with an exact allow-list; never search for a substring.";
    /// `api.example.com` used as a regex.
    RegexDot = "unescaped-regex-dot",
        "a dot in the server's origin pattern is an unescaped regex dot, matching any character",
        "Escape the dots in origin regexes (`app\\.example\\.com`) and anchor them, or use an exact allow-list.";
    /// `*.target.com`.
    AnySubdomain = "any-subdomain",
        "the server trusts every subdomain: a script on any of them (XSS, a taken-over host) reads these responses",
        "Allow only the subdomains that call this API, and keep every trusted subdomain free of user content and dangling DNS.";
    /// `http://target.com` trusted by an https site.
    HttpOrigin = "http-origin-trusted",
        "an https site trusts a plain-http origin, which anyone on the network can impersonate",
        "Allow only https:// origins (and `Strict-Transport-Security` on the trusted sites).";
    /// `https://target.com_.evil.example`.
    SpecialCharacters = "special-characters",
        "the server trusts hosts with characters some browsers accept in domains (`_`, `!`, `~`, `` ` ``, …) after its own",
        "Parse the Origin as a URL and compare the whole host; do not use `[^.]*`-style or `\\w` patterns.";
    /// `*.github.io`, codepen, jsfiddle.
    ThirdParty = "third-party-origin",
        "the server trusts a shared hosting or code-playground origin, where anyone can publish a script",
        "Remove shared hosts (`*.github.io`, codepen.io, jsfiddle.net, …) from the allowed origins; allow only your own sites.";
    /// `localhost` matched without anchors.
    LocalhostUnanchored = "localhost-unanchored",
        "the server trusts any origin whose host starts with `localhost` (`localhost.evil.example`)",
        "Allow `http://localhost:PORT` exactly, in development configurations only.";
    /// `Access-Control-Allow-Origin: *` for any origin.
    Wildcard = "wildcard-origin",
        "any page can read this response, without credentials (`Access-Control-Allow-Origin: *`)",
        "Fine for public data; for intranet, VPN or IP-gated data, allow an exact list of origins instead.";
    /// `*` together with credentials.
    WildcardCredentials = "wildcard-with-credentials",
        "`Access-Control-Allow-Origin: *` with `Access-Control-Allow-Credentials: true`: browsers refuse it for credentialed requests",
        "Send either `*` without credentials (public data) or the request's origin from an allow-list with `Access-Control-Allow-Credentials: true`.";
    /// Several values, a pattern, a trailing slash.
    InvalidAllowOrigin = "invalid-allow-origin",
        "`Access-Control-Allow-Origin` has a value browsers refuse (several values, a pattern, a path or trailing slash)",
        "Send exactly one origin as the browser serializes it (`https://app.example.com`, no slash), or `*`.";
    /// A dynamic `Access-Control-Allow-Origin` without `Vary: Origin`.
    MissingVary = "missing-vary",
        "`Access-Control-Allow-Origin` depends on the Origin but the response has no `Vary: Origin`: caches serve one origin's answer to another (cache poisoning)",
        "Add `Vary: Origin` to every response whose CORS headers depend on the Origin, error statuses and preflights included.";
    /// The nginx `always` trap.
    ErrorStatusWithoutCors = "error-status-without-cors",
        "CORS headers are missing on error statuses: scripts see a network error instead of the status and body",
        "Send the CORS headers on every status (nginx: `add_header … always;`).";
    /// Preflights pass for any origin.
    PreflightAnyOrigin = "preflight-any-origin",
        "preflights pass for any origin: any page may send non-simple methods and headers",
        "Answer preflights only for allowed origins, with the methods and headers each needs.";
    /// `*` in `Access-Control-Allow-Methods`/`-Headers` with credentials.
    PreflightWildcardCredentials = "preflight-wildcard-with-credentials",
        "`*` in `Access-Control-Allow-Methods` or `-Headers` together with credentials: browsers read it as a literal name",
        "List the methods and headers by name when credentials are allowed.";
    /// Private Network Access granted to any origin.
    PrivateNetworkAnyOrigin = "private-network-any-origin",
        "Private Network Access is granted to any origin: any public web page can call this private-network service",
        "Send `Access-Control-Allow-Private-Network: true` only to the public origins that must reach this service.";
    /// Secret headers exposed to an attacker origin.
    ExposedSecrets = "exposed-secrets",
        "response headers that look secret are exposed (`Access-Control-Expose-Headers`) to an origin an attacker controls",
        "Expose only the headers scripts need, and only to trusted origins; never expose tokens or session identifiers.";
    /// A probe was redirected.
    Redirected = "redirect-not-followed",
        "the target answers with a redirect; it was reported, not followed",
        "Scan the URL the redirect points to, if it is one of yours.";
    /// `--policy`: the server lets the browser read where the policy refuses.
    PolicyExtraOrigin = "policy-extra-origin",
        "the server lets a page on this origin read the response, but the policy refuses the origin",
        "Make the server enforce the policy (corsica-tower, corsica-actix, corsica proxy or corsica export), or add the origin to the policy.";
    /// `--policy`: the server refuses what the policy allows.
    PolicyMissingOrigin = "policy-missing-origin",
        "the policy allows this origin but the server's answer makes the browser refuse it",
        "Make the server enforce the policy, or remove the origin from the policy.";
    /// `--policy`: a preflight passes that the policy refuses.
    PolicyExtraPreflight = "policy-extra-preflight",
        "a preflight passes on the server that the policy refuses (a method, a header, an origin)",
        "Make the server answer preflights as the policy does.";
    /// `--policy`: a preflight fails that the policy allows.
    PolicyMissingPreflight = "policy-missing-preflight",
        "the policy allows this preflight (its method and headers) but the server's answer makes the browser refuse it",
        "Make the server answer preflights as the policy does (every allowed method and header).";
    /// `--policy`: credentialed reads differ.
    PolicyCredentials = "policy-credentials",
        "credentialed requests are treated differently by the server and by the policy",
        "Send `Access-Control-Allow-Credentials: true` exactly when the policy says `credentials = true`.";
    /// `--policy`: `Vary: Origin` missing.
    PolicyVary = "policy-vary",
        "the policy's answer varies by origin (`Vary: Origin`) but the server's response has no `Vary: Origin`",
        "Add `Vary: Origin` to every response, as the policy's answer does.";
    /// `--policy`: exposed headers differ.
    PolicyExposeHeaders = "policy-expose-headers",
        "the response headers a script can read differ from the policy's `expose_headers`",
        "Send `Access-Control-Expose-Headers` as the policy says.";
    /// `--policy`: Private Network Access differs.
    PolicyPrivateNetwork = "policy-private-network",
        "Private Network Access preflights are answered differently by the server and by the policy",
        "Send `Access-Control-Allow-Private-Network: true` exactly when the policy says `private_network = true`.";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_kebab_case() {
        let mut ids: Vec<_> = Class::ALL.iter().map(|c| c.id()).collect();
        assert!(
            ids.iter()
                .all(|id| id.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'))
        );
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), Class::ALL.len());
    }

    #[test]
    fn severities_are_ordered() {
        assert!(Severity::Critical > Severity::High);
        assert!(Severity::Low > Severity::Info);
    }
}
