"""DRF permission classes: thin adapters over the rules apps register (:mod:`apps.core.rules`).

What a role may do is decided by each app's ``permissions.py``; these classes only ask. Reads
are open to every signed-in person because each resource's queryset is already scoped to what
they may see (another team's record is a 404, not a 403). Writes need a role that writes
(auditors never do) and, on an existing record, the record-level check the pages use.
"""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from apps.core import rules


class RecordPermission(BasePermission):
    message = "You may read these records but not change them."

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if request.method in SAFE_METHODS:
            return True
        refusal = rules.refusal(user, "write")
        if refusal:
            self.message = refusal
            return False
        return True

    def has_object_permission(self, request, view, obj):
        if request.method in SAFE_METHODS:
            return True
        return view.may_change(request.user, obj)


class GlobalReadPermission(BasePermission):
    """Records that span every team (the audit log): global readers only."""

    message = "The audit log is open to auditors, committee members and administrators."

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated) and rules.allows(
            request.user, "view_audit_log"
        )
