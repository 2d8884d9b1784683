"""The library's layout holds: no import circle, every import with the flow, small functions and modules, docstrings.

Read from the source (``scripts/import_scan.py``'s AST scan of ``phasegate/`` and ``steps/``), plus one
run in a fresh interpreter: loading a profile imports no database driver and no HTTP client.

The flow runs one way, lowest first (``FLOW``); a module may import its own layer or a layer on a
lower rung, never one on its own rung nor above it. ``PLACES`` puts every module in a layer by its
dotted name, today's top-level files and the packages they are moving into alike, so the test holds
before and after the moves. What does not hold yet is listed, each entry with why, in
``AGAINST_THE_FLOW_TODAY``, ``BEING_SPLIT`` and ``WITHOUT_DOCSTRING_TODAY``: a new entry fails, and
so does a listed one that holds now (take it off the list).
"""

from __future__ import annotations

import ast
import functools
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

import import_scan  # noqa: E402

# The flow, lowest rung first. Layers on one rung are strangers to each other.
FLOW = (
    ("base",),                      # helpers every layer may use; they import only each other
    ("canary_payload",),            # the canary's payload templates, checked when a profile loads
    ("profile", "catalogue"),       # the two inputs: where (the target) and what (the criteria, claims, waivers)
    ("render", "database", "endpoints"),  # the readers of the outside world (endpoints: public addresses, read-only)
    ("snapshot", "canary"),         # one read of one instant; the one writer (Phase 5's round trip)
    ("judges",),                    # pure functions over the snapshot
    ("record",),                    # the run folder's format: the run writes through it, the report reads it back
    ("pytest_plugin", "steps"),     # the run: hooks and fixtures; the Gherkin steps calling the judges
    ("report",),                    # completion report, manifest, sign-off, attestation, gate
    ("audit",),                     # a hand-written report against a run's gate (audit), a phase from it (scaffold)
    ("cli",),                       # the `phasegate` command: wiring only
)

# Off the flow: imports only base and itself, and only the layers named here import it.
OFF_THE_FLOW = {
    "sandbox": {"profile",          # the sandbox checks its own world and fault names when a profile loads
                "pytest_plugin",    # a sandbox run starts the simulator and the PostgreSQL worlds
                "cli"},             # `phasegate sandbox` serves or describes them
}

BASE = {"phasegate", "phasegate.errors", "phasegate.timefmt", "phasegate.redact", "phasegate.fileio",
        "phasegate.queue_states", "phasegate.identity", "phasegate.causes", "phasegate.supabase_keys"}

# Every other module by the longest dotted prefix of its name. Today's top-level files that are
# moving sit beside the package they move into, so both names land in the same layer.
PLACES = {
    "phasegate.sandbox": "sandbox",
    "phasegate.canary.payload": "canary_payload",
    "phasegate.profile": "profile",
    "phasegate.catalogue": "catalogue",
    "phasegate.render": "render",
    "phasegate.database": "database",
    "phasegate.endpoints": "endpoints",
    "phasegate.snapshot": "snapshot",
    "phasegate.canary": "canary",
    "phasegate.judges": "judges",
    "phasegate.pytest_plugin": "pytest_plugin",
    "steps": "steps",
    "phasegate.record": "record",
    "phasegate.report": "report",
    "phasegate.audit": "audit", "phasegate.scaffold": "audit",
    "phasegate.cli": "cli",
}

# Imports against the flow, as (importing module, layer it reaches up to): none. Keep it so: an import
# that must reach up says a module is in the wrong place (move it down, or the importer up).
AGAINST_THE_FLOW_TODAY: set[tuple[str, str]] = set()

MAX_FUNCTION_LINES = 60
MAX_MODULE_LINES = 400

# Modules that are data (the sandbox's worlds, in Render's JSON and in SQL): no module-length limit.
DATA_MODULES = {"phasegate/sandbox/worlds.py", "phasegate/sandbox/postgres.py"}

# Functions that are one data table (a literal, one entry a line) may be longer; none today.
# An entry is "path::qualified name", e.g. "phasegate/x.py::TABLE_FOR_Y"; say in a comment what it tabulates.
DATA_TABLES: set[str] = set()

# Too long today, each being split (issue 18). Empty it as the splits land: a listed entry that is
# short now fails, so does a long one not listed. "path" is a module's length, "path::name" a function's.
BEING_SPLIT: set[str] = set()

# Modules without a docstring today (a one-line docstring mends each).
WITHOUT_DOCSTRING_TODAY: set[str] = set()


def _layer(module: str) -> str:
    if module in BASE:
        return "base"
    prefixes = [p for p in PLACES if module == p or module.startswith(p + ".")]
    assert prefixes, f"{module} has no place in the flow: add it to BASE or PLACES in tests/test_layout.py"
    return PLACES[max(prefixes, key=len)]


RUNG = {layer: number for number, rung in enumerate(FLOW) for layer in rung}


def _may_import(importer: str, imported: str) -> bool:
    if importer == imported:
        return True
    if imported in OFF_THE_FLOW:
        return importer in OFF_THE_FLOW[imported]
    if importer in OFF_THE_FLOW:
        return imported == "base"
    return RUNG[imported] < RUNG[importer]


@functools.cache
def _graph() -> dict[str, dict[str, import_scan.Edge]]:
    return import_scan.graph()


@functools.cache
def _modules() -> dict[str, Path]:
    return import_scan.modules()


@functools.cache
def _parsed(path: Path) -> tuple[int, ast.Module]:
    """A module's length in lines and its syntax tree."""
    text = path.read_text()
    return len(text.splitlines()), ast.parse(text, str(path))


def _relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _where(module: str, target: str, edge: import_scan.Edge) -> str:
    deferred = " (inside a function)" if edge.deferred else ""
    return f"{_relative(_modules()[module])}:{edge.line} imports {target}{deferred}"


def _against_the_flow(graph) -> dict[tuple[str, str], list[str]]:
    found: dict[tuple[str, str], list[str]] = {}
    for module, targets in graph.items():
        for target, edge in targets.items():
            if not _may_import(_layer(module), _layer(target)):
                found.setdefault((module, _layer(target)), []).append(_where(module, target, edge))
    return found


def test_every_module_has_a_place_in_the_flow():
    layers = set(RUNG) | set(OFF_THE_FLOW)
    assert set(PLACES.values()) | {"base"} <= layers, set(PLACES.values()) - layers
    assert sum(len(rung) for rung in FLOW) == len(RUNG), "a layer on two rungs"
    for module in _modules():
        assert _layer(module) in layers, module


def test_no_import_circle():
    assert not import_scan.circles(_graph())


def test_every_import_runs_with_the_flow():
    found = _against_the_flow(_graph())
    new = {key: lines for key, lines in found.items() if key not in AGAINST_THE_FLOW_TODAY}
    assert not new, "imports against the flow (a module may import only its own layer or a lower rung):\n" + \
        "\n".join(line for lines in new.values() for line in lines)
    mended = AGAINST_THE_FLOW_TODAY - set(found)
    assert not mended, f"run with the flow now: take them off AGAINST_THE_FLOW_TODAY: {sorted(mended)}"


def test_the_sandbox_takes_plain_arguments_and_no_profile_nor_render():
    for module, targets in _graph().items():
        if _layer(module) == "sandbox":
            foreign = {t for t in targets if _layer(t) not in ("base", "sandbox")}
            assert not foreign, (module, foreign)  # the simulator and the client stay strangers


def test_judges_take_render_models_not_the_client():
    for module, targets in _graph().items():
        if _layer(module) == "judges":
            render = {t for t in targets if _layer(t) == "render"}
            assert render <= {"phasegate.render.models"}, (module, render)


def test_canary_payload_templates_import_nothing_but_the_errors():
    payloads = [m for m in _modules() if _layer(m) == "canary_payload"]
    assert payloads, "no canary payload module: where did the templates go? (PLACES)"
    for module in payloads:
        assert set(_graph()[module]) <= {"phasegate.errors"}, (module, set(_graph()[module]))


def test_loading_a_profile_imports_no_database_driver_nor_http_client(tmp_path):
    (tmp_path / "environments").mkdir()
    (tmp_path / "environments" / "qa.env").write_text("RENDER_SERVICE_NAME=upload-worker-staging\n")
    code = ("import sys; from pathlib import Path; from phasegate.profile import load_profile; "
            f"load_profile('qa', Path({str(tmp_path)!r}), environ={{'RENDER_API_KEY': 'rnd_x'}}); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('psycopg', 'httpx')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]", done.stdout


def _functions(tree: ast.AST, prefix: str = ""):
    """Every function and method with its qualified name (``Class.method``, ``outer.inner``)."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield prefix + node.name, node
            yield from _functions(node, f"{prefix}{node.name}.")
        elif isinstance(node, ast.ClassDef):
            yield from _functions(node, f"{prefix}{node.name}.")
        else:
            yield from _functions(node, prefix)


def _too_long() -> dict[str, int]:
    found = {}
    for path in _modules().values():
        name, (lines, tree) = _relative(path), _parsed(path)
        if lines > MAX_MODULE_LINES and name not in DATA_MODULES:
            found[name] = lines
        for qualname, node in _functions(tree):
            if node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES:
                found[f"{name}::{qualname}"] = node.end_lineno - node.lineno + 1
    return found


def test_no_function_longer_than_60_lines_nor_module_than_400():
    found = _too_long()
    new = {key: lines for key, lines in found.items() if key not in BEING_SPLIT | DATA_TABLES}
    assert not new, f"too long (lines; split it, or list a data table in DATA_TABLES): {new}"
    short = (BEING_SPLIT | DATA_TABLES) - set(found)
    assert not short, f"short enough now (or moved): take them off BEING_SPLIT / DATA_TABLES: {sorted(short)}"


def test_every_module_says_what_it_does():
    without = {_relative(p) for p in _modules().values() if not ast.get_docstring(_parsed(p)[1])}
    assert without <= WITHOUT_DOCSTRING_TODAY, f"no docstring: {sorted(without - WITHOUT_DOCSTRING_TODAY)}"
    assert WITHOUT_DOCSTRING_TODAY <= without, f"have one now: {sorted(WITHOUT_DOCSTRING_TODAY - without)}"


# The run folder's format is record/'s: the names of its files, and run.json read as a RunRecord only.
RECORD_NAMES = {"run.json", "allure-results"}


def _names_in_code(tree: ast.AST) -> set[str]:
    """String constants that are exactly a run folder's file name (prose in docstrings and messages is not)."""
    return {node.value for node in ast.walk(tree) if isinstance(node, ast.Constant) and node.value in RECORD_NAMES}


def test_only_record_names_the_run_records_files():
    """No module outside record/ opens run.json (or the results folder) by name: it reads a RunRecord."""
    outside = {_relative(path): sorted(names) for module, path in _modules().items()
               if _layer(module) not in ("record", "sandbox") and (names := _names_in_code(_parsed(path)[1]))}
    assert not outside, outside
