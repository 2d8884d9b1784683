"""The single-file Allure HTML report: Allure 3 CLI (npm ``allure``), then every tracker stripped.

The Allure 3 single-file page embeds Google Tag Manager (a ``<script src="https://www.
googletagmanager.com/...">`` and an inline ``gtag`` snippet). A private, offline report
must carry no third-party script, so every ``<script>`` with an http(s) source and every
inline script mentioning gtag / dataLayer / googletagmanager is removed, and the result is
checked before it is written.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from .. import redact
from ..fileio import write_atomic

ROOT = Path(__file__).resolve().parent.parent.parent
ENV_CLI = "PHASEGATE_ALLURE_CLI"  # override the CLI's path (tests use it to simulate "not installed")
TIMEOUT = 300

_SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.IGNORECASE | re.DOTALL)
_REMOTE_SRC = re.compile(r"""\bsrc\s*=\s*["']?\s*(?:https?:)?//""", re.IGNORECASE)
_TRACKER = re.compile(r"googletagmanager|google-analytics|\bgtag\s*\(|\bdataLayer\b", re.IGNORECASE)
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")  # the CLI colours its errors; a report line must not carry them
_REMOTE_TAG = re.compile(r"""<(?:link|img|iframe)\b[^>]*\b(?:href|src)\s*=\s*["']?\s*(?:https?:)?//[^>]*>""",
                         re.IGNORECASE)


class HtmlNotGenerated(Exception):
    """Why the Allure HTML was not written (the rest of the reports still are)."""


def allure_cli() -> Path | None:
    override = os.environ.get(ENV_CLI)
    if override is not None:
        path = Path(override)
        return path if path.is_file() else None
    local = ROOT / "node_modules" / ".bin" / "allure"
    return local if local.exists() else None


def strip_trackers(page: str) -> str:
    """Remove third-party scripts: remote ``<script src>``, inline gtag snippets, remote preload links."""

    def keep(match: re.Match) -> str:
        attrs, body = match.group(1), match.group(2)
        if _REMOTE_SRC.search(attrs):
            return ""
        if not re.search(r"\bsrc\s*=", attrs, re.IGNORECASE) and _TRACKER.search(body):
            return ""
        return match.group(0)

    page = _SCRIPT.sub(keep, page)
    return _REMOTE_TAG.sub("", page)


def remote_scripts(page: str) -> list[str]:
    """What in a page still loads or names a third-party script; empty when clean."""
    found = [m.group(0)[:120] for m in _SCRIPT.finditer(page) if _REMOTE_SRC.search(m.group(1))]
    found += [m.group(0)[:120] for m in _REMOTE_TAG.finditer(page)]
    found += sorted({m.group(0) for m in re.finditer(r"googletagmanager|gtag\(", page, re.IGNORECASE)})
    return found


def generate(results: Path, out_file: Path, *, name: str, history: Path | None = None) -> None:
    """Write the single-file report to ``out_file``, or raise :class:`HtmlNotGenerated`."""
    cli = allure_cli()
    if cli is None:
        raise HtmlNotGenerated("Allure 3 CLI not installed (run `npm ci` at the repository root; "
                               "expected node_modules/.bin/allure)")
    if shutil.which("node") is None:
        raise HtmlNotGenerated("node is not installed; the Allure 3 CLI needs it")
    # The CLI runs in a temporary folder: every path it is given must be absolute.
    results, out_file = Path(results).resolve(), Path(out_file).resolve()
    with tempfile.TemporaryDirectory(prefix="phasegate-allure-") as tmp:
        out = Path(tmp) / "out"
        cmd = [str(cli), "awesome", str(results), "-o", str(out), "--single-file", "--name", name]
        if history is not None:
            cmd += ["--history-path", str(Path(history).resolve())]
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT, cwd=tmp)
        except (OSError, subprocess.SubprocessError) as exc:
            raise HtmlNotGenerated(f"Allure CLI could not run: {exc}") from None
        index = out / "index.html"
        if done.returncode != 0 or not index.exists():
            tail = " ".join(_ANSI.sub("", done.stderr or done.stdout).split())[-300:]
            raise HtmlNotGenerated(f"Allure CLI exited {done.returncode}: {redact.scrub(tail)}")
        page = strip_trackers(index.read_text(encoding="utf-8"))
    left = remote_scripts(page)
    if left:
        raise HtmlNotGenerated(f"third-party script left after stripping: {left[0]}")
    write_atomic(out_file, redact.scrub(page))
