"""The simulator's faults: misbehaviour a test asks the Render simulator for, and their one-line spec.

:class:`Faults` lists what the simulator injects into authorised GETs (a hang, latency, 429s, 500s,
a malformed body) and Render's GET budget it enforces. :meth:`Faults.parse` reads the spec a profile
(``PHASEGATE_SANDBOX_FAULTS``) or ``phasegate sandbox serve --fault`` gives, e.g.
``"rate_limit_times=2,latency_ms=100,hang"``; :meth:`Faults.spec` writes it back.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass


@dataclass
class Faults:
    """Misbehaviour to inject into authorised GETs, in this order: hang, latency, 429, 500,
    malformed JSON. ``latency_ms`` is added to every response."""

    rate_limit_times: int = 0  # first N GETs answer 429 with Retry-After
    rate_limit_forever: bool = False
    retry_after: int = 1  # seconds in Retry-After on 429s
    server_error_times: int = 0  # first N GETs answer 500
    server_error_forever: bool = False
    latency_ms: int = 0  # added to every response
    hang: bool = False  # accept the request, never answer (until the server stops)
    malformed_json: bool = False  # 200 with a body that is not JSON
    # Render's GET budget, enforced like Render: so many GETs per fixed window, then 429 with
    # Retry-After until the window resets. Tests shorten the window; the defaults are Render's.
    budget: int = 400
    window_ms: int = 60_000

    @classmethod
    def parse(cls, spec: str) -> "Faults":
        """Parse ``"rate_limit_times=2,retry_after=1,latency_ms=100,hang"``.

        A bare name sets a boolean fault; ``""`` means no faults. Anything else raises
        ``ValueError`` naming the offending item and the known fault names.
        """
        faults = cls()
        if spec is None:
            return faults
        fields = {f.name: f for f in dataclasses.fields(cls)}
        known = ", ".join(fields)
        for raw in spec.split(","):
            item = raw.strip()
            if not item:
                continue
            name, sep, value = item.partition("=")
            name, value = name.strip(), value.strip()
            if name not in fields:
                raise ValueError(f"unknown fault {name!r} in {spec!r}; known faults: {known}")
            kind = fields[name].type
            is_bool = kind in (bool, "bool")
            if not sep:
                if not is_bool:
                    raise ValueError(
                        f"fault {name!r} needs a value ({name}=<integer>) in {spec!r}"
                    )
                setattr(faults, name, True)
                continue
            if is_bool:
                lowered = value.lower()
                if lowered in ("1", "true", "yes", "on"):
                    setattr(faults, name, True)
                elif lowered in ("0", "false", "no", "off"):
                    setattr(faults, name, False)
                else:
                    raise ValueError(
                        f"fault {name!r} takes true/false, not {value!r} (in {spec!r})"
                    )
                continue
            try:
                number = int(value)
            except ValueError:
                raise ValueError(
                    f"fault {name!r} takes a non-negative integer, not {value!r} (in {spec!r})"
                ) from None
            if number < 0:
                raise ValueError(
                    f"fault {name!r} takes a non-negative integer, not {value!r} (in {spec!r})"
                )
            setattr(faults, name, number)
        return faults

    def spec(self) -> str:
        """The inverse of :meth:`parse`: only the fields that differ from the defaults."""
        default = Faults()
        parts = []
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if value == getattr(default, f.name):
                continue
            if isinstance(value, bool):
                parts.append(f.name if value else f"{f.name}=false")
            else:
                parts.append(f"{f.name}={value}")
        return ",".join(parts)

    def __bool__(self) -> bool:
        return self != Faults()
