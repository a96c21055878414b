"""The audit log is append-only: the database refuses UPDATE of an entry on both engines; entries leave only through
the retention job once AUDIT_LOG_RETENTION_DAYS have passed, in batches, and the job logs how many went."""

from __future__ import annotations

import json
import logging
from datetime import timedelta

import pytest

from core import clock
from db import audit
from db.accounts import UserAccount
from db.audit import AuditEntry
from jobs import JOBS
from jobs import retention as retention_job
from jobs.runner import run_job
from tests.factories import make_user

pytestmark = pytest.mark.usefixtures("db")

DAY = timedelta(days=1)


async def test_an_update_of_an_entry_is_refused_by_the_database():
    user = await make_user()
    await audit.record("case.viewed", actor_id=user.id, target="case:ABC-1")
    with pytest.raises(Exception, match="append-only"):
        await AuditEntry.update({AuditEntry.action: "case.changed"}).where(AuditEntry.action == "case.viewed")
    with pytest.raises(Exception, match="append-only"):
        await AuditEntry.update({AuditEntry.actor: None, AuditEntry.target: ""}, force=True)
    with pytest.raises(Exception, match="append-only"):
        await AuditEntry.update({AuditEntry.at: clock.now() - 1000 * DAY}, force=True)
    (entry,) = await AuditEntry.select()
    assert entry["action"] == "case.viewed" and entry["target"] == "case:ABC-1" and entry["actor"] == user.id


async def test_a_deleted_account_leaves_its_entries_without_an_actor():
    """The foreign key's ON DELETE SET NULL is the one change the trigger lets through."""
    user = await make_user()
    await audit.record("logout", actor_id=user.id, target="x", kept=1)
    await UserAccount.delete().where(UserAccount.id == user.id)
    (entry,) = await AuditEntry.select()
    details = json.loads(entry["details"]) if isinstance(entry["details"], str) else entry["details"]
    assert entry["actor"] is None and entry["action"] == "logout" and entry["target"] == "x" and details == {"kept": 1}


async def test_entries_older_than_the_retention_time_go_in_batches_and_are_logged(settings, monkeypatch, caplog):
    monkeypatch.setattr(retention_job, "AUDIT_BATCH", 3)
    settings = settings.with_overrides(audit_log_retention_days=100)
    with clock.travel(-101 * DAY):
        for number in range(7):
            await audit.record("case.viewed", target=f"case:OLD-{number}")
    with clock.travel(-99 * DAY):
        await audit.record("case.viewed", target="case:KEPT")

    with caplog.at_level(logging.INFO, logger="eplatform.retention"):
        result = await run_job(JOBS["retention"], settings)

    assert result["audit_entries_deleted"] == 7
    assert [row["target"] for row in await AuditEntry.select(AuditEntry.target)] == ["case:KEPT"]
    record = next(r for r in caplog.records if r.getMessage() == "audit_log_purged")
    assert record.audit_entries_deleted == 7 and record.audit_log_days == 100
    assert "OLD-" not in caplog.text

    again = await run_job(JOBS["retention"], settings)
    assert again["audit_entries_deleted"] == 0


async def test_the_default_keeps_two_years_and_production_refuses_a_senseless_time(settings):
    from tests.factories import PRODUCTION

    assert settings.audit_log_retention_days == 730
    assert not [p for p in settings.problems() if "AUDIT_LOG" in p]
    for days in (0, 30, 5000):
        problems = settings.with_overrides(**PRODUCTION, audit_log_retention_days=days).problems()
        assert any(problem.startswith("AUDIT_LOG_RETENTION_DAYS") for problem in problems), days
