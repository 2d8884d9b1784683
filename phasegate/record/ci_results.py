"""What CI tools read: Allure error titles that read as the outcome, JUnit XML with criterion IDs and broken as error.

pytest's JUnit XML records any failure during a test's call as ``<failure>``; a criterion
that could not be judged (broken: the target unreachable or refusing) is an ``<error>`` in
JUnit's terms, so the file is rewritten once pytest has written it.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

OUTCOME_PROPERTY = "phasegate_outcome"
CRITERION_PROPERTY = "criterion"


def readable(error: BaseException, ids: list[str], outcome: str, extra: str = "") -> BaseException:
    """The same error under a name that reads as the outcome: ``<ID> violated: service type …``.

    Allure titles an error with its one-line form, ``module.Class: message``; a class made for
    the occasion, in no module, makes that ``<ID> violated: …``. The base class keeps the
    category (an AssertionError is failed, anything else broken) for whoever reads it.
    """
    base = AssertionError if isinstance(error, AssertionError) else Exception
    name = f"{' '.join(ids)} {outcome}"
    shown = type(name, (base,), {"__module__": "builtins", "__qualname__": name})
    return shown(str(error) + extra).with_traceback(error.__traceback__)


def rewrite_junit(path: Path) -> None:
    """Broken criteria become ``<error>`` instead of ``<failure>``; the suite's counts follow."""
    path = Path(path)
    if not path.is_file():
        return
    tree = ET.parse(path)
    for suite in tree.iter("testsuite"):
        moved = 0
        for case in suite.iter("testcase"):
            props = {p.get("name"): p.get("value") for p in case.iter("property")}
            failure = case.find("failure")
            if props.get(OUTCOME_PROPERTY) == "broken" and failure is not None:
                failure.tag = "error"
                moved += 1
        if moved:
            suite.set("failures", str(int(suite.get("failures", "0")) - moved))
            suite.set("errors", str(int(suite.get("errors", "0")) + moved))
    tree.write(path, encoding="utf-8", xml_declaration=True)
