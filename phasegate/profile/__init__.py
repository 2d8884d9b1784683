"""Profiles: which environment a run judges and its settings, read strictly and validated by concern.

``envfile`` reads a profile file (python-dotenv's parser, strict), ``model`` is the validated
:class:`Profile`, ``fields`` reads one setting, ``validate`` checks each concern (``roles``: the services by role), and ``load``
chooses the profile and merges its files with the process environment.
"""

from .envfile import parse_profile_file
from .load import (
    ENVIRONMENT_TAGS,
    PROFILES_DIR,
    available_profiles,
    choose_profile,
    load_profile,
    profile_path,
    profiles_folder,
)
from .model import (
    KNOWN_KEYS,
    PROCESS_ENVIRONMENT,
    RENAMED_KEYS,
    SANDBOX_API_DATABASE_URL,
    SANDBOX_ROLE_URLS,
    Profile,
    is_production,
    parse_flag,
)

__all__ = [
    "ENVIRONMENT_TAGS", "KNOWN_KEYS", "PROCESS_ENVIRONMENT", "PROFILES_DIR", "RENAMED_KEYS",
    "SANDBOX_API_DATABASE_URL", "SANDBOX_ROLE_URLS", "Profile", "available_profiles", "choose_profile",
    "is_production", "load_profile", "parse_flag", "parse_profile_file", "profile_path", "profiles_folder",
]
