"""The risk matrix: everyone reads it; administrators change its bands and deadlines."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.views.generic import TemplateView

from apps.core import selectors as core_selectors
from apps.core.models import Level
from apps.core.templatetags.register import LEVEL_CLASSES
from apps.core.views.generic import ObjectMixin
from apps.risks import permissions, services
from apps.risks.forms import RiskMatrixForm
from apps.risks.models import Impact, Likelihood, RiskMatrix

HISTORY_ON_PAGE = 10


def _bands(matrix: RiskMatrix) -> list[dict]:
    """Each level with its score range and treatment deadline, most severe first."""
    upper = {
        Level.CRITICAL: 25,
        Level.HIGH: matrix.critical_min_score - 1,
        Level.MEDIUM: matrix.high_min_score - 1,
        Level.LOW: matrix.medium_min_score - 1,
    }
    return [
        {
            "level": level,
            "low": matrix.min_score(level),
            "high": upper[level],
            "days": matrix.deadline_days(level),
        }
        for level in sorted(Level, reverse=True)
    ]


def _grid(matrix: RiskMatrix) -> list[dict]:
    """The 5×5 grid, impact rows from 5 down to 1, each cell with its colour class."""
    rows = []
    for cells in matrix.grid():
        impact = cells[0]["impact"]
        rows.append(
            {
                "impact": impact,
                "label": Impact(impact).label,
                "cells": [
                    cell
                    | {
                        "css": LEVEL_CLASSES[cell["level"]],
                        "level_label": Level(cell["level"]).label,
                    }
                    for cell in cells
                ],
            }
        )
    return rows


class RiskMatrixView(ObjectMixin, TemplateView):
    """GET shows the matrix to everyone signed in; POST (administrators) changes it and
    re-levels every risk in a few set-based updates."""

    model = RiskMatrix
    record_name = "matrix"
    post_action = "change"
    template_name = "risks/matrix.html"

    def get_object(self):
        return RiskMatrix.load()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        matrix = self.object
        can_edit = permissions.can_edit_risk_matrix(self.request.user)
        context.update(
            grid=_grid(matrix),
            likelihoods=Likelihood.choices,
            bands=_bands(matrix),
            can_edit=can_edit,
            history=core_selectors.history_of(matrix)[:HISTORY_ON_PAGE],
        )
        if can_edit and "form" not in context:
            context["form"] = RiskMatrixForm(instance=matrix)
        return context

    def post(self, request, *args, **kwargs):
        # The form changes its own copy: the page keeps showing the saved matrix beside the
        # rejected numbers.
        form = RiskMatrixForm(request.POST, instance=RiskMatrix.load())
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        count = services.change_risk_matrix(
            matrix=form.save(commit=False),
            by=request.user,
            reason=form.cleaned_data["change_reason"],
        )
        messages.success(
            request,
            f"The risk matrix is saved: {count} risk{'s' if count != 1 else ''} re-levelled.",
        )
        return redirect("risks:matrix")
