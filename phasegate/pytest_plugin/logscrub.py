"""Every log record, from any library, is scrubbed of registered secret values."""

from __future__ import annotations

import logging

from .. import redact
def scrub_all_log_records() -> None:
    """Install a log record factory that scrubs each message (once per process)."""
    factory = logging.getLogRecordFactory()
    if getattr(factory, "phasegate", False):
        return

    def scrubbed(*args, **kwargs):
        record = factory(*args, **kwargs)
        message = record.getMessage()
        clean = redact.scrub(message)
        if clean != message:
            record.msg, record.args = clean, ()
        return record

    scrubbed.phasegate = True
    logging.setLogRecordFactory(scrubbed)
