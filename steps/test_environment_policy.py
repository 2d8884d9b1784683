"""Binds the environment-wide policy feature; one scenario per service (see the plugin)."""

from pytest_bdd import scenarios

scenarios("environment")
