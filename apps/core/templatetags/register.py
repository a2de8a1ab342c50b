"""Template helpers used across the register's pages."""

from django import template
from django.contrib import admin
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.text import capfirst

from apps.core.audit import record_url
from apps.core.models import Level

register = template.Library()

LEVEL_CLASSES = {
    Level.LOW: "text-bg-success",
    Level.MEDIUM: "text-bg-warning",
    Level.HIGH: "text-bg-orange",
    Level.CRITICAL: "text-bg-danger",
}


@register.simple_tag(takes_context=True)
def sort_header(context, field: str, label: str):
    """A column header that sorts by ``field``, toggling the direction, keeping the filters."""
    request = context["request"]
    current = request.GET.get("ordering", "")
    if current == field:
        new, state, icon = f"-{field}", "ascending", "bi-sort-up"
    elif current == f"-{field}":
        new, state, icon = field, "descending", "bi-sort-down"
    else:
        new, state, icon = field, "none", ""
    params = request.GET.copy()
    params["ordering"] = new
    params.pop("page", None)
    icon_html = format_html(' <i class="bi {}" aria-hidden="true"></i>', icon) if icon else ""
    return format_html(
        '<th scope="col" aria-sort="{}"><a href="?{}" class="sort-link">{}{}</a></th>',
        state,
        params.urlencode(),
        label,
        icon_html,
    )


@register.simple_tag
def level_badge(level, label_prefix=""):
    """A coloured badge with the level in words (colour is never the only signal)."""
    if level in (None, ""):
        return format_html('<span class="badge text-bg-light border">{}</span>', "Not assessed")
    level = Level(int(level))
    return format_html(
        '<span class="badge {}">{}{}</span>', LEVEL_CLASSES[level], label_prefix, level.label
    )


@register.simple_tag(takes_context=True)
def audit_record_url(context, event) -> str:
    """The page of an audited record; administrators fall back to its admin page."""
    url = record_url(event.content_type, event.object_id)
    if url:
        return url
    user = context["request"].user
    model = event.content_type.model_class()
    if user.is_staff and model is not None and admin.site.is_registered(model):
        try:
            return reverse(
                f"admin:{event.content_type.app_label}_{event.content_type.model}_change",
                args=[event.object_id],
            )
        except NoReverseMatch:
            return ""
    return ""


@register.filter
def yesno_icon(value):
    if value:
        return format_html('<i class="bi bi-check-lg text-success" aria-hidden="true"></i> Yes')
    return format_html('<i class="bi bi-dash text-secondary" aria-hidden="true"></i> No')


@register.filter
def model_label(content_type) -> str:
    """“AI system” for the content type of AISystem."""
    model = content_type.model_class()
    return capfirst(model._meta.verbose_name) if model else content_type.model
