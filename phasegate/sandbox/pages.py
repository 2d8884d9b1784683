"""What the simulator's list routes read from a query, and the pages they answer with, as Render does.

Lists are ``[{"cursor": "...", "<resource>": {...}}]``; ``limit`` defaults to the simulator's page
size (20) and is clamped to 100; the next page is asked for with ``?cursor=<last item's cursor>``.
Times (``startTime``, ``createdAfter``, ...) are RFC 3339. A query that cannot be read raises
:class:`HttpError` (400), which the simulator answers as ``{"message": ...}``.
"""

from __future__ import annotations

import base64
import binascii
import datetime as _dt
from typing import Any

MAX_PAGE_SIZE = 100


class HttpError(Exception):
    """A request the simulator answers with ``status`` and ``{"message": message}``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def encode_cursor(scope: str, index: int) -> str:
    raw = f"pg1:{scope}:{index}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(scope: str, cursor: str) -> int:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        raw = base64.urlsafe_b64decode(padded.encode()).decode()
        prefix, cursor_scope, index = raw.rsplit(":", 2)
        if prefix != "pg1" or cursor_scope != scope:
            raise ValueError
        return int(index)
    except (ValueError, UnicodeDecodeError, binascii.Error):
        raise HttpError(400, f"invalid cursor: {cursor}") from None


def page_limit(params: dict[str, list[str]], default: int) -> int:
    """The query's ``limit`` (``default`` without one), at most :data:`MAX_PAGE_SIZE`."""
    limit = default
    if "limit" in params:
        raw = params["limit"][-1]
        try:
            limit = int(raw)
        except ValueError:
            raise HttpError(400, f"invalid limit: {raw!r} is not an integer") from None
        if limit < 1:
            raise HttpError(400, f"invalid limit: {raw!r} must be at least 1")
    return min(limit, MAX_PAGE_SIZE)


def page(
    scope: str,
    resource: str,
    items: list,
    params: dict[str, list[str]],
    *,
    page_size_default: int,
    indexed: list[tuple[int, Any]] | None = None,
) -> list:
    """One page of ``items`` (optionally pre-filtered into ``(index, item)`` pairs).

    Cursors encode the item's index in the unfiltered collection, so a cursor points
    at the same item whatever filters the next request repeats.
    """
    if indexed is None:
        indexed = list(enumerate(items))
    limit = page_limit(params, page_size_default)
    after = -1
    if "cursor" in params and params["cursor"][-1] != "":
        cursor = params["cursor"][-1]
        after = decode_cursor(scope, cursor)
        if not 0 <= after < len(items):
            raise HttpError(400, f"invalid cursor: {cursor}")
    chosen = [(i, item) for i, item in indexed if i > after][:limit]
    return [{"cursor": encode_cursor(scope, i), resource: item} for i, item in chosen]


def parse_time(text: str) -> _dt.datetime:
    """An RFC 3339 time, aware (UTC when it names no zone); a ``+`` a query string turned into a space counts."""
    moment = _dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace(" ", "+"))
    return moment if moment.tzinfo else moment.replace(tzinfo=_dt.timezone.utc)


def time_param(params: dict[str, list[str]], name: str, default):
    """The query's time ``name`` (``default`` when absent or empty); 400 when it is not RFC 3339."""
    if name not in params or not params[name][-1]:
        return default
    try:
        return parse_time(params[name][-1])
    except ValueError:
        raise HttpError(400, f"invalid {name}: {params[name][-1]!r} is not an RFC 3339 time") from None
