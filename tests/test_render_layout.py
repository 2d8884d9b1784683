"""The render package's layout holds: small modules and functions, arrows with the flow.

Read from the source (``scripts/import_scan.py``'s AST scan), nothing imported.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

import import_scan  # noqa: E402

RENDER = ROOT / "phasegate" / "render"


def _graph() -> dict[str, dict[str, int]]:
    mods = import_scan.modules()
    return {name: import_scan.edges(name, path, set(mods), False) for name, path in mods.items()}


def test_no_render_module_is_longer_than_400_lines_nor_any_function_than_60():
    for path in sorted(RENDER.glob("*.py")):
        text = path.read_text()
        assert len(text.splitlines()) <= 400, path.name
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                assert node.end_lineno - node.lineno + 1 <= 60, f"{path.name}: {node.name}"


def test_no_import_circle_runs_through_the_render_package():
    circles = import_scan.circles(_graph())
    assert not [c for c in circles if any(m.startswith("phasegate.render") for m in c)], circles


def test_judges_take_models_not_the_client_and_the_sandbox_takes_nothing():
    graph = _graph()
    for name, targets in graph.items():
        render = {t for t in targets if t.startswith("phasegate.render")}
        if name.startswith("phasegate.judge"):
            assert render <= {"phasegate.render.models"}, (name, render)
        if name.startswith("phasegate.sandbox"):
            assert not render, (name, render)  # the simulator and the client stay strangers
