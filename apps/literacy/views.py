"""The literacy pages: the organisation's gaps (with its CSV), a person's trainings, the
trainings on offer, recording a completion and importing a file of them."""

from __future__ import annotations

import csv
import io
from types import SimpleNamespace

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, Q
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views import View
from django.views.generic import FormView, TemplateView

from apps.core import rules
from apps.core.ids import parse_id
from apps.core.spreadsheets import spreadsheet_row
from apps.core.views.generic import ObjectListView, add_service_errors
from apps.literacy import imports, permissions, selectors, services
from apps.literacy.filters import GapFilterForm
from apps.literacy.forms import CompletionForm, ImportForm
from apps.literacy.models import Training, TrainingRequirement


class RuleMixin(LoginRequiredMixin):
    """A page about no record in particular, behind one rule of :mod:`apps.core.rules`."""

    rule = ""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            reason = rules.refusal(request.user, self.rule)
            if reason:
                raise PermissionDenied(reason)
        return super().dispatch(request, *args, **kwargs)


def _gap_query(request):
    """The filter form of the literacy page, and the people it selects with the trainings
    they are measured on."""
    form = GapFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    training = data.get("training")
    required = selectors.required_trainings(training.pk if training else None)
    team = data.get("team")
    people = selectors.people_with_gaps(
        required=required,
        team_id=team.pk if team else None,
        include_expiring=data.get("status") != "missing",
    )
    if data.get("q"):
        people = people.filter(Q(full_name__icontains=data["q"]) | Q(email__icontains=data["q"]))
    return form, required, people


class LiteracyView(RuleMixin, ObjectListView):
    """People who miss a required training, or whose training expires within 30 days."""

    rule = "view_literacy"
    template_name = "literacy/overview.html"
    partial_template_name = "literacy/_overview_results.html"

    def get_queryset(self):
        form, self.required, people = _gap_query(self.request)
        self.filterset = SimpleNamespace(form=form)
        return people

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["rows"] = [
            (person, selectors.states_of(person, self.required))
            for person in context["page_obj"].object_list
        ]
        context["has_requirements"] = bool(self.required) or bool(self.request.GET.get("training"))
        context["can_import"] = permissions.can_import_completions(self.request.user)
        return context


class LiteracyExportView(RuleMixin, View):
    """The literacy page's rows as CSV, one row per person and training they miss."""

    rule = "view_literacy"
    HEADER = ["name", "email", "training", "kind", "state", "valid_until", "required_of"]

    def get(self, request):
        _, required, people = _gap_query(request)

        def lines():
            out = io.StringIO()
            writer = csv.writer(out)
            writer.writerow(self.HEADER)
            for person in people.iterator(chunk_size=500):
                for state in selectors.states_of(person, required):
                    if state.state == selectors.State.VALID:
                        continue
                    writer.writerow(
                        spreadsheet_row(
                            [
                                person.full_name,
                                person.email,
                                state.training.name,
                                state.training.get_kind_display(),
                                state.label,
                                state.until.isoformat() if state.until else "",
                                "; ".join(state.audiences),
                            ]
                        )
                    )
                yield out.getvalue()
                out.seek(0)
                out.truncate(0)
            yield out.getvalue()

        response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="ai-literacy-gaps.csv"'
        return response


class PersonTrainingView(LoginRequiredMixin, TemplateView):
    """A person's trainings: what their roles require and its state, and their completions.
    Their own page for everyone; anyone's for global readers (another's is a 404 otherwise)."""

    template_name = "literacy/person.html"

    def get_person(self):
        if "pk" not in self.kwargs:
            return self.request.user
        pk = parse_id(str(self.kwargs["pk"]))
        person = get_object_or_404(get_user_model(), pk=pk) if pk else None
        if person is None or not permissions.can_view_person_training(self.request.user, person):
            raise Http404
        return person

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        person = self.get_person()
        context.update(selectors.person_training(person))
        context["person"] = person
        context["is_self"] = person.pk == self.request.user.pk
        context["can_record"] = permissions.can_record_completion(self.request.user, person)
        context["can_record_for_others"] = permissions.can_record_for_others(self.request.user)
        return context


class CompletionLinkView(LoginRequiredMixin, View):
    """A completion's address (the audit log links to it): its person's training page."""

    def get(self, request, pk):
        completion = get_object_or_404(
            selectors.completions_visible_to(request.user), pk=parse_id(str(pk))
        )
        if completion.person_id == request.user.pk:
            return redirect("literacy:mine")
        return redirect("literacy:person", pk=completion.person_id)


class TrainingListView(LoginRequiredMixin, TemplateView):
    """The trainings on offer and who must take them; administrators set them up in the
    administration."""

    template_name = "literacy/trainings.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["trainings"] = Training.objects.prefetch_related(
            Prefetch("requirements", queryset=TrainingRequirement.objects.order_by("audience"))
        ).order_by("-is_active", "name")
        context["is_administrator"] = self.request.user.is_superuser
        return context


class CompletionCreateView(RuleMixin, FormView):
    """Record a completion: an administrator's for anyone, a person's own (declared)."""

    rule = "record_completion"
    template_name = "literacy/completion_form.html"
    form_class = CompletionForm

    def for_others(self) -> bool:
        return permissions.can_record_for_others(self.request.user)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["for_others"] = self.for_others()
        if self.for_others() and self.request.GET.get("person"):
            kwargs.setdefault("initial", {})["person"] = parse_id(self.request.GET["person"])
        return kwargs

    def form_valid(self, form):
        data = form.cleaned_data
        person = data.get("person") or self.request.user
        try:
            completion = services.record_completion(
                person=person,
                training=data["training"],
                completed_on=data["completed_on"],
                evidence=data["evidence"],
                by=self.request.user,
                reason=data.get("change_reason", ""),
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(request=self.request, message=f"Recorded: {completion}.")
        if person.pk == self.request.user.pk:
            return redirect("literacy:mine")
        return redirect("literacy:person", pk=person.pk)


class ImportView(RuleMixin, FormView):
    """Upload an LMS's CSV of completions: every row checked, all stored or none."""

    rule = "import_completions"
    template_name = "literacy/import.html"
    form_class = ImportForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["columns"] = imports.CSV_COLUMNS
        return context

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        try:
            rows = imports.read_completions(upload)
            result = services.import_completions(
                rows=rows, by=self.request.user, file_name=upload.name
            )
        except ValidationError as error:
            form.add_error("file", error)
            return self.render_to_response(self.get_context_data(form=form), status=400)
        messages.success(
            self.request,
            f"{len(rows):,} completions read: {result.created:,} recorded, "
            f"{result.already_recorded:,} already there.",
        )
        return redirect(reverse("literacy:overview"))

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)


class ImportTemplateView(RuleMixin, View):
    rule = "import_completions"

    def get(self, request):
        response = HttpResponse(imports.csv_template(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="training-completions.csv"'
        return response
