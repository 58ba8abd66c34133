#!/usr/bin/env python3
"""File-level import graph of a crate's sources, and its cycles.

Usage: check-import-cycles.py <crate src dir> [--graph]

Every `crate::`, `super::` and `self::` path outside comments and `#[cfg(test)]` modules
(and every `use` of a child module) is an edge from the file that writes it to the file that
defines the module it names. A name re-exported by `lib.rs` (`pub use a::b::X`) resolves to
the file of `a::b`. A module's own submodule files (`store/mod.rs` and `store/kv.rs`) may
use each other's items: a parent and its children are one module, so those edges are left
out. Exits 1 and prints each cycle when the graph has one.
"""

import os
import re
import sys


def strip(text):
    """The code of a file without comments, string contents and `#[cfg(test)]` modules."""
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    text = re.sub(r'r#*"(?:.|\n)*?"#*', '""', text)
    text = re.sub(r'"(?:\\.|[^"\\])*"', '""', text)
    text = re.sub(r"//[^\n]*", "", text)
    out, i = [], 0
    for m in re.finditer(r"#\[cfg\(test\)\]\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+\w+\s*\{", text):
        if m.start() < i:
            continue
        out.append(text[i : m.start()])
        depth, j = 1, m.end()
        while j < len(text) and depth:
            depth += {"{": 1, "}": -1}.get(text[j], 0)
            j += 1
        i = j
    out.append(text[i:])
    return "".join(out)


def expand(tree):
    """`a::{b, c::{d, e as f}}` -> ["a::b", "a::c::d", "a::c::e"]."""
    tree = re.sub(r"\s+as\s+\w+", "", tree)
    tree = re.sub(r"\s+", "", tree)
    m = re.match(r"^(.*?)\{(.*)\}$", tree)
    if not m:
        return [tree]
    prefix, inner = m.group(1), m.group(2)
    parts, depth, cur = [], 0, ""
    for ch in inner:
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
            continue
        depth += {"{": 1, "}": -1}.get(ch, 0)
        cur += ch
    parts.append(cur)
    return [p for part in parts if part for p in expand(prefix + part)]


class Crate:
    def __init__(self, src):
        self.src = src
        self.files = {}  # module path tuple -> relative file
        for root, _, names in os.walk(src):
            for name in names:
                if not name.endswith(".rs"):
                    continue
                rel = os.path.relpath(os.path.join(root, name), src)
                parts = rel[:-3].split(os.sep)
                if parts[-1] in ("mod", "lib", "main"):
                    parts = parts[:-1]
                if parts and parts[-1] == "tests":
                    continue  # out-of-line test modules
                self.files[tuple(parts)] = rel
        self.reexports = {}
        lib = self.code(self.files.get((), "lib.rs"))
        for m in re.finditer(r"pub\s+use\s+([^;]+);", lib):
            for path in expand(m.group(1)):
                segs = path.split("::")
                if segs[0] == "crate":
                    segs = segs[1:]
                if segs and segs[0] in {k[0] for k in self.files if k}:
                    self.reexports[segs[-1]] = tuple(segs[:-1])

    def code(self, rel):
        with open(os.path.join(self.src, rel), encoding="utf-8") as f:
            return strip(f.read())

    def file_of(self, segs):
        """The file defining the longest module prefix of `segs`."""
        if len(segs) == 1 and segs[0] in self.reexports:
            segs = list(self.reexports[segs[0]])
        for n in range(len(segs), -1, -1):
            if tuple(segs[:n]) in self.files:
                return self.files[tuple(segs[:n])]
        return None

    def edges(self):
        graph = {}
        for module, rel in self.files.items():
            code = self.code(rel)
            children = set(re.findall(r"\bmod\s+(\w+)\s*;", code))
            inline = []  # (start, end, name) of each inline `mod name { ... }`
            for m in re.finditer(r"\bmod\s+(\w+)\s*\{", code):
                depth, j = 1, m.end()
                while j < len(code) and depth:
                    depth += {"{": 1, "}": -1}.get(code[j], 0)
                    j += 1
                inline.append((m.start(), j, m.group(1)))
            paths = []
            for m in re.finditer(r"\buse\s+([^;]+);", code):
                paths += [(m.start(), p) for p in expand(m.group(1))]
            for m in re.finditer(r"(?<![\w:])((?:crate|super|self)(?:::\w+)+)", code):
                paths.append((m.start(), m.group(1)))
            targets = set()
            for at, path in paths:
                segs = [s for s in path.split("::") if s and s != "*"]
                if not segs:
                    continue
                if segs[0] == "crate":
                    segs = segs[1:]
                elif segs[0] in ("super", "self") or segs[0] in children:
                    base = list(module) + [n for s, e, n in inline if s < at < e]
                    while segs and segs[0] in ("super", "self"):
                        if segs.pop(0) == "super":
                            base = base[:-1]
                    segs = base + segs
                else:
                    continue  # another crate
                target = self.file_of(segs)
                if target and target != rel:
                    targets.add(target)
            graph[rel] = targets
        return graph


def module_of(rel):
    parts = rel[:-3].split(os.sep)
    return tuple(parts[:-1]) if parts[-1] in ("mod", "lib") else tuple(parts)


def same_module(a, b):
    """Whether one file is the other's parent module or submodule."""
    ma, mb = module_of(a), module_of(b)
    return ma[: len(mb)] == mb or mb[: len(ma)] == ma if ma and mb else False


def cycles(graph):
    """Strongly connected components with more than one file (Tarjan)."""
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if len(args) != 1:
        sys.exit(__doc__)
    crate = Crate(args[0])
    graph = {
        a: {b for b in bs if not same_module(a, b)} for a, bs in crate.edges().items()
    }
    if "--graph" in sys.argv:
        for a in sorted(graph):
            print(f"{a} -> {', '.join(sorted(graph[a])) or '(nothing)'}")
    found = cycles(graph)
    for comp in found:
        print(f"import cycle in {args[0]} ({len(comp)} files): {' '.join(comp)}")
    sys.exit(1 if found else 0)


if __name__ == "__main__":
    main()
