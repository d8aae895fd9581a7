#!/usr/bin/env python3
"""Which module of src/ imports which, and what breaks the floor plan.

Reads every path a source file names into the crate, in every form Rust writes one: `use`
trees with nested groups, renames and `self` (`use crate::routes::{kit::{body, guard as g},
self}`), `super::` and `self::` paths, `crate::` paths inline in code, and `use` of a module the
file declares itself. Each path is cut at the deepest module that exists (a file or folder under
src/), then at `--depth` segments, and printed per importing module.

Exits 1 when:
- two modules reach each other (a cycle), at the depth asked for;
- anything but main/lib and `cli` (the command line, which runs the server: `serve`, `exec`)
  imports `startup`;
- a layer imports one it must reach through another (NOT_DIRECTLY below: the web layer takes
  stored records from `app::records`, never from `storage`);
- with `--siblings`, a front end of routes/ imports another: the front ends (FRONT_ENDS below)
  stand side by side over the shared kit, and a helper two of them need moves into the kit.

Usage:
    python3 scripts/module-graph.py [--depth N] [--within MODULE] [--siblings] [--src DIR]

`--within routes` prints only what modules inside routes/ import from each other (with
`--depth 2` or more). Unit tests (`#[cfg(test)]` and what follows it) are left out: they may
reach anywhere. `python3 -m unittest scripts/test_module_graph.py` tests the parser.
"""
import pathlib
import re
import sys

# The front ends of routes/: each imports the kit and app, never a sibling.
FRONT_ENDS = ["routes::api", "routes::widget", "routes::core_api", "routes::portal", "routes::service"]

# (layer, layer it must not import directly, the way it goes instead).
NOT_DIRECTLY = [("routes", "storage", "app::records")]

# Who may import startup besides main and lib: itself, and the command line above it.
STARTUP_IMPORTERS = {"startup", "cli"}


def module_of(path, src):
    parts = list(path.relative_to(src).with_suffix("").parts)
    if parts[-1] == "mod":
        parts.pop()
    if parts in (["lib"], ["main"]):
        return []
    return parts


def strip_comments_and_strings(text):
    """The code without comments, string and char literals (which may hold `crate::`)."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            depth, i = 1, i + 2
            while i < n and depth:
                if text.startswith("/*", i):
                    depth, i = depth + 1, i + 2
                elif text.startswith("*/", i):
                    depth, i = depth - 1, i + 2
                else:
                    i += 1
        elif c == "r" and re.match(r'r#*"', text[i:]) and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            hashes = re.match(r"r(#*)\"", text[i:]).group(1)
            end = text.find('"' + hashes, i + 2 + len(hashes))
            out.append('""')
            i = n if end < 0 else end + 1 + len(hashes)
        elif c == '"':
            i += 1
            while i < n and text[i] != '"':
                i += 2 if text[i] == "\\" else 1
            out.append('""')
            i += 1
        elif c == "'" and re.match(r"'(\\.|[^\\'])'", text[i:]):
            m = re.match(r"'(\\.|[^\\'])'", text[i:])
            out.append("' '")
            i += m.end()
        else:
            out.append(c)
            i += 1
    return "".join(out)


def production(text):
    """What is compiled outside tests: the file up to its first `#[cfg(test)]`."""
    return re.split(r"#\s*\[\s*cfg\s*\(\s*test\s*\)\s*\]", text)[0]


def split_top(text, sep=","):
    items, level, cur = [], 0, ""
    for ch in text:
        if ch == sep and level == 0:
            items.append(cur)
            cur = ""
            continue
        level += {"{": 1, "}": -1}.get(ch, 0)
        cur += ch
    items.append(cur)
    return [item.strip() for item in items if item.strip()]


def expand_use_tree(tree, prefix=()):
    """Every path a use tree names: `a::{b::{c, d as e}, self}` -> a::b::c, a::b::d, a."""
    tree = re.sub(r"\s+", " ", tree).strip()
    if not tree:
        return []
    if tree.startswith("::"):
        tree = tree[2:]
    brace = tree.find("{")
    if brace >= 0 and tree.endswith("}"):
        head = tree[:brace].rstrip()
        head = head[:-2] if head.endswith("::") else head
        base = prefix + tuple(p.strip() for p in head.split("::") if p.strip())
        out = []
        for item in split_top(tree[brace + 1 : -1]):
            out.extend(expand_use_tree(item, base))
        return out
    path = re.split(r"\s+as\s+", tree)[0].strip()
    parts = [p.strip() for p in path.split("::") if p.strip()]
    if parts and parts[-1] == "self":
        parts = parts[:-1]
    if parts and parts[-1] == "*":
        parts = parts[:-1]
    full = prefix + tuple(parts)
    return [full] if full else []


USE = re.compile(r"\buse\s+([^;]+);")
INLINE = re.compile(r"(?<![\w:])((?:crate|super|self)(?:\s*::\s*[A-Za-z_][A-Za-z0-9_]*)+)")
DECLARED = re.compile(r"\b(?:pub(?:\s*\([^)]*\))?\s+)?mod\s+([a-z_][a-z0-9_]*)\s*;")


def resolve(path, own, declared):
    """The crate path `path` names from module `own` (None for another crate's)."""
    path = list(path)
    if not path:
        return None
    head = path[0]
    if head == "crate":
        return path[1:]
    if head == "self":
        return own + path[1:]
    if head == "super":
        base = list(own)
        while path and path[0] == "super":
            base = base[:-1]
            path = path[1:]
        return base + path
    if head in declared:  # a module this file declares, named without `self::`
        return own + path
    return None


def imports(text, own):
    """The crate paths one file's production code names, resolved from module `own`."""
    code = production(strip_comments_and_strings(text))
    declared = set(DECLARED.findall(code))
    found = []
    for tree in USE.findall(code):
        for path in expand_use_tree(tree):
            resolved = resolve(path, own, declared)
            if resolved is not None:
                found.append(resolved)
    without_uses = USE.sub("", code)
    for match in INLINE.finditer(without_uses):
        parts = [p.strip() for p in match.group(1).split("::")]
        resolved = resolve(parts, own, declared)
        if resolved is not None:
            found.append(resolved)
    return found


def graph(src, depth):
    """`edges` (module -> modules it imports, cut at `depth`) and the importers of startup."""
    modules = {}
    for path in sorted(src.rglob("*.rs")):
        modules[tuple(module_of(path, src))] = path
    known = set(modules)

    def deepest_module(parts):
        """The longest prefix of `parts` that is a module."""
        for n in range(len(parts), 0, -1):
            if tuple(parts[:n]) in known:
                return list(parts[:n])
        return None

    edges, startup_users = {}, set()
    for own, path in modules.items():
        own = list(own)
        for parts in imports(path.read_text(), own):
            target = deepest_module(parts)
            if target is None:
                continue
            if target[0] == "startup" and own and own[0] not in STARTUP_IMPORTERS:
                startup_users.add("::".join(own) or "crate")
            if not own:
                continue  # main and lib sit above everything
            a, b = "::".join(own[:depth]), "::".join(target[:depth])
            if a == b or b.startswith(a + "::") or a.startswith(b + "::"):
                continue
            edges.setdefault(a, set()).add(b)
    return edges, startup_users


def reach(edges, start):
    seen, todo = set(), [start]
    while todo:
        for nxt in edges.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def cycles(edges):
    return sorted(
        {tuple(sorted((a, b))) for a in edges for b in reach(edges, a) if a != b and a in reach(edges, b)}
    )


def sibling_imports(edges):
    """(front end, sibling) pairs where one front end imports another."""
    bad = set()
    for src, targets in edges.items():
        for front in FRONT_ENDS:
            if src == front or src.startswith(front + "::"):
                for target in targets:
                    for other in FRONT_ENDS:
                        if other != front and (target == other or target.startswith(other + "::")):
                            bad.add((front, other))
    return sorted(bad)


def skipped_floors(edges_1):
    """(layer, layer, way) for each NOT_DIRECTLY rule the top-level graph breaks."""
    return [(a, b, way) for a, b, way in NOT_DIRECTLY if b in edges_1.get(a, ())]


def main(argv):
    depth = int(argv[argv.index("--depth") + 1]) if "--depth" in argv else 1
    within = argv[argv.index("--within") + 1] if "--within" in argv else None
    src = pathlib.Path(argv[argv.index("--src") + 1]) if "--src" in argv else (
        pathlib.Path(__file__).resolve().parent.parent / "src"
    )
    edges, startup_users = graph(src, depth)
    if within:
        inside = lambda m: m.startswith(within + "::")
        edges = {a: {b for b in bs if inside(b)} for a, bs in edges.items() if inside(a)}
        edges = {a: bs for a, bs in edges.items() if bs}
    for source in sorted(edges):
        print(f"{source:32} -> {', '.join(sorted(edges[source]))}")
    status = 0
    found = cycles(edges)
    if found:
        print("\ncycles (each reaches the other):")
        for a, b in found:
            print(f"  {a} <-> {b}")
        status = 1
    else:
        print("\nno cycles")
    if startup_users:
        print("imports startup (only main/lib and cli may):", ", ".join(sorted(startup_users)))
        status = 1
    elif not within:
        print("only main/lib and cli import startup")
    edges_1 = edges if depth == 1 and not within else graph(src, 1)[0]
    skipped = skipped_floors(edges_1)
    for a, b, way in skipped:
        print(f"{a} imports {b} directly (go through {way})")
        status = 1
    if not skipped and not within:
        print("; ".join(f"{a} does not import {b}" for a, b, _ in NOT_DIRECTLY))
    if "--siblings" in argv:
        if depth < 2:
            edges_2, _ = graph(src, 2)
        else:
            edges_2 = edges
        bad = sibling_imports(edges_2)
        if bad:
            print("front ends importing a sibling (move what they share into routes::kit):")
            for front, other in bad:
                print(f"  {front} -> {other}")
            status = 1
        else:
            print("no front end imports another: " + ", ".join(FRONT_ENDS))
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
