"""``STORAGE_URL``: the object storage that keeps evidence files and export files.

    STORAGE_URL=s3://BUCKET                                  # AWS; credentials from boto3's
                                                             # usual places (env, role)
    STORAGE_URL=s3://KEY:SECRET@BUCKET?endpoint_url=http://127.0.0.1:9000&region=us-east-1
                                                             # any S3-compatible server

Query options: ``endpoint_url`` (an S3-compatible server; paths, not virtual hosts, are then
used), ``region``, ``prefix`` (a folder of the bucket for this deployment), ``url_expiry``
(seconds a signed URL stays valid, default 60). The key and secret are URL-encoded.

Objects are private (no ACL is set: the bucket's own policy applies, which must not make them
public) and every URL the storage gives out is signed and short-lived. Without ``STORAGE_URL``
files stay on the local disk under ``MEDIA_ROOT``.
"""

from __future__ import annotations

from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

S3_BACKEND = "storages.backends.s3.S3Storage"
OPTIONS = {"endpoint_url", "region", "prefix", "url_expiry"}


def storage_from_url(url: str) -> dict:
    """The ``STORAGES["default"]`` entry that ``url`` describes."""
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.hostname:
        raise ImproperlyConfigured(
            f"STORAGE_URL must be s3://[KEY:SECRET@]BUCKET[?endpoint_url=…], not {url!r}."
        )
    query = {name: values[-1] for name, values in parse_qs(parts.query).items()}
    unknown = sorted(set(query) - OPTIONS)
    if unknown:
        raise ImproperlyConfigured(
            f"STORAGE_URL has unknown options {', '.join(unknown)} "
            f"(known: {', '.join(sorted(OPTIONS))})."
        )
    try:
        expiry = int(query.get("url_expiry", 60))
    except ValueError:
        raise ImproperlyConfigured("STORAGE_URL's url_expiry is a number of seconds.") from None
    if not 1 <= expiry <= 3600:
        raise ImproperlyConfigured("STORAGE_URL's url_expiry is between 1 and 3600 seconds.")
    options = {
        "bucket_name": parts.hostname,
        "default_acl": None,  # private: never public-read
        "querystring_auth": True,  # every URL signed…
        "querystring_expire": expiry,  # …and short-lived
        "file_overwrite": False,
        "location": query.get("prefix", "").strip("/"),
        "signature_version": "s3v4",
        # A file opened through the storage is kept in memory up to this size, then on disk.
        "max_memory_size": 8 * 1024 * 1024,
    }
    if parts.username:
        options["access_key"] = unquote(parts.username)
        options["secret_key"] = unquote(parts.password or "")
    if "endpoint_url" in query:
        options["endpoint_url"] = query["endpoint_url"]
        options["addressing_style"] = "path"
    if "region" in query:
        options["region_name"] = query["region"]
    return {"BACKEND": S3_BACKEND, "OPTIONS": options}
