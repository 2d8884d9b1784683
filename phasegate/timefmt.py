"""UTC moments as phasegate writes them: RFC 3339 with "Z" for UTC (``2026-12-01T21:37:45Z``)."""

from __future__ import annotations

import datetime as _dt


def utc_now() -> _dt.datetime:
    """Now in UTC, to the whole second: the moment a run, a report or a sign-off is stamped with."""
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0)


def zulu(moment: _dt.datetime, timespec: str = "auto") -> str:
    """An aware UTC ``moment`` as RFC 3339 ending in "Z"; ``timespec`` as ``datetime.isoformat``'s."""
    return moment.isoformat(timespec=timespec).replace("+00:00", "Z")


def parse_zulu(text: str) -> _dt.datetime:
    """An RFC 3339 moment ("…Z" or "+00:00") as an aware datetime; ValueError if it is not one.

    Python before 3.11 does not read the "Z" suffix, hence the one replacement here.
    """
    return _dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def minute_utc(stamp: str) -> str:
    """``2026-12-01T03:00:12Z`` as ``2026-12-01 03:00 UTC``, for a line a person reads; anything else as it is."""
    try:
        moment = parse_zulu(stamp)
    except ValueError:
        return stamp
    return moment.astimezone(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
