from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.views import View
from django.views.generic import TemplateView

from apps.accounts.models import APIToken
from apps.accounts.services import create_token, revoke_token
from apps.core.views.generic import add_service_errors


class ProfileView(LoginRequiredMixin, TemplateView):
    """Who I am here: my global roles and my teams."""

    template_name = "accounts/profile.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["memberships"] = self.request.user.memberships.select_related("team").order_by(
            "team__name"
        )
        context["api_tokens"] = self.request.user.api_tokens.all()
        context.setdefault("token_form", APITokenForm())
        return context


# --- API tokens ----------------------------------------------------------------------------------
class APITokenForm(forms.Form):
    name = forms.CharField(
        max_length=100, help_text="What will use it, e.g. “quarterly audit export”."
    )
    expires_in_days = forms.TypedChoiceField(
        label="Expires",
        coerce=int,
        empty_value=None,
        choices=[("30", "in 30 days"), ("90", "in 90 days"), ("365", "in a year"), ("", "never")],
        initial="90",
        required=False,
    )


class APITokenCreateView(ProfileView):
    """Create a token and show its secret on this response only (it is stored hashed)."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        form = APITokenForm(request.POST)
        context = {}
        if form.is_valid():
            try:
                token, secret = create_token(user=request.user, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                context.update(new_token=token, new_token_secret=secret, token_form=APITokenForm())
        if "new_token" not in context:
            context["token_form"] = form
        response = self.render_to_response(self.get_context_data(**context))
        response["Cache-Control"] = "no-store"
        return response


class APITokenRevokeView(LoginRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk):
        token = get_object_or_404(APIToken, pk=pk, user=request.user)
        try:
            revoke_token(token=token, by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"The token “{token.name}” is revoked: it no longer works.")
        return redirect("accounts:profile")
