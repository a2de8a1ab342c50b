"""Generic views: a model's pages are a few declarations.

Like NetBox's generic views, each class here does one kind of page for any model, configured by
class attributes: the model, the selector that finds its rows, the rule the person must pass,
the service that writes, the template names. An app's ``views.py`` is then a list of short
classes (see ``docs/architecture.md``)::

    class RiskView(ObjectView):
        model = Risk
        selector = staticmethod(selectors.risk_detail)

    class RiskEditView(ObjectEditView):
        model = Risk
        selector = staticmethod(selectors.risk_detail)
        form_class = RiskForm
        service = staticmethod(services.update_risk)

How every page finds its record and checks the person, once:

* the record is looked up among the rows the person may see (``selector(user)``, by default
  ``Model.objects.visible_to(user)``): another team's record is a 404, never a 403 that would
  confirm it exists;
* the view's ``action`` (``"change"``, ``"archive"``…) is asked of :mod:`apps.core.rules`, where
  the model's app registered its rule: a refusal is a 403 whose page says why.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.db.models import Model, QuerySet
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.views import View
from django.views.generic import FormView, ListView, TemplateView

from apps.core import panels, replica, rules
from apps.core import selectors as core_selectors
from apps.core.concurrency import EditConflict
from apps.core.ids import parse_id

HISTORY_ON_DETAIL_PAGE = 20


def add_service_errors(form, error: ValidationError) -> None:
    """Put a service's ``ValidationError`` on the form: on its fields where they exist."""
    if hasattr(error, "error_dict"):
        for field, field_errors in error.error_dict.items():
            target = field if field in form.fields else None
            for field_error in field_errors:
                form.add_error(target, field_error)
    else:
        form.add_error(None, error)


def _template(model: type[Model], suffix: str) -> str:
    return f"{model._meta.app_label}/{suffix}.html"


# --- Finding the record ---------------------------------------------------------------------------
class ObjectMixin(LoginRequiredMixin):
    """One record, found among those the person may see, and the view's rule checked on it.

    ``selector(user)`` gives the rows the person may see, with what the page shows joined in;
    ``action`` is the rule asked before anything else (``"view"``: seeing it is enough).
    """

    model: ClassVar[type[Model] | None] = None
    selector: ClassVar[Callable[[Any], QuerySet] | None] = None
    action: ClassVar[str] = "view"
    # The rule of a POST, on a page whose GET only reads (a committee's decision on a request
    # that its team also reads); by default a POST asks ``action`` like any other method.
    post_action: ClassVar[str | None] = None
    pk_url_kwarg: ClassVar[str] = "pk"
    # The field the URL names the record by: its id, or another unique key (a template's ``key``).
    lookup_field: ClassVar[str] = "pk"
    # The record's name in the page's context and in the service's keywords (``system``);
    # by default its model's name.
    record_name: ClassVar[str | None] = None
    # True: the record is found and the rule asked before the method, so a GET of a POST-only
    # action is refused as the write would be (404, 403) and only who may do it learns it is
    # a POST (405); by default a method the view does not answer is a 405 first.
    check_before_method: ClassVar[bool] = False

    def get_visible_queryset(self) -> QuerySet:
        if self.selector is not None:
            return self.selector(self.request.user)
        if self.model is None:
            raise ImproperlyConfigured(f"{type(self).__name__} needs a model or a selector.")
        return self.model._default_manager.visible_to(self.request.user)

    def get_object(self) -> Model:
        if not hasattr(self, "_object"):
            value = str(self.kwargs[self.pk_url_kwarg])
            if self.lookup_field == "pk":
                value = parse_id(value)
            self._object = get_object_or_404(
                self.get_visible_queryset(), **{self.lookup_field: value}
            )
        return self._object

    def check_permission(self, obj) -> None:
        action = self.action
        if self.post_action and self.request.method == "POST":
            action = self.post_action
        if action == "view":
            return
        reason = rules.refusal(self.request.user, action, obj)
        if reason:
            raise PermissionDenied(reason)

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        method = request.method.lower()
        answered = method in self.http_method_names and hasattr(self, method)
        if not answered and not self.check_before_method:
            return self.http_method_not_allowed(request, *args, **kwargs)
        self.object = self.get_object()
        self.check_permission(self.object)
        return super().dispatch(request, *args, **kwargs)

    def get_record_name(self) -> str:
        return self.record_name or type(self.get_object())._meta.model_name

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("object", self.object)
        context.setdefault(self.get_record_name(), self.object)
        return context


# --- Reading --------------------------------------------------------------------------------------
class ObjectView(ObjectMixin, TemplateView):
    """A record's page: the record, the panels other apps add to it, and its latest history.

    Subclasses add what else the page shows in :meth:`get_extra_context`.
    """

    history_on_page = HISTORY_ON_DETAIL_PAGE

    def get_template_names(self):
        if self.template_name:
            return [self.template_name]
        return [_template(type(self.object), "detail")]

    def get_history(self, obj) -> QuerySet:
        return core_selectors.history_of(obj)

    def get_extra_context(self) -> dict:
        return {}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # One more than shown tells whether there is more, without counting them all.
        history = list(self.get_history(self.object)[: self.history_on_page + 1])
        context["history"] = history[: self.history_on_page]
        context["history_truncated"] = len(history) > self.history_on_page
        context.update(panels.render_context(self.request, self.object))
        context.update(self.get_extra_context())
        return context


class DecisionView(ObjectView):
    """A request the committee decides (a risk's acceptance, an obligation's exception):
    everyone who may see it reads it; one who may decide gets the decision form (``form``) and
    POSTs the decision, which the subclass's :meth:`decide` hands to its service."""

    post_action = "decide"
    decision_form_class: type[forms.Form]

    def decide(self, record, *, by, approve: bool, comment: str):
        """Record the decision through the app's service; return the decided record."""
        raise NotImplementedError

    def get_context_data(self, **kwargs):
        kwargs.setdefault("form", self.decision_form_class())
        return super().get_context_data(**kwargs)

    def post(self, request, *args, **kwargs):
        form = self.decision_form_class(request.POST)
        if form.is_valid():
            try:
                record = self.decide(
                    self.object,
                    by=request.user,
                    approve=form.cleaned_data["decision"] == "approve",
                    comment=form.cleaned_data["comment"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                status = record.get_status_display().lower()
                messages.success(request, f"{record.reference} is {status}.")
                return redirect(record.get_absolute_url())
        return self.render_to_response(self.get_context_data(form=form), status=400)


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


class ObjectHistoryView(ObjectMixin, PaginationMixin, ListView):
    """The full history of one record, paginated, for anyone who may read the record."""

    template_name = "core/object_history.html"
    paginate_by = 50

    def get_history(self, obj) -> QuerySet:
        return core_selectors.history_of(obj)

    def get_queryset(self):
        return self.get_history(self.object)


class ObjectListView(LoginRequiredMixin, PaginationMixin, ListView):
    """A list with a django-filter FilterSet, sorting, search, pagination and, when it has an
    ``exporter``, a *Download CSV* link to :class:`ObjectExportView` with the same filters.

    ``selector(user)`` gives the rows the person may see. For an htmx request (the filter form
    updates the results in place) it renders only ``partial_template_name``; otherwise the full
    page, which includes that same partial.
    """

    filterset_class = None  # none: the list takes no filters, in the selector's order
    selector: ClassVar[Callable[[Any], QuerySet] | None] = None
    partial_template_name: str | None = None
    permission_action: ClassVar[str | None] = None  # a rule about no record, e.g. the audit log's
    # Query parameters that are not filters but what the page is for, kept when the filters
    # change or are cleared (the library's ``?system=``: the system its Add buttons add to).
    carried_params: ClassVar[tuple[str, ...]] = ()

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and self.permission_action:
            reason = rules.refusal(request.user, self.permission_action)
            if reason:
                raise PermissionDenied(reason)
        return super().dispatch(request, *args, **kwargs)

    def get_base_queryset(self) -> QuerySet:
        if self.selector is not None:
            return self.selector(self.request.user)
        return self.model._default_manager.visible_to(self.request.user)

    def get_queryset(self):
        queryset = self.get_base_queryset()
        if self.filterset_class is None:  # a list without filters (the committee's queue)
            self.filterset = None
            return queryset
        self.filterset = self.filterset_class(
            self.request.GET, queryset=queryset, request=self.request
        )
        return self.filterset.qs

    def get_template_names(self):
        htmx = getattr(self.request, "htmx", None)
        if htmx and not htmx.boosted and self.partial_template_name:
            return [self.partial_template_name]
        return super().get_template_names()

    def get_extra_context(self) -> dict:
        return {}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filterset"] = self.filterset
        context["filter_form"] = self.filterset.form if self.filterset else None
        context["partial_template_name"] = self.partial_template_name
        context["is_filtered"] = any(
            value
            for key, value in self.request.GET.items()
            if key not in {"page", "per_page", "ordering", *self.carried_params}
        )
        context["carried_params"] = [
            (name, self.request.GET[name])
            for name in self.carried_params
            if self.request.GET.get(name)
        ]
        context["clear_url"] = self.request.path + (
            "?" + urlencode(context["carried_params"]) if context["carried_params"] else ""
        )
        context["active_filter_count"] = _active_filter_count(
            context["filter_form"], self.request.GET
        )
        query = self.request.GET.copy()
        query.pop("page", None)
        context["export_query"] = query.urlencode()
        context.update(self.get_extra_context())
        return context


def _active_filter_count(filter_form, query) -> int:
    """How many of the list's filters the query sets to something other than their default
    (the “Filters (n)” toggle on phones; app.js counts the same way as they change): a value
    that is the first choice of a list without an empty one (“Active” records) is the default."""
    if filter_form is None:
        return 0
    count = 0
    for name, field in filter_form.fields.items():
        values = [value for value in query.getlist(name) if value.strip()]
        if name == "ordering" or not values:
            continue
        if isinstance(field, forms.ChoiceField) and not isinstance(field, forms.ModelChoiceField):
            choices = list(field.choices)
            if len(values) == 1 and choices and str(choices[0][0]) == values[0]:
                continue
        count += 1
    return count


# Kept for the lists that predate the name (the audit log, the library).
FilteredListView = ObjectListView


class ObjectExportView(LoginRequiredMixin, View):
    """Exactly the rows of a filtered list, streamed through the list's exporter
    (:mod:`apps.core.api.exports`): the same columns as the API's export of that resource."""

    exporter = None  # an apps.core.api.exports.Exporter
    filterset_class = None  # the list page's FilterSet (default: the exporter's)
    file_format = "csv"

    def dispatch(self, request, *args, **kwargs):
        # The exporter's rule about no record (the audit log's), as its list page asks it.
        action = self.exporter.permission_action
        if request.user.is_authenticated and action:
            reason = rules.refusal(request.user, action)
            if reason:
                raise PermissionDenied(reason)
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        from apps.core.api.exports import export_response

        filterset_class = self.filterset_class or self.exporter.filterset_class
        queryset = self.exporter.get_queryset(request.user)
        filterset = filterset_class(request.GET, queryset=queryset, request=request)
        # Auditors' exports are read from the replica when there is one (apps.core.replica).
        rows = filterset.qs.using(replica.alias_for(request.user))
        return export_response(self.exporter, rows, self.file_format)


# --- Writing --------------------------------------------------------------------------------------
class ServiceFormView(LoginRequiredMixin, FormView):
    """A form whose valid data goes to a service function.

    Subclasses implement :meth:`perform`, which calls the service and returns the saved record.
    A ``ValidationError`` from the service is shown on the form, with everything typed kept; an
    :class:`~apps.core.concurrency.EditConflict` shows both versions with a 409.
    """

    success_message = ""

    def perform(self, form):
        raise NotImplementedError

    def check_with_service(self, form) -> None:
        """When the form itself has errors, raise the ``ValidationError`` of the service's own
        checks on what the form could read (``form.cleaned_data``), without writing anything:
        the page then shows every problem at once, not the service's after the form's are
        fixed. By default a service has no such check."""

    def form_invalid(self, form):
        if not getattr(form, "service_checked", False):
            form.service_checked = True
            try:
                self.check_with_service(form)
            except ValidationError as error:
                # A field the form already refused keeps its own error only.
                if hasattr(error, "error_dict"):
                    kept = {f: e for f, e in error.error_dict.items() if f not in form.errors}
                    error = ValidationError(kept) if kept else None
                if error is not None:
                    add_service_errors(form, error)
        return super().form_invalid(form)

    def form_valid(self, form):
        form.service_checked = True
        try:
            obj = self.perform(form)
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        except EditConflict as conflict:
            return self.edit_conflict(form, conflict)
        message = self.get_success_message(obj)
        if message:
            messages.success(self.request, message)
        return HttpResponseRedirect(self.get_success_url(obj))

    def get_success_message(self, obj) -> str:
        """``success_message`` about the saved record (override for one it cannot format)."""
        return self.success_message.format(obj=obj) if self.success_message else ""

    def get_success_url(self, obj=None):
        return obj.get_absolute_url()

    def edit_conflict(self, form, conflict: EditConflict):
        """Someone saved the record since the form was opened: show theirs next to what was
        typed (kept in the form). The form now carries their version, and their changes to the
        fields this person had left alone, so saving again is a deliberate choice to keep this
        person's version of the contested fields only."""
        form.data = form.data.copy()
        form.data["version"] = str(conflict.version)
        if hasattr(form, "take_saved_values"):
            form.take_saved_values(conflict.kept)
        form.add_error(None, conflict.message)
        context = self.get_context_data(form=form, edit_conflict=conflict)
        return self.render_to_response(context, status=409)


class ObjectEditView(ObjectMixin, ServiceFormView):
    """Edit a record through its service, with optimistic concurrency.

    The service is called as ``service(<record_name>=obj, by=…, data=form.service_data(),
    reason=…, expected_version=…, **get_service_kwargs(form))``.
    """

    action = "change"
    service: ClassVar[Callable[..., Model] | None] = None
    success_message = "Your changes to {obj.reference} are saved."

    def get_template_names(self):
        if self.template_name:
            return [self.template_name]
        return [_template(type(self.object), "form")]

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = self.get_form_instance()
        return kwargs

    def get_form_instance(self):
        return self.object

    def get_service_kwargs(self, form) -> dict:
        return {}

    def perform(self, form):
        return self.service(
            **{self.get_record_name(): self.object},
            by=self.request.user,
            data=form.service_data(),
            reason=form.cleaned_data["change_reason"],
            expected_version=form.expected_version,
            **self.get_service_kwargs(form),
        )


class ObjectArchiveView(ObjectMixin, TemplateView):
    """Archive a record (or restore an archived one): GET asks for confirmation and a reason,
    POST calls the service; nothing is ever deleted."""

    action = "archive"
    archive_service: ClassVar[Callable[..., Model] | None] = None
    restore_service: ClassVar[Callable[..., Model] | None] = None
    archived_message = "{obj.reference} is archived; nothing was deleted."
    restored_message = "{obj.reference} is back."

    def get_template_names(self):
        if self.template_name:
            return [self.template_name]
        return [_template(type(self.object), "archive_confirm")]

    def post(self, request, *args, **kwargs):
        obj = self.object
        name = self.get_record_name()
        reason = request.POST.get("reason", "").strip()[:255]
        restoring = obj.is_archived
        service = self.restore_service if restoring else self.archive_service
        try:
            obj = service(**{name: obj}, by=request.user, reason=reason)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            message = self.restored_message if restoring else self.archived_message
            messages.success(request, message.format(obj=obj))
        return redirect(obj.get_absolute_url())


class ObjectActionView(ObjectMixin, View):
    """A POST that changes one record through a service (a status, a link): the subclass's
    :meth:`act` calls the service; a ``ValidationError`` becomes an error message, and the
    person goes back to the record's page (``next`` when it is one of ours)."""

    action = "change"
    http_method_names = ["post"]

    def act(self, obj) -> str:
        """Do it; return the success message."""
        raise NotImplementedError

    def get_success_url(self, obj) -> str:
        return obj.get_absolute_url()

    def post(self, request, *args, **kwargs):
        try:
            message = self.act(self.object)
        except ValidationError as error:
            return self.respond(" ".join(error.messages), messages.ERROR)
        return self.respond(message, messages.SUCCESS)

    def respond(self, text: str, level: int):
        """The answer once it is done (or refused: ``level`` says which). By default the
        message, then back to the record's page; an action from a panel answers with the panel."""
        if text:
            messages.add_message(self.request, level, text)
        return redirect(self.get_success_url(self.object))


class ParentCreateView(ServiceFormView):
    """Create a record under a parent named in the query (``?system=<pk>``); without one, the
    person first chooses the parent on one shared chooser page.

    The parent is found among those the person may see (404 otherwise), then ``parent_action``
    is asked of its rules (403 with the reason). The service is called as
    ``service(<parent_param>=parent, by=…, data=form.service_data(), reason=…,
    **get_service_kwargs(form))``.
    """

    parent_model: ClassVar[type[Model] | None] = None
    parent_param: ClassVar[str] = ""
    parent_action: ClassVar[str] = "add_child"
    service: ClassVar[Callable[..., Model] | None] = None

    def get_parent_queryset(self) -> QuerySet:
        return self.parent_model._default_manager.visible_to(self.request.user)

    def get_parent(self):
        if not hasattr(self, "_parent"):
            value = self.request.GET.get(self.parent_param) or self.request.POST.get(
                self.parent_param
            )
            pk = parse_id(value)
            self._parent = (
                None if pk is None else get_object_or_404(self.get_parent_queryset(), pk=pk)
            )
        return self._parent

    def refuse_without_parent(self) -> None:
        """Raise ``PermissionDenied`` if the person may create no such record anywhere."""

    def choose_parent(self, request):
        """The chooser page (a GET without a parent)."""
        raise NotImplementedError

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.parent = self.get_parent()
        if self.parent is None:
            self.refuse_without_parent()
            return self.choose_parent(request)
        reason = rules.refusal(request.user, self.parent_action, self.parent)
        if reason:
            raise PermissionDenied(reason)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context[self.parent_param] = self.parent
        return context

    def get_service_kwargs(self, form) -> dict:
        return {}

    def perform(self, form):
        return self.service(
            **{self.parent_param: self.parent},
            by=self.request.user,
            data=form.service_data(),
            reason=form.cleaned_data["change_reason"],
            **self.get_service_kwargs(form),
        )
