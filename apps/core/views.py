"""Generic views every app builds on, and the pages that belong to no app in particular."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch, Q
from django.http import HttpResponseRedirect
from django.views.decorators.http import require_safe
from django.views.generic import FormView, ListView, TemplateView

from apps.accounts import permissions
from apps.accounts.models import Membership, Team
from apps.core import dashboard, selectors
from apps.core.concurrency import EditConflict
from apps.core.filters import AuditEventFilterSet
from apps.systems.models import AISystem


def add_service_errors(form, error: ValidationError) -> None:
    """Put a service's ``ValidationError`` on the form: on its fields where they exist."""
    if hasattr(error, "error_dict"):
        for field, field_errors in error.error_dict.items():
            target = field if field in form.fields else None
            for field_error in field_errors:
                form.add_error(target, field_error)
    else:
        form.add_error(None, error)


class PaginationMixin:
    """``?per_page=`` within bounds, and a page past the end shows the last page (no 404)."""

    paginate_by = settings.PAGE_SIZE

    def get_paginate_by(self, queryset):
        try:
            size = int(self.request.GET.get("per_page", self.paginate_by))
        except ValueError:
            size = self.paginate_by
        return max(1, min(size, settings.MAX_PAGE_SIZE))

    def paginate_queryset(self, queryset, page_size):
        # Lenient: a page number past the end shows the last page rather than a 404.
        paginator = self.get_paginator(queryset, page_size)
        page = paginator.get_page(self.request.GET.get(self.page_kwarg))
        return paginator, page, page.object_list, page.has_other_pages()


class FilteredListView(LoginRequiredMixin, PaginationMixin, ListView):
    """A list with a django-filter FilterSet, sorting, search and pagination.

    For an htmx request (the filter form updates the results in place) it renders only
    ``partial_template_name``; otherwise the full page, which includes that same partial.
    """

    filterset_class = None
    partial_template_name: str | None = None

    def get_base_queryset(self):
        raise NotImplementedError

    def get_queryset(self):
        self.filterset = self.filterset_class(
            self.request.GET, queryset=self.get_base_queryset(), request=self.request
        )
        return self.filterset.qs

    def get_template_names(self):
        htmx = getattr(self.request, "htmx", None)
        if htmx and not htmx.boosted and self.partial_template_name:
            return [self.partial_template_name]
        return super().get_template_names()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filterset"] = self.filterset
        context["filter_form"] = self.filterset.form
        context["partial_template_name"] = self.partial_template_name
        context["is_filtered"] = any(
            value
            for key, value in self.request.GET.items()
            if key not in {"page", "per_page", "ordering"}
        )
        return context


class ServiceFormView(LoginRequiredMixin, FormView):
    """A form whose valid data goes to a service function.

    Subclasses implement :meth:`perform`, which calls the service and returns the saved record.
    A ``ValidationError`` from the service is shown on the form, with everything typed kept.
    """

    success_message = ""

    def perform(self, form):
        raise NotImplementedError

    def form_valid(self, form):
        try:
            obj = self.perform(form)
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        except EditConflict as conflict:
            return self.edit_conflict(form, conflict)
        if self.success_message:
            messages.success(self.request, self.success_message.format(obj=obj))
        return HttpResponseRedirect(self.get_success_url(obj))

    def get_success_url(self, obj=None):
        return obj.get_absolute_url()

    def edit_conflict(self, form, conflict: EditConflict):
        """Someone saved the record since the form was opened: show theirs next to what was
        typed (kept in the form). The form now carries their version, so saving again is a
        deliberate choice to keep this one."""
        form.data = form.data.copy()
        form.data["version"] = str(conflict.version)
        form.add_error(None, conflict.message)
        context = self.get_context_data(form=form, edit_conflict=conflict)
        return self.render_to_response(context, status=409)


class HomeView(LoginRequiredMixin, TemplateView):
    """The dashboard (scoped to the user's teams unless they read everything), then my teams
    and their systems; the whole organisation for those who read everything."""

    template_name = "core/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        active_systems = Prefetch(
            "team__systems",
            queryset=AISystem.objects.active().order_by("name"),
            to_attr="active_systems",
        )
        context["memberships"] = (
            Membership.objects.filter(user=user)
            .select_related("team")
            .prefetch_related(active_systems)
            .order_by("team__name")
        )
        if permissions.has_global_read(user):
            context["all_teams"] = Team.objects.annotate(
                system_count=Count("systems", filter=Q(systems__archived_at__isnull=True))
            ).order_by("name")
        context["can_create_system"] = permissions.can_create_system(user)
        # The governance dashboard: every team for global readers, one's own teams otherwise.
        context["dashboard"] = dashboard.dashboard(user, team_id=self.request.GET.get("team"))
        return context


class AuditLogView(FilteredListView):
    """Every change of every record, for auditors and the committee."""

    filterset_class = AuditEventFilterSet
    template_name = "core/audit_log.html"
    partial_template_name = "core/_audit_log_results.html"
    paginate_by = 50

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not permissions.can_view_audit_log(request.user):
            raise PermissionDenied(
                "The audit log is open to auditors, committee members and administrators."
            )
        return super().dispatch(request, *args, **kwargs)

    def get_base_queryset(self):
        return selectors.audit_events()


class ObjectHistoryView(LoginRequiredMixin, PaginationMixin, ListView):
    """The full history of one record, paginated, for anyone who may read the record."""

    template_name = "core/object_history.html"
    paginate_by = 50

    def get_object(self):
        raise NotImplementedError

    def get_queryset(self):
        self.object = self.get_object()
        return selectors.history_of(self.object)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["object"] = self.object
        return context


@require_safe
def healthz(request):
    """For load balancers and container health checks: 200 when the database answers (GET and
    HEAD only: it changes nothing)."""
    from django.db import connection
    from django.http import HttpResponse

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")
