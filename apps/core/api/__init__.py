"""The REST API's shared machinery (``/api/v1/``).

Every app's ``api/`` package builds on these pieces, so that each resource has the same shape:

* :mod:`.viewsets` — :class:`~.viewsets.RecordViewSet` (scoped list and detail, lookup by id or
  human reference, history action, writes through services, optimistic concurrency);
* :mod:`.serializers` — links to related records, audit events;
* :mod:`.filters` — the API's aliases (``search``, ``level``) over the pages' FilterSets;
* :mod:`.exports` — streamed CSV / JSON / XLSX exports described by columns;
* :mod:`.exceptions` — one JSON error shape for every 4xx;
* :mod:`.urls` — the root of ``/api/v1/``, mounting every app's router.
"""
