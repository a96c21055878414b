"""When a case last changed, kept on the case itself: the API lists cases by (changed_at, id) through an index per
e-service, so the last page of 100,000 cases costs what the first does. A trigger on case_event keeps it: every change
of a case is on its timeline, and the trigger cannot be forgotten by a new kind of change (nor by the previous
release's code during an upgrade). Existing cases get their latest event's time, else their arrival. Expand only."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder
from piccolo.engine.postgres import PostgresEngine

ID = "2026-12-04T18:11:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Case: changed_at filled, kept by a trigger on the timeline, indexed per e-service"

BACKFILL = (
    'UPDATE case_record SET changed_at = COALESCE((SELECT max(v.at) FROM case_event v WHERE v."case" = case_record.id), '
    "received_at)"
)
INDEX = "CREATE INDEX case_record_changed ON case_record (e_service, changed_at, id)"
POSTGRES = (
    """CREATE FUNCTION case_event_touch_case() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE case_record SET changed_at = NEW.at
    WHERE id = NEW."case" AND (changed_at IS NULL OR changed_at < NEW.at);
    RETURN NULL;
END $$""",
    "CREATE TRIGGER case_event_touches_case AFTER INSERT ON case_event "
    "FOR EACH ROW EXECUTE FUNCTION case_event_touch_case()",
)
POSTGRES_DROP = (
    "DROP TRIGGER case_event_touches_case ON case_event",
    "DROP FUNCTION case_event_touch_case()",
    "DROP INDEX case_record_changed",
)
SQLITE = (
    """CREATE TRIGGER case_event_touches_case AFTER INSERT ON case_event
BEGIN
    UPDATE case_record SET changed_at = NEW.at
    WHERE id = NEW."case" AND (changed_at IS NULL OR changed_at < NEW.at);
END""",
)
SQLITE_DROP = ("DROP TRIGGER case_event_touches_case", "DROP INDEX case_record_changed")


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="eplatform", description=DESCRIPTION)

    async def create():
        engine = engine_finder()
        await engine.run_ddl(BACKFILL)
        await engine.run_ddl(INDEX)
        for statement in POSTGRES if isinstance(engine, PostgresEngine) else SQLITE:
            await engine.run_ddl(statement)

    async def drop():
        engine = engine_finder()
        for statement in POSTGRES_DROP if isinstance(engine, PostgresEngine) else SQLITE_DROP:
            await engine.run_ddl(statement)

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
