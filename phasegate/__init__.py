"""phasegate: a deployment phase's completion criteria as an executable, signed sign-off."""

__version__ = "0.1.0"
RENDER_API_URL = "https://api.render.com/v1"  # Render's own API: the default, the only real target unless declared
