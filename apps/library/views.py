"""The risk library: browse the templates, read one, add it to a system in one click."""

from __future__ import annotations

from django.urls import reverse
from django.views.generic import TemplateView

from apps.core import panels
from apps.core.ids import parse_id
from apps.core.views.generic import ObjectListView, ObjectMixin, ParentCreateView
from apps.library import selectors, services
from apps.library.forms import AddFromTemplateForm
from apps.risks import permissions as risk_permissions
from apps.risks import selectors as risk_selectors
from apps.risks.filters import RiskTemplateFilterSet
from apps.risks.models import Framework, RiskMatrix, RiskTemplate
from apps.systems import selectors as system_selectors
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


# --- The library --------------------------------------------------------------------------------
class LibraryView(ObjectListView):
    """Every active template, filtered and searched; one query per table whatever the page.

    ``?system=<pk>`` (the system page's “From the library”) names the system to add to: each
    row's Add puts the template on it in one click, the templates it already has say so, and
    the template pages preselect it. Without one, Add leads to the template's page, where the
    person chooses the system. Add is offered to people who may add risks somewhere.
    """

    model = RiskTemplate
    filterset_class = RiskTemplateFilterSet
    template_name = "library/list.html"
    partial_template_name = "library/_list_results.html"
    carried_params = ("system",)

    def get_base_queryset(self):
        return risk_selectors.library_templates()

    def get_extra_context(self) -> dict:
        open_systems = system_selectors.systems_open_for_records(self.request.user)
        asked = self.request.GET.get("system")
        target = None
        if asked:
            pk = parse_id(asked)
            target = None if pk is None else open_systems.filter(pk=pk).first()
        return {
            "target_system": target,
            "target_refused": bool(asked) and target is None,
            "can_add_risk": target is not None or open_systems.exists(),
        }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        matrix = RiskMatrix.load()
        target = context["target_system"]
        if target is None:  # a system one cannot add to is not carried through the filters
            context.update(carried_params=[], clear_url=self.request.path)
        already = selectors.templates_already_on(target) if target else (set(), set())
        for template in context["page_obj"].object_list:
            _describe(template, matrix)
            template.already_added = (
                template.pk in already[0] or template.title.lower() in already[1]
            )
        return context


def _template_page(template: RiskTemplate, form: AddFromTemplateForm) -> dict:
    """A template's page around its “Add” form (shown again with errors after a refused add)."""
    _describe(template, RiskMatrix.load())
    return {
        "form": form,
        "can_add": template.is_active and form.fields["system"].queryset.exists(),
        "references": list(template.framework_references.all()),
    }


class RiskTemplateView(ObjectMixin, TemplateView):
    """A template: its scenario, assessment, references, mitigations and the “Add” form
    (``?system=<pk>`` chooses that system in it)."""

    model = RiskTemplate
    selector = staticmethod(selectors.templates_for)
    lookup_field = pk_url_kwarg = "key"
    record_name = "template"
    template_name = "library/template_detail.html"

    def get_context_data(self, **kwargs):
        system = parse_id(self.request.GET.get("system"))
        form = AddFromTemplateForm(
            user=self.request.user,
            template=self.object,
            initial={} if system is None else {"system": system},
        )
        return {
            **super().get_context_data(**kwargs),
            **_template_page(self.object, form),
            # What the apps above the library add to a template's page (its test cases…).
            **panels.render_context(self.request, self.object),
            "library_url": reverse("library:list")
            + ("" if system is None else f"?system={system}"),
        }


class AddFromTemplateView(ObjectMixin, ParentCreateView):
    """POST: the template's risk and its suggested mitigations (planned) on one system.

    A system the person cannot see is a 404, one they cannot add risks to a 403 with the
    reason; no system, or a refusal of the service (a title the system already has), comes
    back on the template's page.
    """

    model = RiskTemplate
    selector = staticmethod(selectors.templates_for)
    lookup_field = pk_url_kwarg = "key"
    record_name = "template"
    template_name = "library/template_detail.html"
    http_method_names = ["post"]
    parent_model = AISystem
    parent_param = "system"
    parent_action = "add_risk"
    form_class = AddFromTemplateForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user, "template": self.object}

    def choose_parent(self, request):
        return self.form_invalid(self.get_form())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        return {**context, **_template_page(self.object, context["form"])}

    def perform(self, form):
        return services.add_risk_from_template(
            system=self.parent,
            template=self.object,
            by=self.request.user,
            title=form.cleaned_data["title"].strip() or None,
        )

    def get_success_message(self, risk):
        count = len(self.object.suggested_mitigations.all())
        return (
            f"{risk.reference} “{risk}” is added to {self.parent.name} with {count} planned "
            f"mitigation{'s' if count != 1 else ''}. Now adapt it to your system: "
            "check the scenario, the assessment and each mitigation."
        )

    def get_success_url(self, risk):
        return reverse("risks:edit", args=[risk.pk])


# --- Suggestions for one system ------------------------------------------------------------------
class SuggestionsView(ObjectMixin, TemplateView):
    """Templates worth adding to a system: a fragment for its page (htmx), or a page."""

    model = AISystem
    selector = staticmethod(system_selectors.system_detail)
    pk_url_kwarg = "system_pk"
    record_name = "system"

    def get_template_names(self):
        htmx = getattr(self.request, "htmx", None)
        if htmx and not htmx.boosted:
            return ["library/_suggestions.html"]
        return ["library/suggestions.html"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        system = self.object
        is_fragment = self.get_template_names() == ["library/_suggestions.html"]
        matrix = RiskMatrix.load()
        suggestions = selectors.suggested_templates(
            system, limit=SUGGESTIONS_IN_FRAGMENT if is_fragment else None
        )
        context.update(
            suggestions=[_describe(template, matrix) for template in suggestions],
            suggestion_count=selectors.suggested_templates(system).count(),
            is_fragment=is_fragment,
            can_add=risk_permissions.can_create_risk(self.request.user, system),
        )
        return context
