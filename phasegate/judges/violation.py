"""The violation a judge raises: what was expected, what was found, and where to look.

A violation says what was expected, what was found, and where to look (the service's
Render dashboard page). It never carries a secret value: secrets are shown masked, and
comparisons of secrets use keyed digests.
"""

from __future__ import annotations


class ConsoleLink(str):
    """A link to where the fix is made that is not the service's Render dashboard: the database's console."""

    label = "database"


class Violation(AssertionError):
    """A criterion is violated. The message is expected vs actual, one fact per line."""

    def __init__(self, what: str, expected: str, actual: str, *, link: str | None = None, details=()):
        lines = [what, f"  expected: {expected}", f"  actual:   {actual}"]
        lines += [f"  {line}" for line in details]
        if link:  # a database console link says so (ConsoleLink); else the service's Render dashboard
            lines.append(f"  {getattr(link, 'label', 'service') + ':':<10}{link}")
        super().__init__("\n".join(lines))
        self.what, self.expected, self.actual, self.link, self.details = what, expected, actual, link, tuple(details)

    @property
    def line(self) -> str:
        """The same judgement on one line: what a judge composing others (the policy) lists per broken rule."""
        more = f" ({'; '.join(self.details)})" if self.details else ""
        return f"{self.what}: expected {self.expected}, actual {self.actual}{more}"

