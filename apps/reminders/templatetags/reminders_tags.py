from django import template

from apps.reminders.forms import DigestPreferenceForm
from apps.reminders.services import preference_of

register = template.Library()


@register.inclusion_tag("reminders/_digest_preference.html", takes_context=True)
def digest_preference_form(context):
    """The digest preference form for the signed-in person (the profile page shows it)."""
    user = context["request"].user
    return {
        "form": DigestPreferenceForm(instance=preference_of(user)),
        "csrf_token": context.get("csrf_token"),
    }
