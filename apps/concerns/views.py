"""Pages of concerns: declarations on the generic views of :mod:`apps.core`.

Every page finds its concern among those the person may read (another's concern is a 404) and
asks the rules of :mod:`apps.concerns.permissions` before a triage (a 403 with the reason).
Who raised an anonymous concern is shown to the raiser, administrators and auditors only; the
history masks the raiser's name for everyone (the audit event keeps the person).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.views.generic import View

from apps.accounts.permissions import may_write
from apps.concerns import permissions, selectors, services
from apps.concerns.api.exports import ConcernExporter
from apps.concerns.filters import ConcernFilterSet
from apps.concerns.forms import (
    CloseForm,
    ConcernForm,
    ConcernIncidentForm,
    ConcernRiskForm,
    LinkForm,
)
from apps.concerns.models import Concern
from apps.core.files import stored_file_response
from apps.core.views.generic import (
    ObjectActionView,
    ObjectExportView,
    ObjectHistoryView,
    ObjectListView,
    ObjectMixin,
    ObjectView,
    ParentCreateView,
    ServiceFormView,
)
from apps.systems.models import AISystem


# --- List, export ---------------------------------------------------------------------------------
class ConcernListView(ObjectListView):
    model = Concern
    selector = staticmethod(selectors.concern_list)
    filterset_class = ConcernFilterSet
    template_name = "concerns/list.html"
    partial_template_name = "concerns/_list_results.html"

    def get_extra_context(self):
        user = self.request.user
        return {
            "can_raise": may_write(user),
            "sees_every_raiser": user.is_superuser or user.is_auditor,
        }


class ConcernExportView(ObjectExportView):
    exporter = ConcernExporter


# --- Raising --------------------------------------------------------------------------------------
class ConcernCreateView(ParentCreateView):
    """Raise a concern about ``?system=<pk>``; without one, choose the system first."""

    template_name = "concerns/form.html"
    form_class = ConcernForm
    parent_model = AISystem
    parent_param = "system"
    parent_action = "raise_concern"

    def get_parent_queryset(self):
        return AISystem.objects.visible_to(self.request.user).select_related("team")

    def refuse_without_parent(self):
        if not may_write(self.request.user):
            raise PermissionDenied("Auditors read every concern and raise none.")

    def choose_parent(self, request):
        systems = (
            AISystem.objects.visible_to(request.user)
            .filter(archived_at__isnull=True)
            .select_related("team")
            .order_by("team__name", "name")
        )
        context = {
            "systems": systems,
            "title": "Raise a concern",
            "question": "Which AI system is your concern about?",
            "empty": "You can see no active AI system yet.",
            "list_url": "concerns:list",
            "action_url": request.path,
            "kept": {},
        }
        status = 200 if request.method in ("GET", "HEAD") else 400
        return render(request, "systems/choose_system.html", context, status=status)

    def perform(self, form):
        return services.raise_concern(
            system=self.parent,
            by=self.request.user,
            data=form.service_data(),
            attachment=form.cleaned_data.get("attachment"),
        )

    def get_success_message(self, obj):
        return f"{obj.reference} is raised: the team of {obj.system.name} is told."


# --- The concern's page ---------------------------------------------------------------------------
class ConcernView(ObjectView):
    model = Concern
    selector = staticmethod(selectors.concern_detail)

    def get_extra_context(self):
        concern, user = self.object, self.request.user
        can_triage = concern.is_open and permissions.can_triage_concern(user, concern)
        context = {
            "can_triage": can_triage,
            "can_see_raiser": permissions.can_see_raiser(user, concern),
            "is_raiser": concern.raised_by_id == user.pk,
        }
        if can_triage:
            context["link_form"] = LinkForm(concern=concern)
            context["close_form"] = CloseForm()
        return context


class ConcernHistoryView(ObjectHistoryView):
    model = Concern
    selector = staticmethod(selectors.concern_detail)


class ConcernAttachmentView(ObjectMixin, View):
    """The attachment, for whoever may read the concern."""

    model = Concern
    selector = staticmethod(selectors.concern_detail)

    def get(self, request, *args, **kwargs):
        concern = self.object
        if not concern.attachment:
            raise Http404("This concern has no attachment.")
        response = stored_file_response(
            concern.attachment,
            filename=concern.attachment_name or "attachment",
            content_type=concern.attachment_type or "application/octet-stream",
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        return response


# --- Triage ---------------------------------------------------------------------------------------
class TriageFormView(ObjectMixin, ServiceFormView):
    """A triage page whose form creates a record of the concern's system."""

    model = Concern
    selector = staticmethod(selectors.concern_detail)
    action = "change"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "system": self.object.system}

    def check_permission(self, obj):
        super().check_permission(obj)
        if not obj.is_open:
            raise PermissionDenied(f"{obj.reference} is already triaged.")


class ConcernToRiskView(TriageFormView):
    template_name = "concerns/triage_risk.html"
    form_class = ConcernRiskForm

    def get_initial(self):
        return {**services.risk_initial(self.object), "owner": self.request.user}

    def perform(self, form):
        data = form.service_data()
        return services.create_risk_from_concern(
            concern=self.object,
            by=self.request.user,
            data=data,
            answer=form.cleaned_data.get("answer", ""),
            reason=form.cleaned_data["change_reason"],
        )

    def get_success_message(self, obj):
        return f"{self.object.reference} became {obj.reference} “{obj}”."


class ConcernToIncidentView(TriageFormView):
    template_name = "concerns/triage_incident.html"
    form_class = ConcernIncidentForm

    def get_initial(self):
        concern = self.object
        return {
            "title": concern.summary,
            "description": f"Raised as concern {concern.reference}:\n\n{concern.description}",
            "detected_at": timezone.localtime(concern.created_at).replace(second=0, microsecond=0),
        }

    def perform(self, form):
        return services.create_incident_from_concern(
            concern=self.object,
            by=self.request.user,
            data=form.service_data(),
            answer=form.cleaned_data.get("answer", ""),
            reason=form.cleaned_data["change_reason"],
            **form.linked_records(),
        )

    def get_success_message(self, obj):
        return f"{self.object.reference} became incident {obj.reference} “{obj}”."


class LinkConcernView(ObjectActionView):
    model = Concern
    selector = staticmethod(selectors.concern_detail)
    check_before_method = True

    def act(self, concern):
        form = LinkForm(self.request.POST, concern=concern)
        if not form.is_valid():
            raise ValidationError([e for errors in form.errors.values() for e in errors])
        concern = services.link_concern(
            concern=concern,
            by=self.request.user,
            risk=form.cleaned_data["risk"],
            incident=form.cleaned_data["incident"],
            answer=form.cleaned_data["answer"],
        )
        record = concern.risk or concern.incident
        return f"{concern.reference} is linked to {record.reference}."


class CloseConcernView(ObjectActionView):
    model = Concern
    selector = staticmethod(selectors.concern_detail)
    check_before_method = True

    def act(self, concern):
        form = CloseForm(self.request.POST)
        if not form.is_valid():
            raise ValidationError("Write the answer the raiser will read.")
        services.close_concern(
            concern=concern, by=self.request.user, answer=form.cleaned_data["answer"]
        )
        messages.info(self.request, "The raiser is told your answer.")
        return f"{concern.reference} is closed."
