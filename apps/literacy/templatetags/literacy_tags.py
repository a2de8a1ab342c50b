"""``{% training_summary %}``: the Training section of a person's profile page (the accounts app
sits below this one, so its page includes the section by name, without importing it)."""

from __future__ import annotations

from django import template

from apps.literacy import selectors

register = template.Library()


@register.inclusion_tag("literacy/_profile_section.html", takes_context=True)
def training_summary(context):
    user = context["request"].user
    states = selectors.person_training(user)["states"] if user.is_authenticated else []
    return {
        "states": states,
        "gaps": [s for s in states if s.state != selectors.State.VALID],
    }
