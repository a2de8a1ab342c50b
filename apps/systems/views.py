"""Pages of the AI system inventory: thin, calling selectors and services."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.views.generic import DetailView, TemplateView

from apps.accounts import permissions
from apps.core import selectors as core_selectors
from apps.core.ids import parse_id
from apps.core.views import FilteredListView, ObjectHistoryView, ServiceFormView
from apps.incidents import selectors as incident_selectors
from apps.mitigations import selectors as mitigation_selectors
from apps.reviews import selectors as review_selectors
from apps.risks import selectors as risk_selectors
from apps.systems import selectors, services
from apps.systems.filters import SystemFilterSet
from apps.systems.forms import AISystemForm
from apps.systems.models import AISystem

HISTORY_ON_DETAIL_PAGE = 20


class SystemObjectMixin:
    """Finds the system among those the user may see: another team's system is a 404."""

    def get_system(self) -> AISystem:
        if not hasattr(self, "_system"):
            self._system = get_object_or_404(
                selectors.system_detail(self.request.user), pk=self.kwargs["pk"]
            )
        return self._system


class SystemListView(FilteredListView):
    filterset_class = SystemFilterSet
    template_name = "systems/list.html"
    partial_template_name = "systems/_list_results.html"

    def get_base_queryset(self):
        return selectors.system_list(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_create_system"] = permissions.can_create_system(self.request.user)
        return context


class SystemDetailView(LoginRequiredMixin, SystemObjectMixin, DetailView):
    template_name = "systems/detail.html"
    context_object_name = "system"

    def get_object(self, queryset=None):
        return self.get_system()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        history = core_selectors.history_of(self.object)
        context["history"] = history[:HISTORY_ON_DETAIL_PAGE]
        context["history_truncated"] = history.count() > HISTORY_ON_DETAIL_PAGE
        context["can_edit"] = permissions.can_edit_system(user, self.object)
        context["can_archive"] = permissions.can_archive_system(user, self.object)
        context["can_add_risk"] = permissions.can_create_risk(user, self.object)
        context["plan_status"] = review_selectors.plan_status(self.object)
        context["can_submit_plan"] = permissions.can_submit_safety_plan(user, self.object)
        context["risks"] = risk_selectors.risks_of_system(self.object)
        context["mitigations"] = mitigation_selectors.mitigations_of_system(self.object)
        context["incidents"] = incident_selectors.incidents_of_system(self.object)
        context["can_log_incident"] = permissions.can_create_incident(user, self.object)
        return context


class SystemCreateView(ServiceFormView):
    template_name = "systems/form.html"
    form_class = AISystemForm
    success_message = "{obj.reference} “{obj}” is registered."

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not permissions.can_create_system(request.user):
            raise PermissionDenied("Only contributors of a team can register AI systems.")
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        team = parse_id(self.request.GET.get("team"))
        if team is not None:
            kwargs.setdefault("initial", {})["team"] = team
        return kwargs

    def perform(self, form):
        return services.create_system(
            by=self.request.user,
            data=form.system_data(),
            reason=form.cleaned_data["change_reason"],
        )


class SystemEditView(SystemObjectMixin, ServiceFormView):
    template_name = "systems/form.html"
    form_class = AISystemForm
    success_message = "Your changes to {obj.reference} are saved."

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            system = self.get_system()
            if not permissions.can_edit_system(request.user, system):
                raise PermissionDenied(
                    "This system is archived."
                    if system.is_archived
                    else "You cannot edit this system."
                )
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        kwargs["instance"] = self.get_system()
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["system"] = self.get_system()
        return context

    def perform(self, form):
        return services.update_system(
            system=self.get_system(),
            by=self.request.user,
            data=form.system_data(),
            reason=form.cleaned_data["change_reason"],
            expected_version=form.expected_version,
        )


class SystemArchiveView(LoginRequiredMixin, SystemObjectMixin, TemplateView):
    """GET asks for confirmation; POST archives (or restores an archived system)."""

    template_name = "systems/archive_confirm.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not permissions.can_archive_system(
            request.user, self.get_system()
        ):
            raise PermissionDenied("You cannot archive or restore this system.")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["system"] = self.get_system()
        return context

    def post(self, request, *args, **kwargs):
        system = self.get_system()
        reason = request.POST.get("reason", "").strip()[:255]
        try:
            if system.is_archived:
                system = services.restore_system(system=system, by=request.user, reason=reason)
                messages.success(request, f"{system.reference} is back in the inventory.")
            else:
                system = services.archive_system(system=system, by=request.user, reason=reason)
                messages.success(request, f"{system.reference} is archived; nothing was deleted.")
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return redirect(system.get_absolute_url())


class SystemHistoryView(SystemObjectMixin, ObjectHistoryView):
    def get_object(self):
        return self.get_system()
