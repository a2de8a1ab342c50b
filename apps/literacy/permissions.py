"""Who may see and record trainings.

* The organisation's AI-literacy page (everyone's gaps) and the API: global readers —
  administrators, committee members and auditors (who read everything and write nothing).
* A person's training page: the person, and global readers. Another person's page is a 404.
* Recording a completion: administrators, for anyone; any person who writes (not auditors), for
  themselves only — a *declared* completion, marked as such on every page and in the export.
* Importing completions from an LMS's CSV file: administrators.
* Trainings and their requirements are set up by administrators in the administration.
"""

from __future__ import annotations

from apps.accounts.permissions import has_global_read, may_write
from apps.core import rules


def can_view_literacy(user) -> bool:
    return has_global_read(user)


def can_view_person_training(user, person) -> bool:
    return bool(user.is_authenticated) and (user.pk == person.pk or has_global_read(user))


def can_record_for_others(user) -> bool:
    return may_write(user) and user.is_superuser


def can_record_completion(user, person=None) -> bool:
    """Administrators record anyone's completion; a person who writes declares their own."""
    if not may_write(user):
        return False
    return user.is_superuser or person is None or person.pk == user.pk


def can_import_completions(user) -> bool:
    return can_record_for_others(user)


def register_rules() -> None:
    rules.register(
        None,
        "view_literacy",
        rules.explained(
            lambda user, _: can_view_literacy(user),
            "The organisation's AI-literacy page is open to administrators, committee members "
            "and auditors. Your own trainings are on your training page.",
        ),
    )
    rules.register(
        None,
        "record_completion",
        rules.explained(
            lambda user, _: can_record_completion(user),
            "Auditors read every record and never change any.",
        ),
    )
    rules.register(
        None,
        "import_completions",
        rules.explained(
            lambda user, _: can_import_completions(user),
            "Only administrators import training completions.",
        ),
    )
