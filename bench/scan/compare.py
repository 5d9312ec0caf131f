"""The table printed by bench/scan/run: speed of both scanners on the same targets, and whether
every CORScanner finding that a browser honours is also a corsica finding."""

import json
import sys

# CORScanner's finding types and the corsica ids for the same flaw.
SAME_FLAW = {
    "reflect_origin": "origin-reflected",
    "trust_null": "null-trusted",
    "prefix_match": "prefix-match",
    "suffix_match": "suffix-match",
    "include_match": "substring-match",
    "not_escape_dot": "unescaped-regex-dot",
    "custom_third_parties": "third-party-origin",
    "special_characters_bypass": "special-characters",
    "trust_any_subdomain": "any-subdomain",
    "https_trust_http": "http-origin-trusted",
}
# A reflecting server shows every narrower flaw too: corsica names the root cause once.
IMPLIED_BY_REFLECTION = set(SAME_FLAW.values()) - {"origin-reflected", "null-trusted"}


def browser_can_send(origin):
    """Whether a browser can have this origin at all: the URL Standard refuses a host whose last
    label is a number unless the whole host is an IPv4 address (`evil.127.0.0.1`)."""
    if origin == "null":
        return True
    host = origin.split("://", 1)[-1].split(":", 1)[0].rstrip(".")
    last = host.rsplit(".", 1)[-1]
    numeric = last.isdigit() or (last.lower().startswith("0x") and all(
        c in "0123456789abcdef" for c in last[2:].lower()))
    if not numeric:
        return True
    parts = host.split(".")
    return len(parts) == 4 and all(p.isdigit() and int(p) < 256 for p in parts)


def load(path, default):
    try:
        with open(path) as f:
            text = f.read().strip()
        return json.loads(text) if text else default
    except (OSError, ValueError):
        return default


def main():
    targets = int(sys.argv[1])
    cs_seconds, cs_requests = float(sys.argv[2]), int(sys.argv[3])
    co_seconds, co_requests = float(sys.argv[4]), int(sys.argv[5])
    corscanner = load(sys.argv[6], [])
    corsica = load(sys.argv[7], {"findings": []})["findings"]

    print(f"{targets} loopback URLs on nginx without CORS (every probe of both tools sent)\n")
    print("| scanner | seconds | URLs/s | requests | requests/s |")
    print("|---|---|---|---|---|")
    for name, seconds, requests in (
        ("CORScanner 0.9.7 (-t 50)", cs_seconds, cs_requests),
        ("corsica scan (--concurrency 50)", co_seconds, co_requests),
    ):
        print(
            f"| {name} | {seconds:.2f} | {targets / seconds:.0f} | {requests} |"
            f" {requests / seconds:.0f} |"
        )
    print(f"\ncorsica / CORScanner, URLs per second: {cs_seconds / co_seconds:.1f}x\n")

    by_url = {}
    for f in corsica:
        by_url.setdefault(f["url"].rstrip("/"), set()).add(f["id"])
    missed = []
    unsendable = []
    for f in corscanner:
        url = f.get("url", "").rstrip("/")
        want = SAME_FLAW.get(f.get("type"))
        got = by_url.get(url, set())
        if want is None or not browser_can_send(f.get("origin", "")):
            unsendable.append((url, f.get("type"), f.get("origin")))
            continue
        if want in got or (want in IMPLIED_BY_REFLECTION and "origin-reflected" in got):
            continue
        missed.append((url, f.get("type"), sorted(got)))
    kinds = sorted({f.get("type") for f in corscanner})
    print(
        f"CORScanner findings on the flawed servers: {len(corscanner)} ({', '.join(kinds)}); "
        f"corsica findings: {len(corsica)}; "
        f"CORScanner findings corsica does not make: {len(missed)}"
    )
    for m in missed:
        print("  missed:", m)
    if unsendable:
        kinds = sorted({t for _, t, _ in unsendable})
        print(
            f"CORScanner findings no browser can honour (an origin no browser sends): "
            f"{len(unsendable)} ({', '.join(kinds)}, e.g. {unsendable[0][2]})"
        )
    sys.exit(1 if missed else 0)


main()
