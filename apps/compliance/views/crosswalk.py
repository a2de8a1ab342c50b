"""The cross-walk from a mitigation's page: link it to another obligation of its system (of any
framework), or unlink one. Those who may work on the system's obligations may; the person goes
back to the mitigation's page with a message (the panel: :mod:`apps.compliance.panels`)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404

from apps.compliance import services
from apps.compliance.forms import LinkObligationForm
from apps.core import rules
from apps.core.views.generic import ObjectActionView
from apps.mitigations import selectors as mitigation_selectors
from apps.mitigations.models import Mitigation

ANCHOR = "#obligations"


class _MitigationObligationAction(ObjectActionView):
    """A POST on a mitigation the person may see, by those who may work on its system's
    obligations."""

    model = Mitigation
    selector = staticmethod(mitigation_selectors.mitigation_detail)

    def check_permission(self, obj) -> None:
        reason = rules.refusal(self.request.user, "work_on_obligations", obj.system)
        if reason:
            raise PermissionDenied(reason)

    def get_success_url(self, mitigation):
        return f"{mitigation.get_absolute_url()}{ANCHOR}"


class MitigationLinkView(_MitigationObligationAction):
    """POST ``obligation``: the mitigation also helps meet this obligation of its system."""

    def act(self, mitigation):
        form = LinkObligationForm(self.request.POST, mitigation=mitigation)
        if not form.is_valid():
            raise ValidationError(" ".join(form.errors.get("obligation", [])))
        obligation = form.cleaned_data["obligation"]
        services.link_mitigation(obligation=obligation, mitigation=mitigation, by=self.request.user)
        return (
            f"{mitigation.reference} now addresses {obligation.requirement.identifier} "
            f"({obligation.reference})."
        )


class MitigationUnlinkView(_MitigationObligationAction):
    """POST: the mitigation no longer addresses this obligation (both stay)."""

    def act(self, mitigation):
        obligation = get_object_or_404(
            mitigation.obligations.select_related("requirement"), pk=self.kwargs["obligation_pk"]
        )
        services.unlink_mitigation(
            obligation=obligation, mitigation=mitigation, by=self.request.user
        )
        return (
            f"{mitigation.reference} no longer addresses {obligation.requirement.identifier} "
            f"({obligation.reference})."
        )
