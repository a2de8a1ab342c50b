"""Importing a system's risks from a spreadsheet, and the template to start from."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views import View
from django.views.generic import FormView

from apps.risks import imports, permissions
from apps.systems.models import AISystem


class RiskImportForm(forms.Form):
    file = forms.FileField(
        label="Spreadsheet (.csv or .xlsx)",
        help_text="One row per risk under a header row; at most "
        f"{imports.MAX_ROWS} risks per file.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )
    change_reason = forms.CharField(
        label="Reason for the change (optional)",
        max_length=255,
        required=False,
        help_text="Recorded in each risk's history (by default: imported from the file's name).",
    )


class RiskImportView(LoginRequiredMixin, FormView):
    """GET: the form and the column layout. POST: every risk of the file, or none and why."""

    template_name = "risks/import.html"
    form_class = RiskImportForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            system = self.get_system()
            if not permissions.can_create_risk(request.user, system):
                raise PermissionDenied(
                    "This system is archived: restore it before importing risks."
                    if system.is_archived
                    else "Only contributors of the system's team can import risks."
                )
        return super().dispatch(request, *args, **kwargs)

    def get_system(self) -> AISystem:
        if not hasattr(self, "_system"):
            self._system = get_object_or_404(
                AISystem.objects.visible_to(self.request.user).select_related("team"),
                pk=self.kwargs["system_pk"],
            )
        return self._system

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["system"] = self.get_system()
        context["columns"] = imports.IMPORT_COLUMNS
        context["max_bytes"] = settings.IMPORT_MAX_BYTES
        return context

    def form_valid(self, form):
        system = self.get_system()
        result = imports.import_risks(
            system=system,
            by=self.request.user,
            upload=form.cleaned_data["file"],
            reason=form.cleaned_data["change_reason"],
        )
        if not result.ok:
            return self.render_to_response(
                self.get_context_data(form=form, import_errors=result.errors)
            )
        count = len(result.created)
        messages.success(
            self.request,
            f"{count} risk{'s' if count != 1 else ''} imported into {system.reference}.",
        )
        return redirect(system.get_absolute_url())


class ImportTemplateView(LoginRequiredMixin, View):
    """The template as CSV or XLSX; its example row is owned by whoever downloads it."""

    def get(self, request, fmt):
        if fmt not in imports.FORMATS:
            raise Http404("The template comes as .csv or .xlsx.")
        content = imports.build_template(fmt, owner_email=request.user.email)
        response = HttpResponse(content, content_type=imports.CONTENT_TYPES[fmt])
        response["Content-Disposition"] = f'attachment; filename="risk-import-template.{fmt}"'
        return response
