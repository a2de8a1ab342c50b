"""The OpenAPI schema, generated once per version of the code and settings, then cached.

Generating the schema walks every serializer, filter and view of the API: 0.2-0.9 s on an idle
machine and several seconds on a busy one, during which the docs page (Swagger UI) shows only
"Loading". What it produces changes only with the code, the installed packages that write it
and their settings, so the rendered schema is kept in the shared cache under a key made of
those: a deployment of other code gets a key of its own, and nothing has to be flushed.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
from importlib import metadata
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.utils import translation
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SCHEMA_KWARGS, SpectacularAPIView
from rest_framework.settings import api_settings

# Entries of a deployment that moved on to other code expire on their own.
CACHE_SECONDS = 7 * 24 * 60 * 60
# The code that shapes the schema: ours, and the packages that write it.
SOURCE_DIRS = ("apps", "config")
PACKAGES = ("django", "djangorestframework", "drf-spectacular", "django-filter")


@functools.cache
def code_version() -> str:
    """A digest of the project's Python sources, the versions of the packages that write the
    schema and the settings they read: it changes with any deployment of other code."""
    digest = hashlib.sha256()
    base = Path(settings.BASE_DIR)
    for folder in SOURCE_DIRS:
        for path in sorted((base / folder).rglob("*.py")):
            digest.update(str(path.relative_to(base)).encode())
            digest.update(path.read_bytes())
    for package in PACKAGES:
        digest.update(f"{package}=={metadata.version(package)}".encode())
    digest.update(repr(sorted(settings.SPECTACULAR_SETTINGS.items())).encode())
    digest.update(repr(sorted(settings.REST_FRAMEWORK.items())).encode())
    return digest.hexdigest()[:20]


class CachedSchemaView(SpectacularAPIView):
    """``/api/v1/schema/``: drf-spectacular's view, answered from the cache when this code has
    already rendered the schema in the format asked for (JSON or YAML, language, version)."""

    @extend_schema(**SCHEMA_KWARGS)
    def get(self, request, *args, **kwargs):
        if not self.cacheable(request):
            return super().get(request, *args, **kwargs)
        key = self.cache_key(request)
        cached = cache.get(key)
        if cached is not None:
            content, content_type, disposition = cached
            response = HttpResponse(content, content_type=content_type)
            response["Content-Disposition"] = disposition
            return response
        response = super().get(request, *args, **kwargs)
        response.accepted_renderer = request.accepted_renderer
        response.accepted_media_type = request.accepted_media_type
        response.renderer_context = self.get_renderer_context()
        response.render()
        cache.set(
            key,
            (response.content, response["Content-Type"], response["Content-Disposition"]),
            CACHE_SECONDS,
        )
        return response

    def cacheable(self, request) -> bool:
        """Not a variant a client made up: media type parameters of its own (``; indent=8``) or
        a ``?version=`` the API does not have are answered as asked, never cached, so that no
        client can fill the cache with variants."""
        version = request.GET.get("version")
        allowed = api_settings.ALLOWED_VERSIONS or ()
        return ";" not in request.accepted_media_type and (version is None or version in allowed)

    def cache_key(self, request) -> str:
        """Only what changes the answer, normalised: the format, a supported language, the
        version."""
        language = translation.get_language() or ""
        if settings.USE_I18N and request.GET.get("lang"):
            # An unsupported language renders as the active one, as drf-spectacular does.
            with contextlib.suppress(LookupError):
                language = translation.get_supported_language_variant(request.GET["lang"])
        version = self.api_version or request.version or self._get_version_parameter(request)
        asked = "|".join(
            [request.accepted_media_type, request.accepted_renderer.format, language, str(version)]
        )
        return f"api:schema:{code_version()}:{hashlib.sha256(asked.encode()).hexdigest()[:16]}"
