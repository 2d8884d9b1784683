"""What one run keeps on the pytest config (``config.stash``), shared by the plugin's modules."""

from __future__ import annotations

import pytest

from ..causes import Causes
from ..profile import Profile

PROFILE = pytest.StashKey[Profile]()
PHASES = pytest.StashKey[dict]()  # every phase of the repository, by folder name
RUN_PHASES = pytest.StashKey[list]()  # the phases this run judges (each gets its own run folder), in name order
NEEDS = pytest.StashKey[frozenset]()
PHASE_READS = pytest.StashKey[dict]()  # phase -> what its selected criteria's steps read (which services it judges)
OUTCOMES = pytest.StashKey[dict]()
SCENARIOS = pytest.StashKey[list]()
SNAPSHOT = pytest.StashKey[object]()
WAIVERS = pytest.StashKey[list]()
EXPECTED = pytest.StashKey[dict]()  # phase -> criterion -> scenarios and Examples rows a complete run judges
SELECTION = pytest.StashKey[dict]()
RUN_FOLDERS = pytest.StashKey[dict]()  # phase -> its run folder
CAUSES = pytest.StashKey[Causes]()
COLLECTED = pytest.StashKey[dict]()  # before -m deselects: how many criteria and which environment tags
