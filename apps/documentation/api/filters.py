import django_filters
from django.db.models import F

from apps.core.api.filters import APISearchFilterMixin
from apps.core.fields import LabelModelChoiceFilter
from apps.documentation.filters import TechnicalDocumentFilterSet, visible_systems
from apps.documentation.models import TechnicalDocument, TechnicalDocumentVersion


class TechnicalDocumentAPIFilterSet(APISearchFilterMixin, TechnicalDocumentFilterSet):
    """The documentation page's filters, with ``search``."""


def _visible_documents(request):
    return TechnicalDocument.objects.visible_to(request.user if request else None)


class VersionAPIFilterSet(django_filters.FilterSet):
    """Versions of one document or one system, or the version with a SHA-256."""

    document = LabelModelChoiceFilter(
        queryset=_visible_documents, label_expression=F("system__name")
    )
    system = LabelModelChoiceFilter(field_name="document__system", queryset=visible_systems)
    sha256 = django_filters.CharFilter(lookup_expr="iexact", label="SHA-256")

    class Meta:
        model = TechnicalDocumentVersion
        fields = []
