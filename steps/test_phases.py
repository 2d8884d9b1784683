"""Binds every phase's feature files (features/<phase>/ with a phase.yaml) to pytest.

Step definitions live beside this file; a new phase needs no line here.
"""

from pathlib import Path

from pytest_bdd import scenarios

from phasegate.catalogue.criteria import phase_names

for _phase in phase_names(Path(__file__).resolve().parent.parent):
    scenarios(_phase)
