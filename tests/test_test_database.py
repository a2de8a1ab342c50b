"""The test database between modules (tests/db.py): reloading the rows the migrations wrote
leaves them as the migrations did, with no history and no audit entry of its own."""

import pytest

from apps.compliance.models import KeyDate
from apps.core.models import AuditChainHead, AuditEvent
from apps.risks.models import RiskTemplate
from tests.db import reset_to_migrated


@pytest.mark.django_db(transaction=True)
def test_reloading_the_migrations_rows_writes_no_history_and_no_audit_entry():
    reset_to_migrated()
    assert RiskTemplate.objects.exists() and KeyDate.objects.exists()
    assert not RiskTemplate.history.exists()
    assert not KeyDate.history.exists()
    assert not AuditEvent.objects.exists()
    assert AuditChainHead.objects.get().sequence == 0
