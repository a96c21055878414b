"""Zero-downtime upgrades (expand, then contract): the previous release's code keeps working on the new schema.

During an upgrade the new release's migrations run first, while the previous release still serves requests; then
the new code replaces it. `tests/db/upgrades.py` defines the previous release. The first test runs that release's
own HTTP tests, with its own code, on a database built by the working tree's migrations; the second reads the
migrations added since and refuses destructive steps unless a migration is marked as a contract step.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import BASE_DATABASE_URL
from tests.db import upgrades

ROOT = Path(__file__).resolve().parents[2]
# The previous release's HTTP tests of the resident's way through: the catalogue, an application from its start to
# the receipt, Mina sidor (both log in through the login routes and the BankID simulator; the login's own tests are
# left out for time: 40 to 50 s in all with them, on this machine). Files missing from an older release are left
# out; at least one must exist.
PREVIOUS_RELEASE_TESTS = (
    "tests/catalogue/test_catalogue_http.py",
    "tests/applications/test_applications_http.py",
    "tests/my_pages/test_cases_http.py",
)


@pytest.fixture(scope="module")
def previous_release() -> upgrades.Release:
    if not upgrades.has_history(ROOT):
        pytest.skip(f"{ROOT} has no git history (an exported tree): there is no previous release to run")
    release = upgrades.previous_release(ROOT)
    if release is None:
        if upgrades.git(ROOT, "rev-parse", "--is-shallow-repository") == "true":
            pytest.skip("a shallow clone without the previous release; clone with the full history")
        pytest.skip("no release-* tag, and every commit has all the migrations: no release ran on an older schema")
    return release


def test_the_previous_release_passes_its_http_tests_on_the_new_schema(previous_release, tmp_path):
    """The previous release's tree runs its own tests with its own code; its migrations folder is replaced by the
    working tree's, so the database its conftest creates (as throwaway as ours) has the new schema."""
    tree = tmp_path / "previous"
    tree.mkdir()
    upgrades.extract(ROOT, previous_release.commit, tree)
    shutil.rmtree(tree / upgrades.MIGRATIONS)
    shutil.copytree(ROOT / upgrades.MIGRATIONS, tree / upgrades.MIGRATIONS, ignore=shutil.ignore_patterns("__py*"))
    (tree / "node_modules").symlink_to(ROOT / "node_modules")  # the browser plugin reads axe-core at import
    selected = [path for path in PREVIOUS_RELEASE_TESTS if (tree / path).exists()]
    assert selected, f"none of {PREVIOUS_RELEASE_TESTS} exists at {previous_release.commit}"

    environment = {**os.environ, "DATABASE_URL": BASE_DATABASE_URL, "PYTHONDONTWRITEBYTECODE": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-m", "not browser", *selected],
        cwd=tree,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    report = f"previous release {previous_release.commit[:10]} ({previous_release.how}):\n{result.stdout[-6000:]}"
    assert result.returncode == 0, report + result.stderr[-3000:]
    passed = re.search(r"(\d+) passed", result.stdout)
    assert passed and int(passed.group(1)) > 0, report


def test_migrations_since_the_previous_release_only_expand(previous_release):
    added = sorted(upgrades.migration_files(ROOT) - upgrades.migration_files(ROOT, previous_release.commit))
    problems = {}
    for name in added:
        source = (ROOT / upgrades.MIGRATIONS / name).read_text()
        steps = upgrades.destructive_steps(source)
        if steps and not upgrades.contract_reason(source):
            problems[name] = steps
    assert problems == {}, (
        f"since the previous release ({previous_release.commit[:10]}, {previous_release.how}) these migrations "
        "remove or change what it reads; split them (expand now, contract in a later release) or, if the previous "
        'release no longer reads it, mark the migration CONTRACT = "reason" (README, "Database and migrations")'
    )


def test_the_previous_release_s_migrations_are_left_as_they_were(previous_release):
    """A migration that has run somewhere never changes (it would not run again there): a change is a new one."""
    changed = upgrades.git(
        ROOT, "diff", "--name-status", "--no-renames", previous_release.commit, "--", upgrades.MIGRATIONS
    ).splitlines()
    assert [line for line in changed if not line.startswith("A")] == [], previous_release


HEADER = "from piccolo.apps.migrations.auto.migration_manager import MigrationManager\n\n"
DESTRUCTIVE = {
    "drop column": 'manager.drop_column(table_class_name="Case", tablename="case_record", column_name="status")',
    "drop table": 'manager.drop_table(class_name="Case", tablename="case_record")',
    "rename column": 'manager.rename_column(table_class_name="Case", tablename="case_record", '
    'old_column_name="status", new_column_name="state")',
    "rename table": 'manager.rename_table(old_class_name="Case", old_tablename="case_record", '
    'new_class_name="Case", new_tablename="cases")',
    "not null column without default": 'manager.add_column(table_class_name="Case", tablename="case_record", '
    'column_name="unit", column_class=ForeignKey, params={"null": False, "default": None})',
    "alter to not null": 'manager.alter_column(table_class_name="Case", tablename="case_record", '
    'column_name="note", params={"null": False}, old_params={"null": True})',
    "type change": 'manager.alter_column(table_class_name="Case", tablename="case_record", column_name="note", '
    "params={}, old_params={}, column_class=Integer, old_column_class=Text)",
    "raw drop column": 'manager.add_raw(lambda: run("ALTER TABLE case_record DROP COLUMN note"))',
    "raw set not null": 'manager.add_raw(lambda: run("ALTER TABLE case_record ALTER COLUMN note SET NOT NULL"))',
    "raw not null column": 'manager.add_raw(lambda: run("ALTER TABLE case_record ADD COLUMN n int NOT NULL"))',
}
EXPANDING = {
    "nullable column": 'manager.add_column(table_class_name="Case", tablename="case_record", column_name="note", '
    'column_class=Text, params={"null": True, "default": ""})',
    "not null column with default": 'manager.add_column(table_class_name="Case", tablename="case_record", '
    'column_name="note", column_class=Text, params={"null": False, "default": ""})',
    "new table's not null column": 'manager.add_table(class_name="Tag", tablename="tag")\n'
    'manager.add_column(table_class_name="Tag", tablename="tag", column_name="case", column_class=ForeignKey, '
    'params={"null": False, "default": None})',
    "index, dropped backwards": 'async def drop():\n    await run("DROP TABLE tag; DROP INDEX case_note")\n'
    'manager.add_raw(lambda: run("CREATE INDEX case_note ON case_record (note)"))\n'
    "manager.add_raw_backwards(drop)",
    "raw column with default": 'manager.add_raw(lambda: run("ALTER TABLE t ADD COLUMN n int NOT NULL DEFAULT 0"))',
    "words in the description": 'DESCRIPTION = "Rename nothing, drop table nothing"',
}


@pytest.mark.parametrize("step", DESTRUCTIVE.values(), ids=DESTRUCTIVE.keys())
def test_the_check_finds_destructive_steps_unless_marked_contract(step):
    source = HEADER + step + "\n"
    assert upgrades.destructive_steps(source), step
    assert upgrades.contract_reason(source) is None
    marked = HEADER + 'CONTRACT = "release-2027-01 stopped reading case_record.status"\n' + step + "\n"
    assert upgrades.contract_reason(marked) == "release-2027-01 stopped reading case_record.status"
    assert upgrades.contract_reason(HEADER + 'CONTRACT = "  "\n' + step) is None  # a reason is required


@pytest.mark.parametrize("step", EXPANDING.values(), ids=EXPANDING.keys())
def test_the_check_lets_expanding_steps_through(step):
    assert upgrades.destructive_steps(HEADER + step + "\n") == []


def git_commit(repo: Path, files: dict[str, str], message: str) -> str:
    for name, text in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text)
    upgrades.git(repo, "add", "-A")
    upgrades.git(repo, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-q", "-m", message)
    return upgrades.git(repo, "rev-parse", "HEAD")


def test_the_previous_release_is_a_release_tag_else_the_commit_before_the_newest_migration(tmp_path):
    upgrades.git(tmp_path, "init", "-q", "-b", "main")
    first = git_commit(tmp_path, {"db/migrations/a.py": "", "app.py": "1"}, "first")
    before = git_commit(tmp_path, {"app.py": "2"}, "code")
    git_commit(tmp_path, {"db/migrations/b.py": ""}, "migration b")
    git_commit(tmp_path, {"app.py": "3"}, "code again")
    assert upgrades.previous_release(tmp_path).commit == before

    (tmp_path / "db/migrations/c.py").write_text("")  # not committed yet: HEAD is the previous release
    assert upgrades.previous_release(tmp_path).commit == upgrades.git(tmp_path, "rev-parse", "HEAD")
    (tmp_path / "db/migrations/c.py").unlink()

    upgrades.git(tmp_path, "tag", "release-1", first)
    assert upgrades.previous_release(tmp_path) == upgrades.Release(first, "tag release-1")
    upgrades.git(tmp_path, "tag", "-a", "-m", "r2", "release-2", "HEAD")  # HEAD's own tag is not the previous one
    assert upgrades.previous_release(tmp_path).commit == first
