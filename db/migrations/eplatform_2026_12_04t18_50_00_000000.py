"""Cases of people whose identity became protected after they applied: protected from now on (a login now does this
as the register says so; db.accounts.save). Data only, nothing to undo: a case stays protected once it is."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-04T18:50:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Cases: protected when a party's identity is protected"

PROTECT = (
    "UPDATE case_record SET protected = TRUE WHERE protected = FALSE AND ("
    "applicant IN (SELECT id FROM user_account WHERE protected_identity = TRUE) "
    'OR id IN (SELECT co."case" FROM co_applicant co JOIN user_account a ON a.personal_number = co.personal_number '
    'WHERE a.protected_identity = TRUE AND co."case" IS NOT NULL))'
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="eplatform", description=DESCRIPTION)

    async def protect():
        await engine_finder().run_ddl(PROTECT)

    manager.add_raw(protect)
    return manager
