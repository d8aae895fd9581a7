#!/usr/bin/env python3
"""Which top-level module of src/ imports which, and any cycle between them.

Reads every `crate::…` path in src/ (grouped `use crate::{a, b::c}` included) and prints, per
top-level module (a folder or a file under src/), the modules it uses. Exits 1 when two
modules reach each other (a cycle) or when anything but main/lib imports `startup`.
Usage: python3 scripts/module-graph.py [--depth 2]
"""
import pathlib
import re
import sys

SRC = pathlib.Path(__file__).resolve().parent.parent / "src"
depth = int(sys.argv[sys.argv.index("--depth") + 1]) if "--depth" in sys.argv else 1


def module_of(path):
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "mod":
        parts.pop()
    return parts


def key(parts):
    return "::".join(parts[:depth])


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return re.sub(r"//[^\n]*", "", text)


def referenced(text):
    """Top-level paths named after `crate::`, expanding one level of braces."""
    out = []
    for match in re.finditer(r"crate::(\{)?", text):
        if match.group(1):
            level, i = 1, match.end()
            start = i
            while level and i < len(text):
                level += {"{": 1, "}": -1}.get(text[i], 0)
                i += 1
            inner = text[start : i - 1]
            # split on top-level commas
            items, level, cur = [], 0, ""
            for ch in inner:
                if ch == "," and level == 0:
                    items.append(cur)
                    cur = ""
                    continue
                level += {"{": 1, "}": -1}.get(ch, 0)
                cur += ch
            items.append(cur)
            for item in items:
                item = item.strip()
                if item:
                    out.append(re.split(r"::\{", item)[0].split("::"))
        else:
            rest = re.match(r"[\w:]*", text[match.end():]).group(0)
            parts = [p for p in rest.split("::") if p]
            if parts:
                out.append(parts)
    return out


edges = {}
startup_users = set()
for path in sorted(SRC.rglob("*.rs")):
    own = module_of(path)
    if not own:
        continue
    src = key(own)
    text = strip_comments(path.read_text())
    # unit tests may reach anywhere; only production code counts
    text = re.split(r"#\[cfg\(test\)\]", text)[0]
    for parts in referenced(text):
        parts = [p for p in parts if p not in ("self", "super")]
        if not parts or not re.match(r"^[a-z_][a-z0-9_]*$", parts[0]):
            continue
        target = key(parts)
        # a type named at the end of a shallow path is not a module
        if target.split("::")[-1][:1].isupper():
            target = key(parts[: len(target.split("::")) - 1]) if depth > 1 else parts[0]
        if parts[0] == "startup" and own[0] not in ("main", "lib"):
            startup_users.add("::".join(own))
        if target != src and not target.startswith(src + "::") and not src.startswith(target + "::"):
            edges.setdefault(src, set()).add(target)

for src in sorted(edges):
    print(f"{src:28} -> {', '.join(sorted(edges[src]))}")


def reach(start):
    seen, todo = set(), [start]
    while todo:
        node = todo.pop()
        for nxt in edges.get(node, ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen

cycles = sorted({tuple(sorted((a, b))) for a in edges for b in reach(a) if a != b and a in reach(b)})
status = 0
if cycles:
    print("\ncycles (each pair reaches the other):")
    for a, b in cycles:
        print(f"  {a} <-> {b}")
    status = 1
else:
    print("\nno cycles")
if startup_users:
    print("imports startup (only main/lib may):", ", ".join(sorted(startup_users)))
    status = 1
else:
    print("only main/lib import startup")
sys.exit(status)
