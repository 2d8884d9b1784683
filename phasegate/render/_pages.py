"""Reading a whole Render list: cursor pagination, and env groups split by creation time.

Both take the client's read-once ``get_json(path, params, generation=...)``, so a page
asked for twice in a run is read once.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any, Callable, Mapping

from phasegate.timefmt import zulu

from ._exceptions import ResponseFormatError
from ._wire import _describe_item, _kind, on_request, read_items
from .models import EnvGroup

DEFAULT_PAGE_SIZE = 20  # Render's page size when no limit is honoured
HARD_PAGE_CAP = 1000  # a list longer than 100,000 items is a server bug, not data
GROUPS_EPOCH = _dt.datetime(2015, 1, 1, tzinfo=_dt.timezone.utc)  # before Render existed

GetJson = Callable[..., Any]


def list_all(get_json: GetJson, path: str, resource: str, params: Mapping[str, Any] | None = None, *,
             limit: int = 100, max_pages: int | None = None, generation: int = 0) -> list[dict]:
    """Every ``<resource>`` of a cursor-paginated Render list, unwrapped, in served order."""
    limit = max(1, min(100, int(limit)))
    base_params = {k: v for k, v in (params or {}).items() if k not in ("cursor", "limit")}
    out: list[dict] = []
    seen: set[str] = set()
    cursor: str | None = None
    pages = 0
    while True:
        query = dict(base_params, limit=limit)
        if cursor is not None:
            query["cursor"] = cursor
        body = get_json(path, query, generation=generation)
        pages += 1
        out.extend(_unwrap(body, resource, pages, path))
        if _is_last(body, limit) or (max_pages is not None and pages >= max_pages):
            return out
        cursor = _next_cursor(body, limit, pages, cursor, seen, path)
        if cursor is None:
            return out
        seen.add(cursor)


def _unwrap(body: Any, resource: str, pages: int, path: str) -> list[dict]:
    """The ``<resource>`` objects of one page of ``{cursor, <resource>}`` items."""
    where = f"GET {path}"
    if not isinstance(body, list):
        raise ResponseFormatError(f"Render API returned {_kind(body)} where a list was expected on {where}", path=path)
    for index, item in enumerate(body):
        if not isinstance(item, dict) or not isinstance(item.get(resource), dict):
            raise ResponseFormatError(
                f"Render API list item {index} of page {pages} is {_describe_item(item)}, expected "
                f"{{cursor, {resource}: {{…}}}} on {where}", path=path)
    return [item[resource] for item in body]


def _is_last(body: list, limit: int) -> bool:
    # A short page is the last one, unless it holds exactly Render's default page
    # size: then the server may have ignored our limit, and stopping would lose items.
    return not body or (len(body) < limit and len(body) != DEFAULT_PAGE_SIZE)


def _next_cursor(body: list, limit: int, pages: int, cursor: str | None, seen: set[str], path: str) -> str | None:
    """The cursor of the page after a page that may not be the last; None when it is the last."""
    where = f"GET {path}"
    last = body[-1]
    nxt = last.get("cursor") if isinstance(last, dict) else None
    if (not isinstance(nxt, str) or not nxt) and len(body) < limit:
        return None
    if not isinstance(nxt, str) or not nxt:
        raise ResponseFormatError(
            f"Render API list page {pages} is full but its last item has no cursor on {where}", path=path)
    if nxt in seen or nxt == cursor:
        raise ResponseFormatError(
            f"Render API pagination did not advance (cursor repeated on page {pages + 1}) on {where}", path=path)
    if pages >= HARD_PAGE_CAP:
        raise ResponseFormatError(f"Render API list did not end after {pages} pages on {where}", path=path)
    return nxt


def env_groups(get_json: GetJson) -> list[EnvGroup]:
    """Every env group of the workspace, oldest first (see ``RenderClient.list_env_groups``)."""
    found: dict[str, EnvGroup] = {}
    _env_groups_in(get_json, GROUPS_EPOCH, None, found, 0)
    return sorted(found.values(), key=lambda g: (g.created_at or "", g.id or ""))


def _env_groups_in(get_json: GetJson, after: _dt.datetime, before: _dt.datetime | None, found: dict,
                   depth: int) -> None:
    path = "/env-groups"
    limit = 100
    params = {"limit": limit}
    if depth:
        params.update(createdAfter=_rfc3339(after), createdBefore=_rfc3339(before))
    body = get_json(path, params)
    if not isinstance(body, list):
        raise ResponseFormatError(
            f"Render API returned {_kind(body)} where a list was expected on GET {path}", path=path)
    wrapped = [isinstance(item, dict) and isinstance(item.get("envGroup"), dict) for item in body]
    if body and all(wrapped):
        if depth:
            raise ResponseFormatError(f"Render API mixed list shapes between pages on GET {path}", path=path)
        found.update((g.id, g) for g in read_items(path, EnvGroup, list_all(get_json, path, "envGroup"), "envGroup"))
        return
    if any(wrapped):
        raise ResponseFormatError(
            f"Render API mixed bare and wrapped env groups in one page on GET {path}", path=path)
    found.update((g.id, g) for g in read_items(path, EnvGroup, body, "envGroupMeta"))
    # Not full: the window is complete. Exactly 20 may be Render's default page size with
    # our limit ignored, so it is split like a full page.
    if len(body) < limit and len(body) != DEFAULT_PAGE_SIZE:
        return
    _bisect(get_json, after, before, found, depth, len(body))


def _bisect(get_json: GetJson, after: _dt.datetime, before: _dt.datetime | None, found: dict, depth: int,
            count: int) -> None:
    """Read a full window again as two halves, until each fits in one page."""
    path = "/env-groups"
    end = before or _dt.datetime.now(_dt.timezone.utc) + _dt.timedelta(days=1)
    if end - after <= _dt.timedelta(milliseconds=2) or depth >= 64:
        raise ResponseFormatError(
            f"Render API lists {count} or more env groups created within {_rfc3339(after)} and "
            f"{_rfc3339(end)}; they cannot be told apart by creation time on GET {path}", path=path)
    middle = after + (end - after) / 2
    # The halves overlap by a millisecond: whether the filters are inclusive is not specified.
    _env_groups_in(get_json, after, middle + _dt.timedelta(milliseconds=1), found, depth + 1)
    _env_groups_in(get_json, middle, end, found, depth + 1)


def _rfc3339(moment: _dt.datetime) -> str:
    return zulu(moment.astimezone(_dt.timezone.utc), "milliseconds")


LOG_PAGE_CAP = 1000  # a log window that does not end after 100,000 lines is a server bug, not data


def logs(get_json: GetJson, page_model: Any, params: dict, start: str, end: str, *,
         max_pages: int | None = None) -> tuple[list, bool]:
    """Every log line of ``GET /logs`` in the window, following ``hasMore``/``nextStartTime``/``nextEndTime``;
    (lines in served order without repeats, whether ``max_pages`` left some unread)."""
    path = "/logs"
    out, seen_ids, seen_windows = [], set(), set()
    pages = 0
    while True:
        body = get_json(path, dict(params, startTime=start, endTime=end))
        if not isinstance(body, dict):
            raise ResponseFormatError(f"Render API returned {_kind(body)} where an object was expected on GET {path}",
                                      path=path)
        page = on_request(path, lambda: page_model.from_wire(body))
        pages += 1
        for line in page.logs:
            if line.id not in seen_ids:
                seen_ids.add(line.id)
                out.append(line)
        if not page.has_more:
            return out, False
        if max_pages is not None and pages >= max_pages:
            return out, True
        seen_windows.add((start, end))
        start, end = page.next_start_time, page.next_end_time
        if (start, end) in seen_windows:
            raise ResponseFormatError(f"Render API log paging did not advance (window {start}..{end} repeated on "
                                      f"page {pages + 1}) on GET {path}", path=path)
        if pages >= LOG_PAGE_CAP:
            raise ResponseFormatError(f"Render API logs did not end after {pages} pages on GET {path}", path=path)
