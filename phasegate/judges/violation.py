"""The violation a judge raises: what was expected, what was found, and where to look.

A violation says what was expected, what was found, and where to look (the service's
Render dashboard page). It never carries a secret value: secrets are shown masked, and
comparisons of secrets use keyed digests.
"""

from __future__ import annotations


class Violation(AssertionError):
    """A criterion is violated. The message is expected vs actual, one fact per line."""

    def __init__(self, what: str, expected: str, actual: str, *, link: str | None = None, details=()):
        lines = [what, f"  expected: {expected}", f"  actual:   {actual}"]
        lines += [f"  {line}" for line in details]
        if link:
            lines.append(f"  service:  {link}")
        super().__init__("\n".join(lines))
        self.expected, self.actual, self.link = expected, actual, link

