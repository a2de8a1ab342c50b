"""The risk matrix: everyone reads it; administrators change its bands and deadlines."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.views.generic import TemplateView

from apps.core import selectors as core_selectors
from apps.core.forms import ChangeReasonFormMixin
from apps.core.models import Level
from apps.core.templatetags.register import LEVEL_CLASSES
from apps.risks import permissions, services
from apps.risks.models import Impact, Likelihood, RiskMatrix

HISTORY_ON_PAGE = 10


class RiskMatrixForm(ChangeReasonFormMixin, forms.ModelForm):
    """The three band thresholds and the four deadlines; the model's constraints check them."""

    class Meta:
        model = RiskMatrix
        fields = [
            "medium_min_score",
            "high_min_score",
            "critical_min_score",
            "critical_days",
            "high_days",
            "medium_days",
            "low_days",
        ]
        widgets = {
            name: forms.NumberInput(attrs={"min": 2, "max": 25})
            for name in ("medium_min_score", "high_min_score", "critical_min_score")
        } | {
            name: forms.NumberInput(attrs={"min": 1, "max": 3650})
            for name in ("critical_days", "high_days", "medium_days", "low_days")
        }
        labels = {
            "medium_min_score": "Medium from score",
            "high_min_score": "High from score",
            "critical_min_score": "Critical from score",
            "critical_days": "Critical: plan within (days)",
            "high_days": "High: plan within (days)",
            "medium_days": "Medium: plan within (days)",
            "low_days": "Low: plan within (days)",
        }


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


class RiskMatrixView(LoginRequiredMixin, TemplateView):
    """GET shows the matrix to everyone signed in; POST (administrators) changes it and
    re-levels every risk in a few set-based updates."""

    template_name = "risks/matrix.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        matrix = kwargs.get("matrix") or RiskMatrix.load()
        can_edit = permissions.can_edit_risk_matrix(self.request.user)
        context.update(
            matrix=matrix,
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
        if not permissions.can_edit_risk_matrix(request.user):
            raise PermissionDenied("Only administrators change the risk matrix.")
        matrix = RiskMatrix.load()
        form = RiskMatrixForm(request.POST, instance=matrix)
        if not form.is_valid():
            # Show the saved matrix beside the rejected numbers, not the rejected ones.
            return self.render_to_response(
                self.get_context_data(form=form, matrix=RiskMatrix.load())
            )
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
