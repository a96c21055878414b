"""Migrations build the schema from nothing, roll back, and match the table definitions exactly."""

from __future__ import annotations

import pytest

from tests import database
from tests.conftest import BASE_DATABASE_URL


@pytest.fixture
def fresh_database_url():
    """Another empty database on the session's engine, besides the one the suite runs on."""
    url = database.create_throwaway(BASE_DATABASE_URL)
    yield url
    database.drop_throwaway(url, BASE_DATABASE_URL)


def test_migrations_apply_from_scratch_roll_back_and_apply_again(fresh_database_url):
    forwards = database.migrate(fresh_database_url)
    assert forwards.returncode == 0, forwards.stdout + forwards.stderr
    check = database.migrate(fresh_database_url, "check")
    assert check.returncode == 0
    assert "False" not in check.stdout, check.stdout  # every migration has run

    backwards = database.migrate(fresh_database_url, "backwards", "eplatform", "--migration_id=all", "--auto_agree")
    assert backwards.returncode == 0, backwards.stdout + backwards.stderr
    again = database.migrate(fresh_database_url)
    assert again.returncode == 0, again.stdout + again.stderr


async def test_table_definitions_need_no_new_migration():
    from piccolo.apps.migrations.commands.new import AutoMigrationManager

    from db.piccolo_app import APP_CONFIG

    alter_statements = await AutoMigrationManager().get_alter_statements(app_config=APP_CONFIG)
    pending = [statement for group in alter_statements for statement in group.statements]
    assert pending == [], "tables and migrations differ; run `piccolo migrations new eplatform --auto`"
