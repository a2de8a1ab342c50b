"""The deployment checklist of a system: its eight items, their status and evidence.

The system's team keeps it (the rule ``keep_checklist``); everyone who may see the system reads
it. A refused change comes back to the checklist with the problem next to the item (400).
"""

from __future__ import annotations

from functools import partial

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views import View
from django.views.generic import TemplateView

from apps.core.forms import EvidenceForm
from apps.core.models import Evidence
from apps.core.views.evidence import evidence_file_response
from apps.core.views.generic import ObjectActionView, ObjectMixin, ServiceFormView
from apps.reviews import permissions, selectors, services
from apps.reviews.forms import ChecklistItemForm
from apps.reviews.models import ChecklistItem, ChecklistKey
from apps.reviews.views.plans import SystemPlanPage


class ChecklistView(SystemPlanPage, TemplateView):
    """The checklist, with a form on each item for its team.

    ``forms_by_key`` and ``evidence_forms`` (``{key: form}``) are the refused forms a POST shows
    again; every other item gets empty ones.
    """

    template_name = "reviews/checklist.html"
    forms_by_key: dict | None = None
    evidence_forms: dict | None = None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        can_edit = permissions.can_submit_safety_plan(self.request.user, self.object)
        rows = selectors.checklist_of(self.object)
        for row in rows:
            row["form"] = self.item_form(row) if can_edit else None
            row["evidence_form"] = self.evidence_form(row) if can_edit else None
        context.update(
            {
                "rows": rows,
                "can_edit": can_edit,
                "complete": sum(1 for row in rows if row["complete"]),
            }
        )
        return context

    def item_form(self, row: dict) -> ChecklistItemForm:
        item = row["item"]
        return (self.forms_by_key or {}).get(row["key"]) or ChecklistItemForm(
            key=row["key"],
            initial={"status": row["status"], "note": item.note if item else ""},
        )

    def evidence_form(self, row: dict) -> EvidenceForm:
        return (self.evidence_forms or {}).get(row["key"]) or EvidenceForm(
            auto_id=f"evidence-{row['key']}-%s", initial={"kind": "note"}
        )


class _ChecklistItemFormView(SystemPlanPage, ServiceFormView):
    """A form posted on one item (``<key>``) of the system's checklist: back to the item once
    saved, or the checklist again with the form refused (``refused_as``: the attribute of
    :class:`ChecklistView` it goes in)."""

    action = "keep_checklist"
    http_method_names = ["post"]
    refused_as = ""

    def get_key(self) -> str:
        key = self.kwargs["key"]
        if key not in ChecklistKey.values:
            raise Http404("No such checklist item.")
        return key

    def get_success_url(self, obj=None):
        return reverse("reviews:checklist", args=[self.object.pk]) + f"#item-{self.get_key()}"

    def form_invalid(self, form):
        page = ChecklistView(request=self.request, kwargs=self.kwargs)
        setattr(page, self.refused_as, {self.get_key(): form})
        page.object = self.object
        return page.render_to_response(page.get_context_data(), status=400)


class ChecklistItemUpdateView(_ChecklistItemFormView):
    form_class = ChecklistItemForm
    refused_as = "forms_by_key"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "key": self.get_key()}

    def perform(self, form):
        return services.update_checklist_item(
            system=self.object, key=self.get_key(), by=self.request.user, **form.service_data()
        )

    def get_success_message(self, item):
        return f"“{item.get_key_display()}” is {item.get_status_display().lower()}."


class ChecklistEvidenceAddView(_ChecklistItemFormView):
    form_class = EvidenceForm
    refused_as = "evidence_forms"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "auto_id": f"evidence-{self.get_key()}-%s"}

    def perform(self, form):
        return services.add_checklist_evidence(
            system=self.object, key=self.get_key(), by=self.request.user, **form.evidence_data()
        )

    def get_success_message(self, evidence):
        return f"The {evidence.get_kind_display().lower()} is added."


# --- One piece of evidence of an item -------------------------------------------------------------
def live_evidence_or_404(item: ChecklistItem, pk: int, **filters) -> Evidence:
    return get_object_or_404(item.evidence.filter(removed_at__isnull=True, **filters), pk=pk)


class ChecklistEvidenceRemoveView(ObjectActionView):
    model = ChecklistItem
    selector = staticmethod(partial(selectors.parts_visible_to, ChecklistItem))
    pk_url_kwarg = "item_pk"
    action = "keep_checklist"

    def act(self, item):
        evidence = live_evidence_or_404(item, self.kwargs["evidence_pk"])
        services.remove_checklist_evidence(item=item, evidence=evidence, by=self.request.user)
        return "The evidence is removed; its trace stays in the history."


class ChecklistEvidenceDownloadView(ObjectMixin, View):
    """Serves a checklist evidence file to those who may read the system, never inline."""

    model = ChecklistItem
    selector = staticmethod(partial(selectors.parts_visible_to, ChecklistItem))
    pk_url_kwarg = "item_pk"
    http_method_names = ["get", "head"]

    def get(self, request, *args, **kwargs):
        evidence = live_evidence_or_404(
            self.object, self.kwargs["evidence_pk"], kind=Evidence.Kind.FILE
        )
        return evidence_file_response(evidence)
