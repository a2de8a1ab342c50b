"""Committee seats while their holders are away: a seat holder names a delegate for a period,
sees the delegations they gave and received, and ends one early when they are back."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from apps.core import rules
from apps.core.views.generic import ObjectActionView, ObjectListView, ServiceFormView
from apps.reviews import selectors, services
from apps.reviews.forms import DelegationForm
from apps.reviews.models import Delegation, Seat


def delegation_form(user, data=None) -> DelegationForm:
    return DelegationForm(
        data,
        delegates=selectors.delegate_choices(user),
        seats=Seat.objects.filter(active=True, holdings__holder=user),
    )


class DelegationListView(ObjectListView):
    """My seats, the delegates I named and the holders I stand in for."""

    model = Delegation
    selector = staticmethod(selectors.delegations_of)
    permission_action = "delegate"
    template_name = "reviews/delegations.html"
    context_object_name = "delegations"

    def get_extra_context(self):
        user = self.request.user
        return {
            "seats": selectors.seats_held(user),
            "form": delegation_form(user),
            "today": timezone.localdate(),
        }


class DelegationCreateView(ServiceFormView):
    template_name = "reviews/delegation_form.html"
    success_message = "{obj.delegate} decides for you from {obj.starts_on} to {obj.ends_on}."

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            reason = rules.refusal(request.user, "delegate")
            if reason:
                raise PermissionDenied(reason)
        return super().dispatch(request, *args, **kwargs)

    def get_form(self, form_class=None):
        data = self.request.POST if self.request.method == "POST" else None
        return delegation_form(self.request.user, data)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["seats"] = selectors.seats_held(self.request.user)
        return context

    def perform(self, form):
        return services.create_delegation(by=self.request.user, **form.service_data())

    def get_success_url(self, obj=None):
        return reverse("reviews:delegations")


class DelegationEndView(ObjectActionView):
    """The holder is back before the end of the period."""

    model = Delegation
    selector = staticmethod(selectors.delegations_of)
    action = "end"

    def act(self, delegation):
        services.end_delegation(delegation=delegation, by=self.request.user)
        return f"{delegation.delegate} no longer decides for you."
