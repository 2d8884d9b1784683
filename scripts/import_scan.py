#!/usr/bin/env python
"""Import circles among phasegate's modules, found from the source (AST, nothing imported).

    python scripts/import_scan.py [--top-level-only]

Every ``import`` / ``from … import`` of a phasegate module (absolute or relative, at module
level or inside a function) is an edge from the importing module to the module it names
(``from .render import models`` names ``phasegate.render.models``; ``from .render import
RenderClient`` names ``phasegate.render``). ``--top-level-only`` leaves out imports inside
functions (deferred imports, which break a circle at import time but not in the design).
Prints each circle (a strongly connected component of more than one module, or a module
importing itself) with the edges that close it; exits 1 if there is one.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "phasegate"


def modules() -> dict[str, Path]:
    found = {}
    for path in sorted(ROOT.rglob("*.py")):
        parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def edges(name: str, path: Path, known: set[str], top_level_only: bool) -> dict[str, int]:
    """The phasegate modules ``name`` imports, each with the line of its first import."""
    tree = ast.parse(path.read_text(), str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    out: dict[str, int] = {}
    for node in nodes:
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names]
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                out.setdefault(target, node.lineno)
    return out


def circles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """Tarjan's strongly connected components of more than one module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(10_000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def main(argv: list[str]) -> int:
    top_level_only = "--top-level-only" in argv
    mods = modules()
    graph = {name: edges(name, path, set(mods), top_level_only) for name, path in mods.items()}
    found = circles(graph)
    scope = "module-level imports" if top_level_only else "all imports (module level and inside functions)"
    print(f"{len(mods)} modules, {sum(map(len, graph.values()))} import edges ({scope})")
    for component in found:
        print("circle: " + ", ".join(component))
        members = set(component)
        for v in component:
            for w, line in sorted(graph[v].items()):
                if w in members:
                    print(f"    {mods[v].relative_to(ROOT.parent)}:{line} imports {w}")
    if not found:
        print("no import circle")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
