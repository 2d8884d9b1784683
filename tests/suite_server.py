"""A warm Python that runs ``python -m MODULE`` (pytest, phasegate.cli) for the tests, one forked process each.

Most of a sandbox run's wall time on a small machine is the interpreter starting and importing
pytest, pytest-bdd, Allure, httpx, psycopg and phasegate. This server imports them once, then for
each request forks: the child is a fresh process in every way a test can observe (its own
environment, working directory, standard streams, exit code, process state), and exits with
``python -m pytest``'s code. The parent never runs a test, starts no thread and configures nothing,
so every child starts from the same clean state.

Protocol: one JSON request per line on stdin (``module``, ``argv``, ``env``, ``cwd``, ``stdout``, ``stderr``: file
paths, ``timeout``: seconds), one JSON reply per line on stdout (``returncode``: the child's exit
code, or minus the signal that ended it; ``-9`` after a timeout).
"""

from __future__ import annotations

import gc
import importlib
import importlib.metadata
import json
import os
import pkgutil
import runpy
import signal
import sys
import time
from pathlib import Path

# What every run imports; importing it here is the whole point of the server.
import _pytest.config
from _pytest.assertion.rewrite import AssertionRewritingHook
import allure_commons  # noqa: F401
import allure_pytest_bdd  # noqa: F401
import httpx  # noqa: F401
import psycopg  # noqa: F401
import pytest
import pytest_bdd.feature

import phasegate

# pytest's plugins (entry points), loaded as a run loads them, and anyio's backends, which its plugin looks up.
for _plugin in importlib.metadata.entry_points(group="pytest11"):
    _plugin.load()
import anyio._core._eventloop  # noqa: E402

anyio._core._eventloop.get_available_backends()

# What a run imports on its way besides, a tenth of a second a run: pytest's own plugins, httpx's transport (imported
# with its first client), the TLS backend of the endpoint certificates, the parser of pyproject.toml. Not pdb: it
# brings readline, which may write to the terminal, and this server's output is its replies.
for _name in _pytest.config.default_plugins:
    if _name != "debugging":
        importlib.import_module(f"_pytest.{_name}")
httpx.Client(verify=False).close()
import cryptography.hazmat.backends.openssl  # noqa: E402, F401
import encodings.idna  # noqa: E402, F401
import unittest  # noqa: E402, F401

try:
    import tomllib  # noqa: F401 (Python 3.11 and later)
except ImportError:
    pass

# Every module of phasegate (none does anything when imported but define). The suite's own step modules
# (steps/) are left to the run: pytest rewrites their asserts as it imports them.
for _module in pkgutil.walk_packages(phasegate.__path__, "phasegate."):
    if not _module.name.endswith("__main__"):
        importlib.import_module(_module.name)


# The checkout's features, parsed once into pytest-bdd's own cache (keyed by the file's absolute path): every run
# collects the same files. A test that changes a feature does it in a scratch copy, under another path.
_features = Path(__file__).resolve().parent.parent / "features"
for _feature in sorted(_features.rglob("*.feature")):
    pytest_bdd.feature.get_feature(str(_features), str(_feature.relative_to(_features)))
# And phasegate's own reading of them (the catalogue keeps each file parsed while it is unchanged).
from phasegate.catalogue.criteria import load_phases  # noqa: E402

load_phases(_features.parent)

# pytest warns when a plugin it would rewrite is already imported; here that is the server's doing, not the run's.
_WARM = frozenset(sys.modules)
_warn_already_imported = AssertionRewritingHook._warn_already_imported


def _warn_unless_warm(hook: AssertionRewritingHook, name: str) -> None:
    if name not in _WARM:
        _warn_already_imported(hook, name)


def _child(request: dict) -> None:
    """Become ``python -m MODULE ARGV`` in the request's environment and folder; never returns."""
    code = 1
    try:
        os.setpgid(0, 0)  # a timeout ends the run and whatever it started
        os.environ.clear()
        os.environ.update(request["env"])
        os.chdir(request["cwd"])
        sys.path[0] = request["cwd"]  # as `python -m` puts the working directory first
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        for fd, path in ((1, request["stdout"]), (2, request["stderr"])):
            os.dup2(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), fd)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        AssertionRewritingHook._warn_already_imported = _warn_unless_warm
        if request["module"] == "pytest":
            sys.argv = [pytest.__file__, *request["argv"]]
            code = int(pytest.main(request["argv"]))
        else:
            sys.argv = [request["module"], *request["argv"]]
            runpy.run_module(request["module"], run_name="__main__", alter_sys=True)
            code = 0
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else 1
    except BaseException:  # noqa: BLE001 - reported on the run's stderr, as an interpreter would
        import traceback
        traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:  # noqa: BLE001 - a closed stream has nothing left to say
                pass
        os._exit(code)


def _wait(pid: int, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        if time.monotonic() > deadline:
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            os.waitpid(pid, 0)
            return -9
        time.sleep(0.005)


def main() -> None:
    # Everything imported so far lives as long as the server: out of the collector's sight, a child's collections
    # (pytest runs several as a session ends) walk only what the run made, not the whole warm heap (0.5 s of CPU a
    # run becomes 0.3 s), and the pages the child shares with the server stay shared.
    gc.freeze()
    for line in sys.stdin:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            _child(request)
        reply = {"returncode": _wait(pid, float(request.get("timeout", 240)))}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
