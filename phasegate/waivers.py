"""Moved to phasegate.catalogue.waivers; kept so other modules' imports hold."""

from phasegate.catalogue.waivers import (  # noqa: F401
    FIELDS,
    WAIVABLE,
    Waiver,
    waiver_path,
    ENV_FILE,
    load_waivers,
    known_criteria,
    _Loader,
    parse_waivers,
    _entry,
    Judged,
    judge,
    from_run,
    record,
)
