"""Loads the catalogue demo data (`catalogue.yaml`) into the database, idempotently.

Categories and e-services are upserted by slug, operating notices by title, and each e-service's related documents are
replaced by those in the YAML. Rows that already match are left alone, so a second run changes nothing; rows that are
not in the YAML are never deleted (except an e-service's documents). Notice times are offsets from the start of the
loading day in Swedish time.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date

from core import clock
from core.settings import Settings
from db.catalogue import Category, EService, OperatingNotice, RelatedDocument, bump_version
from db.demo.catalogue_data import (
    CATALOGUE_YAML,
    CatalogueData,
    CategoryData,
    NoticeData,
    ServiceData,
    read_catalogue,
)
from db.demo.pdf_forms import build_form_pdf
from db.engine import write_transaction

LOCAL_TIME = ZoneInfo("Europe/Stockholm")
PDF = "application/pdf"


async def load_catalogue(path: Path = CATALOGUE_YAML, settings: Settings | None = None) -> dict[str, int]:
    """Load the catalogue demo data; returns row counts and how many rows were created, updated or left unchanged."""
    data = read_catalogue(path)
    settings = settings or Settings.from_env()
    pdfs = {
        (service.slug, document.filename): build_form_pdf(document, settings)
        for service in data.services
        for document in service.documents
    }
    changes: Counter[str] = Counter()
    now = clock.now()
    async with write_transaction():
        category_ids = await _upsert_categories(data.categories, changes)
        service_ids = await _upsert_services(data.services, category_ids, now, changes)
        for service in data.services:
            await _replace_documents(service, service_ids[service.slug], pdfs, changes)
        await _upsert_notices(data.notices, _start_of_day(now), changes)
    await bump_version()
    return _summary(data, changes)


def _summary(data: CatalogueData, changes: Counter[str]) -> dict[str, int]:
    return {
        "categories": len(data.categories),
        "services": len(data.services),
        "published": sum(s.published for s in data.services),
        "documents": sum(len(s.documents) for s in data.services),
        "notices": len(data.notices),
        "created": changes["created"],
        "updated": changes["updated"],
        "unchanged": changes["unchanged"],
    }


def _differs(row: dict[str, Any], values: dict[str, Any]) -> bool:
    return any(row[key] != value for key, value in values.items())


async def _upsert_categories(categories: tuple[CategoryData, ...], changes: Counter[str]) -> dict[str, int]:
    existing = {row["slug"]: row for row in await Category.select()}
    ids: dict[str, int] = {}
    for category in categories:
        values = {
            "name": category.name,
            "description": category.description,
            "sort_order": category.sort_order,
        }
        row = existing.get(category.slug)
        if row is None:
            inserted = await Category.insert(Category(slug=category.slug, **values))
            ids[category.slug] = inserted[0]["id"]
            changes["created"] += 1
            continue
        ids[category.slug] = row["id"]
        if _differs(row, values):
            await Category.update(values).where(Category.id == row["id"])
            changes["updated"] += 1
        else:
            changes["unchanged"] += 1
    return ids


async def _upsert_services(
    services: tuple[ServiceData, ...], category_ids: dict[str, int], now: datetime, changes: Counter[str]
) -> dict[str, int]:
    existing = {row["slug"]: row for row in await EService.select()}
    ids: dict[str, int] = {}
    for service in services:
        values = {**service.columns(), "category": category_ids[service.category]}
        row = existing.get(service.slug)
        if row is None:
            inserted = await EService.insert(EService(**values, updated_at=now))
            ids[service.slug] = inserted[0]["id"]
            changes["created"] += 1
            continue
        ids[service.slug] = row["id"]
        if _differs(row, values):
            await EService.update({**values, "updated_at": now}).where(EService.id == row["id"])
            changes["updated"] += 1
        else:
            changes["unchanged"] += 1
    return ids


async def _replace_documents(
    service: ServiceData, service_id: int, pdfs: dict[tuple[str, str], bytes], changes: Counter[str]
) -> None:
    wanted = [
        {
            "title": document.title,
            "filename": document.filename,
            "content_type": PDF,
            "content": pdfs[(service.slug, document.filename)],
            "sort_order": position,
        }
        for position, document in enumerate(service.documents)
    ]
    current = (
        await RelatedDocument.select(
            RelatedDocument.title,
            RelatedDocument.filename,
            RelatedDocument.content_type,
            RelatedDocument.content,
            RelatedDocument.sort_order,
        )
        .where(RelatedDocument.e_service == service_id)
        .order_by(RelatedDocument.sort_order)
        .order_by(RelatedDocument.id)
    )
    if [{**row, "content": bytes(row["content"])} for row in current] == wanted:
        changes["unchanged"] += len(wanted)
        return
    await RelatedDocument.delete().where(RelatedDocument.e_service == service_id)
    if wanted:
        await RelatedDocument.insert(*(RelatedDocument(e_service=service_id, **values) for values in wanted))
    changes["updated" if current else "created"] += max(len(wanted), 1)


def _start_of_day(now: datetime) -> datetime:
    local_day = now.astimezone(LOCAL_TIME).date()
    return datetime.combine(local_day, time(0, 0), tzinfo=LOCAL_TIME)


def _swedish_date(moment: datetime) -> str:
    """For example "torsdag 4 december"."""
    return format_date(moment.astimezone(LOCAL_TIME).date(), "EEEE d MMMM", locale="sv")


def _notice_body(notice: NoticeData, starts_at: datetime, ends_at: datetime | None) -> str:
    body = notice.body.replace("{starts_date}", _swedish_date(starts_at))
    if ends_at is not None:
        body = body.replace("{ends_date}", _swedish_date(ends_at))
    return body


async def _upsert_notices(notices: tuple[NoticeData, ...], day_start: datetime, changes: Counter[str]) -> None:
    existing = {row["title"]: row for row in await OperatingNotice.select()}
    for notice in notices:
        starts_at = _at(day_start, notice.starts_after)
        ends_at = None if notice.ends_after is None else _at(day_start, notice.ends_after)
        values = {
            "body": _notice_body(notice, starts_at, ends_at),
            "starts_at": starts_at,
            "ends_at": ends_at,
            "level": notice.level,
        }
        row = existing.get(notice.title)
        if row is None:
            await OperatingNotice.insert(OperatingNotice(title=notice.title, **values))
            changes["created"] += 1
        elif _differs(row, values):
            await OperatingNotice.update(values).where(OperatingNotice.id == row["id"])
            changes["updated"] += 1
        else:
            changes["unchanged"] += 1


def _at(day_start: datetime, offset: timedelta) -> datetime:
    """The wall-clock time `offset` after the start of the day (so "+3 days 02:00" stays 02:00 across DST), in UTC."""
    local = (day_start.replace(tzinfo=None) + offset).replace(tzinfo=LOCAL_TIME)
    return local.astimezone(UTC)
