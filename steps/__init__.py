"""The Gherkin steps: a few lines each, reading the snapshot and calling a judge (registered by conftest.py)."""
