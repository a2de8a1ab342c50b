"""Page-number pagination with a ``page_size`` parameter bounded by ``MAX_PAGE_SIZE``."""

from django.conf import settings
from rest_framework.pagination import PageNumberPagination


class APIPagination(PageNumberPagination):
    page_size = settings.PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = settings.MAX_PAGE_SIZE
