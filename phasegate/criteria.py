"""Moved to phasegate.catalogue.criteria; kept so other modules' imports hold."""

from phasegate.catalogue.criteria import (  # noqa: F401
    CRITERION_TAG,
    SEVERITIES,
    PHASE_FILE,
    FEATURES,
    READS,
    CatalogueError,
    Criterion,
    Phase,
    reads,
    declared_reads,
    criterion_ids,
    features_root,
    phase_names,
    parse_features,
    load_phase,
    _hand_written,
    load_phases,
    _phase_file,
    _ids_named_by,
)
