"""Judges: pure functions over the snapshot that pass silently or raise a violation.

One module per concern: service, env, database, operations, integration, round_trip, policy.
They read only the snapshot's models (and the database facts); they open no connection and
make no request.
"""
