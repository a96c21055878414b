"""The audit log is append-only: a trigger refuses every UPDATE of audit_entry, on PostgreSQL and on SQLite. The one
change let through is the foreign key's own: an entry's actor set to NULL when their account is deleted (and nothing
else changed). DELETE stays possible for the retention job (db/audit.py: delete_older_than). Raw SQL per engine."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder
from piccolo.engine.postgres import PostgresEngine

ID = "2026-12-04T15:45:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Audit log: refuse UPDATE"

MESSAGE = "audit_entry is append-only"

POSTGRES = (
    f"""CREATE FUNCTION audit_entry_refuse_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.actor IS NULL AND OLD.actor IS NOT NULL AND NEW.id = OLD.id AND NEW.at = OLD.at
       AND NEW.action = OLD.action AND NEW.target = OLD.target AND NEW.details::text = OLD.details::text THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'insufficient_privilege';
END $$""",
    "CREATE TRIGGER audit_entry_append_only BEFORE UPDATE ON audit_entry "
    "FOR EACH ROW EXECUTE FUNCTION audit_entry_refuse_update()",
)
POSTGRES_DROP = (
    "DROP TRIGGER audit_entry_append_only ON audit_entry",
    "DROP FUNCTION audit_entry_refuse_update()",
)
SQLITE = (
    f"""CREATE TRIGGER audit_entry_append_only BEFORE UPDATE ON audit_entry
WHEN NOT (NEW.actor IS NULL AND OLD.actor IS NOT NULL AND NEW.id = OLD.id AND NEW.at = OLD.at
          AND NEW.action = OLD.action AND NEW.target = OLD.target AND NEW.details = OLD.details)
BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
)
SQLITE_DROP = ("DROP TRIGGER audit_entry_append_only",)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="eplatform", description=DESCRIPTION)

    async def create():
        engine = engine_finder()
        for statement in POSTGRES if isinstance(engine, PostgresEngine) else SQLITE:
            await engine.run_ddl(statement)

    async def drop():
        engine = engine_finder()
        for statement in POSTGRES_DROP if isinstance(engine, PostgresEngine) else SQLITE_DROP:
            await engine.run_ddl(statement)

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
