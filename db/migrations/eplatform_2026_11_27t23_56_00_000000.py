"""Indexes for the queries of accounts, applications and cases; raw SQL valid on SQLite and PostgreSQL."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-27T23:56:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Indexes for sessions, drafts, cases, attachments, co-applicants and the outbox"

INDEXES = {
    "form_version_service_version": "form_version (e_service, version)",
    "user_session_user": 'user_session ("user")',
    "bankid_order_client": "bankid_order (client_key, started_at)",
    "draft_owner": "draft (owner, e_service)",
    "case_record_applicant": "case_record (applicant, received_at)",
    "case_record_status": "case_record (status, received_at)",
    "case_event_case": 'case_event ("case", at)',
    "attachment_draft": "attachment (draft)",
    "attachment_case": 'attachment ("case")',
    "co_applicant_person": "co_applicant (personal_number)",
    "co_applicant_draft": "co_applicant (draft)",
    "signature_draft": "signature (draft)",
    "signature_case": 'signature ("case")',
    "notification_due": "notification (sent_at, next_attempt_at)",
    "audit_entry_at": "audit_entry (at)",
}
UNIQUE = {"form_version_service_version"}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="eplatform", description=DESCRIPTION)

    async def create_indexes():
        for name, target in INDEXES.items():
            unique = "UNIQUE " if name in UNIQUE else ""
            await engine_finder().run_ddl(f"CREATE {unique}INDEX {name} ON {target}")

    async def drop_indexes():
        for name in INDEXES:
            await engine_finder().run_ddl(f"DROP INDEX {name}")

    manager.add_raw(create_indexes)
    manager.add_raw_backwards(drop_indexes)
    return manager
