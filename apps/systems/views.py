"""Pages of the AI system inventory: declarations on the generic views of :mod:`apps.core`.

A system's page shows what other apps plug into it (its safety plan, risks, mitigations and
incidents: see each app's ``panels.py``). The chooser that other apps show before creating a
record under a system (:class:`SystemChildCreateView`) lives here, once.
"""

from __future__ import annotations

from typing import ClassVar

from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from apps.accounts.permissions import contributor_teams
from apps.core.ids import parse_id
from apps.core.views.generic import (
    ObjectArchiveView,
    ObjectEditView,
    ObjectExportView,
    ObjectHistoryView,
    ObjectListView,
    ObjectMixin,
    ObjectView,
    ParentCreateView,
    ServiceFormView,
)
from apps.systems import gate, permissions, selectors, services, versions
from apps.systems.api.exports import SystemExporter
from apps.systems.filters import SystemFilterSet
from apps.systems.forms import AISystemForm, RecordVersionForm, WaiveVersionForm
from apps.systems.models import AISystem, SystemVersion


class SystemListView(ObjectListView):
    model = AISystem
    selector = staticmethod(selectors.system_list)
    filterset_class = SystemFilterSet
    template_name = "systems/list.html"
    partial_template_name = "systems/_list_results.html"

    def get_extra_context(self):
        return {"can_create_system": permissions.can_create_system(self.request.user)}


class SystemExportView(ObjectExportView):
    """The inventory's *Download CSV*: the rows of the filtered list, the API export's columns."""

    exporter = SystemExporter
    filterset_class = SystemFilterSet


class SystemView(ObjectView):
    model = AISystem
    selector = staticmethod(selectors.system_detail)
    record_name = "system"

    def get_extra_context(self):
        user, system = self.request.user, self.object
        deployed = system.model_version or system.code_version
        return {
            "can_edit": permissions.can_edit_system(user, system),
            "can_archive": permissions.can_archive_system(user, system),
            "can_record_version": permissions.can_edit_system(user, system),
            "recent_versions": list(selectors.versions_of(system, limit=5)),
            # The gate's answer for the version the record says is deployed.
            "gate_answer": gate.evaluate_gate(system, deployed) if deployed else None,
        }


class SystemCreateView(ServiceFormView):
    template_name = "systems/form.html"
    form_class = AISystemForm
    success_message = "{obj.reference} “{obj}” is registered."

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not permissions.can_create_system(request.user):
            raise PermissionDenied("Only contributors of a team can register AI systems.")
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        """The team in the address (``?team=``), else the person's only team; and the person
        as business owner: what most registrations start from, changed in one click."""
        team = parse_id(self.request.GET.get("team"))
        if team is None:
            teams = list(contributor_teams(self.request.user).values_list("pk", flat=True)[:2])
            team = teams[0] if len(teams) == 1 else None
        return {"team": team, "business_owner": self.request.user.pk}

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def perform(self, form):
        return services.create_system(
            by=self.request.user,
            data=form.service_data(),
            reason=form.cleaned_data["change_reason"],
        )


class SystemEditView(ObjectEditView):
    model = AISystem
    selector = staticmethod(selectors.system_detail)
    record_name = "system"
    form_class = AISystemForm
    service = staticmethod(services.update_system)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}


class SystemArchiveView(ObjectArchiveView):
    model = AISystem
    selector = staticmethod(selectors.system_detail)
    record_name = "system"
    archive_service = staticmethod(services.archive_system)
    restore_service = staticmethod(services.restore_system)
    restored_message = "{obj.reference} is back in the inventory."


class SystemHistoryView(ObjectHistoryView):
    model = AISystem


# --- Creating a record under a system -------------------------------------------------------------
class SystemChildCreateView(ParentCreateView):
    """Create a record of another app under ``?system=<pk>``; without one, the person first
    chooses among the active systems of the teams they contribute to (one chooser page,
    ``systems/choose_system.html``, for every kind of record).

    Subclasses set what the chooser says: ``chooser_title`` (“Add a risk”), ``chooser_question``,
    ``chooser_empty`` (when the person has no system to choose), ``chooser_refusal`` (when they
    may create this kind of record nowhere), ``chooser_list_url`` (the list it belongs to) and,
    for a rule of the system, ``parent_action`` (e.g. ``"add_risk"``).
    """

    parent_model = AISystem
    parent_param = "system"
    chooser_title: ClassVar[str] = ""
    chooser_question: ClassVar[str] = "Which AI system is it for?"
    chooser_empty: ClassVar[str] = "None of your teams has an active AI system yet."
    chooser_refusal: ClassVar[str] = "Only contributors of a team can do this."
    chooser_list_url: ClassVar[str] = "systems:list"
    chooser_keeps: ClassVar[tuple[str, ...]] = ()  # query parameters carried to the form

    def get_parent_queryset(self):
        return AISystem.objects.visible_to(self.request.user).select_related("team")

    def refuse_without_parent(self):
        if not permissions.can_create_system(self.request.user):
            raise PermissionDenied(self.chooser_refusal)

    def choose_parent(self, request):
        kept = {name: request.GET[name] for name in self.chooser_keeps if request.GET.get(name)}
        context = {
            "systems": selectors.systems_open_for_records(request.user),
            "title": self.chooser_title,
            "question": self.chooser_question,
            "empty": self.chooser_empty,
            "list_url": self.chooser_list_url,
            "action_url": request.path,
            "kept": kept,
        }
        status = 200 if request.method in ("GET", "HEAD") else 400
        return render(request, "systems/choose_system.html", context, status=status)


# --- Versions: material changes ------------------------------------------------------------------
class RecordVersionView(ObjectMixin, ServiceFormView):
    """A new model, training data, code or configuration version of the system: recorded as a
    material change, which waits for a change review (:mod:`apps.systems.versions`)."""

    model = AISystem
    selector = staticmethod(selectors.system_detail)
    record_name = "system"
    action = "record_version"
    template_name = "systems/record_version.html"
    form_class = RecordVersionForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "system": self.object}

    def check_with_service(self, form):
        data = form.cleaned_data
        versions.check_new_version(
            system=self.object, kind=data.get("kind", ""), value=data.get("value", "x")
        )

    def perform(self, form):
        return versions.record_version(
            system=self.object, by=self.request.user, **form.service_data()
        )

    def get_success_message(self, record):
        return (
            f"{record.reference}: {record.get_kind_display().lower()} version “{record.value}” is "
            f"recorded. The approved safety plan is stale for it until a change review is "
            "approved (or the committee waives it)."
        )

    def get_success_url(self, record=None):
        return self.object.get_absolute_url() + "#versions"


class SystemVersionView(ObjectView):
    model = SystemVersion
    selector = staticmethod(selectors.version_detail)
    record_name = "version"
    template_name = "systems/version_detail.html"

    def get_extra_context(self):
        version = self.object
        can_waive = version.is_pending and not permissions.why_cannot_waive_version(
            self.request.user, version
        )
        return {"system": version.system, "can_waive": can_waive}


class WaiveVersionView(ObjectMixin, ServiceFormView):
    """The committee waives the change review of a recorded version, saying why (GET: the
    confirmation with the reason to give; POST: the waiver)."""

    model = SystemVersion
    selector = staticmethod(selectors.version_detail)
    record_name = "version"
    action = "waive"
    template_name = "systems/waive_version.html"
    form_class = WaiveVersionForm

    def perform(self, form):
        return versions.waive_version(
            version=self.object, by=self.request.user, reason=form.cleaned_data["reason"]
        )

    def get_success_message(self, record):
        return (
            f"{record.reference}: the change review is waived; the gate lets “{record.value}” "
            "through."
        )

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "system": self.object.system}
