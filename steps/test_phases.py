"""Binds every phase's feature files (features/<phase>/ with a phase.yaml, or the folder
PHASEGATE_FEATURES_DIR names) to pytest.

Step definitions live beside this file; a new phase needs no line here.
"""

from pathlib import Path

from pytest_bdd import scenarios

from phasegate.catalogue.criteria import features_root, phase_names

_ROOT = Path(__file__).resolve().parent.parent
for _phase in phase_names(_ROOT):
    scenarios(str(features_root(_ROOT) / _phase))
