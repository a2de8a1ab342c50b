from apps.reminders import selectors


class _UnreadCount:
    """Counts on first use and remembers: pages that do not show the bell make no query."""

    def __init__(self, user):
        self.user = user
        self._value = None

    def __call__(self) -> int:  # templates call callables
        if self._value is None:
            self._value = selectors.unread_count(self.user)
        return self._value


def notifications(request):
    """``unread_notifications``: the number on the navigation bar's bell."""
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        return {}
    return {"unread_notifications": _UnreadCount(user)}
