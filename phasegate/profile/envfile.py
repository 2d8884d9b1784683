"""The strict profile-file reader: python-dotenv's parser, and a run that stops at any line it cannot take.

``dotenv_values`` skips a line it cannot parse, and a skipped line reads later as "not set"
although it is there. :func:`parse_profile_file` takes every binding from
``dotenv.parser.parse_stream`` (with its line and its ``error`` flag) and stops the run, naming
file and line, at a line dotenv flags, a key that is not a plain name, a key with no ``=``, a
quoted value that runs past its line, and a key set twice. Messages never quote the line: a
malformed line may hold a pasted secret.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

from dotenv.parser import parse_stream

from ..errors import ConfigError
from .model import KNOWN_KEYS

# The line shape profiles have always had: the key a plain name, then '='. dotenv would take more
# ('quoted keys', a-b.c), which the profile's keys never are.
_LINE = re.compile(r"^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$")
_KEY_PREFIX = re.compile(r"^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)")
_NEWLINE = re.compile(r"\r\n|\n|\r")


def parse_profile_file(path: Path, shown: str) -> dict[str, tuple[str, str]]:
    """``KEY=value`` lines -> {key: (value, "file:line")}. Every other non-blank, non-comment line stops the run."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{shown}: cannot be read ({type(exc).__name__})") from None
    found: dict[str, tuple[str, str]] = {}
    for binding in parse_stream(io.StringIO(text)):
        if binding.key is None and not binding.error:
            continue  # a comment or blank lines
        number, line = _first_line(binding.original)
        where = f"{shown}:{number}"
        if binding.error or binding.value is None or not _LINE.match(line) or _spans_lines(binding.original):
            raise ConfigError(f"{where}: {_line_problem(line)}")
        if binding.key in found:
            raise ConfigError(f"{where}: {binding.key} is set again (first at {found[binding.key][1]}); keep one")
        found[binding.key] = (binding.value, where)
    return found


def _first_line(original) -> tuple[int, str]:
    """The line a binding starts on, and its text: dotenv's mark includes the blank lines before it."""
    text = original.string
    content = text.lstrip()
    leading = text[: len(text) - len(content)]
    return original.line + len(_NEWLINE.findall(leading)), _NEWLINE.split(content, maxsplit=1)[0].strip()


def _spans_lines(original) -> bool:
    """A quoted value that dotenv carried onto the next line: a quote left open on its own line."""
    return len(_NEWLINE.findall(original.string.strip())) > 0


def _line_problem(line: str) -> str:
    """Why a line is not ``KEY=value``, in words that do not quote it."""
    match = _LINE.match(line)
    if match is not None:
        return _value_problem(*match.groups())
    prefix = _KEY_PREFIX.match(line)
    key = prefix.group(1) if prefix else None
    rest = line[prefix.end():].lstrip() if prefix else line
    if key and rest.startswith(":"):
        return f"{key} is followed by ':' where KEY=value needs '='"
    if key in KNOWN_KEYS:
        return f"{key} is not followed by '=': expected KEY=value"
    return "not a setting: expected KEY=value (comments start with #)"


def _value_problem(key: str, raw: str) -> str:
    """What is wrong with a quoted value on its line (dotenv refused it, or carried it to the next line)."""
    raw = raw.strip()
    quote = raw[:1]
    end = raw.find(quote, 1) if quote in {'"', "'"} else -1
    while quote == '"' and end > 0 and raw[end - 1] == "\\":
        end = raw.find(quote, end + 1)
    if quote in {'"', "'"} and end < 0:
        return f"{key}'s value opens a {quote} quote that is never closed on this line"
    return f"{key} has text after its closing quote"
