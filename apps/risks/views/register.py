"""The risk register and each risk's pages: thin, calling selectors and services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.views import View
from django.views.generic import DetailView, TemplateView

from apps.accounts import permissions as roles
from apps.core import panels
from apps.core import selectors as core_selectors
from apps.core.api.exports import export_response
from apps.core.ids import parse_id
from apps.core.views.generic import FilteredListView, ObjectHistoryView, ServiceFormView
from apps.risks import permissions, selectors, services
from apps.risks.api.exports import RegisterPageExporter
from apps.risks.filters import RiskFilterSet
from apps.risks.forms import RiskForm
from apps.risks.models import Risk, RiskMatrix
from apps.systems.models import AISystem

HISTORY_ON_DETAIL_PAGE = 20
# The columns of the page's CSV (the register's XLSX export job writes the same ones).
EXPORT_HEADER = RegisterPageExporter.header()


class RiskObjectMixin:
    """Finds the risk among those the user may see: another team's risk is a 404."""

    def get_risk(self) -> Risk:
        if not hasattr(self, "_risk"):
            self._risk = get_object_or_404(
                selectors.risk_detail(self.request.user), pk=self.kwargs["pk"]
            )
        return self._risk


class RiskListView(FilteredListView):
    """The register: every risk the user may see, across systems."""

    filterset_class = RiskFilterSet
    template_name = "risks/list.html"
    partial_template_name = "risks/_list_results.html"

    def get_base_queryset(self):
        return selectors.risk_list(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        context["export_query"] = query.urlencode()
        context["can_add_risk"] = roles.contributor_teams(self.request.user).exists()
        return context


class RiskExportView(LoginRequiredMixin, View):
    """Exactly the rows of the filtered register, as CSV, streamed in chunks."""

    def get(self, request):
        queryset = RegisterPageExporter.get_queryset(request.user)
        filterset = RiskFilterSet(request.GET, queryset=queryset, request=request)
        return export_response(RegisterPageExporter, filterset.qs, "csv")


class RiskDetailView(LoginRequiredMixin, RiskObjectMixin, DetailView):
    template_name = "risks/detail.html"
    context_object_name = "risk"

    def get_object(self, queryset=None):
        return self.get_risk()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        risk = self.object
        history = core_selectors.history_of(risk)
        context["history"] = history[:HISTORY_ON_DETAIL_PAGE]
        context["history_truncated"] = history.count() > HISTORY_ON_DETAIL_PAGE
        context["can_edit"] = permissions.can_edit_risk(user, risk)
        context["can_archive"] = permissions.can_archive_risk(user, risk)
        acceptances = list(risk.acceptances.select_related("requested_by", "decided_by"))
        context["acceptances"] = acceptances
        context["live_acceptance"] = next((a for a in acceptances if a.is_live), None)
        context["can_request_acceptance"] = context["can_edit"] and not context["live_acceptance"]
        context["deadline_days"] = RiskMatrix.load().deadline_days(risk.inherent_level)
        context.update(panels.render_context(self.request, risk))
        return context


class _RiskFormView(ServiceFormView):
    template_name = "risks/form.html"
    form_class = RiskForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["system"] = self.get_target_system()
        return context


class RiskCreateView(_RiskFormView):
    """Add a risk to a system (``?system=<pk>``); without one, choose the system first."""

    success_message = "{obj.reference} “{obj}” is in the register."

    def get_target_system(self) -> AISystem | None:
        if not hasattr(self, "_system"):
            pk = parse_id(self.request.GET.get("system") or self.request.POST.get("system"))
            self._system = None
            if pk is not None:
                self._system = get_object_or_404(
                    AISystem.objects.visible_to(self.request.user).select_related("team"), pk=pk
                )
        return self._system

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return super().dispatch(request, *args, **kwargs)
        system = self.get_target_system()
        if system is None:
            return self.choose_system(request)
        if not permissions.can_create_risk(request.user, system):
            raise PermissionDenied(
                "This system is archived."
                if system.is_archived
                else "Only contributors of the system's team can add risks to it."
            )
        return super().dispatch(request, *args, **kwargs)

    def choose_system(self, request):
        systems = (
            AISystem.objects.active()
            .filter(team__in=roles.contributor_teams(request.user))
            .select_related("team")
            .order_by("team__name", "name")
        )
        if not roles.contributor_teams(request.user).exists():
            raise PermissionDenied("Only contributors of a team can add risks.")
        return TemplateView.as_view(
            template_name="risks/choose_system.html", extra_context={"systems": systems}
        )(request)

    def get_initial(self):
        return {"owner": self.request.user}

    def perform(self, form):
        return services.create_risk(
            system=self.get_target_system(),
            by=self.request.user,
            data=form.risk_data(),
            reason=form.cleaned_data["change_reason"],
        )


class RiskEditView(RiskObjectMixin, _RiskFormView):
    success_message = "Your changes to {obj.reference} are saved."

    def get_target_system(self):
        return self.get_risk().system

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            risk = self.get_risk()
            if not permissions.can_edit_risk(request.user, risk):
                raise PermissionDenied(
                    "This risk is archived and read-only."
                    if risk.is_archived
                    else "You cannot edit this risk."
                )
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = self.get_risk()
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["risk"] = self.get_risk()
        return context

    def perform(self, form):
        return services.update_risk(
            risk=self.get_risk(),
            by=self.request.user,
            data=form.risk_data(),
            reason=form.cleaned_data["change_reason"],
            expected_version=form.expected_version,
        )


class RiskArchiveView(LoginRequiredMixin, RiskObjectMixin, TemplateView):
    """GET asks for confirmation; POST archives (or restores an archived risk)."""

    template_name = "risks/archive_confirm.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not permissions.can_archive_risk(
            request.user, self.get_risk()
        ):
            raise PermissionDenied("You cannot archive or restore this risk.")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["risk"] = self.get_risk()
        return context

    def post(self, request, *args, **kwargs):
        risk = self.get_risk()
        reason = request.POST.get("reason", "").strip()[:255]
        try:
            if risk.is_archived:
                risk = services.restore_risk(risk=risk, by=request.user, reason=reason)
                messages.success(request, f"{risk.reference} is back in the register.")
            else:
                risk = services.archive_risk(risk=risk, by=request.user, reason=reason)
                messages.success(request, f"{risk.reference} is archived; nothing was deleted.")
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return redirect(risk.get_absolute_url())


class RiskHistoryView(RiskObjectMixin, ObjectHistoryView):
    def get_object(self):
        return self.get_risk()
