"""The risk library: browse the templates, read one, add it to a system in one click."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views import View
from django.views.generic import DetailView, TemplateView

from apps.core.ids import parse_id
from apps.core.views.generic import FilteredListView, add_service_errors
from apps.risks import permissions, selectors, services
from apps.risks.filters import RiskTemplateFilterSet
from apps.risks.models import Framework, RiskMatrix, RiskTemplate
from apps.systems.models import AIKind, AISystem

SUGGESTIONS_IN_FRAGMENT = 5

# Short names for the badges of the library list; the full names are in the filter and on
# each template's page.
FRAMEWORK_SHORT_NAMES = {
    Framework.NIST_AI_RMF: "NIST AI RMF",
    Framework.NIST_AI_600_1: "NIST AI 600-1",
    Framework.EU_AI_ACT: "EU AI Act",
    Framework.OWASP_LLM: "OWASP LLM",
    Framework.MITRE_ATLAS: "MITRE ATLAS",
    Framework.ISO_42001: "ISO/IEC 42001",
}


def _describe(template: RiskTemplate, matrix: RiskMatrix) -> RiskTemplate:
    """What the pages show of a template, from what the selectors already fetched."""
    frameworks: dict[str, list[str]] = {}
    for reference in template.framework_references.all():  # prefetched
        frameworks.setdefault(reference.framework, []).append(reference.code)
    template.framework_badges = [
        {
            "name": FRAMEWORK_SHORT_NAMES.get(framework, framework),
            "full_name": Framework(framework).label,
            "codes": ", ".join(codes),
        }
        for framework, codes in frameworks.items()
    ]
    template.ai_kind_labels = [
        AIKind(kind).label for kind in template.ai_kind_list if kind in AIKind.values
    ]
    template.suggested_score = template.inherent_likelihood * template.inherent_impact
    template.suggested_level = matrix.level_for(template.suggested_score)
    return template


class AddFromTemplateForm(forms.Form):
    """Which system gets the template's risk, and optionally another title for it."""

    system = forms.ModelChoiceField(
        queryset=None,
        label="System",
        empty_label="Choose a system…",
        error_messages={"required": "Choose the system to add this risk to."},
    )
    title = forms.CharField(
        max_length=255,
        required=False,
        label="Title (optional)",
        help_text="Leave empty to keep the library's title; you can adapt everything later.",
    )

    def __init__(self, *args, user, template: RiskTemplate, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["system"].queryset = selectors.systems_for_new_risks(user)
        self.fields["system"].label_from_instance = lambda s: f"{s.reference} {s.name} ({s.team})"
        self.fields["title"].widget.attrs["placeholder"] = template.title


# --- The library --------------------------------------------------------------------------------
class LibraryView(FilteredListView):
    """Every active template, filtered and searched; one query per table whatever the page."""

    filterset_class = RiskTemplateFilterSet
    template_name = "risks/library.html"
    partial_template_name = "risks/_library_results.html"

    def get_base_queryset(self):
        return selectors.library_templates()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        matrix = RiskMatrix.load()
        for template in context["page_obj"].object_list:
            _describe(template, matrix)
        return context


class TemplateDetailView(LoginRequiredMixin, DetailView):
    """A template: its scenario, assessment, references, mitigations and the “Add” form."""

    template_name = "risks/template_detail.html"
    context_object_name = "template"
    slug_field = "key"
    slug_url_kwarg = "key"

    def get_queryset(self):
        return selectors.template_detail()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        _describe(self.object, RiskMatrix.load())
        if "form" not in context:
            initial = {}
            system = parse_id(self.request.GET.get("system"))
            if system is not None:
                initial["system"] = system
            context["form"] = AddFromTemplateForm(
                user=self.request.user, template=self.object, initial=initial
            )
        context["can_add"] = (
            self.object.is_active and context["form"].fields["system"].queryset.exists()
        )
        context["references"] = list(self.object.framework_references.all())
        return context


class AddFromTemplateView(LoginRequiredMixin, View):
    """POST: the template's risk and its suggested mitigations (planned) on one system.

    A system the user cannot see is a 404, one they cannot add risks to a 403; a duplicate
    title comes back on the form.
    """

    http_method_names = ["post"]

    def post(self, request, key):
        template = get_object_or_404(selectors.template_detail(), key=key)
        system_pk = parse_id(request.POST.get("system"))
        if system_pk is not None:
            system = get_object_or_404(AISystem.objects.visible_to(request.user), pk=system_pk)
            if not permissions.can_create_risk(request.user, system):
                raise PermissionDenied(
                    "This system is archived."
                    if system.is_archived
                    else "Only contributors of the system's team can add risks to it."
                )
        form = AddFromTemplateForm(request.POST, user=request.user, template=template)
        if form.is_valid():
            system = form.cleaned_data["system"]
            try:
                risk = services.add_risk_from_template(
                    system=system,
                    template=template,
                    by=request.user,
                    title=form.cleaned_data["title"].strip() or None,
                )
            except ValidationError as error:
                if hasattr(error, "error_dict") and "title" in error.error_dict:
                    error = ValidationError(
                        {
                            "title": f"{system.reference} {system.name} already has a risk "
                            "with this title: choose another title for this one, or open "
                            "the existing risk from the system's page."
                        }
                    )
                add_service_errors(form, error)
            else:
                count = risk.mitigations.count()
                messages.success(
                    request,
                    f"{risk.reference} “{risk}” is added to {system.name} with {count} planned "
                    f"mitigation{'s' if count != 1 else ''}. Now adapt it to your system: "
                    "check the scenario, the assessment and each mitigation.",
                )
                return HttpResponseRedirect(reverse("risks:edit", args=[risk.pk]))
        view = TemplateDetailView(request=request, kwargs={"key": key}, object=template)
        context = view.get_context_data(object=template, form=form)
        return render(request, view.template_name, context)


# --- Suggestions for one system ------------------------------------------------------------------
class SuggestionsView(LoginRequiredMixin, TemplateView):
    """Templates worth adding to a system: a fragment for its page (htmx), or a page."""

    def get_template_names(self):
        htmx = getattr(self.request, "htmx", None)
        if htmx and not htmx.boosted:
            return ["risks/_suggestions.html"]
        return ["risks/suggestions.html"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        system = get_object_or_404(
            AISystem.objects.visible_to(self.request.user).select_related("team"),
            pk=self.kwargs["system_pk"],
        )
        is_fragment = self.get_template_names() == ["risks/_suggestions.html"]
        matrix = RiskMatrix.load()
        suggestions = selectors.suggested_templates(
            system, limit=SUGGESTIONS_IN_FRAGMENT if is_fragment else None
        )
        context.update(
            system=system,
            suggestions=[_describe(template, matrix) for template in suggestions],
            suggestion_count=selectors.suggested_templates(system).count(),
            is_fragment=is_fragment,
            can_add=permissions.can_create_risk(self.request.user, system),
        )
        return context
