"""The e-service catalogue: categories, e-services, their related forms (blanketter) and operating notices.

Reads for citizens go through the cached index in `db/catalogue_index.py`; every write must call `bump_version()` so
that all processes pick the change up.
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


class OperatingNotice(Table, tablename="operating_notice"):
    """Driftinformation shown on the start page between `starts_at` and `ends_at`."""

    id = Serial(primary_key=True)
    title = Varchar(length=200)
    body = Text(default="")
    starts_at = Timestamptz()
    ends_at = Timestamptz(null=True, default=None)


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
