"""Who may do what to technical documentation.

* Reading a document, its versions, PDF, DOCX and Annex VIII sheet: whoever may read its system
  (:meth:`~apps.documentation.models.TechnicalDocumentQuerySet.visible_to`): the team's
  contributors and viewers, committee members, auditors and administrators.
* Starting the document of a system, writing its texts and generating a version: the system's
  contributors and administrators, while the system is not archived. Committee members and
  auditors read, compare and download; they write nothing here.

Registered with :mod:`apps.core.rules` for the generic views and the API.
"""

from __future__ import annotations

from apps.core import rules
from apps.documentation.models import TechnicalDocument
from apps.systems.models import AISystem
from apps.systems.permissions import can_edit_system


def can_edit_document(user, document: TechnicalDocument) -> bool:
    return can_edit_system(user, document.system)


def why_cannot_edit_document(user, document: TechnicalDocument) -> str:
    if can_edit_document(user, document):
        return ""
    system = document.system
    if system.is_archived:
        return f"{system.reference} is archived: its documentation is read-only."
    return "Only contributors of the system's team write its technical documentation."


def why_cannot_start_document(user, system: AISystem) -> str:
    if can_edit_system(user, system):
        if TechnicalDocument.objects.filter(system=system).exists():
            return f"{system.reference} already has its technical documentation."
        return ""
    if system.is_archived:
        return f"{system.reference} is archived: it is read-only."
    return "Only contributors of the system's team start its technical documentation."


def register_rules() -> None:
    rules.register(TechnicalDocument, "change", why_cannot_edit_document)
    rules.register(AISystem, "start_technical_document", why_cannot_start_document)
