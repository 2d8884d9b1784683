#!/usr/bin/env python
"""Import circles among phasegate's and the step definitions' modules, found from the source (AST, nothing imported).

    python scripts/import_scan.py [--top-level-only]

Every ``import`` / ``from … import`` of a module under ``phasegate/`` or ``steps/`` (absolute or
relative, at module level, under ``if TYPE_CHECKING:`` or inside a function) is an edge from the
importing module to the module it names (``from .render import models`` names
``phasegate.render.models``; ``from .render import RenderClient`` names ``phasegate.render``). An
import inside a function is *deferred*: it breaks a circle at import time but not in the design.
``--top-level-only`` leaves the deferred ones out. Prints each circle (a strongly connected
component of more than one module) with the edges that close it; exits 1 if there is one.

``graph()`` gives the same edges to tests (``tests/test_layout.py``), each with its line and
whether it is deferred.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ROOT = REPO / "phasegate"
ROOTS = (ROOT, REPO / "steps")  # the library and the step definitions that call it


@dataclass(frozen=True)
class Edge:
    """One module importing another: the line of its first import, and whether every import of it is deferred."""

    line: int
    deferred: bool


def modules(roots: tuple[Path, ...] = ROOTS) -> dict[str, Path]:
    """Every module under ``roots`` by its dotted name (a package by its own name, not ``__init__``)."""
    found = {}
    for root in roots:
        for path in sorted(root.rglob("*.py")):
            parts = list(path.relative_to(root.parent).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def _imports(tree: ast.Module):
    """Every import statement with whether it sits inside a function (deferred)."""
    def visit(node: ast.AST, deferred: bool):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                yield child, deferred
            inner = deferred or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            yield from visit(child, inner)
    yield from visit(tree, False)


def imports(name: str, path: Path, known: set[str]) -> dict[str, Edge]:
    """The known modules ``name`` imports, each with the line of its first import and whether all are deferred."""
    tree = ast.parse(path.read_text(), str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: dict[str, Edge] = {}
    for node, deferred in _imports(tree):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        else:
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names]
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if not target or target == name:
                continue
            seen = out.get(target)
            if seen is None:
                out[target] = Edge(node.lineno, deferred)
            elif seen.deferred and not deferred:
                out[target] = Edge(node.lineno, False)  # a module-level import is what the design shows
    return out


def edges(name: str, path: Path, known: set[str], top_level_only: bool) -> dict[str, int]:
    """The modules ``name`` imports, each with the line of its first import (deferred ones left out if asked)."""
    found = imports(name, path, known)
    return {target: edge.line for target, edge in found.items() if not (top_level_only and edge.deferred)}


def graph(roots: tuple[Path, ...] = ROOTS) -> dict[str, dict[str, Edge]]:
    """Every module under ``roots`` with the modules it imports (deferred imports included, and marked)."""
    mods = modules(roots)
    return {name: imports(name, path, set(mods)) for name, path in mods.items()}


def circles(graph: dict[str, dict]) -> list[list[str]]:
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
                    print(f"    {mods[v].relative_to(REPO)}:{line} imports {w}")
    if not found:
        print("no import circle")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
