"""Throttling per signed-in user and per anonymous IP address, counted in the shared cache.

The rates are read from ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]`` on every request (DRF's own
classes read them once, at import), so that they follow the settings in force.
"""

from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle


class _SettingsRateMixin:
    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class APIUserRateThrottle(_SettingsRateMixin, UserRateThrottle):
    """Requests of one signed-in user (whether by token or session)."""


class APIAnonRateThrottle(_SettingsRateMixin, AnonRateThrottle):
    """Requests without credentials, per client IP address."""
