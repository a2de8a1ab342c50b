"""The organisation's AI-literacy page: its filters (the rows are people, computed per
training by :mod:`apps.literacy.selectors`, so the filters choose how they are computed)."""

from __future__ import annotations

from django import forms

from apps.accounts.models import Team
from apps.literacy.models import Training


class GapFilterForm(forms.Form):
    STATUS_CHOICES = [
        ("", "Missing, expired or expiring within 30 days"),
        ("missing", "Missing or expired only"),
    ]
    q = forms.CharField(label="Search", required=False, max_length=100)
    team = forms.ModelChoiceField(queryset=Team.objects.order_by("name"), required=False)
    training = forms.ModelChoiceField(
        queryset=Training.objects.filter(is_active=True, requirements__isnull=False)
        .distinct()
        .order_by("name"),
        required=False,
    )
    status = forms.ChoiceField(choices=STATUS_CHOICES, required=False)
