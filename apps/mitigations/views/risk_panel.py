"""The endpoints of the mitigations panel on a risk's page (:mod:`apps.mitigations.panels`):
they act on a risk the person may see and ask the rule ``plan_mitigations`` of that risk. With
htmx they answer with the refreshed panel; without JavaScript, back to the risk's page."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.views.generic import TemplateView, View

from apps.core.views.generic import ObjectActionView, ObjectMixin, add_service_errors
from apps.mitigations import selectors, services
from apps.mitigations.forms import RiskPanelAddForm, RiskPanelLinkForm
from apps.mitigations.panels import risk_panel_context
from apps.risks.models import Risk

PANEL_ID = "mitigations-panel"


def panel_response(request, risk, *, text="", level=messages.SUCCESS, **forms):
    """The refreshed panel for htmx; otherwise back to the risk's page (works without JS)."""
    if request.htmx:
        notice = {"text": text, "level": "danger" if level == messages.ERROR else "success"}
        return render(
            request,
            "mitigations/_risk_panel.html",
            risk_panel_context(request, risk, notice=notice if text else None, **forms),
        )
    if text:
        messages.add_message(request, level, text)
    return HttpResponseRedirect(f"{risk.get_absolute_url()}#{PANEL_ID}")


class RiskPanelMixin(ObjectMixin):
    """The panel's endpoints act on a risk the person may see; writes ask ``plan_mitigations``."""

    model = Risk
    selector = staticmethod(selectors.risks_with_their_system)
    pk_url_kwarg = "risk_pk"
    action = "plan_mitigations"


class RiskPanelView(RiskPanelMixin, TemplateView):
    """GET: the panel as a fragment, for anyone who may read the risk."""

    action = "view"
    http_method_names = ["get", "head"]
    template_name = "mitigations/_risk_panel.html"

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            **risk_panel_context(self.request, self.object),
        }


class RiskPanelActionView(RiskPanelMixin, ObjectActionView):
    """A change from the panel: answered with the refreshed panel (or back to the risk)."""

    def respond(self, text, level):
        return panel_response(self.request, self.object, text=text, level=level)


class RiskPanelAddView(RiskPanelMixin, View):
    """POST: plan a new mitigation that treats this risk."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        risk = self.object
        form = RiskPanelAddForm(request.POST, system=risk.system, user=request.user)
        if form.is_valid():
            try:
                mitigation = services.create_mitigation(
                    system=risk.system, by=request.user, data=form.mitigation_data(), risks=[risk]
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                text = f"{mitigation.reference} “{mitigation}” is planned."
                return panel_response(request, risk, text=text)
        if request.htmx:
            # 200 so that htmx swaps the panel in with the errors next to the fields.
            return panel_response(request, risk, add_form=form)
        context = risk_panel_context(request, risk, add_form=form)
        return render(request, "mitigations/risk_panel_page.html", context)


class RiskPanelLinkView(RiskPanelActionView):
    """POST ``mitigation``: an existing mitigation of the same system also treats this risk."""

    def act(self, risk):
        form = RiskPanelLinkForm(self.request.POST, risk=risk, user=self.request.user)
        if not form.is_valid():
            raise ValidationError(" ".join(form.errors.get("mitigation", ["Choose a mitigation."])))
        mitigation = form.cleaned_data["mitigation"]
        services.link_risk(mitigation=mitigation, risk=risk, by=self.request.user)
        return f"{mitigation.reference} now treats {risk.reference}."


class RiskPanelUnlinkView(RiskPanelActionView):
    """POST: this mitigation no longer treats this risk (the mitigation itself stays)."""

    def act(self, risk):
        mitigation = get_object_or_404(
            risk.mitigations.select_related("system"), pk=self.kwargs["pk"]
        )
        services.unlink_risk(mitigation=mitigation, risk=risk, by=self.request.user)
        return f"{mitigation.reference} no longer treats {risk.reference}."
