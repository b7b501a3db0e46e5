"""Development settings: the default module (`manage.py`, `make run`)."""

from .base import *  # noqa: F403
