"""The profile package's layout holds: small modules and functions, no circle, the sandbox a stranger to it.

Read from the source (``scripts/import_scan.py``'s AST scan), plus one run in a fresh interpreter:
loading a profile imports no database driver.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

import import_scan  # noqa: E402

PROFILE = ROOT / "phasegate" / "profile"


def _graph() -> dict[str, dict[str, int]]:
    mods = import_scan.modules()
    return {name: import_scan.edges(name, path, set(mods), False) for name, path in mods.items()}


def test_no_profile_module_is_longer_than_400_lines_nor_any_function_than_60():
    for path in sorted(PROFILE.glob("*.py")):
        text = path.read_text()
        assert len(text.splitlines()) <= 400, path.name
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                assert node.end_lineno - node.lineno + 1 <= 60, f"{path.name}: {node.name}"


def test_no_import_circle_and_the_sandbox_takes_no_profile():
    graph = _graph()
    assert not import_scan.circles(graph)
    for name, targets in graph.items():
        if name.startswith("phasegate.sandbox"):
            assert not {t for t in targets if t.startswith(("phasegate.profile", "phasegate.config"))}, name
    assert not {t for t in graph["phasegate.canary.payload"] if t.startswith("phasegate.")} - {"phasegate.errors"}


def test_loading_a_profile_imports_no_database_driver(tmp_path):
    (tmp_path / "environments").mkdir()
    (tmp_path / "environments" / "qa.env").write_text("RENDER_SERVICE_NAME=upload-worker-staging\n")
    code = ("import sys; from pathlib import Path; from phasegate.profile import load_profile; "
            f"load_profile('qa', Path({str(tmp_path)!r}), environ={{'RENDER_API_KEY': 'rnd_x'}}); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('psycopg', 'httpx')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]", done.stdout
