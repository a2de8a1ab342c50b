"""The vocabulary of risk treatment: the kinds, defence layers and statuses of the mitigations
that carry a risk's treatment out.

It lives with risks, below the mitigations app, because the risk library's suggested mitigations
and the register's "mitigations in place" counts use it; :mod:`apps.mitigations` builds on it.
"""

from django.db import models


class MitigationKind(models.TextChoices):
    ARCHITECTURE = "architecture", "Architecture change"
    FALLBACK = "fallback", "Fallback or graceful degradation"
    DETECTION_RESPONSE = "detection_response", "Detection and response"
    HUMAN_REVIEW = "human_review", "Human review"
    INPUT_VALIDATION = "input_validation", "Input validation"
    OUTPUT_VALIDATION = "output_validation", "Output validation"
    ACCESS_CONTROL = "access_control", "Access control"
    TRAINING = "training", "Training"
    PROCESS_POLICY = "process_policy", "Process or policy"
    ACCEPT_MONITOR = "accept_monitor", "Accept and monitor"


class DefenceLayer(models.TextChoices):
    INPUT = "input", "Input"
    MODEL = "model", "Model"
    APPLICATION = "application", "Application"
    ORGANISATION = "organisation", "Organisation"


class MitigationStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    IN_PROGRESS = "in_progress", "In progress"
    IMPLEMENTED = "implemented", "Implemented"
    VERIFIED = "verified", "Verified"
    RETIRED = "retired", "Retired"


# A mitigation counts as in place once implemented or verified.
IN_PLACE_STATUSES = (MitigationStatus.IMPLEMENTED, MitigationStatus.VERIFIED)
# Still to be done: what can be overdue (lists, the dashboard, the reminder sweep).
OPEN_STATUSES = (MitigationStatus.PLANNED, MitigationStatus.IN_PROGRESS)
