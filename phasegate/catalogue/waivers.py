"""Waivers: a known failure, accepted for a while by a named person, for a stated reason.

``environments/<env>.waivers.yaml`` holds a list of entries (at the top level, or under
``waivers:``)::

    waivers:
      - criterion: <ID>     # a criterion ID of any phase, as tagged in its features
        justification: the type change is scheduled with Render support (ticket 1234)
        approver: Jane Doe <jane@example.com>
        expires: 2026-12-31        # UTC; the waiver holds until the end of that day

A malformed file raises :class:`~phasegate.errors.ConfigError` naming the file and the
entry, and the plugin stops the run before any scenario. A waiver covers a *failed* or
*broken* criterion only while it has not expired; an expired waiver is reported as such
and no longer applies. The run folder's ``run.json`` records the waivers loaded (``phasegate.record``
writes and reads it); the reports, the manifest and the sign-off compute "waived" from that record.
"""

from __future__ import annotations

import datetime as _dt
import os
from dataclasses import dataclass
from pathlib import Path

import yaml

from .criteria import CRITERION_TAG, load_phases
from ..errors import ConfigError

FIELDS = ("criterion", "justification", "approver", "expires")
# A waiver may cover a criterion that failed, broke, was skipped or was deliberately not run.
WAIVABLE = ("failed", "broken", "skipped", "not run")


@dataclass(frozen=True)
class Waiver:
    criterion: str
    justification: str
    approver: str
    expires: _dt.date  # UTC: valid until the end of this day
    source: str = ""

    @property
    def expires_at(self) -> _dt.datetime:
        """The first instant at which the waiver no longer applies (00:00 UTC the next day)."""
        day = _dt.datetime.combine(self.expires, _dt.time(0, 0), tzinfo=_dt.timezone.utc)
        return day + _dt.timedelta(days=1)

    def is_active(self, now: _dt.datetime | None = None) -> bool:
        now = now or _dt.datetime.now(_dt.timezone.utc)
        return now < self.expires_at

    def to_dict(self) -> dict:
        return {"criterion": self.criterion, "justification": self.justification, "approver": self.approver,
                "expires": self.expires.isoformat(), "source": self.source}

    @classmethod
    def from_dict(cls, data: dict) -> "Waiver":
        return cls(data["criterion"], data["justification"], data["approver"],
                   _dt.date.fromisoformat(str(data["expires"])), data.get("source", ""))


def waiver_path(root: Path, env: str) -> Path:
    return Path(root) / "environments" / f"{env}.waivers.yaml"


ENV_FILE = "PHASEGATE_WAIVERS_FILE"  # another waiver file instead of environments/<env>.waivers.yaml


def load_waivers(env: str, root: Path, environ: dict[str, str] | None = None) -> list[Waiver]:
    """The waivers of an environment; none when it has no waiver file."""
    environ = os.environ if environ is None else environ
    if environ.get(ENV_FILE):
        path = Path(environ[ENV_FILE])
        shown = str(path)
        if not path.is_file():
            raise ConfigError(f"{shown} (named by {ENV_FILE}): no such waiver file")
    else:
        path = waiver_path(root, env)
        shown = f"environments/{path.name}"
        if not path.exists():
            return []
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{shown}: cannot be read ({type(exc).__name__})") from None
    return parse_waivers(text, shown, known=known_criteria(root))


def known_criteria(root: Path | None = None) -> set[str]:
    """Every criterion ID of every phase: one waiver file serves all the phases of its environment."""
    root = Path(__file__).resolve().parents[2] if root is None else Path(root)
    return {cid for phase in load_phases(root).values() for cid in phase.criteria}


class _Loader(yaml.SafeLoader):
    """SafeLoader that leaves dates as text, so a bad date is reported with its entry."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def parse_waivers(text: str, source: str, known: set[str] | None = None) -> list[Waiver]:
    try:
        data = yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        at = f" at line {where.line + 1}" if where is not None else ""
        raise ConfigError(f"{source}: not valid YAML{at}: {getattr(exc, 'problem', None) or 'parse error'}") from None
    if data is None:
        return []
    if isinstance(data, dict) and set(data) == {"waivers"}:
        data = data["waivers"] or []
    if not isinstance(data, list):
        raise ConfigError(f"{source}: expected a list of waivers (or 'waivers:' holding one), "
                          f"found {type(data).__name__}")
    waivers: list[Waiver] = []
    seen: set[str] = set()
    known = known_criteria() if known is None else known
    for index, entry in enumerate(data, start=1):
        waiver = _entry(entry, index, source, known)
        if waiver.criterion in seen:
            raise ConfigError(f"{source}: entry {index}: a second waiver for {waiver.criterion}; keep one")
        seen.add(waiver.criterion)
        waivers.append(waiver)
    return waivers


def _entry(entry, index: int, source: str, known: set[str]) -> Waiver:
    label = f"{source}: entry {index}"
    if not isinstance(entry, dict):
        raise ConfigError(f"{label}: expected a mapping with {', '.join(FIELDS)}, found {type(entry).__name__}")
    cid = entry.get("criterion")
    if cid is not None:
        label += f" ({cid})"
    missing = [f for f in FIELDS if entry.get(f) in (None, "")]
    if missing:
        raise ConfigError(f"{label}: missing {', '.join(missing)}")
    unknown = sorted(set(map(str, entry)) - set(FIELDS))
    if unknown:
        raise ConfigError(f"{label}: unknown field {', '.join(unknown)}; known: {', '.join(FIELDS)}")
    cid = str(cid).strip()
    if not CRITERION_TAG.match(cid) or cid not in known:
        raise ConfigError(f"{label}: unknown criterion ID {cid!r}")
    for name in ("justification", "approver"):
        if not isinstance(entry[name], str) or not entry[name].strip():
            raise ConfigError(f"{label}: {name} must be non-empty text")
    expires = entry["expires"]
    if isinstance(expires, _dt.datetime) or not isinstance(expires, (_dt.date, str)):
        raise ConfigError(f"{label}: expires must be a date YYYY-MM-DD, not {expires!r}")
    if isinstance(expires, str):
        try:
            expires = _dt.date.fromisoformat(expires.strip())
        except ValueError:
            raise ConfigError(f"{label}: expires must be a date YYYY-MM-DD, not {expires!r}") from None
    return Waiver(cid, " ".join(entry["justification"].split()), entry["approver"].strip(), expires, source)


# --- applying waivers to outcomes ------------------------------------------------------------


@dataclass(frozen=True)
class Judged:
    """A criterion's outcome after waivers: ``status`` is the outcome, or ``waived``."""

    outcome: str
    status: str
    waiver: Waiver | None
    waiver_state: str | None  # "active", "expired", "unused" (criterion did not fail) or None

    def to_dict(self) -> dict:
        data = {"outcome": self.outcome, "status": self.status}
        if self.waiver is not None:
            data["waiver"] = {**self.waiver.to_dict(), "state": self.waiver_state}
        return data


def judge(outcome: str, waiver: Waiver | None, now: _dt.datetime | None = None) -> Judged:
    if waiver is None:
        return Judged(outcome, outcome, None, None)
    if not waiver.is_active(now):
        return Judged(outcome, outcome, waiver, "expired")
    if outcome in WAIVABLE:
        return Judged(outcome, "waived", waiver, "active")
    return Judged(outcome, outcome, waiver, "unused")
