from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views import View
from django.views.generic import TemplateView

from apps.accounts.forms import LoginForm
from apps.accounts.models import APIToken, time_zone_names
from apps.accounts.services import create_token, revoke_token, set_time_zone
from apps.core.views.generic import add_service_errors


class SignInView(auth_views.LoginView):
    """Django's sign-in page; a person without a time zone of their own gets the browser's
    (the login form's hidden ``time_zone``, filled in by app.js), so that the very first page
    shows their times. A zone the machine does not know is left out: the site's applies, and
    the profile page offers the choice."""

    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        user, zone = form.get_user(), form.cleaned_data.get("time_zone", "")
        if zone and not user.time_zone:
            set_time_zone(user=user, time_zone=zone, from_browser=True)
        return super().form_valid(form)


class ProfileView(LoginRequiredMixin, TemplateView):
    """Who I am here: my global roles and my teams, my time zone, my API tokens."""

    template_name = "accounts/profile.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["memberships"] = self.request.user.memberships.select_related("team").order_by(
            "team__name"
        )
        context["api_tokens"] = self.request.user.api_tokens.all()
        context.setdefault("token_form", APITokenForm())
        context.setdefault(
            "time_zone_form", TimeZoneForm(initial={"time_zone": self.request.user.time_zone})
        )
        context["site_time_zone"] = settings.TIME_ZONE
        return context


# --- Time zone -----------------------------------------------------------------------------------
class TimeZoneForm(forms.Form):
    time_zone = forms.ChoiceField(
        label="Time zone",
        required=False,
        help_text="Times on the pages are shown, and typed (an incident's times), in this zone.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = [
            ("", f"The site's time zone ({settings.TIME_ZONE})"),
            *((name, name.replace("_", " ")) for name in time_zone_names()),
        ]


class TimeZoneView(ProfileView):
    """POST the person's time zone: from the profile's form (then back to the profile), or
    the browser's zone that app.js sends once while they have none (``from_browser=1``: 204,
    and it never replaces a zone already set)."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        from_browser = request.POST.get("from_browser") == "1"
        form = TimeZoneForm(request.POST)
        try:
            changed = set_time_zone(
                user=request.user,
                time_zone=request.POST.get("time_zone", ""),
                from_browser=from_browser,
            )
        except ValidationError as error:
            if from_browser:
                return JsonResponse({"errors": error.message_dict}, status=400)
            form.is_valid()
            add_service_errors(form, error)
            context = self.get_context_data(time_zone_form=form)
            return self.render_to_response(context, status=400)
        if from_browser:
            return HttpResponse(status=204)
        if changed:
            zone = request.user.time_zone or f"the site's ({settings.TIME_ZONE})"
            messages.success(request, f"Times are now shown in {zone}.")
        return redirect(reverse("accounts:profile") + "#time-zone")


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
