"""Phase 5's opt-in round trip (features/phase5/round_trip.feature): the one place phasegate writes.

* :mod:`.payload` — the canary jobs' payload templates, checked when a profile loads (imports no
  database driver: the profile validator imports only this);
* :mod:`.writer` — :class:`~.writer.CanaryRun`, the one session that writes, and its rules: opt-in,
  production refused, its role read back before the first statement, canary rows only, removal;
* :mod:`.round_trip` — :class:`~.round_trip.RoundTrip`, what the round trip's steps call: enqueue a
  canary, poll it until done or failed (or the bound), remove it, its evidence.

This package imports nothing itself: import the module you need.
"""
