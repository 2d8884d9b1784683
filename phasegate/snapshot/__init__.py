"""The snapshot: one point-in-time, read-only picture of everything the selected criteria need.

``model`` (the Snapshot and its service snapshots), ``take`` (the reads, in levels), ``jobs`` (the
typed reads of level 2), ``databases`` (the read-only sessions), ``environment`` (the policy's
environment; ``progress``, the line said while a large one is read), ``evidence`` (the snapshot,
redacted). Steps never reach the network: they judge a :class:`Snapshot`.

The names below are re-exported so imports of ``phasegate.snapshot`` from before the split hold.
"""

from .jobs import collect, links, submit_env  # noqa: F401
from .model import (METRIC_KINDS, OTHER_PARTS, PARTS, SERVICE_PARTS, NotJudgeable, ServiceSnapshot,  # noqa: F401
                    Setting, Snapshot, own_database_url)
from .take import DEPLOY_POLL_SECONDS, metrics_window, read_deploys_and_events, take  # noqa: F401
