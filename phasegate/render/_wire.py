"""The strict reader of Render's wire format: typed access to one JSON object.

Render's contract is its OpenAPI spec, as its Python SDK (``render.public_api``) and its CLI
(``render-oss/cli``, ``pkg/client/*_gen.go``) are generated from it. The reader accepts what
the spec allows plus the real-world deviations listed in ``WIRE_DEVIATIONS``; anything else
is a ResponseFormatError naming the field and what was expected, so a criterion that needs
the value is broken, never judged on what is left after skipping it. :func:`on_request`
and :func:`read_items` make such an error name the request the body came from.
"""

from __future__ import annotations

from typing import Any, Callable

from ._exceptions import ResponseFormatError

WIRE_DEVIATIONS = (
    "explicit null for an optional field (\"commit\": null, \"finishedAt\": null): real captures in "
    "render-samples/ (render-oss/terraform-provider-render cassettes)",
    "fields and enum values newer than the spec: real captures; extra fields are ignored, an "
    "unknown enum value is kept as text and judged (or broken) by the criterion that reads it",
    "GET /env-groups items wrapped as {cursor, envGroup} although the spec declares a bare array "
    "of envGroupMeta: reported by third-party clients that decode Render's raw body",
)


def _kind_of(value: Any) -> str:
    """A field's kind in an error message ("a boolean", "a number"…)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return f"a {type(value).__name__}"


def _kind(body: Any) -> str:
    """A whole body's kind in an error message (Python's type name beyond null/object/list)."""
    if body is None:
        return "null"
    if isinstance(body, dict):
        return "an object"
    if isinstance(body, list):
        return "a list"
    return f"a {type(body).__name__}"


def _describe_item(item: Any) -> str:
    """A list item that is not the expected wrapper: its first keys, or its kind."""
    if isinstance(item, dict):
        keys = ", ".join(sorted(map(str, item))[:4]) or "no keys"
        return f"an object with {keys}"
    return _kind_of(item)


class _Wire:
    """Typed access to one wire object; ``where`` names it in every error (e.g. ``service[2]``)."""

    __slots__ = ("data", "where")

    def __init__(self, data: Any, where: str) -> None:
        if not isinstance(data, dict):
            raise ResponseFormatError(f"{where} is {_kind_of(data)}, expected an object")
        self.data, self.where = data, where

    def _bad(self, name: str, expected: str) -> ResponseFormatError:
        return ResponseFormatError(
            f"{self.where}.{name} is {_kind_of(self.data.get(name))}, expected {expected}")

    def text(self, name: str, *, required: bool = False) -> str | None:
        value = self.data.get(name)
        if value is None:
            if required:
                raise self._bad(name, "a string")
            return None
        if not isinstance(value, str):
            raise self._bad(name, "a string" + ("" if required else " or null"))
        return value

    def integer(self, name: str) -> int | None:
        value = self.data.get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise self._bad(name, "an integer or null")
        return value

    def boolean(self, name: str) -> bool:
        """A required boolean (Render's notification settings: ``emailEnabled``…)."""
        value = self.data.get(name)
        if not isinstance(value, bool):
            raise self._bad(name, "a boolean")
        return value

    def number(self, name: str) -> float:
        value = self.data.get(name)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self._bad(name, "a number")
        return float(value)

    def obj(self, name: str, *, required: bool = False) -> "_Wire | None":
        value = self.data.get(name)
        if value is None and not required:
            return None
        if not isinstance(value, dict):
            raise self._bad(name, "an object" + ("" if required else " or null"))
        return _Wire(value, f"{self.where}.{name}")

    def items(self, name: str, *, required: bool = False) -> list["_Wire"]:
        value = self.data.get(name)
        if value is None and not required:
            return []
        if not isinstance(value, list):
            raise self._bad(name, "a list")
        return [_Wire(item, f"{self.where}.{name}[{i}]") for i, item in enumerate(value)]

    def texts(self, name: str) -> tuple[str, ...]:
        value = self.data.get(name)
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self._bad(name, "a list of strings")
        return tuple(value)


def _yes_no(wire: _Wire, name: str) -> str | None:
    """Render's yes/no enums; older captures carry a boolean, read as the same word."""
    value = wire.data.get(name)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return wire.text(name)


def on_request(path: str, parse: Callable[[], Any]) -> Any:
    """Run a model reader; its ResponseFormatError gains the request it came from."""
    try:
        return parse()
    except ResponseFormatError as exc:
        raise ResponseFormatError(f"Render API response does not match Render's contract: {exc} on GET {path}",
                                  path=path) from None


def read_items(path: str, model: Any, items: list, label: str) -> list:
    """``model.from_wire`` over a list's items, each named ``label[i]``, errors naming ``GET path``."""
    return on_request(path, lambda: [model.from_wire(d, f"{label}[{i}]") for i, d in enumerate(items)])
