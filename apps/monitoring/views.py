"""Pages of monitored metrics: declarations on the generic views of :mod:`apps.core`.

Every page finds its metric among those the person may see (another team's is a 404) and asks
the rules of :mod:`apps.monitoring.permissions` before a change (a 403 with the reason).
"""

from __future__ import annotations

import copy
import csv
import io

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.utils import timezone
from django.views import View
from django.views.generic import FormView

from apps.core.views.generic import (
    ObjectArchiveView,
    ObjectEditView,
    ObjectExportView,
    ObjectHistoryView,
    ObjectListView,
    ObjectMixin,
    ObjectView,
    add_service_errors,
)
from apps.monitoring import charts, permissions, selectors, services
from apps.monitoring.api.exports import MetricExporter
from apps.monitoring.filters import MetricFilterSet
from apps.monitoring.forms import MetricForm, MonitoringTokenForm, ReadingsUploadForm
from apps.monitoring.models import Breach, Metric
from apps.systems.models import AISystem
from apps.systems.permissions import can_create_system
from apps.systems.views import SystemChildCreateView

# Rows of a CSV upload's errors shown on the page (the rest are counted).
UPLOAD_ERRORS_SHOWN = 50


class MetricListView(ObjectListView):
    model = Metric
    selector = staticmethod(selectors.metric_list)
    filterset_class = MetricFilterSet
    template_name = "monitoring/list.html"
    partial_template_name = "monitoring/_list_results.html"

    def get_extra_context(self):
        return {"can_add": can_create_system(self.request.user)}


class MetricExportView(ObjectExportView):
    exporter, filterset_class = MetricExporter, MetricFilterSet


class MetricView(ObjectView):
    """The metric, its trend (24 h, 7 d, 90 d) with thresholds and breaches, its breaches,
    the risks it watches and, for its team's writers, the CSV upload of readings."""

    model = Metric
    selector = staticmethod(selectors.metric_detail)
    record_name = "metric"
    upload_form = None
    upload_errors: list = []

    def get_extra_context(self):
        metric = self.object
        key = self.request.GET.get("period", selectors.DEFAULT_PERIOD)
        period = selectors.PERIODS.get(key) or selectors.PERIODS[selectors.DEFAULT_PERIOD]
        until = timezone.now()
        since = until - period.span
        points = selectors.trend(metric, period, now=until)
        can_edit = permissions.can_edit_metric(self.request.user, metric)
        return {
            "system": metric.system,
            "period": period,
            "periods": selectors.PERIODS.values(),
            "points": points,
            "chart": charts.trend_chart(
                metric,
                points,
                selectors.breaches_in(metric, since),
                since=since,
                until=until,
                hourly=not period.raw,
            ),
            "breaches": selectors.breaches_of(metric)[:50],
            "watched_risks": selectors.watched_risks_of(metric),
            "can_edit": can_edit,
            "upload_form": (self.upload_form or ReadingsUploadForm()) if can_edit else None,
            "upload_errors": self.upload_errors[:UPLOAD_ERRORS_SHOWN],
            "upload_errors_more": max(len(self.upload_errors) - UPLOAD_ERRORS_SHOWN, 0),
        }


class MetricCreateView(SystemChildCreateView):
    template_name = "monitoring/form.html"
    form_class = MetricForm
    service = staticmethod(services.create_metric)
    parent_action = "add_metric"
    success_message = "{obj.reference} “{obj}” is watched."
    chooser_title = "Add a monitored metric"
    chooser_question = "A metric watches one AI system. Which one?"
    chooser_refusal = "Only contributors of a team can add metrics."
    chooser_list_url = "monitoring:list"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "system": self.parent, "user": self.request.user}

    def get_service_kwargs(self, form):
        return form.linked_records()

    def check_with_service(self, form):
        services.check_metric(system=self.parent, data=form.cleaned_data)


class MetricEditView(ObjectEditView):
    model = Metric
    selector = staticmethod(selectors.metric_detail)
    form_class = MetricForm
    service = staticmethod(services.update_metric)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "system": self.object.system}

    def get_form_instance(self):
        return copy.copy(self.object)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "system": self.object.system}

    def get_service_kwargs(self, form):
        return form.linked_records()


class MetricArchiveView(ObjectArchiveView):
    model = Metric
    selector = staticmethod(selectors.metric_detail)
    archive_service = staticmethod(services.archive_metric)
    restore_service = staticmethod(services.restore_metric)


class MetricHistoryView(ObjectHistoryView):
    model = Metric


def read_csv(upload) -> list[dict]:
    """The rows of a CSV of readings (a header line: timestamp, value, source)."""
    try:
        text = upload.read().decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValidationError(
            {"file": "The file is not UTF-8 text: save it as CSV UTF-8."}
        ) from error
    reader = csv.DictReader(io.StringIO(text))
    fields = [name.strip().lower() for name in reader.fieldnames or []]
    if "timestamp" not in fields or "value" not in fields:
        raise ValidationError(
            {"file": "The first line names the columns: timestamp, value and optionally source."}
        )
    reader.fieldnames = fields
    return [
        {"timestamp": row.get("timestamp"), "value": row.get("value"), "source": row.get("source")}
        for row in reader
    ]


class ReadingsUploadView(ObjectMixin, View):
    """POST a CSV of the metric's readings: the same intake as the API (all or nothing,
    idempotent); the page shows each bad line."""

    model = Metric
    selector = staticmethod(selectors.metric_detail)
    action = "change"
    http_method_names = ["post"]
    check_before_method = True

    def post(self, request, *args, **kwargs):
        metric = self.object
        form = ReadingsUploadForm(request.POST, request.FILES)
        errors: list = []
        if form.is_valid():
            try:
                rows = read_csv(form.cleaned_data["file"])
                for row in rows:
                    row["metric"] = str(metric.pk)
                result = services.ingest_readings(rows=rows, by=request.user)
            except ValidationError as error:
                add_service_errors(form, error)
            except services.IntakeRejected as rejected:
                form.add_error(None, rejected.message)
                # Line numbers of the file: the header is line 1.
                errors = [{**e.as_dict(), "line": e.row + 2} for e in rejected.errors]
            else:
                messages.success(
                    request,
                    f"{result.received:,} readings read: {result.stored:,} stored, "
                    f"{result.duplicates:,} already there.",
                )
                return redirect(metric.get_absolute_url() + "#readings")
        page = MetricView(
            request=request,
            kwargs=self.kwargs,
            object=metric,
            upload_form=form,
            upload_errors=errors,
        )
        return page.render_to_response(page.get_context_data(), status=400)


class BreachLinkView(ObjectMixin, View):
    """A breach's address (the audit log links to it): its metric's page, at the breach."""

    model = Breach
    http_method_names = ["get", "head"]

    def get_visible_queryset(self):
        return Breach.objects.visible_to(self.request.user)

    def get(self, request, *args, **kwargs):
        return redirect(self.object.get_absolute_url())


class MonitoringTokenCreateView(LoginRequiredMixin, FormView):
    """A token that only posts readings of the systems chosen (among those the person may
    edit); its secret is shown on this response only."""

    template_name = "monitoring/token_form.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not can_create_system(request.user):
            raise PermissionDenied("Only contributors of a team can create monitoring tokens.")
        return super().dispatch(request, *args, **kwargs)

    def get_form(self, form_class=None):
        systems = (
            AISystem.objects.writable_by(self.request.user)
            .filter(archived_at__isnull=True)
            .select_related("team")
            .order_by("name")
        )
        return MonitoringTokenForm(**self.get_form_kwargs(), systems=systems)

    def form_valid(self, form):
        try:
            token, secret = services.create_monitoring_token(
                user=self.request.user,
                name=form.cleaned_data["name"],
                systems=form.cleaned_data["systems"],
                expires_in_days=form.cleaned_data["expires_in_days"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        context = self.get_context_data(
            form=MonitoringTokenForm(systems=form.fields["systems"].queryset),
            new_token=token,
            new_token_secret=secret,
            granted_systems=form.cleaned_data["systems"],
        )
        response = self.render_to_response(context)
        response["Cache-Control"] = "no-store"
        return response
