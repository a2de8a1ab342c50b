from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views import View
from django.views.generic import TemplateView

from apps.accounts import selectors
from apps.accounts.forms import LoginForm
from apps.accounts.models import APIToken, SecondFactorRole, SignedInSession, time_zone_names
from apps.accounts.second_factor import session_has_second_factor
from apps.accounts.services import (
    create_token,
    end_session,
    end_sessions,
    revoke_token,
    set_time_zone,
)
from apps.core.views.generic import add_service_errors


class SignInView(auth_views.LoginView):
    """Django's sign-in page; a person without a time zone of their own gets the browser's
    (the login form's hidden ``time_zone``, filled in by app.js), so that the very first page
    shows their times. A zone the machine does not know is left out: the site's applies, and
    the profile page offers the choice."""

    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        """Sign in through allauth's steps, so that a person with a second factor is asked for
        it before the session is theirs (``mfa_authenticate``)."""
        from allauth.account.internal.flows.login import perform_password_login
        from allauth.account.models import Login

        user, zone = form.get_user(), form.cleaned_data.get("time_zone", "")
        if zone and not user.time_zone:
            set_time_zone(user=user, time_zone=zone, from_browser=True)
        login = Login(user=user, redirect_url=self.get_success_url(), email=user.email)
        return perform_password_login(self.request, {"email": user.email}, login)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["sign_in_settings"] = selectors.sign_in_settings()
        return context

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        return allow_sso_form_targets(self.request, response)


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
        user = self.request.user
        context["second_factor"] = {
            "enrolled": selectors.has_second_factor(user),
            "required_for": selectors.roles_needing_second_factor(
                user, selectors.sign_in_settings().roles_needing_mfa
            ),
            "in_session": session_has_second_factor(self.request),
        }
        context["session_count"] = selectors.active_sessions(user).count()
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
                token, secret = create_token(
                    user=request.user,
                    second_factor=session_has_second_factor(request),
                    **form.cleaned_data,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            except PermissionDenied as refusal:
                form.add_error(None, str(refusal))
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


# --- Second factor, sessions ----------------------------------------------------------------------
class SecondFactorView(LoginRequiredMixin, TemplateView):
    """Where a person whose role needs a second factor is sent: to use the one they have, or to
    set one up (an authenticator app or a passkey)."""

    template_name = "accounts/second_factor.html"

    def get(self, request, *args, **kwargs):
        next_url = request.GET.get("next", "")
        if not url_has_allowed_host_and_scheme(
            next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            next_url = ""
        if session_has_second_factor(request):
            return redirect(next_url or settings.LOGIN_REDIRECT_URL)
        if selectors.has_second_factor(request.user):
            query = f"?{urlencode({'next': next_url})}" if next_url else ""
            return redirect(reverse("mfa_reauthenticate") + query)
        return self.render_to_response(self.get_context_data(next=next_url))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["roles"] = [
            SecondFactorRole(role).label
            for role in selectors.roles_needing_second_factor(
                self.request.user, selectors.sign_in_settings().roles_needing_mfa
            )
        ]
        return context


class SSOReauthenticateView(LoginRequiredMixin, TemplateView):
    """ "Confirm it's you" for a person who signs in only through an identity provider: sign in
    through it again (allauth asks before a second factor is added or removed)."""

    template_name = "accounts/sso_reauthenticate.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        providers = {account.provider for account in self.request.user.socialaccount_set.all()}
        next_url = self.request.GET.get("next", "")
        if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={self.request.get_host()}):
            next_url = reverse("mfa_index")
        context["providers"] = [
            provider
            for provider in sso_providers(self.request)
            if provider.app.provider_id in providers or provider.id in providers
        ]
        context["next"] = next_url
        return context

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        return allow_sso_form_targets(self.request, response)


def sso_providers(request) -> list:
    """The identity providers configured by administrators, as allauth providers."""
    from allauth.socialaccount.adapter import get_adapter

    return [app.get_provider(request) for app in get_adapter().list_apps(request)]


def allow_sso_form_targets(request, response):
    """A single sign-on starts with a form posted to the register that redirects to the identity
    provider; browsers hold that redirect to the Content-Security-Policy's ``form-action``, so
    the pages with such forms allow the providers' origins (their issuer, sign-on and metadata
    URLs, as configured) besides the register's own."""
    from urllib.parse import urlsplit

    from allauth.socialaccount.adapter import get_adapter

    origins = set()
    for app in get_adapter().list_apps(request):
        config = app.settings or {}
        overrides = config.get("openid_configuration_overrides") or {}
        idp = config.get("idp") or {}
        for url in (
            config.get("server_url"),
            overrides.get("authorization_endpoint"),
            idp.get("sso_url"),
            idp.get("metadata_url"),
            *(config.get("form_action_origins") or []),
        ):
            parts = urlsplit(url or "")
            if parts.scheme in ("http", "https") and parts.netloc:
                origins.add(f"{parts.scheme}://{parts.netloc}")
    if origins:
        response._csp_update = {"form-action": sorted(origins)}
    return response


class SessionsView(LoginRequiredMixin, TemplateView):
    """My sessions: every browser signed in as me, and "sign out everywhere else" (POST)."""

    template_name = "accounts/sessions.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["sessions"] = selectors.active_sessions(self.request.user)
        context["current_key"] = self.request.session.session_key
        return context

    def post(self, request, *args, **kwargs):
        ended = end_sessions(
            user=request.user, by=request.user, keep_session_key=request.session.session_key
        )
        messages.success(
            request,
            f"Signed out everywhere else: {ended} other session(s) ended."
            if ended
            else "You were signed in nowhere else.",
        )
        return redirect("accounts:sessions")


class SessionEndView(LoginRequiredMixin, View):
    """Sign out one other session of mine (POST)."""

    http_method_names = ["post"]

    def post(self, request, pk):
        record = get_object_or_404(SignedInSession, pk=pk, user=request.user)
        if record.session_key == request.session.session_key:
            messages.error(request, "This is the session you are using: sign out instead.")
            return redirect("accounts:sessions")
        end_session(record=record, by=request.user)
        messages.success(request, "That session is signed out: it no longer works.")
        return redirect("accounts:sessions")
