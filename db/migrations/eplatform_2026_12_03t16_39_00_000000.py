"""The shared default statuses, and the indexes the inbox and the case view read by; raw SQL valid on SQLite and
PostgreSQL (after the migration that creates the tables: Piccolo runs a migration's raw SQL before its tables)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder
from piccolo.querystring import QueryString

ID = "2026-12-03T16:39:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Default statuses and the inbox's indexes"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="eplatform", description=DESCRIPTION)

    async def seed_and_index():
        engine = engine_finder()
        for order, (kind, alias, name, days, may_write, may_supplement) in enumerate(DEFAULT_STATUSES):
            await engine.run_querystring(
                QueryString(
                    "INSERT INTO case_status (e_service, kind, alias, name, handling_days, resident_may_write, "
                    "resident_may_supplement, sort_order) VALUES (NULL, {}, {}, {}, {}, {}, {}, {})",
                    kind,
                    alias,
                    name,
                    days,
                    may_write,
                    may_supplement,
                    order,
                )
            )
        for statement in INDEXES:
            await engine.run_ddl(statement)

    async def drop_indexes():
        for statement in INDEXES:
            await engine_finder().run_ddl("DROP INDEX " + statement.split()[2])

    manager.add_raw(seed_and_index)
    manager.add_raw_backwards(drop_indexes)
    return manager


DEFAULT_STATUSES = (
    ("received", "inkommen", "Inkommen", 5, True, True),
    ("in_progress", "under-handlaggning", "Under handläggning", 30, True, True),
    ("awaiting_supplement", "vantar-pa-komplettering", "Väntar på komplettering", 14, True, True),
    ("closed", "beslutad", "Beslutad", 0, True, False),
)
# The inbox reads a unit's cases by e-service, newest first or by deadline; statuses are read per e-service.
INDEXES = (
    "CREATE INDEX case_record_inbox ON case_record (e_service, received_at, id)",
    "CREATE INDEX case_record_inbox_deadline ON case_record (e_service, deadline)",
    "CREATE INDEX case_status_e_service ON case_status (e_service, sort_order)",
    'CREATE INDEX status_period_case ON status_period ("case", started_at)',
    "CREATE INDEX staff_unit_member ON staff_unit (member)",
)
