"""Evidence of a mitigation: add a file, a link or a note; remove one (its trace stays);
download a file, never inline (the shared views of :mod:`apps.core.views.evidence`)."""

from __future__ import annotations

from apps.core.views import evidence
from apps.mitigations import selectors
from apps.mitigations.models import Mitigation
from apps.mitigations.views.pages import MitigationView


class AddEvidenceView(evidence.AddEvidenceMixin, MitigationView):
    """POST a file, a link or a note; errors show on the mitigation's page."""


class RemoveEvidenceView(evidence.RemoveEvidenceView):
    model = Mitigation
    selector = staticmethod(selectors.mitigation_detail)


class EvidenceDownloadView(evidence.EvidenceDownloadView):
    model = Mitigation
