#!/usr/bin/env python3
"""Writes seed corpora for the fuzz targets from the conformance vectors (see fuzz/run).

Each target reads its own input format (described at the top of its source); the seeds are the
vectors' policies, requests and responses in that format, so fuzzing starts from the cases that
matter instead of from nothing.  Usage: fuzz/seed.py CORPUS_DIR
"""
import hashlib, json, pathlib, sys

root = pathlib.Path(__file__).resolve().parent.parent
out = pathlib.Path(sys.argv[1])


def vectors(kind):
    for path in sorted((root / "vectors" / kind).glob("*.json")):
        yield from json.loads(path.read_text())


def write(target, data):
    d = out / target
    d.mkdir(parents=True, exist_ok=True)
    (d / hashlib.sha1(data).hexdigest()).write_bytes(data)


def head(response, origin):
    """A response in the `browser` target's format: a status byte, then `name:value` lines."""
    status = max(0, min(255, (response.get("status", 200) - 100) // 2))
    lines = [bytes([status])]
    for name, value in response.get("headers", []):
        lines.append(f"{name}:{value.replace(origin, 'https://app.example')}".encode())
    return b"\n".join(lines)


for case in (s for c in vectors("browser") for s in c.get("steps", [c])):
    origin = case["request"]["origin"]
    pre = case.get("preflight_response")
    res = case.get("response")
    if res is None:
        continue
    body = (head(pre, origin) if pre else b"\x52") + b"\0" + head(res, origin)
    if pre:
        ph = {n.lower(): v for n, v in pre.get("headers", [])}
        lists = f'{case["request"].get("method", "GET")}\0\0{ph.get("access-control-allow-methods", "")}\0{ph.get("access-control-allow-headers", "")}'
        for pick in (0, 1, 3):  # omit / include credentials; with Authorization
            write("header_lists", bytes([pick]) + lists.encode())
    for pick in (0, 2, 5, 11):  # omit / include credentials; GET, PUT, JSON + key, PATCH + Authorization
        write("browser", bytes([pick]) + body)

for case in vectors("server"):
    req = case["request"]
    lines = [req["method"]] + [f"{n}:{v}" for n, v in req.get("headers", [])]
    write("decide", "\n".join(lines).encode())
    policy = json.dumps(case["policy"])
    write("policy_file", policy.encode())
    write("export", b"\x02" + policy.encode())  # 2: JSON
    h = {n.lower(): v for n, v in req.get("headers", [])}
    if "access-control-request-method" in h:
        acrm, acrh = h["access-control-request-method"][:4096], h.get("access-control-request-headers", "")[:4096]
        write("header_lists", b"\x00" + f"{acrm}\0{acrh}\0{acrm}\0{acrh}".encode())
    for o in case["policy"].get("origins", []):
        for n, v in req.get("headers", []):
            if n.lower() == "origin":
                write("origin", f"{o}\n{v}".encode())

# check's HTTP/1.1 head parser: the vectors' responses as a server would send them, plus a few
# things that are not HTTP at all.
for case in (s for c in vectors("browser") for s in c.get("steps", [c])):
    for res in (case.get("preflight_response"), case.get("response")):
        if res:
            lines = [f"HTTP/1.1 {res.get('status', 200)} Whatever"]
            lines += [f"{n}: {v}" for n, v in res.get("headers", [])]
            write("http_head", ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace"))
for other in (b"SSH-2.0-OpenSSH_9.2p1 Debian\r\n", b"\x16\x03\x01\x00\xa5\x01\x00\x00",
              b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n"):
    write("http_head", other)

# `corsica har`: the CLI tests' recordings, good and broken.
for path in sorted((root / "crates" / "corsica-cli" / "tests" / "cli" / "har").glob("*.har")):
    write("har", path.read_bytes())
