"""``phasegate steps``: the step vocabulary, generated from the step definitions themselves
(:mod:`phasegate.pytest_plugin.vocabulary`); ``docs/VOCABULARY.md`` is its output."""

from __future__ import annotations

import ast
import importlib
import sys
from pathlib import Path

from .base import EXIT_OK


def register(sub) -> None:
    p = sub.add_parser("steps", help="the step vocabulary: every sentence, what it reads, an example",
                       description="Print, as Markdown, every sentence the step definitions of this checkout "
                                   "match (those conftest.py registers from steps/): the sentence, what it makes "
                                   "the snapshot read (@reads), what it judges and an example, from the definitions "
                                   "and their docstrings. docs/VOCABULARY.md is this output.")
    p.set_defaults(func=cmd_steps)


def checkout_root() -> Path:
    """The folder holding conftest.py and steps/: the current one when it has them, else this checkout."""
    here = Path.cwd()
    if (here / "conftest.py").is_file() and (here / "steps").is_dir():
        return here
    return Path(__file__).resolve().parents[2]


def step_modules(root: Path) -> list[str]:
    """The step modules conftest.py registers (its ``pytest_plugins`` under ``steps.``), in its order."""
    tree = ast.parse((root / "conftest.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "pytest_plugins" for t in node.targets):
            return [name for name in ast.literal_eval(node.value) if name.startswith("steps.")]
    return []


def vocabulary(root: Path) -> str:
    """The vocabulary of the checkout at ``root``, as Markdown."""
    from ..pytest_plugin.introspection import step_contexts
    from ..pytest_plugin.vocabulary import markdown

    modules = step_modules(root)
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    for name in modules:
        importlib.import_module(name)
    return markdown(modules, step_contexts())


def cmd_steps(args) -> int:
    sys.stdout.write(vocabulary(checkout_root()))
    return EXIT_OK
