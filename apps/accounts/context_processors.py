from apps.accounts import permissions


def navigation(request):
    """What the navigation bar offers the signed-in user."""
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        return {}
    return {
        "nav": {
            "audit_log": permissions.can_view_audit_log(user),
            "admin": user.is_active and user.is_staff,
        }
    }
