"""A system's obligations on a page of their own, grouped by framework and article, and the
bulk status change: select rows, choose the status and say why, confirm."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.views.generic import TemplateView

from apps.compliance import permissions, selectors, services
from apps.compliance.forms import BulkStatusForm
from apps.compliance.models import ObligationStatus
from apps.compliance.panels import framework_rows
from apps.core.views.generic import ObjectMixin, add_service_errors
from apps.systems.models import AISystem


class SystemObligationsMixin(ObjectMixin):
    model = AISystem
    pk_url_kwarg = "system_pk"
    record_name = "system"


class SystemComplianceView(SystemObligationsMixin, TemplateView):
    """Every obligation of the system — what applies and why, status, owner, due date,
    evidence and links — and those that no longer apply, apart, with the reason; those who may
    work on them select rows to change their status together."""

    template_name = "compliance/system.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        system = self.object
        rows = framework_rows(selectors.obligations_by_framework(system))
        can_work = permissions.can_work_on_system_obligations(self.request.user, system)
        context.update(
            {
                "frameworks": rows,
                "applying": sum(len(row["applying"]) for row in rows),
                "retired": [o for row in rows for o in row["retired"]],
                "can_work": can_work,
                "statuses": ObligationStatus.choices,
                "not_applicable": ObligationStatus.NOT_APPLICABLE,
            }
        )
        return context


class BulkStatusView(SystemObligationsMixin, TemplateView):
    """POST the selected obligations, the new status and the reason: first a confirmation
    listing what will change (``confirmed=yes`` then applies it, ``confirmed=no`` goes back to
    the form with everything kept); a problem shows the form again with every error."""

    action = "work_on_obligations"
    http_method_names = ["post"]
    template_name = "compliance/bulk_status.html"

    def post(self, request, *args, **kwargs):
        system = self.object
        form = BulkStatusForm(request.POST, system=system)
        confirmed = request.POST.get("confirmed", "")
        if form.is_valid() and confirmed != "no":
            if confirmed != "yes":
                return self.render(form, confirming=True)
            data = form.cleaned_data
            try:
                changed = services.bulk_set_status(
                    obligations=data["obligations"],
                    by=request.user,
                    status=data["status"],
                    reason=data["reason"],
                    justification=data["justification"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                label = ObligationStatus(data["status"]).label.lower()
                unchanged = len(data["obligations"]) - changed
                text = f"{changed} obligation{'s' if changed != 1 else ''} marked {label}."
                if unchanged:
                    text += f" {unchanged} already were."
                messages.success(request, text)
                return redirect("compliance:system", system_pk=system.pk)
        return self.render(form, status=200 if confirmed == "no" else 400)

    def render(self, form, *, confirming=False, status=200):
        context = self.get_context_data(form=form, confirming=confirming)
        if confirming:
            new_status = form.cleaned_data["status"]
            context["selected"] = list(form.cleaned_data["obligations"])
            context["new_status_label"] = ObligationStatus(new_status).label
        return self.render_to_response(context, status=status)
