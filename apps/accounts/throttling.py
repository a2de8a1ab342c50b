"""Login throttling with django-axes: who is counted, what a locked-out person sees, unlocking.

Settings (``config/settings.py``): after ``AXES_FAILURE_LIMIT`` failed sign-ins for one e-mail
address from one IP address, that pair is refused for ``AXES_COOLOFF_TIME``; a successful
sign-in clears the count. API tokens are not checked here: they never go through ``authenticate``.
"""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import render

from apps.accounts import selectors
from apps.accounts.forms import LoginForm


def attempted_username(request, credentials: dict | None) -> str:
    """The e-mail address a sign-in was for, as the login form normalises it (case, spaces).

    One spelling per person, so that ``Alice@Example.org`` and ``alice@example.org`` share one
    count of failures.
    """
    field = settings.AXES_USERNAME_FORM_FIELD
    if credentials:
        value = credentials.get(field)
    else:
        data = getattr(request, "data", None) or request.POST
        value = data.get(field)
    return str(value or "").strip().lower()


def lockout_minutes() -> int:
    return max(1, round(float(settings.AXES_COOLOFF_TIME or 0) * 60))


def lockout_message() -> str:
    return (
        "Too many failed sign-ins for this e-mail address: signing in is blocked for "
        f"{lockout_minutes()} minutes. Try again then, or ask an administrator to unlock "
        "your account."
    )


def locked_out_response(request, original_response=None, credentials=None):
    """The sign-in page again, with the lockout explained (HTTP 429), for pages and admin."""
    username = attempted_username(request, credentials)
    form = LoginForm(request, initial={"username": username})
    context = {
        "form": form,
        "next": request.POST.get("next", "") or request.GET.get("next", ""),
        "lockout_message": lockout_message(),
        "sign_in_settings": selectors.sign_in_settings(),
    }
    return render(
        request, "registration/login.html", context, status=settings.AXES_HTTP_RESPONSE_CODE
    )


def unlock(user) -> int:
    """Clear the failed sign-ins of ``user`` from every address; the number of records removed."""
    from axes.utils import reset

    return reset(username=user.email.strip().lower())
