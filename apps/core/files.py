"""Serving a stored file (evidence, an export's file) once the view has checked who may read it.

Files are kept by Django's default storage: the local disk (``MEDIA_ROOT``) unless
``STORAGE_URL`` names an object storage (``config/object_storage.py``). Either way nothing is
served by a public address: the view finds the record among those the person may see, then
answers with :func:`stored_file_response`:

* ``STORAGE_DOWNLOADS=stream`` (the default): the app streams the file, 64 KiB at a time, from
  the disk or from the bucket (``GetObject``'s body, never the whole object in memory);
* ``STORAGE_DOWNLOADS=signed`` with object storage: a redirect to a URL signed for
  ``GET`` of that one object, valid ``url_expiry`` seconds (60 by default), which asks the
  bucket to send it as an attachment under its original name and media type. The bytes then
  skip the app; a URL passed on stops working within the minute.
"""

from __future__ import annotations

import mimetypes

from django.conf import settings
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.utils.http import content_disposition_header

BLOCK_SIZE = 64 * 1024


def is_object_storage(storage) -> bool:
    """Whether ``storage`` is django-storages' S3 backend (or a subclass); ``storage`` may be
    Django's lazy ``default_storage``, whose ``__class__`` is the backend's."""
    return any(cls.__module__ == "storages.backends.s3" for cls in storage.__class__.__mro__)


def object_key(storage, name: str) -> str:
    """The bucket's key of the stored file ``name`` (the storage's prefix included)."""
    from storages.utils import clean_name

    return storage._normalize_name(clean_name(name))


def stored_file_response(
    field_file: FieldFile, *, filename: str, content_type: str = ""
) -> HttpResponse:
    """The stored file as an attachment named ``filename``: streamed, or a redirect to a
    short-lived signed URL (see the module). A file missing from storage is a 404."""
    storage, name = field_file.storage, field_file.name
    content_type = content_type or mimetypes.guess_type(filename)[0] or "application/octet-stream"
    if is_object_storage(storage) and settings.STORAGE_DOWNLOADS == "signed":
        url = storage.url(
            name,
            parameters={
                "ResponseContentDisposition": content_disposition_header(True, filename),
                "ResponseContentType": content_type,
            },
        )
        response = HttpResponseRedirect(url)
        response["Cache-Control"] = "no-store"
        return response
    if is_object_storage(storage):
        body, size = _object_body(storage, name)
    else:
        try:
            body = field_file.open("rb")
        except FileNotFoundError as error:
            raise Http404("The file is missing from storage.") from error
        size = None
    response = FileResponse(body, as_attachment=True, filename=filename, content_type=content_type)
    response.block_size = BLOCK_SIZE
    if size is not None:
        response["Content-Length"] = str(size)
    return response


def _object_body(storage, name: str):
    """The object's body, read as it is sent, and its size; 404 if the bucket has no such key."""
    from botocore.exceptions import ClientError

    try:
        answer = storage.connection.meta.client.get_object(
            Bucket=storage.bucket_name, Key=object_key(storage, name)
        )
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
            raise Http404("The file is missing from storage.") from error
        raise
    return answer["Body"], answer.get("ContentLength")
