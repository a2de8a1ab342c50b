import zoneinfo

from django import forms
from django.contrib.auth.forms import AuthenticationForm

SINGLE_SIGN_ON_ONLY_MESSAGE = (
    "Signing in with a password is turned off here: use single sign-on above. (Break-glass "
    "administrators still sign in with their e-mail address and password.)"
)


class LoginForm(AuthenticationForm):
    """Django's login form, asking for the e-mail address people sign in with."""

    username = forms.EmailField(
        label="E-mail address",
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )
    # The browser's time zone, filled in by app.js: it becomes the person's own at the first
    # sign-in (see apps.accounts.views.SignInView).
    time_zone = forms.CharField(
        required=False,
        max_length=64,
        widget=forms.HiddenInput(attrs={"data-browser-time-zone-field": ""}),
    )

    def clean_time_zone(self) -> str:
        """The browser's zone when this machine knows it; "" otherwise (never an error: the
        person signs in all the same, in the site's zone)."""
        zone = self.cleaned_data["time_zone"].strip()
        return zone if zone in zoneinfo.available_timezones() else ""

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        from apps.accounts import selectors

        if not selectors.sign_in_settings().password_sign_in:
            self.error_messages = {
                **self.error_messages,
                "invalid_login": SINGLE_SIGN_ON_ONLY_MESSAGE,
            }

    def clean_username(self):
        return self.cleaned_data["username"].strip().lower()
