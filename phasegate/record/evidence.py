"""Evidence attached to Allure results: redacted JSON, scrubbed once more on the way out."""

from __future__ import annotations

import json

import allure

from ..redact import scrub


def attach_json(name: str, data) -> None:
    body = scrub(json.dumps(data, indent=2, sort_keys=True, default=str))
    allure.attach(body, name=name, attachment_type=allure.attachment_type.JSON)


def attach_text(name: str, text: str) -> None:
    allure.attach(scrub(text), name=name, attachment_type=allure.attachment_type.TEXT)


def link_service(url: str | None, sandbox: bool) -> None:
    if url:
        allure.dynamic.link(url, name="Render dashboard" + (" (sandbox)" if sandbox else ""))


def attach_svg(name: str, svg: str) -> None:
    allure.attach(scrub(svg), name=name, attachment_type=allure.attachment_type.SVG)
