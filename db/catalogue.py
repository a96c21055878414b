"""The e-service catalogue: categories, e-services, their related forms (blanketter) and operating notices. Tables
and queries.

Reads for citizens go through the in-memory index of services/catalogue.py; every write must call `bump_version()` so
that all processes pick the change up. The one exception is the start counter (`count_start`): popularity may lag,
and each process rebuilds its index every few minutes anyway (services.catalogue.MAX_AGE_SECONDS), so an application
start does not make every process rebuild.
"""

from __future__ import annotations

from piccolo.columns import (
    Boolean,
    Bytea,
    ForeignKey,
    Integer,
    OnDelete,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from core import clock
from db.engine import fetch

CATALOGUE_STAMP = "catalogue"


class Category(Table, tablename="category"):
    id = Serial(primary_key=True)
    slug = Varchar(length=80, unique=True)
    name = Varchar(length=120)
    description = Text(default="")
    sort_order = Integer(default=0)


class EService(Table, tablename="e_service"):
    id = Serial(primary_key=True)
    slug = Varchar(length=120, unique=True)
    title = Varchar(length=200)
    summary = Text(default="", help_text="One or two sentences shown in lists and search results.")
    description = Text(default="", help_text="Markdown.")
    before_you_start = Text(default="", help_text="Markdown: what the user needs before starting.")
    processing_time = Varchar(length=200, default="")
    noun = Varchar(length=40, default="ansökan", help_text="What a resident sends in: one of core.nouns.NOUNS.")
    category = ForeignKey(references=Category, on_delete=OnDelete.restrict, null=False)
    keywords = Text(default="", help_text="Comma-separated search words.")
    contact_name = Varchar(length=120, default="")
    contact_title = Varchar(length=120, default="")
    contact_email = Varchar(length=200, default="")
    contact_phone = Varchar(length=40, default="")
    requires_login = Boolean(default=True)
    requires_signing = Boolean(default=False)
    allows_drafts = Boolean(default=True)
    allows_supplement = Boolean(default=True)
    allows_messages = Boolean(default=True)
    allows_coapplicants = Boolean(default=False)
    # None means the platform default (settings.default_retention_days_*).
    retention_days_closed = Integer(null=True, default=None)
    retention_days_draft = Integer(null=True, default=None)
    cosign_days = Integer(null=True, default=None, help_text="Days co-applicants have to sign; None: the default.")
    unit = Integer(null=True, default=None, help_text="The unit that handles its cases (id in `unit`).")
    published = Boolean(default=False, index=True)
    start_count = Integer(default=0, help_text="Applications started; ranks the popular e-services.")
    updated_at = Timestamptz()


class RelatedDocument(Table, tablename="related_document"):
    """A form (blankett) to download from an e-service's page; stored in the database so every process serves it."""

    id = Serial(primary_key=True)
    e_service = ForeignKey(references=EService, on_delete=OnDelete.cascade, null=False)
    title = Varchar(length=200)
    filename = Varchar(length=200)
    content_type = Varchar(length=100, default="application/pdf")
    content = Bytea()
    sort_order = Integer(default=0)
    # (e_service, filename) is unique: a raw index in the migration, since Piccolo's Unique constraint is
    # added with ALTER TABLE ... ADD CONSTRAINT, which SQLite does not support.


NOTICE_LEVELS = ("info", "warning")


class OperatingNotice(Table, tablename="operating_notice"):
    """Driftinformation, shown between `starts_at` and `ends_at` (None: until someone ends it): a global notice (no
    `e_service`) on the start page, the catalogue and every e-service; one e-service's on its page and its start.
    `closed_for_new`: no new application may be started in its scope meanwhile (drafts already started go on)."""

    id = Serial(primary_key=True)
    title = Varchar(length=200)
    body = Text(default="", help_text="Markdown.")
    starts_at = Timestamptz()
    ends_at = Timestamptz(null=True, default=None)
    e_service = ForeignKey(references=EService, on_delete=OnDelete.cascade, null=True, default=None)
    level = Varchar(length=20, default="info", help_text="One of NOTICE_LEVELS.")
    closed_for_new = Boolean(default=False)


class CacheStamp(Table, tablename="cache_stamp"):
    """A counter per cached data set; processes compare it to know when their cache is stale."""

    id = Serial(primary_key=True)
    name = Varchar(length=50, unique=True)
    version = Integer(default=0)
    changed_at = Timestamptz()


async def stamp_version(name: str) -> int:
    row = await CacheStamp.select(CacheStamp.version).where(CacheStamp.name == name).first()
    return row["version"] if row else 0


async def bump_version(name: str = CATALOGUE_STAMP) -> None:
    updated = (
        await CacheStamp.update({CacheStamp.version: CacheStamp.version + 1, CacheStamp.changed_at: clock.now()})
        .where(CacheStamp.name == name)
        .returning(CacheStamp.id)
    )
    if not updated:
        await CacheStamp.insert(CacheStamp(name=name, version=1, changed_at=clock.now())).on_conflict(
            action="DO NOTHING"
        )


async def index_rows() -> tuple[list[dict], list[dict], list[dict], list[dict], set[int]]:
    """What the in-memory index is built from: categories (in their order), published e-services, related documents
    (without content), operating notices (newest first) and the ids of the e-services that have a published form
    (storing a form version must call `bump_version()` too)."""
    categories = await Category.select().order_by(Category.sort_order).order_by(Category.name)
    services = await EService.select().where(EService.published == True)  # noqa: E712
    documents = await fetch(
        "SELECT e_service, title, filename, content_type, length(content) AS size "
        "FROM related_document ORDER BY sort_order, title"
    )
    # Notices that have ended are left out; one that ends while the index is in use is filtered by its time.
    notices = (
        await OperatingNotice.select()
        .where(OperatingNotice.ends_at.is_null() | (OperatingNotice.ends_at > clock.now()))
        .order_by(OperatingNotice.starts_at, ascending=False)
    )
    with_form = {row["e_service"] for row in await fetch("SELECT DISTINCT e_service FROM form_version WHERE published")}
    return categories, services, documents, notices, with_form


async def related_document(e_service_id: int, filename: str) -> dict | None:
    """A related form's content and content type."""
    return (
        await RelatedDocument.select(RelatedDocument.content, RelatedDocument.content_type)
        .where((RelatedDocument.e_service == e_service_id) & (RelatedDocument.filename == filename))
        .first()
    )


async def count_start(e_service_id: int) -> None:
    """One more application started (ranks the popular e-services; see the module's note on bump_version)."""
    await EService.update({EService.start_count: EService.start_count + 1}).where(EService.id == e_service_id)


# Operating notices, as the administrators manage them (/admin/driftmeddelanden). Every write bumps the catalogue's
# version: the index of every process holds the notices.

NOTICE_COLUMNS = ("title", "body", "starts_at", "ends_at", "e_service", "level", "closed_for_new")


async def notices() -> list[dict]:
    """Every notice with its e-service's title ("" for a global one), by start time, newest first."""
    return await fetch(
        "SELECT n.id, n.title, n.body, n.starts_at, n.ends_at, n.e_service, n.level, n.closed_for_new, "
        "COALESCE(s.title, '') AS e_service_title "
        "FROM operating_notice n LEFT JOIN e_service s ON s.id = n.e_service "
        "ORDER BY n.starts_at DESC, n.id DESC"
    )


async def notice(notice_id: int) -> dict | None:
    return await OperatingNotice.select().where(OperatingNotice.id == notice_id).first()


async def create_notice(values: dict) -> int:
    rows = await OperatingNotice.insert(OperatingNotice(**{name: values[name] for name in NOTICE_COLUMNS})).returning(
        OperatingNotice.id
    )
    await bump_version()
    return rows[0]["id"]


async def update_notice(notice_id: int, values: dict) -> bool:
    """False when there is no such notice (any more)."""
    updated = (
        await OperatingNotice.update({name: values[name] for name in values if name in NOTICE_COLUMNS})
        .where(OperatingNotice.id == notice_id)
        .returning(OperatingNotice.id)
    )
    await bump_version()
    return bool(updated)


async def delete_notice(notice_id: int) -> bool:
    deleted = await OperatingNotice.delete().where(OperatingNotice.id == notice_id).returning(OperatingNotice.id)
    await bump_version()
    return bool(deleted)


async def e_service_choices() -> list[dict]:
    """Every e-service (published or not) by title: what a notice may be about."""
    return await EService.select(EService.id, EService.title, EService.published).order_by(EService.title)
