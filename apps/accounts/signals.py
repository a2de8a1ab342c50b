from django.utils import timezone


def record_last_login(sender, user, **kwargs):
    """Set ``last_login`` with an UPDATE that leaves no history version behind."""
    now = timezone.now()
    type(user).objects.filter(pk=user.pk).update(last_login=now)
    user.last_login = now


def record_session(sender, request, user, **kwargs):
    """Every sign-in, whichever way (our page, the admin site's, single sign-on, a test client's
    ``force_login``): record its session and the roles that need a second factor right now."""
    if request is None or not hasattr(request, "session"):
        return
    from apps.accounts import selectors, services
    from apps.accounts.middleware import SEEN_KEY
    from apps.accounts.second_factor import SIGNED_IN_KEY, remember_policy

    remember_policy(request, selectors.sign_in_settings().roles_needing_mfa)
    record = services.record_sign_in(request=request, user=user, method=_method(request, user))
    if record is not None:
        request.session[SEEN_KEY] = int(record.last_seen_at.timestamp())
        request.session[SIGNED_IN_KEY] = record.created_at.timestamp()


def _method(request, user) -> str:
    from allauth.account.authentication import get_authentication_records

    records = get_authentication_records(request, user)
    if not records:
        return ""
    last = records[-1]
    if last.get("method") == "socialaccount":
        return f"single sign-on ({last.get('provider', '')})"
    return str(last.get("method", ""))


def remember_idp_second_factor(sender, request, user, **kwargs):
    """allauth's sign-in, completed: a single sign-on whose identity provider asked for a second
    factor counts as one for this session (when the sign-in settings trust it)."""
    from apps.accounts.second_factor import IDP_KEY
    from apps.accounts.sso import idp_asked_second_factor

    sociallogin = kwargs.get("sociallogin")
    if sociallogin is not None and idp_asked_second_factor(sociallogin):
        request.session[IDP_KEY] = True


def remember_enrolment(sender, request, user, **kwargs):
    """A second factor set up in this session counts as one: the person just proved to hold it."""
    from apps.accounts.second_factor import ENROLLED_KEY

    if request is not None and hasattr(request, "session"):
        request.session[ENROLLED_KEY] = True
