"""phasegate: a deployment phase's completion criteria as an executable, signed sign-off."""

__version__ = "0.1.0"
