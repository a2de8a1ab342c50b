"""Importing a system's risks from a spreadsheet, and the template to start from."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.views import View
from django.views.generic import FormView

from apps.core.views.generic import ObjectMixin
from apps.risks import imports
from apps.risks.forms import RiskImportForm
from apps.systems import selectors as system_selectors
from apps.systems.models import AISystem


class RiskImportView(ObjectMixin, FormView):
    """GET: the form and the column layout. POST: every risk of the file, or none and why."""

    model = AISystem
    selector = staticmethod(system_selectors.system_detail)
    pk_url_kwarg = "system_pk"
    record_name = "system"
    action = "import_risks"
    template_name = "risks/import.html"
    form_class = RiskImportForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["columns"] = imports.IMPORT_COLUMNS
        context["max_bytes"] = settings.IMPORT_MAX_BYTES
        return context

    def form_valid(self, form):
        system = self.object
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
