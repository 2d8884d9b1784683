"""Binds every Phase 4 feature file to pytest. Step definitions live beside this file."""

from pytest_bdd import scenarios

scenarios("phase4")
