"""The exception tree every phasegate module raises from.

Outcomes follow from the class: a ``TargetError`` (a target unreachable or refusing)
makes a scenario *broken*; a ``ConfigError`` stops the run before any scenario; only an
``AssertionError`` from a step makes a criterion *failed*.
"""


class PhasegateError(Exception):
    """Base of every error phasegate raises on purpose."""


class ConfigError(PhasegateError):
    """A profile setting is missing or malformed. The message names the key and the file."""


class TargetError(PhasegateError):
    """A target (Render API, database) could not be read. Never a verdict on a criterion."""


class RecordError(PhasegateError, ValueError):
    """A run folder's ``run.json`` is not a run record this phasegate reads. The message is one line naming the field.

    A ValueError too: the readers that tell an unreadable record apart (drift, prune, verify) already catch those.
    """


def one_line(text: object, limit: int | None = None) -> str:
    """``text`` on one line (every run of whitespace one space), cut to ``limit`` characters with "…"."""
    line = " ".join(str(text).split())
    if limit is not None and len(line) > limit:
        line = line[: limit - 1] + "…"
    return line
