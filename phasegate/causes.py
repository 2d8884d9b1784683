"""One cause, one line: a target that is unreachable or refuses as a whole is reported once, first.

Every criterion such a failure broke is still broken (and its Allure result keeps the whole
message, so each result stands alone), but the terminal names the cause once, numbered, and
each criterion refers to it in a few words instead of repeating it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import redact
_TARGET = "phasegate_whole_target"


def whole_target(error: BaseException, target: str) -> BaseException:
    """Mark an error as the failure of a whole target ("Render API", "database"), not of one criterion."""
    setattr(error, _TARGET, target)
    return error


@dataclass
class Cause:
    number: int
    target: str
    message: str
    criteria: list[str] = field(default_factory=list)

    def line(self) -> str:
        return (f"phasegate: cause {self.number} — the {self.target} as a whole: {self.message}; "
                "every criterion that reads it is broken")

    def reference(self) -> str:
        return f"broken by cause {self.number} ({self.target} unusable, printed above)"


class Causes:
    def __init__(self) -> None:
        self._by_message: dict[str, Cause] = {}

    def note(self, error: BaseException, ids: list[str]) -> tuple[Cause, bool] | None:
        """The whole-target cause behind ``error`` and whether this is its first sighting; None otherwise."""
        target = getattr(error, _TARGET, None)
        if target is None:
            return None
        message = redact.scrub(str(error))
        cause = self._by_message.get(message)
        first = cause is None
        if first:
            cause = self._by_message[message] = Cause(len(self._by_message) + 1, target, message)
        cause.criteria.extend(i for i in ids if i not in cause.criteria)
        return cause, first

    def __iter__(self):
        return iter(sorted(self._by_message.values(), key=lambda c: c.number))
