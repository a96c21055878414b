"""Zero-downtime upgrades: which commit is the previous release, and which migration steps the previous release's
code cannot live with (README, "Database and migrations").

The previous release is
1. the newest tag `release-*` that is an ancestor of HEAD and does not point at HEAD itself, if there is one;
2. otherwise the newest commit of HEAD's first-parent history whose `db/migrations` lacks a migration the working
   tree has: the code that ran just before the newest schema change (HEAD itself while a new migration is not yet
   committed).
"""

from __future__ import annotations

import ast
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

MIGRATIONS = "db/migrations"
RELEASE_TAGS = "release-*"

# Piccolo MigrationManager steps the previous release cannot survive: it still reads what they remove or rename.
DESTRUCTIVE_CALLS = {"drop_table", "drop_column", "rename_table", "rename_column", "change_table_schema"}
# The same in raw SQL run forwards (backwards steps may drop what their forwards step made).
DESTRUCTIVE_SQL = (
    re.compile(r"\bDROP\s+(TABLE|COLUMN)\b", re.IGNORECASE),
    re.compile(r"\bRENAME\b", re.IGNORECASE),
    re.compile(r"\bSET\s+NOT\s+NULL\b", re.IGNORECASE),
    re.compile(r"\bALTER\s+COLUMN\s+\S+\s+(SET\s+DATA\s+)?TYPE\b", re.IGNORECASE),
)
ADD_COLUMN_SQL = re.compile(r"\bADD\s+COLUMN\b[^,;]*", re.IGNORECASE)
NOT_NULL, DEFAULT = re.compile(r"\bNOT\s+NULL\b", re.IGNORECASE), re.compile(r"\bDEFAULT\b", re.IGNORECASE)
METADATA = {"ID", "VERSION", "DESCRIPTION", "CONTRACT"}


@dataclass(frozen=True)
class Release:
    commit: str
    how: str  # why this commit is the previous release, for messages


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=repo, capture_output=True, text=True, check=True, timeout=60
    ).stdout.strip()


def has_history(repo: Path) -> bool:
    try:
        return bool(git(repo, "log", "-1", "--format=%H"))
    except (OSError, subprocess.CalledProcessError):
        return False


def migration_files(repo: Path, commit: str | None = None) -> set[str]:
    """The migration modules of a commit, or of the working tree when `commit` is None."""
    if commit is None:
        return {path.name for path in (repo / MIGRATIONS).glob("*.py") if path.name != "__init__.py"}
    names = git(repo, "ls-tree", "--name-only", commit, f"{MIGRATIONS}/").splitlines()
    return {Path(name).name for name in names if name.endswith(".py") and not name.endswith("__init__.py")}


def previous_release(repo: Path) -> Release | None:
    at_head = git(repo, "tag", "--points-at", "HEAD", "--list", RELEASE_TAGS).split()
    excluded = [argument for tag in at_head for argument in ("--exclude", tag)]
    try:  # the release tag fewest commits away from HEAD
        tag = git(repo, "describe", "--tags", "--abbrev=0", "--match", RELEASE_TAGS, *excluded, "HEAD")
    except subprocess.CalledProcessError:
        tag = ""
    if tag:
        return Release(git(repo, "rev-parse", f"{tag}^{{commit}}"), f"tag {tag}")
    current = migration_files(repo)
    for commit in git(repo, "log", "--first-parent", "--format=%H", "HEAD").splitlines():
        if current - migration_files(repo, commit):
            return Release(commit, "the newest first-parent commit without all of the working tree's migrations")
    return None


def extract(repo: Path, commit: str, destination: Path) -> None:
    archive = subprocess.run(["git", "archive", commit], cwd=repo, capture_output=True, check=True, timeout=120)
    subprocess.run(["tar", "-x", "-C", str(destination)], input=archive.stdout, check=True, timeout=120)


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((keyword.value for keyword in call.keywords if keyword.arg == name), None)


def _constant(node: ast.expr | None):
    return node.value if isinstance(node, ast.Constant) else None


def _param(call: ast.Call, key: str) -> tuple[bool, ast.expr | None]:
    """Whether the call's `params` dict literal names `key`, and its value."""
    params = _keyword(call, "params")
    if isinstance(params, ast.Dict):
        for dict_key, value in zip(params.keys, params.values, strict=True):
            if _constant(dict_key) == key:
                return True, value
    return False, None


def _not_null_without_default(call: ast.Call) -> bool:
    has_null, null = _param(call, "null")
    if not has_null or not isinstance(null, ast.Constant) or null.value is not False:
        return (
            False  # Piccolo's columns are nullable only when told; an unknown value is judged by the test at run time
        )
    has_default, default = _param(call, "default")
    return not has_default or (isinstance(default, ast.Constant) and default.value is None)


def contract_reason(source: str) -> str | None:
    """A migration marked `CONTRACT = "why the previous release no longer reads it"` may remove things."""
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "CONTRACT" for t in node.targets):
            reason = _constant(node.value)
            return reason.strip() if isinstance(reason, str) and reason.strip() else None
    return None


def destructive_steps(source: str) -> list[str]:
    """What in a migration module the previous release's code cannot survive (ignoring a CONTRACT marker)."""
    tree = ast.parse(source)
    calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)]
    new_tables = {_constant(_keyword(call, "tablename")) for call in calls if call.func.attr == "add_table"}
    backwards = {
        argument.id
        for call in calls
        if call.func.attr == "add_raw_backwards"
        for argument in call.args
        if isinstance(argument, ast.Name)
    }
    found = []
    for call in calls:
        step, table = call.func.attr, _constant(_keyword(call, "tablename"))
        where = f"line {call.lineno}: {step}({table or '?'}"
        if step in DESTRUCTIVE_CALLS:
            found.append(where + ")")
        elif step == "add_column" and table not in new_tables and _not_null_without_default(call):
            found.append(where + f".{_constant(_keyword(call, 'column_name'))}) NOT NULL without a default")
        elif step == "alter_column":
            column = _constant(_keyword(call, "column_name"))
            if _not_null_without_default(call):
                found.append(where + f".{column}) to NOT NULL without a default")
            new_class, old_class = _keyword(call, "column_class"), _keyword(call, "old_column_class")
            if new_class is not None and old_class is not None and ast.dump(new_class) != ast.dump(old_class):
                found.append(where + f".{column}) changes the column's type")
    skipped = {
        id(node)
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name in backwards
    }
    skipped |= {id(node) for node in ast.walk(tree) if _is_docstring_or_metadata(node)}
    for node in _walk_skipping(tree, skipped):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and _destructive_sql(node.value):
            found.append(f"line {node.lineno}: SQL {node.value.strip()[:80]!r}")
    return found


def _destructive_sql(sql: str) -> bool:
    if any(pattern.search(sql) for pattern in DESTRUCTIVE_SQL):
        return True
    return any(NOT_NULL.search(clause) and not DEFAULT.search(clause) for clause in ADD_COLUMN_SQL.findall(sql))


def _is_docstring_or_metadata(node: ast.AST) -> bool:
    if isinstance(node, ast.Expr) and isinstance(_constant(node.value), str):
        return True
    return isinstance(node, ast.Assign) and any(getattr(target, "id", None) in METADATA for target in node.targets)


def _walk_skipping(node: ast.AST, skipped: set[int]):
    """ast.walk, leaving out the subtrees in `skipped` (backwards steps, docstrings, ID and DESCRIPTION)."""
    for child in ast.iter_child_nodes(node):
        if id(child) in skipped:
            continue
        yield child
        yield from _walk_skipping(child, skipped)
