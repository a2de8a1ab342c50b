"""Pages of the obligations lists (the page and the API), read ids first."""

from __future__ import annotations

from django.core.paginator import Paginator

from apps.core.api.pagination import APIPagination


class IdsFirstPaginator(Paginator):
    """Pages of a wide list (joined, annotated) read in two steps: the page's ids in the list's
    order — a narrow query, which sorts only the columns the order needs — then those rows with
    everything the page shows. Sorting tens of thousands of full rows (every joined column, each
    row's counts) to keep fifty cost about four times more (the first page of 10,882 obligations
    on PostgreSQL, count included: a median of 420 ms read in one query, 115 ms in two)."""

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        ids = list(self.object_list.values_list("pk", flat=True)[bottom:top])
        rows = {row.pk: row for row in self.object_list.filter(pk__in=ids).order_by()}
        return self._get_page([rows[pk] for pk in ids if pk in rows], number, self)


class IdsFirstAPIPagination(APIPagination):
    django_paginator_class = IdsFirstPaginator
