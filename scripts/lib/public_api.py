#!/usr/bin/env python3
"""Prints a crate's public API from rustdoc's JSON (see scripts/public-api): one line per
reachable public item, re-exports followed, with inherent methods and trait impls."""
import json, sys

def main(path):
    d = json.load(open(path))
    idx = d['index']
    out = set()

    def item(i):
        return idx.get(str(i))

    def sig_kind(it):
        return next(iter(it['inner']))

    def methods(type_item, prefix):
        inner = type_item['inner'][sig_kind(type_item)]
        for impl_id in inner.get('impls', []):
            impl = item(impl_id)
            if not impl:
                continue
            im = impl['inner']['impl']
            if im.get('is_synthetic') or im.get('blanket_impl'):
                continue
            tr = im.get('trait')
            if tr:
                # A compiler-internal marker that `derive(PartialEq)` adds: not API.
                if tr['path'] != 'StructuralPartialEq':
                    out.add(f"impl {tr['path']} for {prefix}")
                continue
            for mid in im['items']:
                m = item(mid)
                if m and m['visibility'] == 'public' and m.get('name'):
                    out.add(f"{sig_kind(m)} {prefix}::{m['name']}")

    def walk(mod_id, prefix, seen):
        if mod_id in seen:
            return
        seen = seen | {mod_id}
        mod = item(mod_id)
        for cid in mod['inner']['module']['items']:
            c = item(cid)
            if not c or c['visibility'] != 'public':
                continue
            k = sig_kind(c)
            if k == 'use':
                u = c['inner']['use']
                target = item(u['id']) if u.get('id') is not None else None
                if u['is_glob']:
                    if target and sig_kind(target) == 'module':
                        walk(u['id'], prefix, seen)
                    continue
                if target is None:
                    out.add(f"use {prefix}::{u['name']}")
                    continue
                c, k, name = target, sig_kind(target), u['name']
            else:
                name = c['name']
            if any(a for a in c.get('attrs', []) if 'doc(hidden)' in str(a)):
                continue
            p = f"{prefix}::{name}"
            if k == 'module':
                out.add(f"mod {p}")
                walk(c['id'], p, seen)
                continue
            out.add(f"{k} {p}")
            if k == 'enum':
                for v in c['inner']['enum']['variants']:
                    out.add(f"variant {p}::{item(v)['name']}")
            if k in ('struct', 'enum', 'union'):
                methods(c, p)

    walk(d['root'], item(d['root'])['name'], frozenset())
    for line in sorted(out):
        print(line)

main(sys.argv[1])
