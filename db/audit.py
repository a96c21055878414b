"""The audit log: who did what, for staff access to cases and for logins."""

from __future__ import annotations

import json

from piccolo.columns import JSON, ForeignKey, OnDelete, Serial, Timestamptz, Varchar
from piccolo.table import Table

from core import clock
from db.accounts import UserAccount


class AuditEntry(Table, tablename="audit_entry"):
    """Who did what, without personal data: user ids and case references, never names or personal numbers."""

    id = Serial(primary_key=True)
    at = Timestamptz()
    actor = ForeignKey(references=UserAccount, on_delete=OnDelete.set_null, null=True)
    action = Varchar(length=60)
    target = Varchar(length=120, default="")
    details = JSON(default="{}")


async def record(action: str, *, actor_id: int | None = None, target: str = "", **details) -> None:
    """Append to the audit log. `details` must hold no personal data (codes, counts, ids only)."""
    await AuditEntry.insert(
        AuditEntry(at=clock.now(), actor=actor_id, action=action, target=target, details=json.dumps(details))
    )
