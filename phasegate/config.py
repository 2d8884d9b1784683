"""Moved to phasegate.profile; kept so other modules' imports hold."""

from . import RENDER_API_URL as DEFAULT_API_URL  # noqa: F401
from .profile import (  # noqa: F401
    ENVIRONMENT_TAGS,
    KNOWN_KEYS,
    PROCESS_ENVIRONMENT,
    PROFILES_DIR,
    RENAMED_KEYS,
    SANDBOX_API_DATABASE_URL,
    SANDBOX_ROLE_URLS,
    Profile,
    available_profiles,
    choose_profile,
    load_profile,
    parse_profile_file,
    profile_path,
    profiles_folder,
)
from .profile.validate import SERVICE_ID  # noqa: F401
from .secrets import describe  # noqa: F401
